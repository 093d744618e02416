"""The tools step of an agent: run the tool calls of its last message, in this thread.

LangGraph's stock ``ToolNode`` runs a step's calls in a thread pool it starts for the step,
even for a single call (``get_executor_for_config``). On the simulated model a narrow
episode's five or six tools steps cost ~2 ms that way, and the threads slow two sweep
workers sharing two cores more than they slow one. The lab's agents call one tool at a
time, so ``tools_node`` gives them a node that calls each tool in turn through its public
``invoke`` (a ``ToolCall`` in, a ``ToolMessage`` out, callbacks as before) and answers a
mistaken call as ``ToolNode`` does, with LangGraph's own texts:

* a tool the agent does not have: ``INVALID_TOOL_NAME_ERROR_TEMPLATE``, an error result;
* arguments its schema refuses: ``ToolInvocationError``'s message, an error result;
* a ``ToolException`` the tool handles itself: the tool's own error result;
* any other exception, and an interrupt: raised, as ``ToolNode``'s default does.

A tool that reads the graph's state, store or runtime (``InjectedState``, ``ToolRuntime``:
its input schema has fields the model does not write), or that returns anything but a
message, needs ``ToolNode``'s injection and its handling of ``Command``: an agent with such
a tool gets the stock ``ToolNode``; a tool that returns a ``Command`` anyway is refused
with its name. ``tests/test_tool_calls.py`` checks the messages against ``ToolNode``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolNode
from langgraph.prebuilt.tool_node import (
    INVALID_TOOL_NAME_ERROR_TEMPLATE,
    ToolInvocationError,
    msg_content_output,
)
from pydantic import ValidationError


def plain(tool: BaseTool) -> bool:
    """Whether the model writes every argument of ``tool``: nothing is injected into it
    (state, store, runtime, the call's id), so calling it needs only its tool call."""
    read = getattr(tool.get_input_schema(), "model_fields", None)
    written = getattr(tool.tool_call_schema, "model_fields", None)
    return read is not None and written is not None and set(read) == set(written)


def tools_node(tools: Sequence[BaseTool], name: str = "tools") -> Any:
    """The node that runs an agent's tool calls: ``RunTools`` when every tool is
    ``plain``, LangGraph's ``ToolNode`` otherwise."""
    tools = list(tools)
    if all(isinstance(t, BaseTool) and plain(t) for t in tools):
        return RunTools(tools)
    return ToolNode(tools, name=name)


class RunTools:
    """Runs the tool calls of the state's last message one after another, in the calling
    thread; returns ``{"messages": [ToolMessage, ...]}`` in the calls' order."""

    def __init__(self, tools: Sequence[BaseTool]) -> None:
        self.tools_by_name = {t.name: t for t in tools}

    def __call__(self, state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        last = state["messages"][-1]
        calls = last.tool_calls if isinstance(last, AIMessage) else []
        return {"messages": [self.run(call, config) for call in calls]}

    def run(self, call: Any, config: RunnableConfig) -> ToolMessage:
        """One call's result: the tool's message, or the error result ``ToolNode`` gives."""
        name, call_id = call["name"], call["id"]
        tool = self.tools_by_name.get(name)
        if tool is None:
            content = INVALID_TOOL_NAME_ERROR_TEMPLATE.format(
                requested_tool=name, available_tools=", ".join(self.tools_by_name)
            )
            return ToolMessage(content, name=name, tool_call_id=call_id, status="error")
        try:
            out = tool.invoke({**call, "type": "tool_call"}, config)
        except ValidationError as e:
            # the model's arguments, refused by the tool's schema: a result it can repair
            message = ToolInvocationError(name, e, call["args"], e.errors()).message
            return ToolMessage(message, name=name, tool_call_id=call_id, status="error")
        if not isinstance(out, ToolMessage):
            raise TypeError(
                f"tool {name!r} returned {type(out).__name__}, not a message: the lab's agent "
                "takes a tool's result as the model's next input; a tool that steers the graph "
                "(a Command) belongs in a graph of your own with LangGraph's ToolNode"
            )
        if not isinstance(out.content, str):  # content blocks, or JSON, as ToolNode makes them
            blocks: Any = msg_content_output(out.content)
            out.content = blocks
        return out
