"""What the simulated model sees in one call: messages, bound tools, and their token counts.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from agentlab.tokens import REPLY_PRIMING, count_message, count_tool_schema

MEMORY_NAME = "memory"  # a SystemMessage with this name carries the agent's memory
HANDOFF_NAME = "handoff"  # a HumanMessage with this name carries a handoff between agents
COMPONENTS = ("system", "tools", "memory", "history", "handoff")


def is_memory(message: BaseMessage) -> bool:
    """Whether a message is the agent's memory block (counted as the memory component)."""
    return isinstance(message, SystemMessage) and message.name == MEMORY_NAME


def text_of(message: BaseMessage) -> str:
    """The text content of a message (text blocks joined)."""
    if isinstance(message.content, str):
        return message.content
    return "\n".join(
        b if isinstance(b, str) else b["text"]
        for b in message.content
        if isinstance(b, str) or (isinstance(b, dict) and isinstance(b.get("text"), str))
    )


def tokens_by_component(
    messages: Sequence[BaseMessage], tools: Sequence[dict[str, Any]]
) -> dict[str, int]:
    """Input tokens of a prompt split into system, tools (schemas), memory, history and
    handoff (what another agent passed along: coordination)."""
    out = dict.fromkeys(COMPONENTS, 0)
    out["history"] = REPLY_PRIMING
    for m in messages:
        key = (
            "memory"
            if is_memory(m)
            else "system"
            if isinstance(m, SystemMessage)
            else "handoff"
            if m.name == HANDOFF_NAME
            else "history"
        )
        out[key] += count_message(m)
    out["tools"] = sum(count_tool_schema(t) for t in tools)
    return out


@dataclass
class Prompt:
    """One call's input as the simulated model reads it."""

    messages: list[BaseMessage]
    tools: list[dict[str, Any]] = field(default_factory=list)  # OpenAI-format tool schemas
    tool_choice: str | None = None  # None/"auto", "any"/"required", "none" or a tool name

    @cached_property
    def tokens(self) -> dict[str, int]:
        """Input tokens by component."""
        return tokens_by_component(self.messages, self.tools)

    @property
    def input_tokens(self) -> int:
        """All input tokens."""
        return sum(self.tokens.values())

    @cached_property
    def fingerprint(self) -> str:
        """A stable digest of everything the model sees (seeds its decisions)."""
        h = hashlib.blake2b(digest_size=16)
        for m in self.messages:
            calls = [(c["name"], c.get("args")) for c in getattr(m, "tool_calls", None) or []]
            h.update(json.dumps([m.type, text_of(m), calls], default=str).encode())
        h.update(json.dumps([self.tool_names, self.tool_choice]).encode())
        return h.hexdigest()

    @cached_property
    def tool_names(self) -> list[str]:
        """Names of the bound tools, in order."""
        return [t["function"]["name"] for t in self.tools]

    def tool(self, name: str) -> dict[str, Any] | None:
        """The OpenAI schema of a bound tool, or None."""
        return next((t for t in self.tools if t["function"]["name"] == name), None)

    @property
    def forced_tool(self) -> str | None:
        """The tool the caller forces, if any (structured output forces its schema's tool)."""
        if self.tool_choice in self.tool_names:
            return self.tool_choice
        if self.tool_choice in ("any", "required") and len(self.tools) == 1:
            return self.tool_names[0]
        return None

    @property
    def must_call_tool(self) -> bool:
        """Whether the caller requires a tool call."""
        return self.tool_choice in ("any", "required") or self.forced_tool is not None

    def system_text(self) -> str:
        """All non-memory system text."""
        return "\n".join(
            text_of(m) for m in self.messages if isinstance(m, SystemMessage) and not is_memory(m)
        )

    def memory_text(self) -> str:
        """The memory block's text, or ''."""
        return "\n".join(text_of(m) for m in self.messages if is_memory(m))

    def human_texts(self) -> list[str]:
        """Texts of the human messages, in order."""
        return [text_of(m) for m in self.messages if isinstance(m, HumanMessage)]

    def request(self) -> str:
        """The text of the latest human message ('' if none)."""
        texts = self.human_texts()
        return texts[-1] if texts else ""

    def turn_results(self) -> list[ToolMessage]:
        """The tool results since the latest human message, in order."""
        out: list[ToolMessage] = []
        for m in reversed(self.messages):
            if isinstance(m, HumanMessage):
                break
            if isinstance(m, ToolMessage):
                out.insert(0, m)
        return out

    def last(self) -> BaseMessage | None:
        """The last message, or None."""
        return self.messages[-1] if self.messages else None

    def tool_results(self) -> list[tuple[AIMessage | None, ToolMessage]]:
        """Each visible tool result with the AI message that asked for it (if visible)."""
        calls: dict[str, AIMessage] = {}
        out: list[tuple[AIMessage | None, ToolMessage]] = []
        for m in self.messages:
            if isinstance(m, AIMessage):
                for c in m.tool_calls:
                    calls[str(c.get("id"))] = m
            elif isinstance(m, ToolMessage):
                out.append((calls.get(m.tool_call_id), m))
        return out
