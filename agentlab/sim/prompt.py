"""What the simulated model sees in one call: messages, bound tools, and their token counts.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, TypeVar

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from agentlab.sim.components import COMPONENTS
from agentlab.sim.tokens import (
    LINE_SPLIT_CHARS,
    MESSAGE_OVERHEAD,
    REPLY_PRIMING,
    Grown,
    count_message,
    count_name,
    count_text,
    count_tools,
    tool_calls_of,
)

MEMORY_NAME = "memory"  # a SystemMessage with this name carries the agent's memory
HANDOFF_NAME = "handoff"  # a HumanMessage with this name carries a handoff between agents
ASK_PREFIX = "ask_"  # a tool with a name starting so asks a sub-agent; it returns its report
T = TypeVar("T")


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


def message_component(message: BaseMessage) -> str:
    """The component a message's tokens count in: memory, system, handoff or history."""
    if is_memory(message):
        return "memory"
    if isinstance(message, SystemMessage):
        return "system"
    return "handoff" if message.name == HANDOFF_NAME else "history"


def tokens_by_component(
    messages: Sequence[BaseMessage],
    tools: Sequence[dict[str, Any]],
    counts: Sequence[int] | None = None,
) -> dict[str, int]:
    """Input tokens of a prompt split into system, tools (schemas), memory, history and
    handoff (what another agent passed along: coordination); ``counts``, when given, are the
    messages' own (``tokens.count_message``)."""
    out = dict.fromkeys(COMPONENTS, 0)
    out["history"] = REPLY_PRIMING
    if counts is None:
        counts = [count_message(m) for m in messages]
    for m, n in zip(messages, counts, strict=True):
        out[message_component(m)] += n
    out["tools"] = count_tools(list(tools))
    return out


def _plain(kind: str, text: str, name: str | None = None) -> tuple[bytes, int]:
    """A message without tool calls: its share of a prompt's fingerprint (the JSON of
    ``[kind, text, []]``), and its tokens."""
    tokens = MESSAGE_OVERHEAD + count_text(text) + count_name(name)
    return f"[{json.dumps(kind)}, {_json_string(text)}, []]".encode(), tokens


_ESCAPED = Grown[str](size=16)  # the long texts written last, as JSON strings


def _json_string(text: str) -> str:
    """``json.dumps(text)``; a long text extending one written lately (the memory block,
    rewritten with a note more for every call) is written from there on only: JSON escapes
    each character on its own, so the two parts join exactly."""
    if len(text) <= LINE_SPLIT_CHARS:
        return json.dumps(text)
    found = _ESCAPED.find(text)
    if found is None:
        out = json.dumps(text)
    else:
        size, written = found
        out = written[:-1] + json.dumps(text[size:])[1:]
    _ESCAPED.keep(text, out)
    return out


# The request and the tool results come back in every later call of an episode: each is
# serialised and counted once, by content. System messages are rewritten for every call
# (the plan's statuses, the memory), so they are not kept.
_said = lru_cache(maxsize=2048)(_plain)


_AS_SEEN = json.JSONEncoder(default=str)  # json.dumps(..., default=str), built once


def _message_parts(message: BaseMessage) -> tuple[bytes, int]:
    """One message's share of a prompt's fingerprint, and its tokens."""
    calls = tool_calls_of(message)
    if calls:
        listed = [(c["name"], c.get("args")) for c in calls]
        seen = _AS_SEEN.encode([message.type, text_of(message), listed]).encode()
        return seen, count_message(message)
    if isinstance(message, SystemMessage):
        return _plain(message.type, text_of(message), message.name)
    return _said(message.type, text_of(message), message.name)


@dataclass
class Prompt:
    """One call's input as the simulated model reads it."""

    messages: list[BaseMessage]
    tools: list[dict[str, Any]] = field(default_factory=list)  # OpenAI-format tool schemas
    tool_choice: str | None = None  # None/"auto", "any"/"required", "none" or a tool name
    # what skills derived from this prompt (``kept``): one call's readings, not compared
    _kept: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def kept(self, key: Any, make: Callable[[], T]) -> T:
        """``make()``, made once per prompt under ``key``: a reading of the prompt that a skill
        asks for several times in one call (its handoff items, a tool's results). What it
        returns is shared by those asking, who read it and never change it."""
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]

    @cached_property
    def _parts(self) -> list[tuple[bytes, int]]:
        """Each message's share of the fingerprint, and its tokens (one pass for both)."""
        return [_message_parts(m) for m in self.messages]

    @cached_property
    def tokens(self) -> dict[str, int]:
        """Input tokens by component."""
        return tokens_by_component(self.messages, self.tools, [n for _, n in self._parts])

    @property
    def input_tokens(self) -> int:
        """All input tokens."""
        return sum(self.tokens.values())

    @cached_property
    def _hashed(self) -> Any:
        """The digest of the messages so far, before the tools (``hashlib.blake2b``)."""
        h = hashlib.blake2b(digest_size=16)
        for seen, _ in self._parts:
            h.update(seen)
        return h

    @cached_property
    def fingerprint(self) -> str:
        """A stable digest of everything the model sees (seeds its decisions)."""
        h = self._hashed.copy()
        h.update(json.dumps([self.tool_names, self.tool_choice]).encode())
        return h.hexdigest()

    def extended(self, more: Sequence[BaseMessage]) -> Prompt:
        """This prompt with ``more`` messages after its own, the same tools: a loop's next
        call, read without reading again what this one read. Its parts, tokens and
        fingerprint are those of the same prompt built whole (a test holds them so)."""
        longer = Prompt([*self.messages, *more], self.tools, self.tool_choice)
        added = [_message_parts(m) for m in more]
        hashed = self._hashed.copy()
        tokens = dict(self.tokens)
        for m, (seen, n) in zip(more, added, strict=True):
            hashed.update(seen)
            tokens[message_component(m)] += n
        # cached_property keeps its value in the instance's __dict__: set, not recomputed
        longer.__dict__.update(_parts=[*self._parts, *added], _hashed=hashed, tokens=tokens)
        return longer

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
        return list(self._tool_results)

    @cached_property
    def _tool_results(self) -> list[tuple[AIMessage | None, ToolMessage]]:
        """``tool_results``, read once per call (a skill asks for them several times)."""
        calls: dict[str, AIMessage] = {}
        out: list[tuple[AIMessage | None, ToolMessage]] = []
        for m in self.messages:
            if isinstance(m, AIMessage):
                for c in m.tool_calls:
                    calls[str(c.get("id"))] = m
            elif isinstance(m, ToolMessage):
                out.append((calls.get(m.tool_call_id), m))
        return out
