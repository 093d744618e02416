"""Teams that route: after each agent, an LLM decision on who acts next.

* **centralized**: a coordinator routes to the agent owning the next capability; every
  agent reports back to it.
* **hierarchical**: a top coordinator routes between team leads, each coordinating its own
  agents.
* **swarm**: no coordinator: the agent that just worked decides who goes next, in its own
  context.

A routing decision is a node returning LangGraph's ``Command(goto=..., update=...)``,
drawn with its possible destinations; it is a structured call on the run's model
(``RunModel``), so the team is compiled once for any model.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langchain_core.messages import AIMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command
from pydantic import BaseModel, Field, create_model

from agentlab.graphs.structured import LateStructured, RunModel
from agentlab.graphs.team_spec import AgentSpec, TeamSpec
from agentlab.graphs.team_world import TeamWorld

TeamState = Any  # agentlab.graphs.team.TeamState (a TypedDict there), as nodes here read it


def finish(state: TeamState) -> dict[str, Any]:
    """The team's answer: the one it gave (``final``), or the latest a member gave."""
    answers = [a["answer"] for a in state.get("answers", [])]
    return {"final": state.get("final") or (answers[-1] if answers else "")}


def _route_model(options: list[str]) -> type[BaseModel]:
    return create_model(
        "Route",
        next=(Literal[tuple(options)], Field(description="who acts next, or finish")),  # type: ignore[arg-type]
        __doc__="Choose who acts next.",
    )


def routed(
    graph: StateGraph,
    spec: TeamSpec,
    names: list[str],
    node: Callable[[AgentSpec], Any],  # the agent's own node (a subgraph)
    slot: RunModel,
    max_turns: int,
    world: TeamWorld,
) -> None:
    """Centralized, hierarchical and swarm: an LLM routing decision after every agent."""
    router = slot.structured(_route_model([*names, "finish"]))
    hierarchical = spec.topology == "hierarchical"
    leads: dict[str, list[AgentSpec]] = {lead: [] for lead, _ in world.leads}
    for a in spec.agents:
        leads[world.lead_of(a.capabilities)].append(a)
    lead_router = slot.structured(_route_model([*leads, "finish"]))

    def menu(agents: list[AgentSpec]) -> str:
        return "\n".join(f"- {a.name}: {', '.join(a.capabilities)}" for a in agents)

    routers: dict[
        str, tuple[str, LateStructured[Any]]
    ] = {}  # who routes -> (what it is told, its router)
    every = list(spec.agents)
    if hierarchical:
        lead_menu = "\n".join(
            f"- {lead}: " + ", ".join(c for a in agents for c in a.capabilities)
            for lead, agents in leads.items()
        )
        routers["coordinator"] = (f"You coordinate team leads. Agents:\n{lead_menu}", lead_router)
        for lead, agents in leads.items():
            own = slot.structured(_route_model([a.name for a in agents] + ["finish"]))
            routers[lead] = (f"You lead a team. Agents:\n{menu(agents)}", own)
    else:
        for who in ["coordinator", *names]:
            routers[who] = (f"You coordinate. Agents:\n{menu(every)}", router)

    def decide(state: TeamState, who: str, allowed: list[str], fallback: str) -> Command[str]:
        """A routing decision, as a ``Command``: who goes next (``fallback`` when the choice
        is not one of ``allowed``, or when the turns are used up)."""
        turns = state.get("turns", 0) + 1
        choice = "finish"
        if state.get("turns", 0) < max_turns:
            told, chooser = routers[who]
            system = SystemMessage(
                f"{world.instructions}\n{told}\nRoute to the one owning the next capability "
                "needed, or finish."
            )
            _, route = chooser.invoke([system, *state["messages"]], metadata={"agent": who})
            choice = getattr(route, "next", "finish") or "finish"
        update = {"turns": turns, "messages": [AIMessage(f"route: {choice}", name=who)]}
        return Command(goto=choice if choice in allowed else fallback, update=update)

    def router_node(name: str, who: str, allowed: list[str], fallback: str) -> None:
        """A node that routes by ``Command`` (drawn with its possible destinations)."""
        destinations = tuple(dict.fromkeys([*allowed, fallback]))
        graph.add_node(
            name,
            lambda s: decide(s, who, allowed, fallback),
            destinations=destinations,
        )

    graph.add_node("finish", finish)
    graph.add_edge("finish", END)
    if spec.topology == "swarm":  # each agent hands off itself, in its own context
        graph.add_edge(START, spec.agents[0].name)
        for a in spec.agents:
            graph.add_node(a.name, node(a))
            router_node(f"{a.name}_handoff", a.name, [*names, "finish"], "finish")
            graph.add_edge(a.name, f"{a.name}_handoff")
        return
    graph.add_edge(START, "coordinator")
    if hierarchical:
        router_node("coordinator", "coordinator", [*leads, "finish"], "finish")
        for lead, agents in leads.items():
            router_node(lead, lead, [a.name for a in agents], "coordinator")
            for a in agents:
                graph.add_node(a.name, node(a))
                graph.add_edge(a.name, lead)
        return
    router_node("coordinator", "coordinator", [*names, "finish"], "finish")
    for a in spec.agents:
        graph.add_node(a.name, node(a))
        graph.add_edge(a.name, "coordinator")
