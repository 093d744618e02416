"""The travel world's judge: the success check, and whether each decision was right.

``success`` checks an episode's outcome (every needed booking right as ``judge_booking``
judges it, within budget, and an answer); ``judge_call`` and ``judge_plan`` check one
decision against the request's ground truth (the right place, dates and party; the cheapest
right offer; the destination the user meant), which is how provenance finds root errors.
``Itinerary`` reads what is booked from the messages alone. Notebooks find them in
``agentlab.world.travel``.

Introduced in notebook 01 (`01_agent_loop.ipynb`); decisions are judged from notebook 03.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.tools import ToolException

from agentlab.world import places as w
from agentlab.world.travel_booking import parse_offer_id
from agentlab.world.travel_requests import TravelRequest


@dataclass
class Itinerary:
    """What is booked at the end of an episode: the last confirmation of each kind."""

    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_messages(cls, messages: Sequence[BaseMessage]) -> Itinerary:
        """Collect the confirmations of ``book_offer`` found in the messages."""
        it = cls()
        for m in messages:
            if isinstance(m, ToolMessage) and m.name == "book_offer" and m.status != "error":
                try:
                    c = json.loads(str(m.content))
                except json.JSONDecodeError:
                    continue
                if isinstance(c, dict) and c.get("status") == "confirmed":
                    it.bookings[c["kind"]] = c
        return it

    @property
    def total_usd(self) -> float:
        """Total price of everything booked."""
        return float(sum(b["total_usd"] for b in self.bookings.values()))


def booking_ok(req: TravelRequest, booking: dict[str, Any]) -> bool:
    """Whether one confirmation is what the user really asked for (place, dates, party)."""
    try:
        offer, start, end = parse_offer_id(booking["offer_id"])
    except ToolException:
        return False
    right_kind = offer.kind != "ground" or offer.detail["ground_kind"] == req.ground_kind
    return (
        right_kind
        and w.serves(offer, req.destination)
        and (start, end) == (req.depart, req.return_)
        and booking["travelers"] == req.travelers
        and (offer.kind != "flight" or offer.detail["origin"] == w.places()[req.origin].airports[0])
    )


def cheapest_offer(req: TravelRequest, kind: str) -> float:
    """Price of the cheapest right offer of one kind for a request."""
    return _cheapest(
        req.origin, req.destination, kind, req.ground_kind, req.depart, req.return_, req.travelers
    )


@lru_cache(maxsize=4096)
def _cheapest(
    origin: str,
    destination: str,
    kind: str,
    ground_kind: str | None,
    depart: str,
    return_: str,
    travelers: int,
) -> float:
    """``cheapest_offer`` by what it depends on: judging asks it again for every booking."""
    airport = w.places()[origin].airports[0]
    found = w.place_offers(destination, kind, origin_airport=airport)
    if kind == "ground":
        found = [o for o in found if o.detail["ground_kind"] == ground_kind]
    return min(w.price(o, start=depart, end=return_, travelers=travelers) for o in found)


def judge_booking(req: TravelRequest, offer_id: str, travelers: int) -> bool:
    """A booking decision is right when it books the cheapest right offer for the request."""
    try:
        offer, start, end = parse_offer_id(offer_id)
    except ToolException:
        return False
    booking = {"offer_id": offer_id, "travelers": travelers}
    total = w.price(offer, start=start, end=end, travelers=travelers)
    return booking_ok(req, booking) and total <= cheapest_offer(req, offer.kind) + 0.005


def success(req: TravelRequest, messages: Sequence[BaseMessage]) -> bool:
    """The success check: every needed booking is right as the judge judges a booking (the
    cheapest right offer, which is what the task asks for), nothing else is booked, the
    total is within budget, and there is an answer. A booking of the right place and dates
    that is not the cheapest fails the trip, as it counts as a wrong decision."""
    it = Itinerary.from_messages(messages)

    def right(kind: str) -> bool:
        booked = it.bookings.get(kind)
        return booked is not None and judge_booking(req, booked["offer_id"], booked["travelers"])

    return (
        all(right(kind) for kind in req.needs)
        and set(it.bookings) <= set(req.needs)
        and it.total_usd <= req.budget_usd + 0.005
        and any(isinstance(m, AIMessage) and not m.tool_calls for m in messages)
    )


def _resolves_to(text: Any, place_id: str) -> bool:
    found = w.resolve(str(text))
    return bool(found) and found[0][0] == place_id


def judge_call(req: TravelRequest, name: str, args: dict[str, Any]) -> bool:
    """Whether one tool call agrees with the request's ground truth.

    A search is right when it searches the place the user meant, for the right dates and
    party; a booking when it books the cheapest right offer; any other tool is a wrong pick.
    """
    dates = (req.depart, req.return_)
    try:
        if name == "search_flights":
            return (
                _resolves_to(args["destination"], req.destination)
                and _resolves_to(args["origin"], req.origin)
                and (args["depart_date"], args["return_date"]) == dates
                and int(args["travelers"]) == req.travelers
            )
        if name == "search_hotels":
            return (
                _resolves_to(args["city"], req.destination)
                and (args["check_in"], args["check_out"]) == dates
                and int(args["guests"]) == req.travelers
            )
        if name == "search_ground_transport":
            return (
                _resolves_to(args["city"], req.destination)
                and args["kind"] == req.ground_kind
                and (args["start_date"], args["end_date"]) == dates
                and int(args["travelers"]) == req.travelers
            )
        if name == "book_offer":
            return judge_booking(req, str(args["offer_id"]), int(args["travelers"]))
    except (KeyError, TypeError, ValueError):
        return False
    return False


def judge_plan(req: TravelRequest, args: dict[str, Any]) -> bool:
    """A plan is right when it commits to the destination the user meant."""
    for a in args.get("assumptions", []):
        if a.get("slot") == "destination":
            return _resolves_to(a.get("value", ""), req.destination)
    return not req.ambiguous
