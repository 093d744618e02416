"""An agent that owns sub-agents: vertical scaling by delegation.

An agent grows vertically by taking on more tools, or by taking on sub-agents of its own.
Here each sub-agent is one more tool of its owner, ``ask_<capabilities>``: calling it runs
the sub-agent's compiled graph (the one-agent loop of ``agentlab.graphs.agent``) on the task
the owner writes, with a bounded handoff of the owner's work so far (the team's
``handoff`` rule: the sub-agent sees the share ``min(1, budget / (coupling * context))`` of
it), and returns what the sub-agent reports, as handoff items (``[kept] ...``). There is no
coordinator: the owner decides when to ask, in its own act calls, and reads every report in
its own context, so the complexity the sub-agent takes off the owner's tools comes back as
one more option and longer prompts. The sub-agent runs inside the owner's tool call, so its
LLM calls are metered, checkpointed and interrupted with the owner's run.

Introduced in notebook 07 (`07_horizontal_vs_vertical.ipynb`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from langchain_core.messages import AnyMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import InjectedState

from agentlab.graphs.handoffs import ASK, HANDOFF, handoff, report_items
from agentlab.world.lab_tool import LabTool


def ask_name(capabilities: tuple[str, ...]) -> str:
    """The name of the tool that asks the sub-agent carrying these capabilities.

    Example:
        >>> ask_name(("retrieve", "rank_filter"))
        'ask_retrieve_rank_filter'
    """
    return ASK + "_".join(capabilities)


def delegation_tool(
    name: str,
    capabilities: tuple[str, ...],
    duties: str,
    graph: CompiledStateGraph[Any, Any, Any, Any],
    *,
    items_of: Callable[[ToolMessage], list[str]],
    coupling: float,
    budget: int,
) -> BaseTool:
    """The tool through which an owner asks its sub-agent ``name``.

    Args:
        name: The sub-agent's name (its LLM calls are metered under it).
        capabilities: What the sub-agent carries; the tool is ``ask_name(capabilities)``.
        duties: What the sub-agent does, as its owner is told (the tool's description).
        graph: The sub-agent's compiled graph.
        items_of: How a tool result becomes handoff items (the world's).
        coupling: The share of its owner's context the sub-agent needs.
        budget: The handoff's token budget (``handoff_tokens``).

    Returns:
        A tool taking ``task`` (what the owner asks) that returns the sub-agent's report.
    """

    def ask(task: str, state: Annotated[dict[str, Any], InjectedState]) -> str:
        owner: list[AnyMessage] = list(state.get("messages", []))
        items = report_items(owner[1:], items_of)  # the owner's work so far
        sent: list[AnyMessage] = [HumanMessage(task)]
        if items:
            note = handoff(items, coupling=coupling, budget=budget)
            sent.append(HumanMessage(note, name=HANDOFF))
        out = graph.invoke({"messages": sent}, config={"metadata": {"agent": name}})
        lines = report_items(out["messages"][len(sent) :], items_of)
        return "\n".join([f"{name} reports:", *lines])

    return LabTool.from_function(
        ask,
        name=ask_name(capabilities),
        description=(
            f"Ask your sub-agent {name} to do its part, which is:\n{duties}\nWrite the task "
            "(the question as asked). It sees the task and a bounded handoff of your work so "
            "far, and reports what it found."
        ),
    )
