"""Token counting: what every prompt costs, counted with the tokenizer of GPT-4o.

Text is counted with OpenAI's ``o200k_base`` byte-pair encoding (the tokenizer of GPT-4o,
GPT-4o mini, GPT-4.1 and the o-series) through ``tiktoken``. Its vocabulary ships inside the
package (``agentlab/data/tokenizer/``, checked against the hash ``tiktoken`` expects), so
nothing downloads at run time. The chat framing follows OpenAI's cookbook ("How to count
tokens with tiktoken"): 3 tokens per message and its role, its name and 1 more when it has
one, 3 to prime the reply; a bound tool costs 7 tokens plus its ``name:description`` line,
and 3 + its ``name:type:description`` line per parameter (enum values 3 each, less 3), and
the tool block 12 more. The cookbook's constants match the API's ``prompt_tokens`` on its examples;
a nested parameter's inner fields are not counted (as there).

Counting is cached by content: a text's count is kept under the text, a tool schema's
under its JSON, so prompts with 120 tools and long memories stay cheap to simulate and an
edited schema is counted anew. A long text is counted line by line, and one that extends a
text counted lately (the memory block, a note longer at every call) from that text's last
line on (``Grown``).

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import binascii
import copy
import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from functools import cache, lru_cache
from typing import Any, Generic, TypeVar

import tiktoken
from langchain_core.messages import AIMessage, BaseMessage

from agentlab.data import data_path

# tokens of framing per chat message (OpenAI cookbook, "How to count tokens with tiktoken"),
# with its role (system, user, assistant and tool are one token each in o200k_base)
MESSAGE_OVERHEAD = 3 + 1
NAME_OVERHEAD = 1  # a message with a name costs its name's tokens and one more (same source)
REPLY_PRIMING = 3  # tokens that prime the assistant's reply (same source)
TOOL_OVERHEAD = 7  # framing of one function definition, gpt-4o (same source: func_init)
PARAMS_OVERHEAD = 3  # the parameters block of a function with any (prop_init)
PARAM_OVERHEAD = 3  # each parameter (prop_key)
ENUM_OVERHEAD = -3  # a parameter with an enum (enum_init)
ENUM_ITEM_OVERHEAD = 3  # each enum value (enum_item)
TOOLS_BLOCK_END = 12  # the tool block's end, once per prompt with tools (func_end)

ENCODING = "o200k_base"
VOCABULARY = data_path("tokenizer", "o200k_base.tiktoken.gz")
VOCABULARY_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
# o200k_base's pre-tokenizer and special tokens, as tiktoken_ext.openai_public defines them
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_O200K_SPECIAL = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}


@cache
def encoding() -> tiktoken.Encoding:
    """The ``o200k_base`` encoding, read from the vocabulary shipped in the package (once).

    Raises:
        ValueError: when the shipped vocabulary is not the one ``tiktoken`` expects.
    """
    raw = gzip.decompress(VOCABULARY.read_bytes())
    if hashlib.sha256(raw).hexdigest() != VOCABULARY_SHA256:
        raise ValueError(f"tokenizer: {VOCABULARY} is not o200k_base (SHA-256 differs)")
    # "<base64 token> <rank>" per line, the ranks 0, 1, 2, ... in order (the checksum above
    # pins the file): decoded in bulk, 0.08 s instead of 0.25 s line by line, in every kernel
    words = raw.split()
    tokens = words[0::2]
    if int(words[1]) != 0 or int(words[-1]) != len(tokens) - 1:  # pragma: no cover
        raise ValueError(f"tokenizer: {VOCABULARY}'s ranks are not 0 to {len(tokens) - 1}")
    ranks = dict(zip(map(binascii.a2b_base64, tokens), range(len(tokens)), strict=True))
    return tiktoken.Encoding(
        ENCODING,
        pat_str=_O200K_PATTERN,
        mergeable_ranks=ranks,
        special_tokens=_O200K_SPECIAL,
    )


LINE_SPLIT_CHARS = 200  # longer texts are counted in pieces, each piece cached
V = TypeVar("V")


class Grown(Generic[V]):
    """What was derived from the last few long texts read, to find the one a new text
    extends at its end: an agent's memory block gains a note or two between calls, and what
    holds of its earlier part need not be derived again.

    Example:
        >>> grown = Grown[int](size=2)
        >>> grown.keep("Memory:\\n- a", 5)
        >>> grown.find("Memory:\\n- a\\n- b")
        (11, 5)
        >>> grown.find("Notes:\\n- a") is None
        True
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._texts: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()  # a team's members read their prompts in threads

    def find(self, text: str) -> tuple[int, V] | None:
        """The length of the latest kept text that ``text`` starts with, and what was kept
        for it; None if ``text`` extends none of them."""
        with self._lock:
            for kept in reversed(self._texts):
                if text.startswith(kept):
                    return len(kept), self._texts[kept]
        return None

    def keep(self, text: str, value: V) -> None:
        """Keep ``value`` for ``text``, forgetting the oldest text beyond ``size``."""
        with self._lock:
            self._texts[text] = value
            self._texts.move_to_end(text)
            while len(self._texts) > self.size:
                self._texts.popitem(last=False)


