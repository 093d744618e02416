"""The floor the lab can approach: a bare LangGraph agent loop with a trivial fake model.

``bare_episode(llm_calls, tool_calls, tools)`` compiles and runs a two-node graph (``agent``
-> ``tools`` -> ``agent`` ...) whose model answers from a script: no prompt reading, no
token counting, no decisions, no metrics callback. It takes exactly the LLM calls and tool
calls asked for, so set beside a lab episode that took them it measures what LangGraph and
LangChain themselves cost per step.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import BaseTool, tool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode


class ScriptedModel(BaseChatModel):
    """Answers call i with ``script[i]`` tool calls (0: plain text), whatever it is sent."""

    script: list[int]
    tool_names: list[str]

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:  # the schemas are ignored
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        i = sum(isinstance(m, AIMessage) for m in messages)
        n = self.script[i] if i < len(self.script) else 0
        calls = [
            {
                "name": self.tool_names[j % len(self.tool_names)],
                "args": {"q": "x"},
                "id": f"c{i}-{j}",
            }
            for j in range(n)
        ]
        message = AIMessage(content="ok", tool_calls=calls)
        message.usage_metadata = {"input_tokens": 10, "output_tokens": 2, "total_tokens": 12}
        return ChatResult(generations=[ChatGeneration(message=message)])


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def make_tools(n: int) -> list[BaseTool]:
    """``n`` trivial tools (each returns its argument)."""
    out = []
    for i in range(n):

        @tool(f"tool_{i}")
        def _t(q: str) -> str:
            """A trivial tool."""
            return q

        out.append(_t)
    return out


def script_for(llm_calls: int, tool_calls: int) -> list[int]:
    """Spread ``tool_calls`` over the first ``llm_calls - 1`` calls (the last one answers)."""
    slots = max(llm_calls - 1, 1)
    return [tool_calls // slots + (i < tool_calls % slots) for i in range(slots)] + [0]


def bare_episode(llm_calls: int, tool_calls: int, tools: list[BaseTool]) -> None:
    """Compile and run the bare loop for exactly these many LLM and tool calls (its tools
    step: LangGraph's stock ``ToolNode``; the lab's runs its calls in the calling thread,
    ``agentlab.graphs.tool_calls``)."""
    model = ScriptedModel(
        script=script_for(llm_calls, tool_calls), tool_names=[t.name for t in tools]
    )
    bound = model.bind_tools(tools)

    def agent(state: State) -> dict[str, Any]:
        return {"messages": [bound.invoke(state["messages"])]}

    def route(state: State) -> str:
        calls = sum(isinstance(m, AIMessage) for m in state["messages"])
        if calls >= llm_calls:
            return END
        return "tools" if state["messages"][-1].tool_calls else "agent"  # type: ignore[union-attr]

    graph = StateGraph(State)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", route, ["tools", "agent", END])
    graph.add_edge("tools", "agent")
    app = graph.compile()
    out = app.invoke(
        {"messages": [HumanMessage("Book me a trip.")]}, {"recursion_limit": 4 * llm_calls + 10}
    )
    assert sum(isinstance(m, AIMessage) for m in out["messages"]) == llm_calls
