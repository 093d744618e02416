"""What one step saw: which of an episode's artifacts were in the prompt of an LLM call.

Provenance links what a step produced only to what flowed into it: the artifacts its
prompt held. ``Seen`` reads the prompt as sent (``StepRecord.prompt``, the messages the
metrics callback saw go out, so it is the same for a real model) and answers, per
artifact, whether it was there: a tool call or a tool result by its call id, an item
handed on by its id in a handoff message, a plan by the values it assumed and the actions
of its steps (the plan reaches the actor inside its instructions), a review by the problems
it found, and anything else (the request, a person's answer, a memory note, a summary, an
answer) by its text.

Introduced in notebook 03 (`03_failure_propagation.ipynb`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property, lru_cache
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agentlab.measure.artifacts import Artifact
from agentlab.sim.prompt import HANDOFF_NAME, text_of


class Seen:
    """The artifacts a prompt held.

    Example:
        >>> from langchain_core.messages import HumanMessage
        >>> seen = Seen([HumanMessage("Fly me to Washington, D.C.")])
        >>> seen.holds(Artifact("request", "request", "Fly me to Washington, D.C.", None))
        True
    """

    def __init__(self, prompt: Sequence[BaseMessage]) -> None:
        self.prompt = list(prompt)
        self.calls = {
            c["id"] for m in self.prompt if isinstance(m, AIMessage) for c in m.tool_calls
        }
        self.results = {m.tool_call_id for m in self.prompt if isinstance(m, ToolMessage)}
        self._held: dict[str, bool] = {}  # artifact id -> whether the prompt held it

    @cached_property
    def texts(self) -> list[str]:
        """The text of each of the prompt's messages."""
        return [text_of(m) for m in self.prompt]

    def shows(self, text: str) -> bool:
        """Whether a piece of text is in the prompt (within one message)."""
        return any(text in t for t in self.texts)

    @cached_property
    def handed(self) -> str:
        """The text of the prompt's handoff messages."""
        return "\n".join(text_of(m) for m in self.prompt if m.name == HANDOFF_NAME)

    def holds(self, art: Artifact) -> bool:
        """Whether an artifact was in the prompt."""
        if art.id not in self._held:
            self._held[art.id] = self._holds(art)
        return self._held[art.id]

    def _holds(self, art: Artifact) -> bool:
        if art.kind == "tool_call":
            return art.id.removeprefix("call:") in self.calls
        if art.kind == "tool_result":
            return art.id.removeprefix("result:") in self.results
        if art.kind == "handoff":
            return art.text.split("] ", 1)[-1] in self.handed
        if art.kind in ("plan", "review"):
            said = _said(art.kind, art.text)
            return bool(said) and all(self.shows(s) for s in said)
        return bool(art.text) and self.shows(art.text)


@lru_cache(maxsize=1024)
def _said(kind: str, text: str) -> tuple[str, ...]:
    """What a plan or a review says that its reader is shown: a plan's assumed values and
    step actions, a review's problems."""
    try:
        args: Any = json.loads(text)
    except json.JSONDecodeError:
        return ()
    if not isinstance(args, dict):
        return ()
    keys: tuple[str, ...] = ("value", "action") if kind == "plan" else ("problem",)
    if kind == "plan":
        parts = [*args.get("assumptions", []), *args.get("steps", [])]
    else:
        parts = list(args.get("issues") or [])
    return tuple(str(p[k]) for p in parts if isinstance(p, dict) for k in keys if p.get(k))
