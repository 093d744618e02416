"""The simulated model's travel skill: how it reads a trip request, plans, books and reviews.

This is the model's "training" for the travel world, not a script: every call re-reads the
prompt (the request, the plan with its statuses, the visible tool results and memory),
decides what it intends to do, and then draws each decision with the probability the
physics gives for that prompt. It never sees the ground truth: an ambiguous destination is
resolved from its prior belief unless the conversation holds a clarification.

Introduced in notebook 01 (`01_agent_loop.ipynb`).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from langchain_core.messages import ToolMessage

from agentlab.sim.clarify import clarification
from agentlab.sim.generic import fill_args
from agentlab.sim.physics import Decision, Dice, p_catch, p_correct
from agentlab.sim.profiles import ModelProfile
from agentlab.sim.prompt import Prompt, text_of
from agentlab.sim.reply import Reply
from agentlab.sim.travel_team import (
    board,
    combine_reply,
    my_kinds,
    reading_reply,
    route_reply,
    split_reply,
    to_book,
    to_search,
)
from agentlab.sim.trip import GROUND_WORDS, Trip, parse_request
from agentlab.world import places as w
from agentlab.world.place_names import read_place

_PLAN_LINE = re.compile(r"^(\d+)\. \[(done|next| )\] (\w+): (.*)$", re.M)
_ASSUMPTION = re.compile(r"^Assumptions: (.*)$", re.M)
_CHEAPEST = re.compile(r"cheapest (\S+@\S+) \$([\d.]+)")
_TOOLS = re.compile(r"^Tools: (.*)$", re.M)
SEARCH_FOR = {
    "flight": "search_flights",
    "hotel": "search_hotels",
    "rental_car": "search_ground_transport",
    "airport_shuttle": "search_ground_transport",
}


def interpret(alias: str, prompt: Prompt, dice: Dice) -> tuple[str, Decision]:
    """Commit to one meaning of a place name: a teammate's reading of it (a travel team's
    ``[plan]`` line), a person's clarification in context, else the prior. Names are read
    however they are written ("Washington, D.C.", "DC", "the state of Washington")."""
    told = board(prompt).destination
    found = read_place(told) if told else []
    clarified = found[0][0] if found else clarification(alias, prompt)
    if clarified:
        name = w.places()[clarified].name
        return name, Decision("interpretation", 1, 1.0, True, name)
    meanings = read_place(alias)
    if not meanings:
        return alias, Decision("interpretation", 1, 1.0, True, alias)
    pid = dice.weighted("interpretation", [p for p, _ in meanings], [q for _, q in meanings])
    prior = dict(meanings)[pid]
    return w.places()[pid].name, Decision("interpretation", len(meanings), prior, True, pid)


def _display(alias: str) -> str:
    found = read_place(alias)
    return w.places()[found[0][0]].name if len(found) == 1 else alias


def _kind_of(action: str) -> str:
    for key in ("flight", "hotel", "rental car", "airport shuttle"):
        if key in action.lower():
            return GROUND_WORDS.get(key, key)
    return "flight"


def plan_reply(trip: Trip, prompt: Prompt, dice: Dice) -> Reply:
    """The plan: commit to a destination and list the tool steps.

    An agent plans the steps it has tools for (its ``Tools:`` line), for its part of the
    trip (a split team's ``Your part:``), skipping what its teammates' lines show done: a
    search whose offers are in sight, a booking made since.
    """
    dest, decision = interpret(trip.destination, prompt, dice)
    others = [w.places()[p].name for p, _ in w.resolve(trip.destination)]
    span = f"{trip.depart} to {trip.return_}, {trip.travelers} traveler(s)"
    listed = _TOOLS.search(prompt.system_text())
    mine = set(listed[1].split(", ")) if listed else set(SEARCH_FOR.values()) | {"book_offer"}
    kinds, done = my_kinds(prompt, trip.needs), board(prompt)
    searching, booking = to_search(done, kinds), to_book(done, kinds)
    steps: list[dict[str, str]] = []
    for kind in kinds:
        words = kind.replace("_", " ")
        search = {
            "flight": f"Search flights from {_display(trip.origin)} to {dest}, {span}",
            "hotel": f"Search hotels in {dest}, {span}",
        }.get(kind, f"Search {words}s in {dest}, {span}")
        if SEARCH_FOR[kind] in mine and kind in searching:
            steps.append({"tool": SEARCH_FOR[kind], "action": search})
        will_search = kind in searching and SEARCH_FOR[kind] in mine
        if "book_offer" in mine and (will_search or kind in booking):
            steps.append({"tool": "book_offer", "action": f"Book the cheapest {words}"})
    assumptions = [
        {
            "slot": "destination",
            "value": dest,
            "alternatives": [o for o in others if o != dest] if decision.p_correct < 1 else [],
            "confidence": round(decision.p_correct, 3),
        },
        {"slot": "origin", "value": _display(trip.origin), "alternatives": [], "confidence": 1.0},
    ]
    return Reply(
        tool_calls=[{"name": "Plan", "args": {"assumptions": assumptions, "steps": steps}}],
        decisions=[decision],
        skill="travel:plan",
    )


def _errors_in_context(prompt: Prompt, plan_tools: set[str]) -> int:
    return sum(
        1
        for _, m in prompt.tool_results()
        if m.status == "error" or (m.name is not None and m.name not in plan_tools)
    )


@lru_cache(maxsize=1024)
def _listed(text: str, kind: str) -> tuple[tuple[str, float], ...] | None:
    """The offers (id, total) of one kind a search result lists, None if it lists none;
    read once per text, as the booking step and the review read the same result again."""
    try:
        result = json.loads(text)
    except json.JSONDecodeError:
        return None
    if result.get("kind") == kind and result.get("offers"):
        return tuple((o["offer_id"], float(o["total_usd"])) for o in result["offers"])
    return None


def _offers(prompt: Prompt, kind: str) -> list[tuple[str, float]]:
    """The latest visible offers of one kind: from a search result, else from memory."""
    for _, m in reversed(prompt.tool_results()):
        if m.name != SEARCH_FOR[kind] or m.status == "error":
            continue
        found = _listed(text_of(m), kind)
        if found:
            return list(found)
    for line in reversed(prompt.memory_text().splitlines()):
        if SEARCH_FOR[kind] in line and f"{kind.replace('_', ' ')} offers" in line:
            m2 = _CHEAPEST.search(line)
            if m2:
                return [(m2[1], float(m2[2]))]
    seen = board(prompt).offers.get(kind)  # what a teammate's search found
    return list(seen[1]) if seen else []


def _search_args(tool: str, trip: Trip, dest: str, origin: str) -> dict[str, Any]:
    dates = {
        "search_flights": ("depart_date", "return_date"),
        "search_hotels": ("check_in", "check_out"),
    }
    start, end = dates.get(tool, ("start_date", "end_date"))
    args: dict[str, Any] = {start: trip.depart, end: trip.return_}
    if tool == "search_flights":
        args |= {"origin": origin, "destination": dest, "travelers": trip.travelers}
    elif tool == "search_hotels":
        args |= {"city": dest, "guests": trip.travelers}
    else:
        ground = next((k for k in trip.needs if k not in ("flight", "hotel")), "rental_car")
        args |= {"city": dest, "kind": ground, "travelers": trip.travelers}
    return args


def _slip(args: dict[str, Any], dice: Dice) -> dict[str, Any]:
    """One argument written wrong: a date off by a day, or the party size off by one."""
    keys = [k for k in args if "date" in k or k in ("check_in", "check_out", "travelers", "guests")]
    key = dice.rng("slip").choice(sorted(keys))
    out = dict(args)
    if isinstance(out[key], int):
        out[key] = out[key] + 1
    else:
        out[key] = (date.fromisoformat(out[key]) + timedelta(days=1)).isoformat()
    return out


def act_reply(trip: Trip, prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply:
    """One step of the plan: pick the step's tool among those in scope, then its arguments."""
    system = prompt.system_text()
    steps = [
        (int(n), status, tool, action) for n, status, tool, action in _PLAN_LINE.findall(system)
    ]
    assumed = dict(
        kv.split(" = ", 1)
        for kv in (_ASSUMPTION.findall(system) or [""])[0].split("; ")
        if " = " in kv
    )
    pending = [s for s in steps if s[1] != "done"]
    if not pending:
        return Reply(content=_summary(prompt, trip), skill="travel:answer")
    n, _, tool, action = pending[0]
    dest = assumed.get("destination", trip.destination)
    origin = assumed.get("origin", _display(trip.origin))
    ctx, errors = prompt.input_tokens, _errors_in_context(prompt, {s[2] for s in steps})
    decisions = []
    if tool == "book_offer":
        found = _offers(prompt, _kind_of(action))
        if not found:  # the search result is out of sight: search again
            tool, action = SEARCH_FOR[_kind_of(action)], f"Search again: {action}"
    if tool not in prompt.tool_names:  # a team member without the tool: it says so, stops
        return Reply(
            content=f"Step {n}: I cannot {action[0].lower()}{action[1:]}: "
            f"no {tool} among my tools.",
            skill="travel:act",
        )
    options = prompt.tool_names or [tool]
    pick = dice.choose_tool(
        tool,
        options,
        p_correct(profile, options=len(options), context_tokens=ctx, errors_in_context=errors),
    )
    decisions.append(pick)
    if not pick.correct:
        schema = prompt.tool(pick.chosen) or {}
        args = fill_args(schema.get("function", {}).get("parameters", {}), f"{dest} {trip.depart}")
    elif tool == "book_offer":
        best = min(found, key=lambda o: o[1])[0]
        offer = dice.choose(
            "offer",
            intended=best,
            options=[o for o, _ in found],
            kind="offer",
            p=p_correct(profile, options=len(found), context_tokens=ctx, errors_in_context=errors),
        )
        decisions.append(offer)
        args = {"offer_id": offer.chosen, "travelers": trip.travelers}
    else:
        args = _search_args(tool, trip, dest, origin)
        ok = dice.chance(
            "args",
            p_correct(profile, options=len(args), context_tokens=ctx, errors_in_context=errors),
        )
        decisions.append(
            Decision("arguments", len(args), 0.0, ok, "as requested" if ok else "slip")
        )
        args = args if ok else _slip(args, dice)
    return Reply(
        content=f"Step {n}: {action}.",
        tool_calls=[{"name": pick.chosen, "args": args}],
        decisions=decisions,
        skill="travel:act",
    )


def _bookings(prompt: Prompt) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for _, m in prompt.tool_results():
        if isinstance(m, ToolMessage) and m.name == "book_offer" and m.status != "error":
            try:
                c = json.loads(text_of(m))
            except json.JSONDecodeError:
                continue
            if c.get("status") == "confirmed":
                out[c.get("ground_kind", c["kind"])] = c
    return out


def _all_bookings(prompt: Prompt) -> tuple[dict[str, dict[str, Any]], bool]:
    """Every booking in sight (a teammate's, as reported, then one's own), and whether any
    is one's own (a tool result in this context)."""
    own = _bookings(prompt)
    reported = {kind: b for kind, (_, b) in board(prompt).booked.items()}
    return reported | own, bool(own)


def _summary(prompt: Prompt, trip: Trip) -> str:
    booked = _bookings(prompt)
    if not booked:
        return "All steps are done."
    lines = [
        f"- {k.replace('_', ' ')}: {b['name']} ({b['serves']}), ${b['total_usd']:,.2f}"
        for k, b in booked.items()
    ]
    total = sum(b["total_usd"] for b in booked.values())
    return (
        "All steps are done. Booked:\n"
        + "\n".join(lines)
        + f"\nTotal ${total:,.2f} (budget ${trip.budget:,.0f})."
    )


def review_reply(trip: Trip, prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply:
    """Review the bookings against the request; each visible discrepancy is caught or missed."""
    system = "\n".join([*prompt.human_texts(), prompt.system_text()])
    steps = [(int(n), tool, action) for n, _, tool, action in _PLAN_LINE.findall(system)]
    problems: list[tuple[list[int], str]] = []
    booked, own = _all_bookings(prompt)
    for kind, b in booked.items():
        mine = [n for n, tool, action in steps if tool == "book_offer" and _kind_of(action) == kind]
        search = [
            n for n, tool, action in steps if tool == SEARCH_FOR[kind] and _kind_of(action) == kind
        ]
        if (b["start"], b["end"], b["travelers"]) != (trip.depart, trip.return_, trip.travelers):
            problems.append(
                (
                    search + mine,
                    f"the {kind} booking is for {b['start']} to {b['end']}, "
                    f"{b['travelers']} traveler(s); the request says {trip.depart} to "
                    f"{trip.return_}, {trip.travelers}",
                )
            )
            continue
        found = _offers(prompt, kind)
        if found and b["total_usd"] > min(p for _, p in found) + 0.005:
            problems.append(
                (mine, f"the {kind} booked (${b['total_usd']:,.2f}) is not the cheapest")
            )
    if not own:  # a checker of others' work holds the trip to the request's whole list
        problems += [([], f"the {k} is not booked") for k in trip.needs if k not in booked]
    # an agent reviewing its own bookings catches less than a checker reviewing another's
    p = p_catch(profile, context_tokens=prompt.input_tokens, own_work=own)
    issues: list[dict[str, Any]] = []
    decisions: list[Decision] = []
    for i, (redo, problem) in enumerate(problems):
        caught = dice.chance(f"review:{i}", p)
        decisions.append(Decision("review", 2, p, caught, "caught" if caught else "missed"))
        if caught:  # a checker with no plan of its own names no step (0): it reports
            issues.extend({"step": n, "problem": problem} for n in redo or [0])
    args = {"ok": not issues, "issues": issues}
    return Reply(
        tool_calls=[{"name": "Review", "args": args}], decisions=decisions, skill="travel:review"
    )


def travel_skill(prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply | None:
    """Answer a travel-world prompt, or None when the prompt is not about a travel request."""
    trip = next((t for t in map(parse_request, prompt.human_texts()) if t is not None), None)
    if trip is None:
        return None
    if prompt.forced_tool == "Plan":
        return plan_reply(trip, prompt, dice)
    if prompt.forced_tool == "Review":
        return review_reply(trip, prompt, dice, profile)
    if prompt.forced_tool == "Route":
        return route_reply(trip.needs, prompt, dice, profile)
    if prompt.forced_tool == "Split":
        return split_reply(trip.needs, prompt)
    if prompt.forced_tool == "Combine":
        return combine_reply(prompt)
    if prompt.forced_tool in ("Reread", "Vote"):  # a debating peer's reading, the team's
        return reading_reply(prompt, dice, profile, interpret(trip.destination, prompt, dice)[0])
    if prompt.tool_names and not prompt.forced_tool:  # a step of the plan, with its tools
        return act_reply(trip, prompt, dice, profile)
    return None
