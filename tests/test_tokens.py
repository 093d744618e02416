import base64
import gzip
import hashlib
import json
import random
import tracemalloc

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agentlab.config import EpisodeConfig
from agentlab.run.runner import run_episode
from agentlab.sim import tokens
from agentlab.sim.model import SimChatModel
from agentlab.sim.prompt import HANDOFF_NAME, MEMORY_NAME, Prompt, _plain, text_of
from agentlab.sim.tokens import (
    LINE_SPLIT_CHARS,
    MESSAGE_OVERHEAD,
    REPLY_PRIMING,
    count_message,
    count_name,
    count_text,
    count_tool_schema,
    count_tools,
    encoding,
    tool_calls_of,
)
from agentlab.world.travel import travel_tools

# o200k_base's own test cases (token ids as tiktoken's and other ports' tests list them)
O200K_CASES = [
    ("", []),
    ("hello world", [24912, 2375]),
    (" 日本語とEnglish 12345!\n", [17428, 40909, 5330, 28881, 220, 7633, 2548, 4175]),
    ("a\n\n", [64, 279]),
    ("<|endoftext|>", [27, 91, 419, 1440, 919, 91, 29]),  # special tokens are text here
]


def test_the_shipped_vocabulary_is_o200k_base() -> None:
    for text, ids in O200K_CASES:
        assert encoding().encode_ordinary(text) == ids
        assert count_text(text) == len(ids)


