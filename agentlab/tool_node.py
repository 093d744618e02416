"""LangGraph's ``ToolNode``, running a step's tool calls in the calling thread.

``ToolNode`` runs every tools step through a thread pool made for that step, even for a
single call. For the lab's tools (microseconds of Python each) that pool is the largest
cost of a tools step, and threads started and stopped at every step keep two sweep
workers from running side by side on two cores (``benchmarks/README.md``). This node is
``ToolNode`` with one change: the calls of a step run one after another, in order, in the
thread that runs the node. Everything else (argument validation, error messages,
``Command`` results, injected state and runtime) is ``ToolNode``'s own code; a test checks
that both give the same messages. Two differences remain: a call that raises past the
error handling (or interrupts) stops the step before the calls after it, and the calls of
a step share one ``contextvars`` context instead of a copy each.

Introduced in notebook 01 (`01_agent_loop.ipynb`), with the agent that uses it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AnyMessage
from langchain_core.runnables.config import RunnableConfig, get_config_list
from langgraph.prebuilt import ToolNode, ToolRuntime
from langgraph.runtime import Runtime
from pydantic import BaseModel


class InlineToolNode(ToolNode):
    """A ``ToolNode`` whose tool calls run in the calling thread, one after another.

    Example:
        >>> from agentlab.world.travel import travel_tools
        >>> InlineToolNode(travel_tools(4), name="tools").name
        'tools'
    """

    def _func(
        self,
        input: list[AnyMessage] | dict[str, Any] | BaseModel,
        config: RunnableConfig,
        runtime: Runtime,
    ) -> Any:
        # ToolNode._func (langgraph-prebuilt 1.1, pinned below 1.2 in pyproject.toml), with
        # its executor.map replaced by a plain loop
        tool_calls, input_type = self._parse_input(input)
        outputs = []
        for call, cfg in zip(tool_calls, get_config_list(config, len(tool_calls)), strict=False):
            tool_runtime: ToolRuntime[Any, Any] = ToolRuntime(
                state=self._extract_state(input, cfg),
                tool_call_id=call["id"],
                config=cfg,
                context=runtime.context,
                store=runtime.store,
                stream_writer=runtime.stream_writer,
                tools=list(self.tools_by_name.values()),
                execution_info=runtime.execution_info,
                server_info=runtime.server_info,
            )
            outputs.append(self._run_one(call, input_type, tool_runtime))
        return self._combine_tool_outputs(outputs, input_type)
