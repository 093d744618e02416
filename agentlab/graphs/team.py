"""Teams of agents as LangGraph graphs, built from one declarative description.

A ``TeamSpec`` names the topology and the agents, each with the capabilities it carries.
Every agent is the one-agent loop of ``agentlab.graphs.agent`` (plan -> act -> tools -> remember)
with its capabilities' tools and instructions, run as a subgraph. What differs between
topologies is who decides what happens next and what each agent sees:

* **single**: one agent with every capability.
* **pipeline**: agents in a fixed order; each gets a bounded handoff of what came before.
* **centralized**: a coordinator routes (an LLM decision) to the agent owning the next
  capability; every agent reports back to it.
* **hierarchical**: a top coordinator routes between team leads, each coordinating its own
  agents.
* **swarm**: no coordinator: the agent that just worked decides who goes next.
* **independent**: the question is split into parts (one per fact it needs); members
  answer a part each in parallel (``Send``), nobody verifies, and an aggregator combines
  the parts' answers as reported.
* **decentralized**: peers answer in parallel, then debate: each sees the others' answers
  and revises, for ``rounds`` rounds; the majority stands.
* **hybrid**: parallel researchers (``Send``), then a dedicated fact-checker verifies the
  aggregated answer. (Travel's two: readers in parallel, a vote, one booker, and the
  hybrid's checker: ``agentlab.graphs.team_reading``.)

Routing (coordinators, team leads, a swarm agent's handoff) is a node returning
LangGraph's ``Command(goto=..., update=...)``, drawn with its possible destinations.
Handoffs are bounded: a receiver needing ``coupling`` of its host's context sees the share
``min(1, handoff_tokens / (coupling * context))`` of it, so a capability that needs much of
its host's context (high *coupling*) sees only part of what it needs, while one that needs
little gets all of it. Routing, handoffs and aggregation are coordination, and are measured as such.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer, Command
from pydantic import BaseModel, Field, create_model

from agentlab.config import ARCHITECTURES
from agentlab.graphs.agent import build_agent
from agentlab.graphs.agent_state import REVIEWER, Review
from agentlab.graphs.checkpoints import CheckpointPolicy
from agentlab.graphs.handoffs import HANDOFF, handoff, report_items
from agentlab.graphs.structured import Structured
from agentlab.graphs.sub_agents import ask_name, delegation_tool
from agentlab.graphs.team_parallel import debate_or_check, split_work
from agentlab.graphs.team_reading import read_vote_book
from agentlab.graphs.team_spec import AgentSpec, TeamSpec
from agentlab.graphs.team_world import WORLDS, TeamWorld, plan_line, tool_results
from agentlab.measure.replies import ReplyFailure
from agentlab.world.capabilities import Capability
from agentlab.world.catalogue import catalogue_tools

TOPOLOGIES = ARCHITECTURES  # one list, kept in agentlab.config


class TeamState(TypedDict, total=False):
    """What the team knows: the question, the agents' reports, the answers per branch."""

    messages: Annotated[list[AnyMessage], add_messages]
    answers: Annotated[list[dict[str, Any]], operator.add]  # {"agent", "answer", "round"}
    final: str  # the team's answer
    turns: int  # routing decisions made
    round: int  # debate round
    parts: list[str]  # the parts an independent team split the question into
    assigned: Annotated[dict[str, str], operator.or_]  # member -> the part it answers
    results: Annotated[list[AnyMessage], operator.add]  # the members' tool results


def agent_tools(
    agent: AgentSpec, spec: TeamSpec, caps: dict[str, Capability] | None = None
) -> list[BaseTool]:
    """The tools an agent carries: its capabilities' research tools (and a capability's own
    tools when it is the agent's only one), then its capabilities' shares of the catalogue
    tools in the system's wider scope (``spec.distractors``, dealt out among the world's
    ``order`` of capabilities).

    Example:
        >>> from agentlab.world.capabilities import ORDER
        >>> spec = TeamSpec("single", (AgentSpec("solo", ORDER),), distractors=8)
        >>> len(agent_tools(spec.agents[0], spec))
        12
    """
    world = WORLDS[spec.world]
    caps = caps or world.capabilities()
    alone = len(agent.capabilities) == 1
    wanted = [
        t
        for c in agent.capabilities
        for t in (*caps[c].tools, *(caps[c].own_tools if alone else ()))
    ]
    extra = catalogue_tools(spec.distractors)
    own, order = world.tools(), world.order
    tools = [own[t] for t in wanted] + [
        t for c in agent.capabilities if c in order for t in extra[order.index(c) :: len(order)]
    ]
    return list({t.name: t for t in tools}.values())


