"""InlineToolNode: LangGraph's ToolNode with a step's calls run in the calling thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from agentlab.tool_node import InlineToolNode
from agentlab.world import research
from agentlab.world.travel import travel_tools

TOOLS = [*travel_tools(6), *research.RESEARCH_TOOLS.values()]
CALLS: list[list[dict[str, Any]]] = [
    [
        {
            "name": "search_flights",
            "args": {"origin": "Boston", "destination": "Denver", "date": "2026-03-02"},
        }
    ],
    [  # several calls in one step, one of them malformed, one to a tool that is not there
        {"name": "search_corpus", "args": {"query": "Ulvenna population", "k": 3}},
        {"name": "book_offer", "args": {}},
        {"name": "no_such_tool", "args": {"x": 1}},
        {"name": "cross_check", "args": {"entity": "Ulvenna", "attribute": "population"}},
    ],
]


def _messages(node: ToolNode, calls: list[dict[str, Any]]) -> list[ToolMessage]:
    """The tool messages of one tools step, run as a node of a graph (as in the agent)."""
    graph = StateGraph(MessagesState)
    graph.add_node("tools", node)
    graph.add_edge(START, "tools")
    ai = AIMessage("", tool_calls=[{**c, "id": f"call-{i}"} for i, c in enumerate(calls)])
    out = graph.compile().invoke({"messages": [ai]})["messages"]
    return [m for m in out if isinstance(m, ToolMessage)]


@pytest.mark.parametrize("calls", CALLS)
def test_the_same_messages_as_toolnode(calls: list[dict[str, Any]]) -> None:
    ours, theirs = _messages(InlineToolNode(TOOLS), calls), _messages(ToolNode(TOOLS), calls)

    def dump(ms: list[ToolMessage]) -> list[dict[str, Any]]:
        return [m.model_dump(exclude={"id"}) for m in ms]  # ids: fresh uuids from the graph

    assert dump(ours) == dump(theirs)
    assert [m.tool_call_id for m in ours] == [f"call-{i}" for i in range(len(calls))]
    if len(calls) > 1:
        assert {m.status for m in ours} == {"success", "error"}


def test_no_thread_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    real = threading.Thread.start

    def start(self: threading.Thread) -> None:
        started.append(self.name)
        real(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    _messages(InlineToolNode(TOOLS), CALLS[1])
    assert started == []
    _messages(ToolNode(TOOLS), CALLS[1])
    assert started, "LangGraph's ToolNode runs its calls in a thread pool (the reason for ours)"
