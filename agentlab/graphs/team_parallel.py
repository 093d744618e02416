"""Teams that work in parallel: ``Send`` fan-out to members, then a combination.

* **independent** (``split_work``): the question is split into parts; members answer a
  part each; an aggregator combines what they report, unchecked.
* **decentralized** and **hybrid** (``debate_or_check``): every member answers the whole
  question; peers debate for some rounds and the majority stands, or a dedicated
  fact-checker verifies the aggregated answer. (The travel task's decentralized and hybrid
  teams debate and vote on how to read the request, then book once: ``team_reading``.)

Members run in the same stage, so their modeled latency is the slowest member's (the
critical path), not the sum.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send
from pydantic import BaseModel, Field, create_model

from agentlab.graphs.handoffs import HANDOFF
from agentlab.graphs.structured import LateStructured, RunModel
from agentlab.graphs.team_spec import AgentSpec, TeamSpec
from agentlab.graphs.team_world import TeamWorld
from agentlab.sim.prompt import text_of

TeamState = Any  # agentlab.graphs.team.TeamState (a TypedDict there), as nodes here read it
Payload = Any  # what a ``Send`` hands one member
Run = Callable[..., dict[str, Any]]  # runs one member: ``run(agent, state, extra, stage)``


class _Answer(BaseModel):
    """The answer you stand by."""

    answer: str = Field(description="the answer")


_Aggregate = create_model("Aggregate", __base__=_Answer)
_Revise = create_model("Revise", __base__=_Answer)
_Combine = create_model(
    "Combine", __base__=_Answer, __doc__="Combine the answers to the parts into the answer."
)
_Split = create_model(
    "Split",
    parts=(list[str], Field(description="one self-contained question per fact needed")),
    __doc__="Split the question into parts that can be answered on their own.",
)


def _team_answer(question: AnyMessage, note: str, chooser: LateStructured[Any]) -> dict[str, Any]:
    """The aggregator's call: the question and what the members reported; the team's answer."""
    msgs = [question, HumanMessage(note, name=HANDOFF)]
    _, parsed = chooser.invoke(msgs, metadata={"agent": "aggregator"})
    final = getattr(parsed, "answer", "")
    return {
        "final": final,
        "messages": [AIMessage(f"[answer] {final} | evidence team", name="aggregator")],
    }


def split_work(
    graph: StateGraph,
    agents: Sequence[AgentSpec],
    run: Run,
    slot: RunModel,  # the run's model
    world: TeamWorld,
    aggregation: str = "vote",
) -> None:
    """Independent: split the question, answer the parts in parallel, combine unchecked.

    Member ``i`` takes part ``i`` modulo the number of parts, so members beyond the number
    of parts share a part with another (a team smaller than the question's parts answers
    the whole question in every member). No member checks its work against a source, and
    the aggregator combines what the parts report, taking the value most members of a part
    reported: a wrong part that no other member of it outvotes makes a wrong answer. With
    ``aggregation="synthesis"`` (Kim et al.'s synthesis-only independent team) it is told
    to merge every member's finding instead: members of a part who disagree leave the
    answer undecided between their findings, and a grader counts a hedge as wrong.
    """
    splitter = slot.structured(_Split, metadata={"agent": "splitter"})
    combine = slot.structured(_Combine)
    crew = list(agents)

    def split(state: TeamState) -> dict[str, Any]:
        question = state["messages"][0]
        system = SystemMessage(
            f"{world.instructions}\nSplit the question into parts that team members can answer "
            "on their own, one per fact the answer needs."
        )
        _, split = splitter.invoke([system, question])
        parts = [p for p in getattr(split, "parts", None) or [] if p.strip()]
        # who answers what, known before anyone starts (a run stopped mid-way still has it)
        assigned = world.assign(text_of(question), parts, [a.name for a in crew])
        listed = "\n".join(f"- {p}" for p in dict.fromkeys(assigned.values()))
        return {
            "parts": list(dict.fromkeys(assigned.values())),
            "assigned": assigned,
            "messages": [AIMessage(f"parts:\n{listed}", name="splitter")],
        }

    def fan_out(state: TeamState) -> list[Send]:
        return [
            Send("member", {"member": name, "part": part})
            for name, part in state["assigned"].items()
        ]

    def member(state: Payload) -> dict[str, Any]:
        agent = next(a for a in crew if a.name == state["member"])
        out = run(agent, {"messages": [HumanMessage(state["part"])], "round": 0}, stage=0)
        return out | {"answers": [x | {"part": state["part"]} for x in out["answers"]]}

    def aggregate(state: TeamState) -> dict[str, Any]:
        note = world.aggregate_note(state, aggregation)
        return _team_answer(state["messages"][0], note, combine)

    graph.add_node("split", split)
    graph.add_node("member", member)
    graph.add_node("aggregate", aggregate)
    graph.add_edge(START, "split")
    graph.add_conditional_edges("split", fan_out, ["member"])
    graph.add_edge("member", "aggregate")
    graph.add_edge("aggregate", END)


def debate_or_check(
    graph: StateGraph,
    spec: TeamSpec,
    run: Run,
    node: Callable[[AgentSpec], Any],  # the agent's own node (a subgraph)
    slot: RunModel,  # the run's model
) -> None:
    """Decentralized and hybrid: ``Send`` fan-out, then debate and vote, or vote and check
    (the hybrid's checker in a node of its own: ``node(checker)``, a subgraph)."""
    checker = next(
        (a for a in spec.agents if spec.topology == "hybrid" and a.capabilities == ("fact_check",)),
        None,
    )
    crew = [a for a in spec.agents if a is not checker]
    vote = slot.structured(_Aggregate)
    revise = slot.structured(_Revise)

    def fan_out(state: TeamState) -> list[Send]:
        return [Send("member", {**state, "member": a.name}) for a in crew]

    def member(state: Payload) -> dict[str, Any]:
        agent = next(a for a in crew if a.name == state["member"])
        if state.get("round", 0) == 0:
            return run(agent, {"messages": state["messages"][:1], "round": 0}, stage=0)
        mine = [x for x in state.get("answers", []) if x["agent"] == agent.name][-1:]
        others = [
            x
            for x in state.get("answers", [])
            if x["agent"] != agent.name and x["round"] == state["round"] - 1
        ]
        note = "\n".join(
            f"[answer] {x['answer']} | evidence {x['agent']}" for x in [*mine, *others]
        )
        msgs = [
            state["messages"][0],
            HumanMessage(
                f"Debate round {state['round']}. Answers so far:\n{note}\nRevise your answer.",
                name=HANDOFF,
            ),
        ]
        where = {"agent": agent.name, "stage": state["round"], "branch": agent.name}
        _, revised = revise.invoke(msgs, metadata=where)
        answer = getattr(revised, "answer", "") or (mine[0]["answer"] if mine else "")
        return {"answers": [{"agent": agent.name, "answer": answer, "round": state["round"]}]}

    def next_round(state: TeamState) -> dict[str, Any]:
        return {"round": state.get("round", 0) + 1}

    def more(state: TeamState) -> list[Send] | str:
        if spec.topology == "decentralized" and state.get("round", 0) <= spec.rounds:
            return [Send("member", {**state, "member": a.name}) for a in crew]
        return "aggregate"

    def aggregate(state: TeamState) -> dict[str, Any]:
        last = max((x["round"] for x in state.get("answers", [])), default=0)
        current = [x for x in state.get("answers", []) if x["round"] == last]
        note = "\n".join(f"[answer] {x['answer']} | evidence {x['agent']}" for x in current)
        return _team_answer(
            state["messages"][0], f"Answers:\n{note}\nGive the team's answer.", vote
        )

    graph.add_node("member", member)
    graph.add_node("round", next_round)
    graph.add_node("aggregate", aggregate)
    graph.add_conditional_edges(START, fan_out, ["member"])
    graph.add_edge("member", "round")
    graph.add_conditional_edges("round", more, ["member", "aggregate"])
    if checker is not None:
        graph.add_node(checker.name, node(checker))
        graph.add_node(
            "finish",
            lambda s: {
                "final": (s.get("answers") or [{"answer": s.get("final", "")}])[-1]["answer"]
                if s.get("answers") and s["answers"][-1]["agent"] == checker.name
                else s.get("final", "")
            },
        )
        graph.add_edge("aggregate", checker.name)
        graph.add_edge(checker.name, "finish")
        graph.add_edge("finish", END)
    else:
        graph.add_edge("aggregate", END)
