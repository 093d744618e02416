"""The simulated model's needle skill: it looks for the asked fact in the passages of its
prompt, and finds it with the probability the physics gives for the fact's place.

The skill reads the question's vault name, finds the passages in its prompt that state a
code for that vault (by their text), and uses one with probability ``p_found``: the prompt's
length and the passage's place in it (start, middle, end) decide. A fact it misses, or
one that is not there, gives "not found". The task is in ``agentlab.world.needle``; which
answer is right (``needle_truth``) is never read here.

Introduced in notebook 02 (`02_scaling_scope.ipynb`).
"""

from __future__ import annotations

import re
from bisect import bisect_left

from agentlab.sim.physics import Decision, Dice, p_found
from agentlab.sim.profiles import ModelProfile
from agentlab.sim.prompt import Prompt
from agentlab.sim.reply import Reply
from agentlab.world.needle import HEADER, NOT_FOUND

_KEY = "access code of vault "
_MENTION = re.compile(re.escape(_KEY) + r"(\w+)(?:(\?)| is (\d+))")


def _mentions(text: str) -> list[re.Match[str]]:
    """Every question for a vault's code (group 2 is its "?") and every statement of one
    (group 3, the code), in the order of the text: what two regexes, one for each, would
    find, in one scan (a question and a statement never overlap, nor start at the same
    place). The words that open both are looked for with ``str.find``, which skips a long
    prompt's passages several times faster than a regex's scan."""
    found = []
    at = text.find(_KEY)
    while at >= 0:
        m = _MENTION.match(text, at)
        if m is not None:
            found.append(m)
        at = text.find(_KEY, m.end() if m is not None else at + 1)
    return found


def _empty_lines(text: str) -> list[int]:
    """The indices of the text's empty lines (``text.split("\\n")``'s empty strings), found
    without splitting a text that has none (a needle prompt: one passage a line)."""
    if text and "\n\n" not in text and text[0] != "\n" and text[-1] != "\n":
        return []
    return [i for i, line in enumerate(text.split("\n")) if not line]


def needle_skill(prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply | None:
    """Answer a needle question, or None when the prompt is not one."""
    if not prompt.system_text().startswith(HEADER):
        return None
    text = "\n".join(prompt.human_texts())
    mentions = _mentions(text)
    asked = [m for m in mentions if m[2]]
    if not asked:
        return Reply(content=NOT_FOUND, skill="needle")
    name = asked[-1][1]
    # The passages are the prompt's lines that are neither empty nor a question; a fact's
    # place is its passage's index among them. No stated fact spans a line, so one scan of
    # the whole text finds what a scan of each line would, in the same order.
    questions = sorted({text.count("\n", 0, m.start()) for m in asked})
    empty = _empty_lines(text)
    last = max(text.count("\n") + 1 - len(empty) - len(questions) - 1, 1)
    decisions = []
    for m in mentions:
        vault, code = m[1], m[3]
        if code is None or vault != name:
            continue
        line = text.count("\n", 0, m.start())
        if line in questions:
            continue  # a question's line is not a passage
        i = line - bisect_left(empty, line) - bisect_left(questions, line)
        p = p_found(profile, position=i / last, context_tokens=prompt.input_tokens)
        found = dice.chance(f"needle:{i}", p)
        decisions.append(Decision("needle", 1, p, found, code if found else NOT_FOUND))
        if found:
            return Reply(content=code, decisions=decisions, skill="needle")
    return Reply(content=NOT_FOUND, decisions=decisions, skill="needle")
