"""InlineToolNode: LangGraph's ToolNode with a step's calls run in the calling thread."""

from __future__ import annotations

import threading
from typing import Annotated, Any

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import InjectedToolCallId, tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from langgraph.types import Command, interrupt

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


@tool
def remember_city(city: str, tool_call_id: Annotated[str, InjectedToolCallId]) -> Command:
    """Store a city in the state."""
    reply = ToolMessage(f"noted {city}", tool_call_id=tool_call_id)
    return Command(update={"city": city, "messages": [reply]})


@tool
def ask_person(question: str) -> str:
    """Ask a person and wait for the answer."""
    return str(interrupt({"question": question}))


class CityState(MessagesState):
    city: str


def _run(node_class: type[ToolNode]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Command result, then an interrupt inside a tool, resumed."""
    graph = StateGraph(CityState)
    graph.add_node("tools", node_class([remember_city, ask_person]))
    graph.add_edge(START, "tools")
    app = graph.compile(checkpointer=InMemorySaver())
    cfg: Any = {"configurable": {"thread_id": node_class.__name__}}
    calls = [
        {"name": "remember_city", "args": {"city": "Spokane"}, "id": "c1"},
        {"name": "ask_person", "args": {"question": "Which Washington?"}, "id": "c2"},
    ]
    first = app.invoke({"messages": [AIMessage("", tool_calls=calls)]}, cfg)
    done = app.invoke(Command(resume="the state"), cfg)
    return first, done


def test_commands_and_interrupts_work_as_in_toolnode() -> None:
    (first, done), (first_ref, done_ref) = _run(InlineToolNode), _run(ToolNode)
    asked = [i.value for i in first["__interrupt__"]]
    assert asked == [i.value for i in first_ref["__interrupt__"]]
    assert asked == [{"question": "Which Washington?"}]
    assert done["city"] == done_ref["city"] == "Spokane"
    texts = [m.content for m in done["messages"] if isinstance(m, ToolMessage)]
    assert texts == [m.content for m in done_ref["messages"] if isinstance(m, ToolMessage)]
    assert texts == ["noted Spokane", "the state"]
