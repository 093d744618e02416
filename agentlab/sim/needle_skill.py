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

_ASKED = re.compile(r"access code of vault (\w+)\?")
_STATED = re.compile(r"access code of vault (\w+) is (\d+)")


def needle_skill(prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply | None:
    """Answer a needle question, or None when the prompt is not one."""
    if not prompt.system_text().startswith(HEADER):
        return None
    text = "\n".join(prompt.human_texts())
    asked = _ASKED.findall(text)
    if not asked:
        return Reply(content=NOT_FOUND, skill="needle")
    name = asked[-1]
    # The passages are the prompt's lines that are neither empty nor a question; a fact's
    # place is its passage's index among them. No stated fact spans a line, so one scan of
    # the whole text finds what a scan of each line would, in the same order.
    lines = text.split("\n")
    questions = sorted({text.count("\n", 0, m.start()) for m in _ASKED.finditer(text)})
    last = max(len(lines) - lines.count("") - len(questions) - 1, 1)
    decisions = []
    for m in _STATED.finditer(text):
        vault, code = m.groups()
        if vault != name:
            continue
        line = text.count("\n", 0, m.start())
        if line in questions:
            continue  # a question's line is not a passage
        i = line - lines[:line].count("") - bisect_left(questions, line)
        p = p_found(profile, position=i / last, context_tokens=prompt.input_tokens)
        found = dice.chance(f"needle:{i}", p)
        decisions.append(Decision("needle", 1, p, found, code if found else NOT_FOUND))
        if found:
            return Reply(content=code, decisions=decisions, skill="needle")
    return Reply(content=NOT_FOUND, decisions=decisions, skill="needle")