def build_team(
    spec: TeamSpec,
    *,
    model: BaseChatModel,
    caps: dict[str, Capability] | None = None,
    max_steps: int = 12,
    max_turns: int = 8,
    checkpoints: CheckpointPolicy | None = None,
    checkpointer: Checkpointer = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile a team as one LangGraph graph, each member a subgraph of it.

    A member is the one-agent graph of ``build_agent``. Where a member has a node of its
    own (single, pipeline, centralized, hierarchical, swarm, the hybrid's checker) that
    node holds the member's compiled graph, so LangGraph knows it as a subgraph:
    ``get_graph(xray=True)`` draws its plan, act, tools, remember (and checkpoint) nodes,
    its checkpoints are saved under the team's thread, and an ``interrupt`` inside it
    (a clarification, a verification) stops the team and reaches the caller, who resumes
    with ``Command(resume=answer)``. The members of a parallel crew (independent,
    decentralized, the hybrid's researchers) run in one ``member`` node, a ``Send`` each:
    they checkpoint and interrupt the same way but are drawn as that one node, and since
    several may be waiting at once the caller answers each by its interrupt's id:
    ``Command(resume={i.id: answer for i in out["__interrupt__"]})``.

    Args:
        spec: Topology and agents.
        model: The chat model every agent uses (simulated or real).
        caps: Capability data (default ``capabilities()``), e.g. with changed coupling.
        max_steps: LLM calls allowed per agent run.
        max_turns: Routing decisions allowed (centralized, hierarchical, swarm).
        checkpoints: When each member stops to ask a person (``CheckpointPolicy``); any
            active policy needs a ``checkpointer``.
        checkpointer: A LangGraph checkpointer for the team (its members' checkpoints go
            under the team's thread).

    Returns:
        The compiled graph; invoke it with ``{"messages": [HumanMessage(question)]}``;
        the answer is in ``state["final"]``.

    Raises:
        ValueError: An active ``checkpoints`` policy without a ``checkpointer``.

    Example:
        >>> from agentlab.graphs.team import AgentSpec, TeamSpec, build_team
        >>> import agentlab as al
        >>> team = TeamSpec("centralized", (AgentSpec("retriever", ("retrieve", "rank_filter")),
        ...                                 AgentSpec("analyst", ("synthesize", "fact_check"))))
        >>> "coordinator" in build_team(team, model=al.make_model()).get_graph().nodes
        True
    """
    if checkpoints is not None and checkpoints.active and checkpointer is None:
        raise ValueError("checkpoints: an active policy needs a checkpointer to pause in")
    world = WORLDS[spec.world]
    caps = caps or world.capabilities()
    names = [a.name for a in spec.agents]

    def duties(capabilities: tuple[str, ...]) -> str:
        return "\n".join(f"- {caps[c].instructions}" for c in capabilities)

    def instructions(agent: AgentSpec) -> str:
        mine = duties(agent.capabilities)
        for sub in agent.sub_agents:  # what it hands to a sub-agent of its own
            mine += f"\n- Ask your sub-agent {sub.name} ({ask_name(sub.capabilities)}) to: "
            mine += "; ".join(caps[c].instructions for c in sub.capabilities)
        return f"{world.instructions} You are {agent.name}.\nYour part:\n{mine.strip()}"

    def reviews_only(agent: AgentSpec) -> bool:
        return bool(world.reviews) and set(agent.capabilities) <= set(world.reviews)

    def worker(agent: AgentSpec) -> CompiledStateGraph[Any, Any, Any, Any]:
        asks = [
            delegation_tool(
                sub.name,
                sub.capabilities,
                duties(sub.capabilities),
                worker(sub),
                items_of=world.items_of,
                coupling=max(caps[c].coupling for c in sub.capabilities),
                budget=spec.handoff_tokens,
            )
            for sub in agent.sub_agents
        ]
        return build_agent(
            model=model,
            tools=[*agent_tools(agent, spec, caps), *asks],
            instructions=instructions(agent),
            digest=world.digest,
            # a review capability embedded in a working agent: it reviews its own work
            reflect=bool(set(world.reviews) & set(agent.capabilities)),
            max_steps=max_steps,
            name=agent.name,
            plan_reads=("user", HANDOFF) if world.plan_reads_handoff else ("user",),
            checkpoints=checkpoints,
        )

    workers = {a.name: worker(a) for a in spec.agents if not reviews_only(a)}

    def run(
        agent: AgentSpec,
        state: TeamState,
        extra: str = "",
        stage: int | None = None,
        member: CompiledStateGraph[Any, Any, Any, Any] | None = None,
    ) -> dict[str, Any]:
        question = state["messages"][0]
        items = report_items(state["messages"][1:], world.items_of)
        coupling = max((caps[c].coupling for c in agent.capabilities), default=1.0)
        msgs: list[AnyMessage] = [question]
        if items or extra:
            note = handoff(items, coupling=coupling, budget=spec.handoff_tokens) + extra
            msgs.append(HumanMessage(note, name=HANDOFF))
        where = {"stage": stage, "branch": agent.name} if stage is not None else {}
        out = (member or workers[agent.name]).invoke(
            {"messages": msgs}, config={"metadata": {"agent": agent.name, **where}}
        )
        new = out["messages"][len(msgs) :]
        lines = report_items(new, world.items_of)
        if world.reports_plan in agent.capabilities:  # after its results: the latest item
            lines = lines + plan_line(out.get("plan", {}))
        answer = world.answer_of(new)
        report = AIMessage("\n".join([f"{agent.name} reports:", *lines]), name=agent.name)
        got = (
            [{"agent": agent.name, "answer": answer, "round": state.get("round", 0)}]
            if answer
            else []
        )
        return {"messages": [report], "answers": got, "results": tool_results(new)}

    def review(agent: AgentSpec) -> Any:
        """An agent whose only capability is a review: one review call over its handoff,
        reporting each problem it finds (``[issue]``) or that it found none."""
        reviewer = Structured(model, Review, metadata={"agent": agent.name})
        coupling = max(caps[c].coupling for c in agent.capabilities)

        def work(state: TeamState) -> dict[str, Any]:
            items = report_items(state["messages"][1:], world.items_of)
            note = handoff(items, coupling=coupling, budget=spec.handoff_tokens)
            told = SystemMessage(f"{instructions(agent)}\n\n{REVIEWER}")
            asked = [told, state["messages"][0], HumanMessage(note, name=HANDOFF)]
            verdict = reviewer.invoke([*asked, HumanMessage("Review the work now.")])[1]
            if verdict is None:  # a review that does not parse is a failed decision
                raise ReplyFailure("unparseable_review")
            found = [f"[issue] {i.problem}" for i in verdict.issues]
            lines = found or ["[checked] the bookings agree with the request"]
            report = AIMessage("\n".join([f"{agent.name} reports:", *lines]), name=agent.name)
            return {"messages": [report]}

        return work

    def node(agent: AgentSpec) -> Any:
        """The agent's own node, holding its compiled graph (so, a subgraph of the team);
        a review-only agent's node is its review call."""
        if reviews_only(agent):
            return review(agent)
        member = workers[agent.name]

        def work(state: TeamState) -> dict[str, Any]:
            return run(agent, state, member=member)

        return work

    graph = StateGraph(TeamState)
    top = spec.topology
    if top in ("single", "pipeline"):
        previous = START
        for a in spec.agents:
            graph.add_node(a.name, node(a))
            graph.add_edge(previous, a.name)
            previous = a.name
        graph.add_node("finish", _finish)
        graph.add_edge(previous, "finish")
        graph.add_edge("finish", END)
    elif top in ("centralized", "swarm", "hierarchical"):
        _routed(graph, spec, names, node, model, max_turns, world)
    elif top == "independent":
        split_work(graph, spec.agents, run, model, world, spec.aggregation)
    elif top in ("decentralized", "hybrid") and world.reads_then_books:
        read_vote_book(graph, spec, run, workers, node, model)
    elif top in ("decentralized", "hybrid"):
        debate_or_check(graph, spec, run, node, model)
    else:
        raise ValueError(f"topology: got {top!r}; allowed: {', '.join(TOPOLOGIES)}")
    return graph.compile(name=top, checkpointer=checkpointer)


def _finish(state: TeamState) -> dict[str, Any]:
    answers = [a["answer"] for a in state.get("answers", [])]
    return {"final": state.get("final") or (answers[-1] if answers else "")}


def _route_model(options: list[str]) -> type[BaseModel]:
    return create_model(
        "Route",
        next=(Literal[tuple(options)], Field(description="who acts next, or finish")),  # type: ignore[arg-type]
        __doc__="Choose who acts next.",
    )


def _routed(
    graph: StateGraph,
    spec: TeamSpec,
    names: list[str],
    node: Callable[[AgentSpec], Any],  # the agent's own node (a subgraph)
    model: BaseChatModel,
    max_turns: int,
    world: TeamWorld,
) -> None:
    """Centralized, hierarchical and swarm: an LLM routing decision after every agent."""
    router = Structured(model, _route_model([*names, "finish"]))
    hierarchical = spec.topology == "hierarchical"
    leads: dict[str, list[AgentSpec]] = {lead: [] for lead, _ in world.leads}
    for a in spec.agents:
        leads[world.lead_of(a.capabilities)].append(a)
    lead_router = Structured(model, _route_model([*leads, "finish"]))

    def menu(agents: list[AgentSpec]) -> str:
        return "\n".join(f"- {a.name}: {', '.join(a.capabilities)}" for a in agents)

    routers: dict[
        str, tuple[str, Structured[Any]]
    ] = {}  # who routes -> (what it is told, its router)
    every = list(spec.agents)
    if hierarchical:
        lead_menu = "\n".join(
            f"- {lead}: " + ", ".join(c for a in agents for c in a.capabilities)
            for lead, agents in leads.items()
        )
        routers["coordinator"] = (f"You coordinate team leads. Agents:\n{lead_menu}", lead_router)
        for lead, agents in leads.items():
            own = Structured(model, _route_model([a.name for a in agents] + ["finish"]))
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

    graph.add_node("finish", _finish)
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
