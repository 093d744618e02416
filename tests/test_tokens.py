import hashlib
import json

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agentlab.config import EpisodeConfig
from agentlab.run.runner import run_episode
from agentlab.sim.model import SimChatModel
from agentlab.sim.prompt import HANDOFF_NAME, MEMORY_NAME, Prompt, text_of
from agentlab.sim.tokens import (
    MESSAGE_OVERHEAD,
    REPLY_PRIMING,
    count_message,
    count_text,
    count_tool_schema,
    tool_calls_of,
)
from agentlab.world.travel import travel_tools


def test_count_text_grows_with_text() -> None:
    assert count_text("") == 0
    assert count_text("hello") == 1
    assert count_text("hello world, again") == 4
    assert count_text("a " * 100) == 100
    assert count_text("internationalization") > 1  # long words split


def test_numbers_split_in_groups_of_three() -> None:
    assert count_text("123") == 1
    assert count_text("1234567") == 3


def test_message_counts_tool_calls_and_overhead() -> None:
    plain = AIMessage("ok")
    call = AIMessage("ok", tool_calls=[{"name": "f", "args": {"x": 1}, "id": "1"}])
    assert count_message(plain) == MESSAGE_OVERHEAD + 1
    assert count_message(call) > count_message(plain)
    assert count_message(HumanMessage([{"type": "text", "text": "hi"}])) == MESSAGE_OVERHEAD + 1


def test_tool_schema_cached_and_positive() -> None:
    schema = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    assert count_tool_schema(schema) == count_tool_schema(dict(schema)) > 0


def test_long_texts_count_the_same_line_by_line() -> None:
    lines = [f"- note {i}: stayed 3 nights at Hotel {i} (Lisbon), ${i * 7}.50" for i in range(300)]
    text = "\n".join(lines)
    assert count_text(text) == sum(count_text(x) for x in lines)
    count_text.cache_clear()
    assert count_text(text) == count_text.__wrapped__(text.replace("\n", " \n"))  # type: ignore[attr-defined]


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
                "tools": sum(count_tool_schema(t) for t in tools),
                "memory": counted[1],
                "history": REPLY_PRIMING + sum(counted[2:-1]),
                "handoff": counted[-1],
            }
