"""The agent's tools step (``agentlab.graphs.tool_calls``): the same messages as LangGraph's
``ToolNode`` for every kind of call, errors included, without a thread per step; tools that
need ``ToolNode``'s injection get ``ToolNode``."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import StructuredTool, ToolException, tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import InjectedState, ToolNode
from langgraph.types import Command, interrupt

import agentlab as al
from agentlab.graphs.tool_calls import RunTools, plain, tools_node


@tool
def add(a: int, b: int) -> str:
    """Add two numbers."""
    return str(a + b)


@tool
def blocks() -> list[dict[str, str]]:
    """Content blocks."""
    return [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]


def _refuses(city: str) -> str:
    """Fails the way a world's tool may: a ToolException it handles itself."""
    raise ToolException(f"no city called {city}")


refuses = StructuredTool.from_function(_refuses, name="refuses", handle_tool_error=True)


@tool
def breaks(x: int) -> str:
    """Raises an error no handler takes."""
    raise RuntimeError("the tool is broken")


@tool
def asks(question: str) -> str:
    """Waits for a person."""
    return str(interrupt(question))


@tool
def commands(x: int) -> Any:
    """Returns a Command instead of a message."""
    return Command(update={"messages": []})


TOOLS = [add, blocks, refuses, breaks, asks]
CALLS = [
    {"name": "add", "args": {"a": 2, "b": 3}, "id": "c1", "type": "tool_call"},
    {"name": "blocks", "args": {}, "id": "c2", "type": "tool_call"},
    {"name": "refuses", "args": {"city": "Atlantis"}, "id": "c3", "type": "tool_call"},
    {"name": "nowhere", "args": {}, "id": "c4", "type": "tool_call"},  # not a tool
    {"name": "add", "args": {"a": "two"}, "id": "c5", "type": "tool_call"},  # bad arguments
    {"name": "add", "args": {}, "id": "c6", "type": "tool_call"},  # none
]


def _state(*calls: dict[str, Any]) -> dict[str, Any]:
    return {"messages": [HumanMessage("go"), AIMessage("", tool_calls=list(calls))]}


def _run(node: Any, *calls: dict[str, Any], callbacks: list[Any] | None = None) -> list[Any]:
    """The messages a tools node adds when a graph runs it on one AI message's calls."""
    graph = StateGraph(MessagesState)
    graph.add_node("tools", node)
    graph.add_edge(START, "tools")
    out = graph.compile().invoke(_state(*calls), {"callbacks": callbacks or []})
    return list(out["messages"][2:])


def _fields(m: ToolMessage) -> tuple[Any, ...]:
    return (m.content, m.name, m.tool_call_id, m.status, m.artifact)


def test_every_kind_of_call_gets_the_message_tool_node_gives() -> None:
    ours, stock = _run(RunTools(TOOLS), *CALLS), _run(ToolNode(TOOLS), *CALLS)
    assert [_fields(m) for m in ours] == [_fields(m) for m in stock]
    assert [m.status for m in ours] == ["success", "success", "error", "error", "error", "error"]
    assert "nowhere is not a valid tool" in ours[3].content
    assert "Please fix the error and try again" in ours[4].content


def test_an_error_no_handler_takes_is_raised_as_tool_node_raises_it() -> None:
    call = {"name": "breaks", "args": {"x": 1}, "id": "c1", "type": "tool_call"}
    with pytest.raises(RuntimeError, match="broken"):
        _run(ToolNode([*TOOLS, breaks]), call)
    with pytest.raises(RuntimeError, match="broken"):
        _run(RunTools([*TOOLS, breaks]), call)


def test_a_tool_that_returns_a_command_is_refused_with_its_name() -> None:
    call = {"name": "commands", "args": {"x": 1}, "id": "c1", "type": "tool_call"}
    with pytest.raises(TypeError, match="'commands' returned Command"):
        RunTools([commands])(_state(call), {})


def test_an_interrupt_inside_a_tool_stops_the_run_and_resumes() -> None:
    def model(state: MessagesState) -> dict[str, Any]:
        call = {"name": "asks", "args": {"question": "which Washington?"}, "id": "q1"}
        return {"messages": [AIMessage("", tool_calls=[call])]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", model)
    graph.add_node("tools", tools_node([asks]))
    graph.add_edge(START, "model")
    graph.add_edge("model", "tools")
    app = graph.compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    out = app.invoke({"messages": [HumanMessage("plan a trip")]}, config)
    assert out["__interrupt__"][0].value == "which Washington?"
    out = app.invoke(Command(resume="the state"), config)
    assert out["messages"][-1].content == "the state"


def test_a_step_starts_no_thread_and_reports_to_the_callbacks(threads_started: list[str]) -> None:
    class Tools(BaseCallbackHandler):
        def __init__(self) -> None:
            self.started: list[str] = []
            self.errors = 0

        def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kw: Any) -> None:
            self.started.append(serialized["name"])

        def on_tool_error(self, error: BaseException, **kw: Any) -> None:
            self.errors += 1

    ours, stock = Tools(), Tools()
    _run(RunTools(TOOLS), *CALLS, callbacks=[ours])
    assert threads_started == []
    _run(ToolNode(TOOLS), *CALLS, callbacks=[stock])
    assert threads_started  # the stock node's pool
    assert (ours.started, ours.errors) == (stock.started, stock.errors)


def test_tools_with_injected_arguments_run_in_the_stock_tool_node() -> None:
    def ask(task: str, state: Annotated[dict[str, Any], InjectedState]) -> str:
        """Reads the graph's state."""
        return f"{task}: {len(state['messages'])} messages"

    injected = StructuredTool.from_function(ask)
    assert plain(add) and not plain(injected)
    assert isinstance(tools_node([add]), RunTools)
    assert isinstance(tools_node([add, injected]), ToolNode)


def test_an_agent_runs_its_tools_in_its_own_thread(request: pytest.FixtureRequest) -> None:
    """A whole travel episode, as a sweep runs it: no thread started for its tools steps."""
    config = al.EpisodeConfig(tools=4, seed=1)
    al.run_episode(config)  # imports and caches
    started = request.getfixturevalue("threads_started")
    episode = al.run_episode(config)
    assert int(episode.row()["tool_calls"]) > 0
    assert started == []