def test_a_vocabulary_that_differs_is_refused(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "o200k_base.tiktoken.gz"
    bad.write_bytes(gzip.compress(b"aGVsbG8= 0\n"))
    monkeypatch.setattr(tokens, "VOCABULARY", bad)
    encoding.cache_clear()
    try:
        with pytest.raises(ValueError, match="not o200k_base"):
            encoding()
    finally:
        monkeypatch.undo()
        encoding.cache_clear()
    assert tokens._encoded.__wrapped__("hello world") == 2  # type: ignore[attr-defined]


def test_numbers_split_in_groups_of_three() -> None:
    assert count_text("123") == 1
    assert count_text("1234567") == 3


def test_the_cookbook_example_counts_as_the_api_did() -> None:
    """OpenAI's cookbook ("How to count tokens with tiktoken", section 7): two messages and
    one tool, 101 prompt tokens by the API for gpt-4o and gpt-4o-mini."""
    weather = {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "string",
                        "description": "The city and state, e.g. San Francisco, CA",
                    },
                    "unit": {
                        "type": "string",
                        "description": "The unit of temperature to return",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    }
    messages = [
        SystemMessage(
            "You are a helpful assistant that can answer to questions about the weather."
        ),
        HumanMessage("What's the weather like in San Francisco?"),
    ]
    assert Prompt(messages, [weather]).input_tokens == 101


def test_a_name_costs_its_tokens_and_one() -> None:
    assert count_name(None) == count_name("") == 0
    assert count_name("memory") == 1 + count_text("memory")
    named = SystemMessage("- a note", name=MEMORY_NAME)
    assert count_message(named) == count_message(SystemMessage("- a note")) + count_name(
        MEMORY_NAME
    )


def test_message_counts_tool_calls_and_overhead() -> None:
    plain = AIMessage("ok")
    call = AIMessage("ok", tool_calls=[{"name": "f", "args": {"x": 1}, "id": "1"}])
    assert count_message(plain) == MESSAGE_OVERHEAD + 1
    assert count_message(call) > count_message(plain)
    assert count_message(HumanMessage([{"type": "text", "text": "hi"}])) == MESSAGE_OVERHEAD + 1


def test_tool_schema_cached_by_content() -> None:
    schema = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    assert count_tool_schema(schema) == count_tool_schema(dict(schema)) > 0
    before = count_tool_schema(schema)
    schema["function"]["description"] = "Find the cheapest flight between two airports."
    assert count_tool_schema(schema) > before  # edited in place: counted anew
    assert count_tools([]) == 0
    assert count_tools([schema]) == count_tool_schema(schema) + tokens.TOOLS_BLOCK_END


def test_long_texts_count_the_same_line_by_line() -> None:
    lines = [f"- note {i}: stayed 3 nights at Hotel {i} (Lisbon), ${i * 7}.50" for i in range(300)]
    text = "\n".join(lines)
    tokens._encoded.cache_clear()
    assert count_text(text) == len(encoding().encode_ordinary(text))
    assert count_text(text) == tokens._encoded.__wrapped__(text)  # type: ignore[attr-defined]
    ragged = "\n\n  ".join(lines[:80]) + " \n\t" + "x\n" * 400
    assert count_text(ragged) == len(encoding().encode_ordinary(ragged))
    # punctuation, a newline and a slash are one pre-token: the text is not cut there
    for slashed in ("word " * 45 + ")\n//comment line", "a, b.\n/path/to\n" * 40):
        assert count_text(slashed) == len(encoding().encode_ordinary(slashed)), slashed[-30:]


def test_a_text_extending_one_read_lately_counts_and_serialises_as_read_whole() -> None:
    """A memory block grows at its end between calls: its count and its JSON are read on
    from the last text it extends (``Grown``), and must equal those of the text read whole,
    whatever joins at the seam (a newline after punctuation, a slash, spaces, non-ASCII)."""
    rng = random.Random(13)
    bits = ["\n", "\n", " ", "\t", "/", ")", ".", "-", "- a note", "Hotel", "42", "é", "日本",
            "\U0001f600", '"', "\\", "\x00", "\u2028", "\r\n", "\n//"]  # fmt: skip
    extended = 0
    for trial in range(60):
        text = f"Memory {trial}:\n" + "x" * (LINE_SPLIT_CHARS + 1)
        for _ in range(12):
            text += "".join(rng.choice(bits) for _ in range(rng.randrange(1, 9)))
            other = "".join(rng.choice(bits) for _ in range(300))  # read between, unrelated
            for t in (text, other):
                grew = tokens._COUNTED.find(t) is not None
                extended += grew
                assert count_text(t) == len(encoding().encode_ordinary(t)), (grew, t[-40:])
                assert _plain("system", t)[0] == json.dumps(["system", t, []]).encode()
    assert extended > 500  # the texts were read on from the ones they extend


def test_long_texts_are_not_kept_whole() -> None:
    """A memory block is a new text at every call: counting one keeps its lines (shared by
    the next block) and a few recent blocks, not every block whole."""
    lines = [
        f"- {i}: stayed 2 nights at Hotel {i} (Denver), ${i * 9}; rated it 3/5." for i in range(400)
    ]
    count_text("\n".join(lines))  # its lines, cached
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for k in range(1, 301):  # 300 blocks of ~28,000 characters: ~8.4 MB if kept whole
            count_text("Memory:\n" + "\n".join(lines[k % 400 :] + lines[: k % 400]) + f" {k}")
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 2_000_000, kept


def test_tool_calls_of_is_getattr_without_the_slow_miss() -> None:
    call = {"name": "f", "args": {"x": 1}, "id": "1", "type": "tool_call"}
    for m in (
        AIMessage("ok"),
        AIMessage("ok", tool_calls=[call]),
        HumanMessage("hi"),
        ToolMessage("result", tool_call_id="1"),
        HumanMessage("hi", tool_calls=[call]),  # an extra field is still found
    ):
        assert tool_calls_of(m) == (getattr(m, "tool_calls", None) or [])


def test_prompt_fingerprint_and_tokens_are_those_of_every_message_as_sent() -> None:
    """The messages a history repeats are serialised and counted once, by content; the
    digest and the counts are those of reading every message of every call afresh."""
    history = run_episode(EpisodeConfig(seed=3)).state["messages"]
    head = [SystemMessage("You book trips."), SystemMessage("- a note", name=MEMORY_NAME)]
    passed = HumanMessage("From the lead: book it.", name=HANDOFF_NAME)
    tools = SimChatModel().bind_tools(travel_tools(4)).kwargs["tools"]  # type: ignore[attr-defined]
    for n in range(1, len(history) + 1):
        messages = [*head, *history[:n], passed]
        h = hashlib.blake2b(digest_size=16)
        for m in messages:
            calls = [(c["name"], c.get("args")) for c in getattr(m, "tool_calls", None) or []]
            h.update(json.dumps([m.type, text_of(m), calls], default=str).encode())
        h.update(json.dumps([[t["function"]["name"] for t in tools], "any"]).encode())
        counted = [count_message(m) for m in messages]
        for _ in range(2):  # the second time from the caches
            prompt = Prompt(messages, tools, "any")
            assert prompt.fingerprint == h.hexdigest()
            assert prompt.tokens == {
                "system": counted[0],
                "tools": count_tools(tools),
                "memory": counted[1],
                "history": REPLY_PRIMING + sum(counted[2:-1]),
                "handoff": counted[-1],
            }


def test_every_line_of_the_shipped_vocabulary_is_the_token_of_its_rank() -> None:
    """The vocabulary is decoded in bulk: each line, read one by one, must agree with it."""
    raw = gzip.decompress(tokens.VOCABULARY.read_bytes())
    lines = [line.split() for line in raw.splitlines() if line]
    assert len(lines) == 199_998
    for token, rank in lines[::997] + lines[-3:]:
        assert encoding().encode_single_token(base64.b64decode(token)) == int(rank)


def test_a_prompt_extended_reads_as_the_same_prompt_built_whole() -> None:
    tools = [
        {"type": "function", "function": {"name": n, "description": n, "parameters": {}}}
        for n in ("search_flights", "book_hotel")
    ]
    start = [
        SystemMessage("You plan trips."),
        SystemMessage("Notes: the traveller likes trains.", name=MEMORY_NAME),
        HumanMessage("Book me a trip to Washington."),
    ]
    steps = [
        [AIMessage("", tool_calls=[{"name": "search_flights", "args": {"to": "SEA"}, "id": "1"}])],
        [ToolMessage("3 flights found", tool_call_id="1"), HumanMessage("next", name=HANDOFF_NAME)],
        [AIMessage("Booked."), HumanMessage("Book me a trip to Washington.")],  # said again
    ]
    prompt = Prompt(start, tools, "auto")
    messages = list(start)
    for more in steps:
        prompt = prompt.extended(more)
        messages += more
        whole = Prompt(list(messages), tools, "auto")
        assert prompt.messages == whole.messages
        assert prompt.tokens == whole.tokens and prompt.input_tokens == whole.input_tokens
        assert prompt.fingerprint == whole.fingerprint
    assert Prompt(start, tools, "any").extended([]).fingerprint != Prompt(start, tools).fingerprint


def test_a_reading_kept_on_a_prompt_is_made_once_per_prompt() -> None:
    made: list[str] = []

    def items() -> list[str]:
        made.append("items")
        return ["[search] D-001 | a title"]

    prompt = Prompt([HumanMessage("What is the capital of Varrow?")])
    assert prompt.kept("items", items) is prompt.kept("items", items)
    assert made == ["items"]
    longer = prompt.extended([AIMessage("Searching.")])  # another call: read anew
    assert longer.kept("items", items) == ["[search] D-001 | a title"] and len(made) == 2
    assert longer == Prompt(longer.messages)  # what was kept is no part of the prompt
