"""The simulated model's part in a travel team: reading what teammates did, routing to the
next capability needed, splitting a trip into parts and combining the parts' bookings.

A travel team passes its work along as ``[kind] ...`` lines (written by
``agentlab.graphs.handoffs.travel_items_of`` and the team's checker): ``[plan] destination
= ...`` (the planner's reading of the request), ``[offers] flight at <place>: <id> $<total>;
...`` (every offer a search found), ``[booked] <kind> <id> ...`` (a booking), ``[issue] ...``
and ``[checked] ...`` (the checker's report). The model reads them back from whatever part
of them reached its prompt: a bounded handoff may have dropped some, and then it acts on
what it sees, never on what happened. A debating peer, or a team voting on how to read
the request, counts the ``[plan]`` lines it sees (``reading_reply``).

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from agentlab.sim.physics import Dice, p_correct
from agentlab.sim.profiles import ModelProfile
from agentlab.sim.prompt import Prompt, text_of
from agentlab.sim.reply import Reply
from agentlab.world import places as w
from agentlab.world.place_names import read_place

_OFFERS = re.compile(r"^\[offers\] (\w+) at (.+?): (.+)$")
_OFFER = re.compile(r"(\S+@\S+) \$([\d.]+)")
_BOOKED = re.compile(
    r"^\[booked\] (\w+) (\S+) (.+) \((.+)\) (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2}) "
    r"for (\d+), \$([\d.]+)$"
)
_DATES_ISSUE = re.compile(r"the (\w+) booking is for ")
_PRICE_ISSUE = re.compile(r"the (\w+) booked \(.*\) is not the cheapest")
_DESTINATION = re.compile(r"^\[plan\] destination = (.+)$")
_PART = re.compile(r"^Your part: (.+)\.$", re.M)
_AGENT_LINE = re.compile(r"^- (\w+): (.*)$", re.M)
SEARCH, BOOK, CHECK = "search", "book", "check"


@dataclass
class Board:
    """What the team's lines in a prompt say was done, each with its place in order."""

    offers: dict[str, tuple[int, list[tuple[str, float]], str]] = field(default_factory=dict)
    booked: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    # kind -> (where, "dates" or "price"): the latest problem the checker reported with it
    issues: dict[str, tuple[int, str]] = field(default_factory=dict)
    checked: int = -1  # where the latest check report is
    destination: str | None = None  # the planner's reading of the request, if reported


def board(prompt: Prompt) -> Board:
    """The team's lines visible in the prompt, read in order (latest wins)."""
    out = Board()
    lines = [ln for m in prompt.messages for ln in text_of(m).splitlines() if ln.startswith("[")]
    for at, line in enumerate(lines):
        if m := _OFFERS.match(line):
            offers = [(o, float(p)) for o, p in _OFFER.findall(m[3])]
            if offers:
                out.offers[m[1]] = (at, offers, m[2])
        elif m := _BOOKED.match(line):
            booking = {
                "offer_id": m[2],
                "name": m[3],
                "serves": m[4],
                "start": m[5],
                "end": m[6],
                "travelers": int(m[7]),
                "total_usd": float(m[8]),
            }
            out.booked[m[1]] = (at, booking)
        elif line.startswith("[issue] "):
            out.checked = at
            if m := _DATES_ISSUE.search(line):
                out.issues[m[1]] = (at, "dates")
            elif m := _PRICE_ISSUE.search(line):
                out.issues[m[1]] = (at, "price")
        elif line.startswith("[checked] "):
            out.checked = at
        elif m := _DESTINATION.match(line):
            out.destination = m[1].strip()
    return out


def to_search(b: Board, kinds: tuple[str, ...]) -> list[str]:
    """The kinds with no offers in sight, or whose booking was reported for the wrong dates
    since their last search (a new search is needed: an offer carries its dates)."""
    out = []
    for k in kinds:
        issue = b.issues.get(k)
        if k not in b.offers or (issue and issue[1] == "dates" and issue[0] > b.offers[k][0]):
            out.append(k)
    return out


def to_book(b: Board, kinds: tuple[str, ...]) -> list[str]:
    """The kinds with offers in sight and no booking since, or a booking reported as not
    the cheapest."""
    searching = to_search(b, kinds)
    out = []
    for k in kinds:
        if k in searching or k not in b.offers:
            continue
        booked = b.booked.get(k)
        issue = b.issues.get(k)
        stale = booked is None or booked[0] < b.offers[k][0]
        if stale or (issue and issue[1] == "price" and issue[0] > booked[0]):  # type: ignore[index]
            out.append(k)
    return out


