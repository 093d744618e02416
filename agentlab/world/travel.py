"""The travel world: requests with ground truth, typed booking tools, and the success check.

An agent gets a request such as "Book me a trip to Washington from Boston, ..." and four
core tools: ``search_flights``, ``search_hotels``, ``search_ground_transport`` and
``book_offer``. The tools are stateless (an offer id encodes what was offered, so a booking
can be re-checked from the messages alone), which lets LangGraph checkpoints and replays
carry the whole world in the conversation. Scope grows with catalogue tools
(``agentlab.world.catalogue``).

This module is the travel world's public face: the requests (``travel_requests``), the
tools (``travel_booking``) and the judge (``travel_judge``) are found here, with the
agent's instructions and its memory notes (``digest``, ``past_trip_notes``).

Introduced in notebook 01 (`01_agent_loop.ipynb`).
"""

from __future__ import annotations

import json
from functools import lru_cache

from agentlab.world import places as w
from agentlab.world.travel_booking import (
    BOOK_LATENCY_S,
    CORE_TOOLS,
    SEARCH_LATENCY_S,
    GroundKind,
    book_offer,
    search_flights,
    search_ground_transport,
    search_hotels,
    travel_tools,
)
from agentlab.world.travel_judge import (
    Itinerary,
    booking_ok,
    cheapest_offer,
    judge_booking,
    judge_call,
    judge_plan,
    success,
)
from agentlab.world.travel_requests import TravelRequest, request_ids, requests

__all__ = [  # the travel world, as the runner and the notebooks use it (travel.NAME)
    "BOOK_LATENCY_S",
    "CORE_TOOLS",
    "INSTRUCTIONS",
    "SEARCH_LATENCY_S",
    "GroundKind",
    "Itinerary",
    "TravelRequest",
    "book_offer",
    "booking_ok",
    "cheapest_offer",
    "digest",
    "judge_booking",
    "judge_call",
    "judge_plan",
    "past_trip_notes",
    "request_ids",
    "requests",
    "search_flights",
    "search_ground_transport",
    "search_hotels",
    "success",
    "travel_tools",
]


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
    return list(_past_trip_notes(n))


@lru_cache(maxsize=16)
def _past_trip_notes(n: int) -> tuple[str, ...]:
    """The notes behind ``past_trip_notes``, written once per size (every episode with
    ``memory_items=n`` loads the same ones)."""
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
    return tuple(notes)


INSTRUCTIONS = (
    "You are a travel agent. Book what the user asks for with the tools: search, then book "
    "the cheapest offer that fits the request, for the request's dates and travelers, within "
    "the budget. Tools for the trip: " + ", ".join(CORE_TOOLS) + "."
)
