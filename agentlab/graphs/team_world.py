"""What a team needs to know about the world it works in: one ``TeamWorld`` per scenario.

The team builder (``agentlab.graphs.team``) is the same for every world; a world gives it
the members' instructions, its capabilities and their tools, the team leads of a
hierarchy, how a tool result becomes handoff items, what counts as a member's answer, how
a split task is dealt out and what the aggregator reads. Research teams answer questions
from a corpus; travel teams (a planner, a booker, a checker) book the trip of notebook 02.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from langchain_core.tools import BaseTool

from agentlab.graphs.handoffs import answer_of, items_of, travel_items_of
from agentlab.sim.prompt import text_of
from agentlab.world import research as r
from agentlab.world import travel
from agentlab.world.capabilities import (
    ORDER,
    TRAVEL_ORDER,
    Capability,
    capabilities,
    travel_capabilities,
)
from agentlab.world.research_vocab import COMBINE_BY


@dataclass(frozen=True)
class TeamWorld:
    """A world, as a team builder sees it."""

    name: str  # the scenario
    instructions: str  # what every member is told first
    capabilities: Callable[[], dict[str, Capability]]  # the default capability data
    # the capabilities in procedure order that bring a share of the catalogue tools in scope
    order: tuple[str, ...]
    tools: Callable[[], dict[str, BaseTool]]  # the world's own tools, by name
    leads: tuple[tuple[str, tuple[str, ...]], ...]  # hierarchy: (lead, capabilities it leads)
    items_of: Callable[[ToolMessage], list[str]]  # a tool result as handoff items
    answer_of: Callable[[list[AnyMessage]], str | None]  # a member's answer in its messages
    # who answers what of a split task: (question, parts, members) -> {member: its task}
    assign: Callable[[str, list[str], list[str]], dict[str, str]]
    # what the aggregator of a split reads: (state, "vote" or "synthesis") -> its note
    aggregate_note: Callable[[dict[str, Any], str], str]
    digest: Callable[[str, str, str], str] | None = None  # a tool result as a memory note
    reviews: tuple[str, ...] = ()  # capabilities that, alone in an agent, are one review call
    # members carrying this capability report the destination their plan committed to
    reports_plan: str = ""
    plan_reads_handoff: bool = False  # a member's plan call reads its handoff too
    # decentralized, hybrid: members read and search in parallel, vote, one books (team_reading)
    reads_then_books: bool = False

    def lead_of(self, capabilities: tuple[str, ...]) -> str:
        """The team lead of an agent carrying these capabilities (the last lead: the rest)."""
        for lead, led in self.leads:
            if set(led) & set(capabilities):
                return lead
        return self.leads[-1][0]


def _research_assign(question: str, parts: list[str], members: list[str]) -> dict[str, str]:
    """Member ``i`` takes part ``i`` modulo the parts; a team smaller than the question's
    parts answers the whole question in every member."""
    if len(members) < len(parts) or not parts:
        parts = [question]
    return {m: parts[i % len(parts)] for i, m in enumerate(members)}


def _research_note(state: dict[str, Any], aggregation: str = "vote") -> str:
    reported = "\n".join(
        f"[part] {x['part']} = {x['answer']} | evidence {x['agent']}"
        for x in state.get("answers", [])
    )
    return f"Answers to the parts:\n{reported}\n{COMBINE_BY[aggregation]}"


def _travel_assign(question: str, parts: list[str], members: list[str]) -> dict[str, str]:
    """Parts dealt round robin (member ``i`` takes parts ``i``, ``i + n``, ...), each member
    handed the request with its parts; members beyond the parts get none (two members
    booking one part would book it twice)."""
    if not parts:
        parts = ["everything"]
    out = {}
    for i, m in enumerate(members[: len(parts)]):
        mine = parts[i :: len(members)]
        out[m] = f"Your part: {' and '.join(mine)}.\n{question}"
    return out


def _travel_note(state: dict[str, Any], aggregation: str = "vote") -> str:
    lines = [
        ln
        for m in state.get("messages", [])[1:]
        for ln in text_of(m).splitlines()
        if ln.startswith("[booked]")
    ]
    return "Bookings the members reported:\n" + "\n".join(lines) + "\nCombine them."


def _travel_answer(messages: list[AnyMessage]) -> str | None:
    """A travel member's answer: its last reply without a tool call (what it says it did)."""
    for m in reversed(messages):
        if isinstance(m, AIMessage) and not m.tool_calls and text_of(m).strip():
            return text_of(m)
    return None


@cache
def _travel_tools() -> dict[str, BaseTool]:
    return {t.name: t for t in travel.travel_tools(len(travel.CORE_TOOLS))}


RESEARCH = TeamWorld(
    name="research",
    instructions=r.INSTRUCTIONS,
    capabilities=capabilities,
    # refine_query writes queries: it brings no tools, and no share of the catalogue's
    order=tuple(c for c in ORDER if c != "refine_query"),
    tools=lambda: r.RESEARCH_TOOLS,
    leads=(("research_lead", ("refine_query", "retrieve", "rank_filter")), ("analysis_lead", ())),
    items_of=items_of,
    answer_of=answer_of,
    assign=_research_assign,
    aggregate_note=_research_note,
)
TRAVEL = TeamWorld(
    name="travel",
    instructions=travel.INSTRUCTIONS,
    capabilities=travel_capabilities,
    order=TRAVEL_ORDER,
    tools=_travel_tools,
    leads=(("booking_lead", ("search", "book")), ("review_lead", ())),
    items_of=travel_items_of,
    answer_of=_travel_answer,
    assign=_travel_assign,
    aggregate_note=_travel_note,
    digest=travel.digest,
    reviews=("check",),
    reports_plan="search",
    plan_reads_handoff=True,
    reads_then_books=True,
)
WORLDS = {w.name: w for w in (RESEARCH, TRAVEL)}


def plan_line(plan: dict[str, Any]) -> list[str]:
    """The ``[plan]`` item a member's plan reports: the destination it committed to."""
    for a in plan.get("assumptions", []):
        if a.get("slot") == "destination" and a.get("value"):
            return [f"[plan] destination = {a['value']}"]
    return []


def tool_results(messages: list[AnyMessage]) -> list[AnyMessage]:
    """The tool results among a member's messages (what the team's judge reads bookings from)."""
    return [m for m in messages if isinstance(m, ToolMessage)]
