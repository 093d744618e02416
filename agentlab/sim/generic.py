"""The simulated model's behaviour outside any scenario: a sensible generic chat model.

It answers in plain text, calls a bound tool when asked to (or when the request names
it), and fills tool arguments and structured outputs with schema-valid values taken from
the conversation where it can (numbers, dates, names), so LangChain's standard chat-model
tests and any graph a user builds run on it.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import ToolMessage

from agentlab.physics import Dice
from agentlab.sim.prompt import Prompt, text_of
from agentlab.sim.reply import Reply

_INT = re.compile(r"(?<![\w.])-?\d+(?![\w.])")
_NUM = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'-]*")


def _clip(value: float, schema: dict[str, Any]) -> float:
    if "minimum" in schema:
        value = max(value, schema["minimum"])
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    return value


def fill_value(name: str, schema: dict[str, Any], text: str, defs: dict[str, Any]) -> Any:
    """A schema-valid value for one field, taken from ``text`` where possible."""
    if "$ref" in schema:
        schema = defs.get(schema["$ref"].split("/")[-1], {})
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return fill_value(name, options[0], text, defs)
    if "enum" in schema:
        mentioned = [v for v in schema["enum"] if str(v).lower() in text.lower()]
        return (mentioned or schema["enum"])[0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "integer":
        ints = _INT.findall(text)
        return int(_clip(int(ints[0]) if ints else 1, schema))
    if kind == "number":
        nums = _NUM.findall(text)
        return float(_clip(float(nums[0]) if nums else 1.0, schema))
    if kind == "boolean":
        return True
    if kind == "array":
        item = schema.get("items", {"type": "string"})
        return [fill_value(name, item, text, defs)] * max(schema.get("minItems", 1), 1)
    if kind == "object":
        return fill_args(schema, text, defs)
    if schema.get("format") == "date" or "date" in name:
        dates = _DATE.findall(text)
        return dates[0] if dates else "2027-01-01"
    words = _WORDS.findall(text)
    return " ".join(words[:6]) if words else name.replace("_", " ")


def fill_args(
    schema: dict[str, Any], text: str, defs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Schema-valid arguments for a JSON-schema object: every required field, from ``text``.

    Example:
        >>> fill_args({"type": "object", "properties": {"input": {"type": "integer"}},
        ...            "required": ["input"]}, "What is magic_function(3)?")
        {'input': 3}
    """
    defs = {**(defs or {}), **schema.get("$defs", {}), **schema.get("definitions", {})}
    props: dict[str, Any] = schema.get("properties", {})
    required = schema.get("required", list(props))
    return {k: fill_value(k, props[k], text, defs) for k in props if k in required}


def summarize(text: str, *, max_words: int = 150) -> str:
    """An extractive summary: the lines that carry facts (numbers, ids, steps), newest last."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    facts = [ln for ln in lines if re.search(r"\d|step|error|booked", ln, re.I)] or lines
    words: list[str] = []
    for line in reversed(facts):
        words = line.split()[:40] + words
        if len(words) >= max_words:
            break
    return " ".join(words[-max_words:])


def generic_reply(prompt: Prompt, dice: Dice) -> Reply:
    """Answer without a scenario: a tool call when one is required or named, else text."""
    if not prompt.tools and "summarize" in prompt.system_text().lower():
        return Reply(content=summarize("\n".join(prompt.human_texts())), skill="summarize")
    last = prompt.last()
    request = prompt.human_texts()[-1] if prompt.human_texts() else ""
    named = [n for n in prompt.tool_names if n in request]
    name = prompt.forced_tool or (named[0] if named else None)
    if name is None and prompt.must_call_tool and prompt.tools:
        name = prompt.tool_names[0]
    answered = isinstance(last, ToolMessage)
    if name is not None and (prompt.must_call_tool or not answered):
        schema = prompt.tool(name) or {}
        args = fill_args(schema.get("function", {}).get("parameters", {}), request)
        return Reply(tool_calls=[{"name": name, "args": args}])
    if answered and last is not None:
        return Reply(content=f"The tool returned: {text_of(last)[:400]}")
    if not request:
        return Reply(content="Hello! How can I help?")
    words = _WORDS.findall(request)
    topic = " ".join(words[:12])
    return Reply(content=f"Here is my answer about {topic!s}: I am a simulated model.")
