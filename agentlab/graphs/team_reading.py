"""The travel task's parallel teams: members read the request and search at once, the team
settles on one reading, and then one member books.

Two members booking one part would book it twice, so the members that work in parallel
(``Send``) only read the request (their plan commits to a destination) and search for it;
booking waits until the team has settled what the request means.

* **decentralized**: peers each read and search; then, for ``rounds`` debate rounds, each
  peer sees the others' readings (their ``[plan] destination`` lines) and what they found,
  and reads the request again (``Reread``); a vote (``Vote``) takes the reading most
  peers hold; the booker books from a bounded handoff of what the peers who searched
  under that reading found. Nobody checks: the debate is the team's check.
* **hybrid**: planners each read and search; their readings are voted on at once (no
  debate); the booker books; a dedicated checker reviews the bookings and its report goes
  out with the team's answer (it books nothing, and nobody books again: a repair would
  book a part twice).

Rereading and voting read only the readings written in their prompt, and they are
coordination (the ``member`` node's debate calls and the ``aggregate`` node's vote, as in
``agentlab.run.episode.COORDINATION_NODES``). The research world's parallel teams are in
``agentlab.graphs.team_parallel``.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send
from pydantic import BaseModel, Field

from agentlab.graphs.handoffs import HANDOFF, report_items
from agentlab.graphs.structured import RunModel
from agentlab.graphs.team_spec import AgentSpec, TeamSpec
from agentlab.graphs.team_world import WORLDS
from agentlab.measure.replies import ReplyFailure
from agentlab.sim.prompt import text_of
from agentlab.world.place_names import read_place

TeamState = Any  # agentlab.graphs.team.TeamState (a TypedDict there), as nodes here read it
Run = Callable[..., dict[str, Any]]  # runs one member: ``run(agent, state, stage=, member=)``
_READING = re.compile(r"^\[plan\] destination = (.+)$", re.M)
VOTER = "aggregator"  # who the vote's report is from


class Reread(BaseModel):
    """Read the request again, in the light of your peers' readings: where does it mean?"""

    destination: str = Field(description="the destination the request means, as you read it now")


class Vote(BaseModel):
    """The team's reading of the request: the destination most members read."""

    destination: str = Field(description="the destination the team books for")


def _reading_of(report: AnyMessage) -> str:
    """The destination a member's report says its plan committed to ("" if none)."""
    found = _READING.findall(text_of(report))
    return found[-1].strip() if found else ""


def _same(a: str, b: str) -> bool:
    """Whether two readings name one place: "Washington DC" and "Washington, D.C." do; an
    ambiguous name ("Washington") is the same only as itself."""
    pa, pb = read_place(a), read_place(b)
    if len(pa) == 1 and len(pb) == 1:
        return pa[0][0] == pb[0][0]
    return a.strip().casefold() == b.strip().casefold()


def _latest(messages: list[AnyMessage], name: str) -> AnyMessage | None:
    return next((m for m in reversed(messages) if m.name == name), None)


