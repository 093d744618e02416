"""The simulated model's behaviour outside any scenario: a sensible generic chat model.

It answers in plain text, calls a bound tool when the caller requires one or when the
request is about it (it names the tool, or shares words with the tool's name or
description), answers from the tool results once they are in the conversation, and fills
tool arguments and structured outputs with schema-valid values read from the request
(``agentlab.sim.fill``). So LangChain's standard chat-model tests and any graph a user
builds run on it.

Generic behaviour makes no seeded mistakes: the errors the lab studies come from the
scenario skills (``agentlab.sim.travel_skill``), whose decisions follow ``agentlab.sim.physics``.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import re

from langchain_core.messages import AIMessage, ToolMessage

from agentlab.sim.fill import WORDS, fill_args, stem
from agentlab.sim.physics import Dice
from agentlab.sim.prompt import Prompt, text_of
from agentlab.sim.reply import Reply

__all__ = ["content_words", "fill_args", "generic_reply", "pick_tool", "summarize"]

_STOPWORD_TEXT = """a an and are as at be by can could do does for from get give how i in is it
me my of on or please set tell that the this to tool tools use using value what when where
which who why will with would you your"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_GREETINGS = frozenset(["hello", "hi", "hey", "there", "good", "morning", "evening"])


def content_words(text: str) -> set[str]:
    """The stemmed words of a text that carry meaning (no stopwords; ``_`` splits words)."""
    words = WORDS.findall(text.replace("_", " "))
    return {stem(w) for w in words if w.lower() not in _STOPWORDS and len(w) > 1}


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


def pick_tool(prompt: Prompt, request: str) -> str | None:
    """The tool a request is about: one it names, else the one sharing most words with it.

    Args:
        prompt: The call's prompt (its bound tools).
        request: The user's latest message.

    Returns:
        A tool name, or None when no tool is named and none shares a word of its name (or
        two of its description) with the request.

    Example:
        >>> tools = [{"type": "function", "function": {"name": "get_weather",
        ...           "description": "Get the weather at a location."}}]
        >>> pick_tool(Prompt([], tools), "What is the weather in Paris?")
        'get_weather'
    """
    named = [n for n in prompt.tool_names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", request)]
    if named:
        return max(named, key=len)
    asked = content_words(request)
    best, best_score = None, 0
    for tool in prompt.tools:
        fn = tool["function"]
        score = 2 * len(asked & content_words(fn["name"])) + len(
            asked & content_words(fn.get("description", ""))
        )
        if score > best_score:
            best, best_score = fn["name"], score
    return best if best_score >= 2 else None


def _answer(prompt: Prompt, results: list[ToolMessage]) -> str:
    """A plain answer relaying this turn's tool results (the tool named from its call)."""
    names = {
        str(c.get("id")): c["name"]
        for m in prompt.messages
        if isinstance(m, AIMessage)
        for c in m.tool_calls
    }
    parts = []
    for m in results:
        name = m.name or names.get(m.tool_call_id, "the tool")
        verb = "failed" if m.status == "error" else "returned"
        parts.append(f"{name} {verb}: {text_of(m)[:400]}")
    return "Based on the tool results: " + "; ".join(parts)


def generic_reply(prompt: Prompt, dice: Dice) -> Reply:
    """Answer without a scenario: a tool call when one is required or relevant, else text.

    Args:
        prompt: What the model sees.
        dice: This call's seeded draws (unused: generic behaviour makes no seeded mistakes).

    Returns:
        The reply.
    """
    if not prompt.tools and "summarize" in prompt.system_text().lower():
        return Reply(content=summarize("\n".join(prompt.human_texts())), skill="summarize")
    request = prompt.request()
    results = prompt.turn_results()
    name = prompt.forced_tool
    if name is None and prompt.tools and (prompt.must_call_tool or not results):
        name = pick_tool(prompt, request)
        if name is None and prompt.must_call_tool:
            name = prompt.tool_names[0]
    if name is not None:
        schema = prompt.tool(name) or {}
        args = fill_args(schema.get("function", {}).get("parameters", {}), request)
        return Reply(tool_calls=[{"name": name, "args": args}])
    if results:
        return Reply(content=_answer(prompt, results))
    words = WORDS.findall(request)
    if not words or {w.lower() for w in words} <= _GREETINGS:
        return Reply(content=f"{(words or ['hello'])[0].capitalize()}! How can I help?")
    gist = " ".join(request.split()[:20])
    return Reply(
        content=f'You said: "{gist}". I am a simulated model: I can call tools, fill '
        "structured outputs and summarize, but I have no knowledge of my own to answer with."
    )
