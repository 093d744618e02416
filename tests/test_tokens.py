from langchain_core.messages import AIMessage, HumanMessage

from agentlab.tokens import MESSAGE_OVERHEAD, count_message, count_text, count_tool_schema


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