def read_vote_book(
    graph: StateGraph,
    spec: TeamSpec,
    run: Run,
    workers: Mapping[str, Any],  # each working member's compiled graph, by name
    node: Callable[[AgentSpec], Any],  # a member's own node (the checker's review call)
    slot: RunModel,  # the run's model
) -> None:
    """Decentralized and hybrid travel teams: readers in parallel, a vote, one booker.

    The readers are the members carrying the world's plan-reporting capability (search);
    the checker, if any, the member carrying only review capabilities; the booker, the
    other one. The booker's node holds its compiled graph (a subgraph, drawn by xray).
    """
    world = WORLDS[spec.world]
    readers = [a for a in spec.agents if world.reports_plan in a.capabilities]
    checker = next((a for a in spec.agents if set(a.capabilities) <= set(world.reviews)), None)
    booker = next(a for a in spec.agents if a not in readers and a is not checker)
    reread, vote = slot.structured(Reread), slot.structured(Vote)

    def held(state: TeamState, before: int | None = None) -> dict[str, str]:
        """Each reader's latest reading (before round ``before``), in the readers' order."""
        said = {
            x["agent"]: x["answer"]
            for x in state.get("answers", [])
            if before is None or x["round"] < before
        }
        return {a.name: said[a.name] for a in readers if a.name in said}

    def found(state: TeamState, names: list[str]) -> list[str]:
        """What these readers found (their reports' items but their readings), deduplicated."""
        items = [
            item
            for n in names
            for item in report_items([m for m in state["messages"][1:] if m.name == n])
            if not _READING.match(item)
        ]
        return list(dict.fromkeys(items))

    def fan_out(state: TeamState) -> list[Send]:
        first = state["messages"][:1]
        return [Send("member", {"messages": first, "member": a.name, "round": 0}) for a in readers]

    def member(state: TeamState) -> dict[str, Any]:
        """Round 0: a reader reads the request and searches (its subgraph); later rounds:
        a debating peer reads the others' readings and reads the request again."""
        agent = next(a for a in readers if a.name == state["member"])
        r = state.get("round", 0)
        if r == 0:
            out = run(agent, {"messages": state["messages"][:1], "round": 0}, stage=0)
            said = _reading_of(out["messages"][0])
            readings = [{"agent": agent.name, "answer": said, "round": 0}] if said else []
            return {**out, "answers": readings}
        now = held(state, before=r)
        order = [agent.name, *(n for n in now if n != agent.name)]  # one's own first
        lines = [f"[plan] destination = {now[n]}" for n in order if n in now]
        note = (
            f"Debate round {r}. What the peers found:\n"
            + "\n".join(found(state, order))
            + "\nThe peers' readings of the request, yours first:\n"
            + "\n".join(lines)
            + "\nRead the request again: which destination does it mean?"
        )
        msgs = [
            SystemMessage(f"You are {agent.name}, one of {len(readers)} peers."),
            state["messages"][0],
            HumanMessage(note, name=HANDOFF),
        ]
        where = {"agent": agent.name, "stage": r, "branch": agent.name}
        _, got = reread.invoke(msgs, metadata=where)
        if got is None:  # a reading that does not parse is a failed decision
            raise ReplyFailure("unparseable_reading")
        return {"answers": [{"agent": agent.name, "answer": got.destination, "round": r}]}

    def next_round(state: TeamState) -> dict[str, Any]:
        return {"round": state.get("round", 0) + 1}

    def more(state: TeamState) -> list[Send] | str:
        r = state.get("round", 0)
        if r > spec.rounds:
            return "aggregate"
        keep = {k: state[k] for k in ("messages", "answers") if k in state}
        return [Send("member", {**keep, "member": a.name, "round": r}) for a in readers]

    def aggregate(state: TeamState) -> dict[str, Any]:
        """The vote, then the handoff the booker gets: what the readers who searched under
        the chosen reading found (everyone's, when no reader's first reading is it)."""
        lines = "\n".join(f"[plan] destination = {d}" for d in held(state).values())
        note = f"The members' readings of the request:\n{lines}\nGive the team's reading."
        msgs = [state["messages"][0], HumanMessage(note, name=HANDOFF)]
        _, got = vote.invoke(msgs, metadata={"agent": VOTER})
        if got is None:
            raise ReplyFailure("unparseable_reading")
        first = held(state, before=1)
        holders = [n for n, d in first.items() if _same(d, got.destination)] or list(first)
        report = [f"{VOTER} reports:", *found(state, holders)]
        report.append(f"[plan] destination = {got.destination}")
        return {"messages": [AIMessage("\n".join(report), name=VOTER)]}

    booker_graph = workers[booker.name]

    def book(state: TeamState) -> dict[str, Any]:
        """The booker, on the request and the vote's handoff only (its own subgraph)."""
        voted = _latest(state["messages"], VOTER)
        seen = {"messages": [state["messages"][0], *([voted] if voted else [])]}
        out = run(booker, seen, member=booker_graph)
        final = out["answers"][-1]["answer"] if out["answers"] else ""
        return {"messages": out["messages"], "results": out["results"], "final": final}

    graph.add_node("member", member)
    if spec.topology == "decentralized":
        graph.add_node("round", next_round)
    graph.add_node("aggregate", aggregate)
    graph.add_node(booker.name, book)
    graph.add_conditional_edges(START, fan_out, ["member"])
    if spec.topology == "decentralized":  # debate rounds, then the vote
        graph.add_edge("member", "round")
        graph.add_conditional_edges("round", more, ["member", "aggregate"])
    else:  # the hybrid votes at once
        graph.add_edge("member", "aggregate")
    graph.add_edge("aggregate", booker.name)
    if checker is None:
        graph.add_edge(booker.name, END)
        return
    review = node(checker)

    def check(state: TeamState) -> dict[str, Any]:
        """The checker, on the request, the vote's handoff and the booker's report."""
        msgs = state["messages"]
        shown = [m for m in (_latest(msgs, VOTER), _latest(msgs, booker.name)) if m is not None]
        return dict(review({"messages": [msgs[0], *shown]}))

    def finish(state: TeamState) -> dict[str, Any]:
        """The team's answer: the booker's, with the checker's report."""
        said = _latest(state["messages"], checker.name)
        lines = [ln for ln in text_of(said).splitlines() if ln.startswith("[")] if said else []
        return {"final": "\n".join([state.get("final", ""), *lines]).strip()}

    graph.add_node(checker.name, check)
    graph.add_node("finish", finish)
    graph.add_edge(booker.name, checker.name)
    graph.add_edge(checker.name, "finish")
    graph.add_edge("finish", END)
