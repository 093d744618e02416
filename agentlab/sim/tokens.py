"""Offline token counting: what every prompt costs, computed from what is really sent.

Real tokenizers (tiktoken) download their vocabularies at run time, which the lab must
never do, so the simulated model counts tokens with a small deterministic approximation of
a byte-pair encoder: short words are one token, long words and numbers are split into
pieces, every punctuation mark is a token, and each chat message carries a fixed framing
overhead (OpenAI documents about 3 tokens per message plus 3 to prime the reply).
The approximation is *assumed*; relative comparisons (more tools, more memory) are what
the lab uses it for.

Counting is cached: the JSON schemas of bound tools and the earlier messages of a history
are counted once, so prompts with 120 tools and long memories stay cheap to simulate.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

MESSAGE_OVERHEAD = 3  # tokens of framing per chat message (OpenAI cookbook, "How to count tokens")
REPLY_PRIMING = 3  # tokens that prime the assistant's reply (same source)
TOOL_OVERHEAD = 8  # assumed: framing of one function definition inside the prompt

_PIECE = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")


LINE_SPLIT_CHARS = 1000  # longer texts are counted line by line, each line cached


@lru_cache(maxsize=65536)
def count_text(text: str) -> int:
    """Count the tokens of a string with the lab's offline approximation.

    Args:
        text: Any text.

    Returns:
        The approximate number of BPE tokens (0 for an empty string).

    Example:
        >>> count_text("Book me a trip to Washington.")
        8
    """
    if len(text) > LINE_SPLIT_CHARS and "\n" in text:
        # no piece spans a newline, so the sum is exact; a memory block that grows by one
        # note per step then costs one new line, not a recount of the whole block
        return sum(count_text(line) for line in text.split("\n"))
    n = 0
    for piece in _PIECE.findall(text):
        if piece[0].isalpha():
            n += 1 if len(piece) <= 6 else -(-len(piece) // 5)
        elif piece[0].isdigit():
            n += -(-len(piece) // 3)
        else:
            n += 1
    return n


# json.dumps with options builds an encoder per call; this one is built once (stateless)
_COMPACT = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=str)


def count_json(value: Any) -> int:
    """Count the tokens of a JSON-serialisable value as it would be sent (compact JSON)."""
    return count_text(_COMPACT.encode(value))


def _content_text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and isinstance(block.get("text"), str):
            parts.append(block["text"])
    return "\n".join(parts)


def tool_calls_of(message: BaseMessage) -> list[Any]:
    """A message's tool calls, ``[]`` for none: ``getattr(message, "tool_calls", None) or []``
    without pydantic's slow miss on every message that is not an AI message."""
    if isinstance(message, AIMessage) or message.__pydantic_extra__:
        return getattr(message, "tool_calls", None) or []
    return []


def count_message(message: BaseMessage) -> int:
    """Count one chat message: its text, its tool calls and the framing overhead."""
    n = MESSAGE_OVERHEAD + count_text(_content_text(message))
    for call in tool_calls_of(message):
        n += count_text(call["name"]) + count_json(call.get("args", {}))
    return n


@lru_cache(maxsize=4096)
def _count_schema_json(schema_json: str) -> int:
    return TOOL_OVERHEAD + count_text(schema_json)


_BY_OBJECT: OrderedDict[int, tuple[dict[str, Any], int]] = OrderedDict()
_BY_OBJECT_SIZE = 4096


def count_tool_schema(schema: dict[str, Any]) -> int:
    """Count the tokens one bound tool adds to every prompt (its JSON schema), cached.

    A bound schema is the same object in every call of a run, so it is looked up by
    identity first (the cache holds the object, so its id cannot be reused meanwhile);
    a new object is serialised once and counted through the text cache.
    """
    hit = _BY_OBJECT.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    n = _count_schema_json(json.dumps(schema, separators=(",", ":"), sort_keys=True))
    _BY_OBJECT[id(schema)] = (schema, n)
    if len(_BY_OBJECT) > _BY_OBJECT_SIZE:
        _BY_OBJECT.popitem(last=False)
    return n