def _pieces(text: str) -> list[str]:
    """``text`` cut after each newline that a non-space other than ``/`` follows: no
    pre-token of o200k spans such a cut (a pre-token holds a newline only at its end, among
    other whitespace, or in a run of punctuation, newlines and slashes such as ``)\\n/``)."""
    chunks: list[str] = []
    for line in text.split("\n"):
        if chunks and (not line or line[0].isspace() or line[0] == "/"):
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return [c + "\n" for c in chunks[:-1]] + chunks[-1:]


def count_text(text: str) -> int:
    """Count the tokens of a string with ``o200k_base`` (special tokens counted as text).

    A text is cached by content, a long one (over ``LINE_SPLIT_CHARS``) with lines line by
    line: a memory block is a new text at every call, and keeping each whole would grow a
    long-memory sweep's workers by a megabyte an episode. (A long text without a cut, one
    line or lines that all start with a space or ``/``, is one piece, kept whole.)

    Args:
        text: Any text.

    Returns:
        The number of tokens (0 for an empty string).

    Example:
        >>> count_text("Book me a trip to Washington.")
        7
    """
    if len(text) > LINE_SPLIT_CHARS and "\n" in text:
        return _count_pieces(text)
    return _encoded(text)


@lru_cache(maxsize=65536)
def _encoded(text: str) -> int:
    """The tokens of one text or piece, encoded whole (cached)."""
    return len(encoding().encode_ordinary(text))


# the long texts counted last: their counts, and their last pieces
_COUNTED = Grown[tuple[int, str]](size=16)


def _count_pieces(text: str) -> int:
    """A long text's tokens, the sum of its pieces' (no pre-token spans a cut, so the sum
    is exact; each piece is cached, so a memory block that grows by a note per step costs
    one new line). A text extending one counted lately is read from where that one's last
    piece starts: its cuts before that are the same, and the pieces from there on are
    those of that last piece followed by what was added."""
    found = _COUNTED.find(text)
    if found is None:
        head, tail = 0, text
    else:
        size, (n, last) = found
        head, tail = n - _encoded(last), last + text[size:]
    pieces = _pieces(tail)
    n = head + sum(map(_encoded, pieces))
    _COUNTED.keep(text, (n, pieces[-1]))
    return n


# json.dumps with options builds an encoder per call; this one is built once (stateless)
_COMPACT = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=str)


def count_json(value: Any) -> int:
    """Count the tokens of a JSON-serialisable value as it would be sent (compact JSON)."""
    return count_text(_COMPACT.encode(value))


def count_name(name: str | None) -> int:
    """What a message's name adds to it: nothing without one, else its tokens and one."""
    return NAME_OVERHEAD + count_text(name) if name else 0


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
    n = MESSAGE_OVERHEAD + count_text(_content_text(message)) + count_name(message.name)
    for call in tool_calls_of(message):
        n += count_text(call["name"]) + count_json(call.get("args", {}))
    return n


def _described(text: Any) -> str:
    return str(text or "").removesuffix(".")


@lru_cache(maxsize=4096)
def _count_schema_json(schema_json: str) -> int:
    schema = json.loads(schema_json)
    function = schema.get("function", schema)
    n = TOOL_OVERHEAD + count_text(
        f"{function.get('name', '')}:{_described(function.get('description'))}"
    )
    properties = (function.get("parameters") or {}).get("properties") or {}
    if properties:
        n += PARAMS_OVERHEAD
    for key, prop in properties.items():
        n += PARAM_OVERHEAD
        if "enum" in prop:
            n += ENUM_OVERHEAD
            n += sum(ENUM_ITEM_OVERHEAD + count_text(str(item)) for item in prop["enum"])
        kind = prop.get("type", "object")
        n += count_text(f"{key}:{kind}:{_described(prop.get('description'))}")
    return n


_SEEN: dict[int, tuple[dict[str, Any], dict[str, Any], int]] = {}  # id -> object, copy, count
_SEEN_SIZE = 4096


def count_tool_schema(schema: dict[str, Any]) -> int:
    """Count the tokens one bound tool adds to every prompt, cached by its content.

    A bound schema is the same object in every call of a run: it is found by identity and
    its count reused while it still equals the copy taken when it was counted (a dict
    comparison, much cheaper than serialising it again); an object edited in place, or a
    new one, is serialised and counted through the JSON-keyed cache.

    Args:
        schema: An OpenAI tool (``{"type": "function", "function": {...}}``) or a bare
            function definition.

    Returns:
        The cookbook's count for its definition (without the tool block's end, which
        ``count_tools`` adds once).
    """
    hit = _SEEN.get(id(schema))
    if hit is not None and hit[0] is schema and hit[1] == schema:
        return hit[2]
    n = _count_schema_json(_COMPACT.encode(schema))
    if len(_SEEN) >= _SEEN_SIZE:
        _SEEN.clear()
    _SEEN[id(schema)] = (schema, copy.deepcopy(schema), n)
    return n


def count_tools(schemas: list[dict[str, Any]]) -> int:
    """Count the tokens a prompt's bound tools add: each definition, and the block's end."""
    if not schemas:
        return 0
    return TOOLS_BLOCK_END + sum(count_tool_schema(s) for s in schemas)
