"""The travel world's booking tools: search flights, hotels and ground transport, and book.

The four core tools are typed LangChain tools over the world's offers
(``agentlab.world.places``). They are stateless: an offer id encodes what was offered
(``parse_offer_id`` reads it back), so a booking can be re-checked from the messages alone,
which lets LangGraph checkpoints and replays carry the whole world in the conversation.
``travel_tools(n)`` puts them in scope with ``n - 4`` catalogue distractors
(``agentlab.world.catalogue``). Notebooks find them in ``agentlab.world.travel``.

Introduced in notebook 01 (`01_agent_loop.ipynb`); scope grows in notebook 02.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

from langchain_core.tools import BaseTool, ToolException

from agentlab.world import places as w
from agentlab.world.catalogue import catalogue_tools
from agentlab.world.lab_tool import lab_tool

CORE_TOOLS = ("search_flights", "search_hotels", "search_ground_transport", "book_offer")
SEARCH_LATENCY_S = 1.2  # assumed: a travel search API round trip
BOOK_LATENCY_S = 0.8  # assumed: a booking API round trip
GroundKind = Literal["rental_car", "airport_shuttle"]


def _offer_id(ref: str, start: str, end: str) -> str:
    return f"{ref}@{start}/{end}"


def parse_offer_id(offer_id: str) -> tuple[w.Offer, str, str]:
    """The offer, start and end an offer id names; ``ToolException`` when it names none."""
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


@lab_tool
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


@lab_tool
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


@lab_tool
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


@lab_tool
def book_offer(offer_id: str, travelers: int) -> str:
    """Book an offer found by a search; returns the confirmation. Rebooking replaces the
    earlier booking of the same kind.

    Args:
        offer_id: The offer id exactly as a search returned it.
        travelers: Number of travelers.
    """
    offer, start, end = parse_offer_id(offer_id)
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
