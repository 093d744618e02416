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
LangGraph's ``Command(goto=..., update=...)``, drawn with its possible destinations
(``agentlab.graphs.team_routed``). A team is compiled once per structure: its own calls and
its members' read the run's model from the run's config.
Handoffs are bounded: a receiver needing ``coupling`` of its host's context sees the share
``min(1, handoff_tokens / (coupling * context))`` of it, so a capability that needs much of
its host's context (high *coupling*) sees only part of what it needs, while one that needs
little gets all of it. Routing, handoffs and aggregation are coordination, and are measured as such.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from agentlab.config import ARCHITECTURES
from agentlab.graphs.agent import agent_graph
from agentlab.graphs.agent_state import REVIEWER, AgentModels, Review
from agentlab.graphs.checkpoints import CheckpointPolicy
from agentlab.graphs.compiled import CompiledCache
from agentlab.graphs.handoffs import HANDOFF, handoff, report_items
from agentlab.graphs.structured import RunModel
from agentlab.graphs.sub_agents import ask_name, delegation_tool
from agentlab.graphs.team_parallel import debate_or_check, split_work
from agentlab.graphs.team_reading import read_vote_book
from agentlab.graphs.team_routed import finish, routed
from agentlab.graphs.team_spec import AgentSpec, TeamSpec
from agentlab.graphs.team_world import WORLDS, plan_line, tool_results
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
        the answer is in ``state["final"]``. Each team's structure (everything but the
        model and the checkpointer) is compiled once per process, with its members' graphs
        in it; the graph returned is a copy of it with this model in its config
        (``with_config``: the team's own calls and every member's read it there) and this
        checkpointer, so building a team per episode costs little.

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
    # capability data by value (frozen), so a dict changed in place is a new structure
    data = None if caps is None else tuple(sorted(caps.items()))
    (compiled, members), key = _TEAMS.get(
        (spec, data, max_steps, max_turns, checkpoints),
        lambda key: _compile_team(RunModel(key), spec, caps, max_steps, max_turns, checkpoints),
    )
    given = RunModel(key).given(model) | {
        member: AgentModels(model, tools, name) for member, (tools, name) in members.items()
    }
    bound = compiled.with_config(configurable=given)
    # the checkpointer joins the copy (Pregel.copy), so a structure is compiled once
    return bound if checkpointer is None else bound.copy({"checkpointer": checkpointer})


Graph = CompiledStateGraph[Any, Any, Any, Any]
# a team's compiled graph, and its members' graphs' keys: key -> (their tools, their name)
Members = dict[str, tuple[list[BaseTool], str]]
_TEAMS = CompiledCache[tuple[Graph, Members]]("__agentlab_team_")


def _compile_team(
    slot: RunModel,
    spec: TeamSpec,
    caps: dict[str, Capability] | None,
    max_steps: int,
    max_turns: int,
    checkpoints: CheckpointPolicy | None,
) -> tuple[Graph, Members]:
    """Compile one team's structure; its calls and its members' take the run's model from
    the run's config (``slot`` for the team's own, a key of each member's for theirs)."""
    world = WORLDS[spec.world]
    caps = dict(caps or world.capabilities())  # a copy: the team is compiled from this data
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

    members: Members = {}

    def worker(agent: AgentSpec) -> Graph:
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
        tools = [*agent_tools(agent, spec, caps), *asks]
        graph, key = agent_graph(
            tools,
            instructions(agent),
            digest=world.digest,
            # a review capability embedded in a working agent: it reviews its own work
            reflect=bool(set(world.reviews) & set(agent.capabilities)),
            max_steps=max_steps,
            name=agent.name,
            plan_reads=("user", HANDOFF) if world.plan_reads_handoff else ("user",),
            checkpoints=checkpoints,
        )
        members[key] = (tools, agent.name)
        return graph

    workers = {a.name: worker(a) for a in spec.agents if not reviews_only(a)}

    def run(
        agent: AgentSpec,
        state: TeamState,
        extra: str = "",
        stage: int | None = None,
        member: Graph | None = None,
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
        reviewer = slot.structured(Review, metadata={"agent": agent.name})
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
        graph.add_node("finish", finish)
        graph.add_edge(previous, "finish")
        graph.add_edge("finish", END)
    elif top in ("centralized", "swarm", "hierarchical"):
        routed(graph, spec, names, node, slot, max_turns, world)
    elif top == "independent":
        split_work(graph, spec.agents, run, slot, world, spec.aggregation)
    elif top in ("decentralized", "hybrid") and world.reads_then_books:
        read_vote_book(graph, spec, run, workers, node, slot)
    elif top in ("decentralized", "hybrid"):
        debate_or_check(graph, spec, run, node, slot)
    else:
        raise ValueError(f"topology: got {top!r}; allowed: {', '.join(TOPOLOGIES)}")
    return graph.compile(name=top), members
