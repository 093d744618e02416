"""The placement explorer's controls: each toggle's places, the stops of the sliders, what
each control does, why a control is greyed out, in words (its tooltip, and the note under
the controls), and which designs are one click away (run ahead of the clicks).

A control is greyed out when the architecture does not read its setting
(``agentlab.applies``: placement on placed teams, team size on sized ones, the handoff
budget on teams that hand off). The explorer also refuses, with the same words, a setting
made from code on a greyed-out control: a setting that does not apply is never ignored.

Introduced in notebook 06 (`06_capability_placement.ipynb`), with the explorer.
"""

from __future__ import annotations

import html
from typing import Any

from agentlab.applies import HANDED_OFF, PLACED, SIZED
from agentlab.config import ARCHITECTURES
from agentlab.world.capabilities import NONE, Capability, capabilities
from agentlab.world.catalogue import catalogue_size
from agentlab.world.research import RESEARCH_TOOLS

EMBED_IN = {"refine_query": "retriever", "retrieve": "analyst", "rank_filter": "retriever",
            "synthesize": "retriever", "fact_check": "analyst"}  # fmt: skip  # each toggle's host
LABELS = {"refine_query": "refine query", "retrieve": "retrieve", "rank_filter": "rank & filter",
          "synthesize": "synthesize", "fact_check": "fact-check"}  # fmt: skip
SCOPE = (4, 8, 16, 32, 64, 120)  # tools in scope, the stops of notebook 02's sweep
HANDOFF_STOPS = (50, 100, 150, 200, 300, 500, 750, 1000)  # handoff budgets (tokens)
TEAM_SIZES = (2, 3, 4, 5, 6)  # researchers of a sized team
SLIDERS = ("tools", "handoff_tokens", "team_size")  # the sliders, by the field each sets

WHY_NO_PLACEMENT = {
    "single": "it has every capability itself",
    "independent": "the question is split into parts and each member answers one with every "
    "capability but the fact-check; nobody verifies",
    "decentralized": "every peer has every capability, then the peers debate",
    "hybrid": "its researchers do the work in parallel, then a dedicated fact-checker verifies",
}
WHY_NO_SIZE = "the placement decides how many agents it has (one per group of capabilities)"
WHY_NO_HANDOFF = {
    "single": "it hands nothing to anyone",
    "independent": "members answer their parts alone and an aggregator combines the answers "
    "as reported: nothing is handed off",
    "decentralized": "peers read each other's answers in the debate, not a bounded handoff",
}
TIPS = {
    "placement": "where this capability lives: an agent of its own, embedded in its host, "
    "or (refining the query) left out",
    "tools": "tools in the system's scope: the research tools plus unrelated catalogue tools, "
    "dealt out among the capabilities (an agent carries the shares of the capabilities it "
    "has); notebook 02's scope",
    "handoff_tokens": "tokens of the earlier agents' work a member receives in a handoff",
    "team_size": "researchers working in parallel",
    "architecture": "the team's topology (notebook 05)",
}


def _and(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def _team(architecture: str) -> str:
    """The subject of a reason: "the single agent", "a centralized team", "an ..."."""
    if architecture == "single":
        return "the single agent"
    return f"{'an' if architecture[0] in 'aeiou' else 'a'} {architecture} team"


def places(name: str, caps: dict[str, Capability] | None) -> list[tuple[str, str]]:
    """A toggle's choices: own agent, embedded in its host, left out (if optional)."""
    host, optional = EMBED_IN[name], (caps or capabilities())[name].optional
    embedded = [("own agent", "own"), (f"{'in' if optional else 'embedded in'} {host}", host)]
    return [*embedded, ("left out", NONE)] if optional else embedded


def scope_stops() -> tuple[int, ...]:
    """The scope slider's stops: the research tools alone, then notebook 02's scopes that
    the catalogue can fill.

    Example:
        >>> scope_stops()[0] == len(RESEARCH_TOOLS)
        True
    """
    low, high = len(RESEARCH_TOOLS), len(RESEARCH_TOOLS) + catalogue_size()
    return (low, *(s for s in SCOPE if low < s <= high))


def why_greyed(control: str, architecture: str) -> str:
    """Why ``control`` ("placement", "team_size", "handoff_tokens", or another) does not
    apply to ``architecture``, in words; "" when it applies.

    Example:
        >>> why_greyed("team_size", "centralized").startswith("a centralized team: the placement")
        True
        >>> why_greyed("tools", "single")
        ''
    """
    if control == "placement" and architecture not in PLACED:
        why = WHY_NO_PLACEMENT.get(architecture, "it places no capability")
        return f"{_team(architecture)}: {why}; placement applies to {_and(PLACED)} teams"
    if control == "team_size" and architecture not in SIZED:
        why = "it is one agent" if architecture == "single" else WHY_NO_SIZE
        return f"{_team(architecture)}: {why}; team size applies to {_and(SIZED)} teams"
    if control == "handoff_tokens" and architecture not in HANDED_OFF:
        why = WHY_NO_HANDOFF.get(architecture, "nothing is handed off")
        return (
            f"{_team(architecture)}: {why}; the handoff budget applies to {_and(HANDED_OFF)} teams"
        )
    return ""


def greyed_note(architecture: str) -> str:
    """The note under the controls: each greyed-out control, and why, in words ("" when
    every control applies)."""
    names = {"placement": "capability toggles", "team_size": "researchers",
             "handoff_tokens": "handoff tokens"}  # fmt: skip
    return "".join(
        f"<div><b>{label} greyed out</b>: {html.escape(why)}.</div>"
        for control, label in names.items()
        if (why := why_greyed(control, architecture))
    )


def one_click_away(values: dict[str, Any], stops: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The changes one click makes, the likeliest first: each toggle's other places and the
    sliders' next stops, then the other architectures, then the sliders' further stops.
    Greyed-out controls make none.

    Args:
        values: Each control's value (the capabilities, ``architecture`` and ``SLIDERS``).
        stops: Each control's values to choose from.

    Example:
        >>> v = {"architecture": "single", "tools": 8, "handoff_tokens": 300, "team_size": 3}
        >>> one_click_away(v, {"tools": [4, 8, 16, 32]})[:3]
        [{'tools': 4}, {'tools': 16}, {'architecture': 'pipeline'}]
    """
    arch = values["architecture"]
    toggles = [n for n in stops if n not in (*SLIDERS, "architecture")]
    near = [] if why_greyed("placement", arch) else [
        {c: p} for c in toggles for p in stops[c] if p != values[c]
    ]  # fmt: skip
    far: list[tuple[int, dict[str, Any]]] = []
    for name in SLIDERS:
        if name in stops and not why_greyed(name, arch):
            here = stops[name].index(values[name])
            far += [(abs(i - here), {name: v}) for i, v in enumerate(stops[name]) if i != here]
    far.sort(key=lambda x: x[0])
    near += [change for d, change in far if d == 1]
    near += [{"architecture": a} for a in ARCHITECTURES if a != arch]
    return near + [change for d, change in far if d > 1]
