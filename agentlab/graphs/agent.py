"""One agent: the plan -> act (tools) -> remember -> reflect loop as a LangGraph graph.

``build_agent`` compiles a ``StateGraph`` whose state holds everything the agent knows:
the messages, the plan (with each step's status), the memory notes and the summary. The
same graph runs on the simulated model and on a real chat model. Each structure is
compiled once per process; the model reaches the nodes through the run's config. The
state, the plan and review schemas and the role prompts are in ``agentlab.graphs.agent_state``.

Introduced in notebook 01 (`01_agent_loop.ipynb`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.tool import ToolCall
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from agentlab.config import MemoryPolicy
from agentlab.graphs.agent_state import (
    ACTOR,
    PLANNER,
    REVIEWER,
    SUMMARIZER,
    AgentModels,
    AgentState,
    history_of,
    render_plan,
    window_of,
)
from agentlab.graphs.checkpoints import CheckpointPolicy, clarify_node, verify_node
from agentlab.graphs.compiled import CompiledCache
from agentlab.graphs.tool_calls import RunTools, tools_node
from agentlab.measure.replies import ReplyFailure
from agentlab.sim.prompt import MEMORY_NAME, text_of


def build_agent(
    *,
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    instructions: str,
    digest: Callable[[str, str, str], str] | None = None,
    memory: MemoryPolicy = "full",
    window: int = 6,
    reflect: bool = True,
    max_reflections: int = 1,
    max_steps: int = 30,
    name: str = "agent",
    plan_reads: tuple[str, ...] = ("user",),
    checkpoints: CheckpointPolicy | None = None,
    checkpointer: Checkpointer = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile the plan -> act -> tools -> remember -> reflect loop of one agent.

    Args:
        model: Any LangChain chat model that can bind tools (simulated or real).
        tools: The tools in scope: every one is bound to every act call.
        instructions: The agent's role and rules (the scenario's system prompt).
        digest: Turns a tool result into a memory note: ``digest(tool, content, status)``.
        memory: History in each prompt: "full", a "window" of recent messages, or a
            "summary" of older messages plus the window.
        window: Messages kept verbatim by "window" and "summary".
        reflect: Review the answer and repair what the review finds.
        max_reflections: Reviews allowed.
        max_steps: LLM calls allowed; the run then stops with outcome "step_limit".
        name: The agent's name in metrics.
        plan_reads: The names of the messages, beyond the request, its plan call reads:
            the person's answers ("user"); a team member also its handoff.
        checkpoints: When to stop and ask a person (clarify the plan, verify results);
            needs a ``checkpointer`` when any is active.
        checkpointer: A LangGraph checkpointer (for interrupts and resuming).

    Returns:
        The compiled graph; invoke it with ``{"messages": [HumanMessage(request)]}``.
        Each structure (everything but the model and the checkpointer) is compiled once
        per process; the graph returned is a copy of it with this model in its config
        (``with_config``) and this checkpointer, so building one agent per episode costs
        little.

    Example:
        >>> import agentlab as al
        >>> tools = al.world.travel.travel_tools(4)
        >>> graph = al.build_agent(model=al.make_model("sim"), tools=tools,
        ...                        instructions="You book trips.")
        >>> "reflect" in graph.get_graph().nodes
        True
    """
    tools = list(tools)
    compiled, key = agent_graph(
        tools,
        instructions,
        digest=digest,
        memory=memory,
        window=window,
        reflect=reflect,
        max_reflections=max_reflections,
        max_steps=max_steps,
        name=name,
        plan_reads=plan_reads,
        checkpoints=checkpoints,
    )
    bound = compiled.with_config(configurable={key: AgentModels(model, tools, name)})
    # the checkpointer joins the copy (Pregel.copy, as with_config makes its copy), so the
    # structure is compiled once whatever the checkpointer, and the cache keeps none open
    return bound if checkpointer is None else bound.copy({"checkpointer": checkpointer})


def agent_graph(
    tools: Sequence[BaseTool], instructions: str, **structure: Any
) -> tuple[CompiledStateGraph[Any, Any, Any, Any], str]:
    """The compiled graph of one agent's structure (``build_agent``'s arguments but the
    model and the checkpointer, its defaults for those not given), and the key its nodes
    read their model under.

    A run gives the graph its model in its config: ``configurable={key: AgentModels(model,
    tools, name)}``, directly (``build_agent``) or from a graph that holds this one as a
    subgraph (a team, ``agentlab.graphs.team``): a subgraph reads its parent run's config.
    Each structure is compiled once per process.
    """
    structure = {**_DEFAULTS, **structure}
    policy = structure.pop("checkpoints") or CheckpointPolicy()
    return _compiled(tools=tuple(tools), instructions=instructions, policy=policy, **structure)


