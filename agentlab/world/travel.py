"""The travel world: requests with ground truth, typed booking tools, and the success check.

An agent gets a request such as "Book me a trip to Washington from Boston, ..." and four
core tools: ``search_flights``, ``search_hotels``, ``search_ground_transport`` and
``book_offer``. The tools are stateless (an offer id encodes what was offered, so a booking
can be re-checked from the messages alone), which lets LangGraph checkpoints and replays
carry the whole world in the conversation. Scope grows with catalogue tools
(``agentlab.world.catalogue``).

Introduced in notebook 01 (`01_agent_loop.ipynb`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.tools import BaseTool, ToolException, tool

from agentlab.world import places as w
from agentlab.world import resolve_hints
from agentlab.world.catalogue import catalogue_tools

CORE_TOOLS = ("search_flights", "search_hotels", "search_ground_transport", "book_offer")
SEARCH_LATENCY_S = 1.2  # assumed: a travel search API round trip
BOOK_LATENCY_S = 0.8  # assumed: a booking API round trip
GroundKind = Literal["rental_car", "airport_shuttle"]


@dataclass(frozen=True)
class TravelRequest:
    """One request and its ground truth (what the user meant; never shown to the agent)."""

    id: str
    text: str  # what the agent sees
    origin: str  # place id
    destination_alias: str  # how the user wrote the destination
    destination: str  # the place id the user meant (ground truth)
    depart: str
    return_: str
    travelers: int
    budget_usd: float
    needs: tuple[str, ...]  # "flight", "hotel", and maybe "ground"
    ground_kind: str | None
    cheapest_total_usd: float
    note: str = ""

    @property
    def ambiguous(self) -> bool:
        """Whether the destination alias has more than one meaning."""
        return len(w.resolve(self.destination_alias)) > 1


@cache
def requests() -> dict[str, TravelRequest]:
    """All travel requests by id (``data/travel/requests.jsonl``)."""
    out = {}
    with open(w.TRAVEL_DIR / "requests.jsonl") as f:
        for line in f:
            r = json.loads(line)
            out[r["id"]] = TravelRequest(
                id=r["id"],
                text=r["text"],
                origin=r["origin"],
                destination_alias=r["destination_alias"],
                destination=r["destination"],
                depart=r["depart"],
                return_=r["return"],
                travelers=int(r["travelers"]),
                budget_usd=float(r["budget_usd"]),
                needs=tuple(r["needs"]),
                ground_kind=r.get("ground_kind"),
                cheapest_total_usd=float(r["cheapest_total_usd"]),
                note=r.get("note", ""),
            )
    return out


def request_ids() -> list[str]:
    """Ids of all travel requests, in file order."""
    return list(requests())


# --- tools -----------------------------------------------------------------------------


def _offer_id(ref: str, start: str, end: str) -> str:
    return f"{ref}@{start}/{end}"


def _parse_offer_id(offer_id: str) -> tuple[w.Offer, str, str]:
    try:
        ref, dates = offer_id.strip().split("@")
        start, end = dates.split("/")
        offer = w.offers()[ref]
        if w.nights(start, end) < 1:
            raise ValueError
    except (ValueError, KeyError) as exc:
        raise ToolException(f"unknown offer id {offer_id!r}; use an id from a search") from exc
    return offer, start, end


def _place(text: str, what: str) -> w.Place:
    found = w.resolve(text)
    if not found:
        raise ToolException(f"unknown {what} {text!r}")
    return w.places()[found[0][0]]  # an ambiguous name gets its likeliest meaning


def _check(start: str, end: str, travelers: int) -> None:
    try:
        n = w.nights(start, end)
    except (TypeError, ValueError) as exc:
        raise ToolException(f"dates must be YYYY-MM-DD; got {start!r} and {end!r}") from exc
    if n < 1:
        raise ToolException(f"the end date {end} must come after the start date {start}")
    if travelers < 1:
        raise ToolException(f"travelers must be at least 1; got {travelers}")


def _listing(
    kind: str, place: w.Place, found: Sequence[w.Offer], start: str, end: str, n: int
) -> str:
    _check(start, end, n)
    items = [
        {
            "offer_id": _offer_id(o.offer_ref, start, end),
            "name": o.label,
            **o.detail,
            "total_usd": round(w.price(o, start=start, end=end, travelers=n), 2),
        }
        for o in found
    ]
    return json.dumps({"kind": kind, "place": place.name, "offers": items})


@tool(parse_docstring=True)
def search_flights(
    origin: str, destination: str, depart_date: str, return_date: str, travelers: int
) -> str:
    """Search round-trip flights; returns offers with ids to book.

    Args:
        origin: Departure city or airport code, e.g. "Boston" or "BOS".
        destination: Destination city, region or airport code, e.g. "Washington, D.C.".
        depart_date: Outbound date, YYYY-MM-DD.
        return_date: Return date, YYYY-MM-DD.
        travelers: Number of travelers.
    """
    src, dst = _place(origin, "origin"), _place(destination, "destination")
    found = w.place_offers(dst.place_id, "flight", origin_airport=src.airports[0])
    return _listing("flight", dst, found, depart_date, return_date, travelers)


@tool(parse_docstring=True)
def search_hotels(city: str, check_in: str, check_out: str, guests: int) -> str:
    """Search hotels in a city; returns offers with ids to book.

    Args:
        city: City or region, e.g. "Portland, Maine".
        check_in: Check-in date, YYYY-MM-DD.
        check_out: Check-out date, YYYY-MM-DD.
        guests: Number of guests (two per room).
    """
    dst = _place(city, "city")
    found = w.place_offers(dst.place_id, "hotel")
    return _listing("hotel", dst, found, check_in, check_out, guests)


@tool(parse_docstring=True)
def search_ground_transport(
    city: str, kind: GroundKind, start_date: str, end_date: str, travelers: int
) -> str:
    """Search rental cars or airport shuttles at the destination; returns offers to book.

    Args:
        city: City or region, e.g. "Paris, France".
        kind: "rental_car" or "airport_shuttle".
        start_date: First day, YYYY-MM-DD.
        end_date: Last day, YYYY-MM-DD.
        travelers: Number of travelers.
    """
    dst = _place(city, "city")
    found = [o for o in w.place_offers(dst.place_id, "ground") if o.detail["ground_kind"] == kind]
    return _listing(kind, dst, found, start_date, end_date, travelers)


@tool(parse_docstring=True)
def book_offer(offer_id: str, travelers: int) -> str:
    """Book an offer found by a search; returns the confirmation. Rebooking replaces the
    earlier booking of the same kind.

    Args:
        offer_id: The offer id exactly as a search returned it.
        travelers: Number of travelers.
    """
    offer, start, end = _parse_offer_id(offer_id)
    _check(start, end, travelers)
    place = w.places()[offer.place_id] if offer.kind != "flight" else None
    confirmation = {
        "status": "confirmed",
        "offer_id": offer_id,
        "kind": offer.kind,
        "name": offer.label,
        "serves": place.name if place else offer.place_id,
        "start": start,
        "end": end,
        "travelers": travelers,
        "total_usd": round(w.price(offer, start=start, end=end, travelers=travelers), 2),
    }
    if offer.kind == "ground":
        confirmation["ground_kind"] = offer.detail["ground_kind"]
    return json.dumps(confirmation)


for _t, _latency in zip(
    (search_flights, search_hotels, search_ground_transport, book_offer),
    (SEARCH_LATENCY_S, SEARCH_LATENCY_S, SEARCH_LATENCY_S, BOOK_LATENCY_S),
    strict=True,
):
    _t.metadata = {"latency_s": _latency, "domain": "travel", "core": True}
    _t.handle_tool_error = True
resolve_hints((search_flights, search_hotels, search_ground_transport, book_offer))


def travel_tools(n: int = len(CORE_TOOLS)) -> list[BaseTool]:
    """The tools in scope: the four core travel tools plus ``n - 4`` catalogue distractors.

    Args:
        n: Tools in scope, from 4 to 4 + the catalogue's size.

    Returns:
        Typed LangChain tools, core first, in scope order.

    Example:
        >>> [t.name for t in travel_tools(4)]
        ['search_flights', 'search_hotels', 'search_ground_transport', 'book_offer']
    """
    core = [search_flights, search_hotels, search_ground_transport, book_offer]
    if n < len(core):
        raise ValueError(f"n: got {n}; allowed: at least {len(core)} (the core travel tools)")
    return [*core, *catalogue_tools(n - len(core))]


# --- ground truth -----------------------------------------------------------------------


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
        offer, start, end = _parse_offer_id(booking["offer_id"])
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
        offer, start, end = _parse_offer_id(offer_id)
    except ToolException:
        return False
    booking = {"offer_id": offer_id, "travelers": travelers}
    total = w.price(offer, start=start, end=end, travelers=travelers)
    return booking_ok(req, booking) and total <= cheapest_offer(req, offer.kind) + 0.005


def success(req: TravelRequest, messages: Sequence[BaseMessage]) -> bool:
    """The success check: every needed booking is right and the total is within budget."""
    it = Itinerary.from_messages(messages)
    return (
        all(kind in it.bookings and booking_ok(req, it.bookings[kind]) for kind in req.needs)
        and set(it.bookings) <= set(req.needs)
        and it.total_usd <= req.budget_usd + 0.005
        and any(isinstance(m, AIMessage) and not m.tool_calls for m in messages)
    )


# --- memory -----------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def digest(tool_name: str, content: str, status: str) -> str:
    """A memory note for one tool result (what the remember node writes); cached by content."""
    if status == "error":
        return f"{tool_name}: error: {content[:160]}"
    try:
        result = json.loads(content)
    except json.JSONDecodeError:
        return f"{tool_name}: {content[:160]}"
    if isinstance(result, dict) and "offers" in result:
        offers = result["offers"]
        if not offers:
            return f"{tool_name}: no {result['kind'].replace('_', ' ')} offers at {result['place']}"
        best = min(offers, key=lambda o: o["total_usd"])
        kind = result["kind"].replace("_", " ")
        return (
            f"{tool_name}: {len(offers)} {kind} offers at {result['place']}; "
            f"cheapest {best['offer_id']} ${best['total_usd']:.2f}"
        )
    if isinstance(result, dict) and result.get("status") == "confirmed":
        return (
            f"{tool_name}: booked {result['kind']} {result['name']} ({result['serves']}) "
            f"{result['start']} to {result['end']} for {result['travelers']}, "
            f"${result['total_usd']:.2f}"
        )
    return f"{tool_name}: {content[:160]}"


def past_trip_notes(n: int) -> list[str]:
    """``n`` long-term memory notes about the user's past trips (deterministic, from the world).

    They are true but irrelevant to the request at hand: they only dilute the context, as a
    growing memory does.
    """
    hotels = w.offers_of("hotel")
    notes = []
    for i in range(n):
        h = hotels[(i * 7919) % len(hotels)]
        stay = 2 + i % 5
        year, month, day = 2024 + (i // 12) % 3, 1 + i % 12, 1 + (i * 11) % 27
        notes.append(
            f"{year}-{month:02d}-{day:02d}: stayed {stay} nights at {h.label} "
            f"({w.places()[h.place_id].name}), ${h.price_usd * stay:.0f}; "
            f"rated it {3 + i % 3}/5."
        )
    return notes


INSTRUCTIONS = (
    "You are a travel agent. Book what the user asks for with the tools: search, then book "
    "the cheapest offer that fits the request, for the request's dates and travelers, within "
    "the budget. Tools for the trip: " + ", ".join(CORE_TOOLS) + "."
)


# --- judging decisions ------------------------------------------------------------------


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