def next_capability(b: Board, kinds: tuple[str, ...], checking: bool) -> str | None:
    """What the team needs next: search, book, check (when someone checks), or nothing."""
    if to_search(b, kinds):
        return SEARCH
    if to_book(b, kinds):
        return BOOK
    if checking and any(at > b.checked for at, _ in b.booked.values()):
        return CHECK
    return None


def my_kinds(prompt: Prompt, needs: tuple[str, ...]) -> tuple[str, ...]:
    """The kinds this agent is asked to handle: its part of a split trip, else all."""
    for text in prompt.human_texts():
        m = _PART.search(text)
        if m:
            return tuple(k for k in needs if k.replace("_", " ") in m[1])
    return needs


def route_reply(needs: tuple[str, ...], prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply:
    """A routing decision: the agent owning the next capability needed, or finish."""
    owners = {a: caps.split(", ") for a, caps in _AGENT_LINE.findall(prompt.system_text())}
    checking = any(CHECK in caps for caps in owners.values())
    wanted = next_capability(board(prompt), needs, checking)
    intended = next((a for a, caps in owners.items() if wanted in caps), "finish")
    return route_choice(prompt, [*owners], intended, dice, profile, "travel:route")


def route_choice(
    prompt: Prompt,
    owners: list[str],
    intended: str,
    dice: Dice,
    profile: ModelProfile,
    skill: str,
) -> Reply:
    """A routing decision among the schema's options (else the agents and finish): the
    intended one with the physics' probability for this prompt, else another."""
    schema = (prompt.tool(prompt.forced_tool or "") or {}).get("function", {}).get("parameters", {})
    options = schema.get("properties", {}).get("next", {}).get("enum") or [*owners, "finish"]
    p = p_correct(profile, options=len(options), context_tokens=prompt.input_tokens)
    pick = dice.choose("route", intended=intended, options=options, p=p, kind="route")
    return Reply(
        tool_calls=[{"name": prompt.forced_tool or "Route", "args": {"next": pick.chosen}}],
        decisions=[pick],
        skill=skill,
    )


def split_reply(needs: tuple[str, ...], prompt: Prompt) -> Reply:
    """Split a trip into one part per kind of booking it needs."""
    parts = [f"the {k.replace('_', ' ')}" for k in needs]
    return Reply(
        tool_calls=[{"name": prompt.forced_tool or "Split", "args": {"parts": parts}}],
        skill="travel:split",
    )


def combine_reply(prompt: Prompt) -> Reply:
    """Combine the parts: list the bookings the members reported, as reported."""
    booked = board(prompt).booked
    lines = [
        f"- {k.replace('_', ' ')}: {b['name']} ({b['serves']}), ${b['total_usd']:,.2f}"
        for k, (_, b) in booked.items()
    ]
    total = sum(b["total_usd"] for _, b in booked.values())
    answer = "\n".join(["Booked:", *lines, f"Total ${total:,.2f}."]) if lines else "Nothing booked."
    return Reply(
        tool_calls=[{"name": prompt.forced_tool or "Combine", "args": {"answer": answer}}],
        skill="travel:combine",
    )


def readings(prompt: Prompt) -> list[str]:
    """Every reading of the request's destination in sight (``[plan] destination = ...``
    lines: a member's, the team's), in the order they appear, each a place's name however
    it was written ("Washington DC" and "Washington, D.C." are one reading)."""
    return [
        _name(m[1])
        for msg in prompt.messages
        for line in text_of(msg).splitlines()
        if (m := _DESTINATION.match(line))
    ]


def _name(written: str) -> str:
    """A place's name for a reading that means one place, else the reading as written."""
    found = read_place(written)
    return w.places()[found[0][0]].name if len(found) == 1 else written.strip()


def reading_reply(prompt: Prompt, dice: Dice, profile: ModelProfile, own: str) -> Reply:
    """Read the request again in the light of the readings in sight (a debating peer's
    ``Reread``), or give the team's reading (``Vote``): the reading most of them hold, the
    first listed among equals (a peer's own comes first), drawn with the physics'
    probability for this prompt; with none in sight, ``own`` (its own reading)."""
    ranked = [r for r, _ in Counter(readings(prompt)).most_common()] or [own]
    p = p_correct(profile, options=len(ranked), context_tokens=prompt.input_tokens)
    pick = dice.choose("reading", intended=ranked[0], options=ranked, p=p, kind="vote")
    return Reply(
        tool_calls=[{"name": prompt.forced_tool or "Vote", "args": {"destination": pick.chosen}}],
        decisions=[pick],
        skill="travel:vote",
    )