# build_agent's defaults for the structure (agent_graph fills in those not given)
_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(build_agent).parameters.items()
    if p.default is not p.empty and name != "checkpointer"
}


Graph = CompiledStateGraph[Any, Any, Any, Any]
_COMPILED = CompiledCache[Graph]("__agentlab_agent_")


def _compiled(**structure: Any) -> tuple[Graph, str]:
    """The compiled graph of a structure, and the configurable key its nodes read the
    models from: compiled once per process, tools (and their names) and digest compared by
    identity."""
    pinned = (structure["tools"], structure["digest"])  # their ids stay theirs while cached
    lookup = tuple(
        tuple((id(t), t.name) for t in v) if k == "tools" else id(v) if k == "digest" else v
        for k, v in sorted(structure.items())
    )
    return _COMPILED.get(lookup, lambda key: _compile(key, **structure), pinned=pinned)


def _compile(
    key: str,
    *,
    tools: tuple[BaseTool, ...],
    instructions: str,
    digest: Callable[[str, str, str], str] | None,
    memory: MemoryPolicy,
    window: int,
    reflect: bool,
    max_reflections: int,
    max_steps: int,
    name: str,
    plan_reads: tuple[str, ...],
    policy: CheckpointPolicy,
    checkpointer: Checkpointer = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile one structure; its nodes take the model's runnables from the run's config."""

    def models(config: RunnableConfig) -> AgentModels:
        found = config.get("configurable", {}).get(key)
        if not isinstance(found, AgentModels):
            raise RuntimeError("this agent graph has no model: build it with build_agent()")
        return found

    tool_list = ", ".join(t.name for t in tools)
    to_note = digest or (lambda tool, content, status: f"{tool} ({status}): {content[:200]}")

    def context(state: AgentState, role: str) -> list[BaseMessage]:
        plan = render_plan(state.get("plan", {}))
        head: list[BaseMessage] = [SystemMessage(f"{instructions}\n\n{role}\n\n{plan}")]
        notes = list(state.get("memory", []))
        if state.get("summary"):
            notes.append(f"Summary of earlier steps: {state['summary']}")
        if notes:
            head.append(
                SystemMessage("Memory:\n" + "\n".join(f"- {n}" for n in notes), name=MEMORY_NAME)
            )
        history = history_of(state)
        if memory != "full":
            history = window_of(history, window)
        return [*head, state["messages"][0], *history]

    def plan(state: AgentState, config: RunnableConfig) -> AgentState:
        system = SystemMessage(f"{instructions}\n\nTools: {tool_list}\n\n{PLANNER}")
        said = [
            m for m in state["messages"] if isinstance(m, HumanMessage) and m.name in plan_reads
        ]
        parsed = models(config).planner.invoke([system, state["messages"][0], *said])[1]
        if parsed is None:  # a plan that does not parse is a failed decision, not an empty plan
            raise ReplyFailure("unparseable_plan")
        steps = [{**s.model_dump(), "status": "pending"} for s in parsed.steps]
        return {
            "plan": {**parsed.model_dump(), "steps": steps},
            "llm_calls": state.get("llm_calls", 0) + 1,
            "replan": False,
        }

    def act(state: AgentState, config: RunnableConfig) -> AgentState:
        if state.get("llm_calls", 0) >= max_steps:
            return {"outcome": "step_limit"}
        reply = models(config).actor.invoke(context(state, ACTOR))
        calls = state.get("llm_calls", 0) + 1
        bad = getattr(reply, "invalid_tool_calls", None) or []
        if bad and isinstance(reply, AIMessage):
            # a malformed tool call is a failed decision, not a crash: it goes to the tool
            # node with no arguments, fails there with an error result the model sees, and
            # the model can repair it as after any tool error
            broken: list[ToolCall] = [
                {
                    "name": b.get("name") or "unknown_tool",
                    "args": {},
                    "id": b.get("id") or f"bad-{i}",
                    "type": "tool_call",
                }
                for i, b in enumerate(bad)
            ]
            reply = reply.model_copy(
                update={"tool_calls": [*reply.tool_calls, *broken], "invalid_tool_calls": []}
            )
        return {"messages": [reply], "llm_calls": calls}

    def after_act(state: AgentState) -> Literal["tools", "reflect", "__end__"]:
        last = state["messages"][-1]
        if state.get("outcome") == "step_limit":
            return "__end__"
        if getattr(last, "tool_calls", None):
            return "tools"
        if reflect and state.get("reflections", 0) < max_reflections:
            return "reflect"
        return "__end__"

    def remember(state: AgentState, config: RunnableConfig) -> AgentState:
        steps = [dict(s) for s in state.get("plan", {}).get("steps", [])]
        notes = list(state.get("memory", []))
        log = list(state.get("results", []))
        results: list[ToolMessage] = []
        for m in reversed(state["messages"]):
            if not isinstance(m, ToolMessage):
                break
            results.insert(0, m)
        for m in results:
            status = "error" if m.status == "error" else "ok"
            target = next((s for s in steps if s["status"] != "done" and s["tool"] == m.name), None)
            if target is not None and status == "ok":
                target["status"] = "done"
            number = steps.index(target) + 1 if target is not None and status == "ok" else None
            log.append(
                {
                    "step": number,
                    "tool": str(m.name),
                    "content": text_of(m),
                    "call_id": m.tool_call_id,
                }
            )
            notes.append(to_note(str(m.name), text_of(m), status))
        update: AgentState = {
            "plan": {**state.get("plan", {}), "steps": steps},
            "memory": notes,
            "results": log,
        }
        history = history_of(state)
        done = state.get("summarized", 0)
        if memory == "summary" and len(history) - done > window + 4:
            upto = len(history) - window
            transcript = "\n".join(f"{m.type}: {text_of(m)}" for m in history[done:upto])
            previous = state.get("summary", "")
            out = models(config).tagged.invoke(
                [SystemMessage(SUMMARIZER), HumanMessage(f"{previous}\n{transcript}".strip())]
            )
            update |= {
                "summary": text_of(out),
                "summarized": upto,
                "llm_calls": state.get("llm_calls", 0) + 1,
            }
        return update

    def review(state: AgentState, config: RunnableConfig) -> AgentState:
        messages = [*context(state, REVIEWER), HumanMessage("Review the work now.")]
        verdict = models(config).reviewer.invoke(messages)[1]
        if verdict is None:  # a review that does not parse is a failed decision, no approval
            raise ReplyFailure("unparseable_review")
        update: AgentState = {
            "reflections": state.get("reflections", 0) + 1,
            "llm_calls": state.get("llm_calls", 0) + 1,
        }
        if verdict.ok or not verdict.issues:
            return update | {"outcome": "answered"}
        steps = [dict(s) for s in state.get("plan", {}).get("steps", [])]
        for issue in verdict.issues:
            if 1 <= issue.step <= len(steps):
                steps[issue.step - 1]["status"] = "pending"
        found = "\n".join(f"- step {i.step}: {i.problem}" for i in verdict.issues)
        return update | {
            "plan": {**state.get("plan", {}), "steps": steps},
            "messages": [
                HumanMessage(
                    f"A review found problems; redo these steps:\n{found}", name="reviewer"
                )
            ],
        }

    def after_review(state: AgentState) -> Literal["act", "__end__"]:
        return "__end__" if state.get("outcome") == "answered" else "act"

    def after_checkpoint(state: AgentState) -> Literal["plan", "act"]:
        return "plan" if state.get("replan") else "act"

    graph = StateGraph(AgentState)
    graph.add_node("plan", plan)
    graph.add_node("act", act)
    # the drawn graph names the tools in scope: LangGraph draws a node's metadata (and a
    # ToolNode's tools of its own)
    tools_step = tools_node(tools)
    shown = {"tools": tool_list} if isinstance(tools_step, RunTools) else None
    graph.add_node("tools", tools_step, metadata=shown)
    graph.add_node("remember", remember)
    graph.add_node("reflect", review)

    def checkpoint(after: str, name: str, node: Any, active: bool) -> None:
        """After ``after``: a checkpoint that may send the agent back to plan, or straight on."""
        if not active:
            graph.add_edge(after, "act")
            return
        graph.add_node(name, node)
        graph.add_edge(after, name)
        graph.add_conditional_edges(name, after_checkpoint, ["plan", "act"])

    graph.add_edge(START, "plan")
    checkpoint("plan", "clarify", clarify_node(policy), policy.clarify != "never")
    graph.add_conditional_edges(
        "act", after_act, {"tools": "tools", "reflect": "reflect", END: END}
    )
    graph.add_edge("tools", "remember")
    checkpoint("remember", "verify", verify_node(policy), policy.verify != "never")
    graph.add_conditional_edges("reflect", after_review, {"act": "act", END: END})
    return graph.compile(name=name, checkpointer=checkpointer)
