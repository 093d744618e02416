"""The needle task: one fact stated once in a long prompt, and a question that needs it.

A prompt of a chosen length holds passages of filler text and, at a chosen place,
one passage that states the fact ("The access code of vault Orion is 4721."); the question
asks for it. It measures what published long-context studies measure: how often a model
finds and uses one fact as the prompt grows (NoLiMa) and as the fact moves from the start
to the middle to the end (Lost in the Middle). The filler and the prompt's layout are here;
which vault and code an episode asks for is in ``agentlab.world.needle_truth``, which the
simulated model may not import (the import contract in ``pyproject.toml``).

Introduced in notebook 02 (`02_scaling_scope.ipynb`).
"""

from __future__ import annotations

import random
from functools import cache

HEADER = "Needle task."  # the first words of the task's system prompt
SYSTEM = (
    f"{HEADER} Read the passages (one a line) and answer the question from them. Answer with the "
    "code only, or 'not found'."
)
QUESTION = "Question: what is the access code of vault {name}?"
NOT_FOUND = "not found"
NEEDLE = "The access code of vault {name} is {code}."

_SUBJECTS = (
    "The river",
    "A traveller",
    "The old market",
    "Our neighbour",
    "The museum",
    "A farmer",
    "The library",
    "The harbour",
    "A painter",
    "The orchestra",
    "The village council",
    "A student",
    "The bakery",
    "The ferry",
    "A gardener",
    "The observatory",
)
_VERBS = (
    "opened early on",
    "was crowded during",
    "changed its hours after",
    "was repainted before",
    "hosted a small fair in",
    "closed for repairs in",
    "welcomed visitors through",
    "was mentioned in a letter about",
    "grew quieter over",
    "kept its old sign through",
)
_TIMES = (
    "the spring",
    "a rainy week",
    "the harvest",
    "the long winter",
    "the festival",
    "a dry summer",
    "the school holidays",
    "an autumn storm",
    "the new year",
    "the election",
)
_TAILS = (
    "and nobody seemed to mind.",
    "according to the local paper.",
    "which surprised the regulars.",
    "as it had done for decades.",
    "though the reasons were never written down.",
    "and the street smelled of bread.",
    "while the bells rang twice an hour.",
    "before the road was widened.",
)


@cache
def filler(passages: int = 1500, seed: int = 0) -> tuple[str, ...]:
    """A pool of distinct filler passages (two sentences each, about 40 tokens), none
    mentioning a vault or a code: the haystack the needle hides in."""
    rng = random.Random(f"needle-filler|{seed}")
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < passages:
        text = " ".join(
            f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_TIMES)} "
            f"{rng.choice(_TAILS)}"
            for _ in range(2)
        )
        if text not in seen:
            seen.add(text)
            out.append(text)
    return tuple(out)


def document(passages: list[str]) -> str:
    """The prompt's passages, one a line (the question follows on the last line)."""
    return "\n".join(passages)
