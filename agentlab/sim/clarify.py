"""How the simulated model reads a person's clarification of a place name in a request.

A traveller who asked for "Washington" and was misread answers in their own words: "No. By
Washington I mean Washington, D.C.", "I meant the state of Washington", "georgia (u.s.
state)", "Portland, ME". The model reads the answer for a place it knows
(``agentlab.world.place_names``: every written form of every place, longest first) that
is one of the meanings of the name in question, skipping a place said not to be meant
("not D.C."). It reads only what the person wrote: never the request itself, nor the
teammates' handoffs (read as the team's lines by ``travel_team.board``).

Introduced in notebook 04 (`04_checkpoints.ipynb`).
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from agentlab.sim.prompt import HANDOFF_NAME, Prompt, text_of
from agentlab.sim.trip import parse_request
from agentlab.world.place_names import mentions, read_place, words

CUES = ("mean", "meant")  # the words after which a person names what they meant


def read_clarification(alias: str, text: str) -> str | None:
    """The place a person's answer says ``alias`` means (a place id), or None.

    The first place named after "I mean"/"I meant" (else anywhere) that is one meaning of
    ``alias`` and the only one of its meanings the name written gives, unless written right
    after "not". An unknown alias accepts any place named unambiguously.

    Args:
        alias: The name as the request wrote it, e.g. ``"Washington"``.
        text: The person's answer, e.g. ``"No. By Washington I mean Washington, D.C."``.

    Returns:
        The place id, e.g. ``"washington_dc"``, or None when the answer names none.

    Example:
        >>> read_clarification("Georgia", "No, by Georgia I mean Georgia (U.S. state).")
        'georgia_us'
    """
    meant = {p for p, _ in read_place(alias)}
    lines = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("["))
    said = [m for m in mentions(lines) if not m.negated]
    low = [s.lower() for s in words(lines)]
    cue = next((i for i, word in enumerate(low) if word in CUES), -1)
    for m in [m for m in said if m.start > cue] + [m for m in said if m.start <= cue]:
        places = [p for p, _ in m.meanings if not meant or p in meant]
        if len(places) == 1:
            return places[0]
    return None


def clarification(alias: str, prompt: Prompt) -> str | None:
    """The place (id) the latest clarification of ``alias`` in a prompt names, or None.

    Reads the human messages that are neither a request nor a handoff between agents.
    """
    for m in reversed(prompt.messages):
        if not isinstance(m, HumanMessage) or m.name == HANDOFF_NAME:
            continue
        text = text_of(m)
        if parse_request(text) is None and (found := read_clarification(alias, text)):
            return found
    return None
