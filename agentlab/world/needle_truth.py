"""The needle task's episodes and answers: what the simulated model may not import.

``needle_episode`` builds one episode's prompt texts (the model sees them only as text) and
keeps its answer for the judge. The import contract in ``pyproject.toml`` keeps
``agentlab.sim`` away from this module.

Introduced in notebook 02 (`02_scaling_scope.ipynb`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from agentlab.world.needle import NEEDLE, QUESTION, SYSTEM, document, filler

VAULTS = (
    "Orion",
    "Lyra",
    "Vega",
    "Altair",
    "Rigel",
    "Deneb",
    "Sirius",
    "Castor",
    "Pollux",
    "Mira",
    "Electra",
    "Maia",
    "Atlas",
    "Capella",
    "Bellatrix",
    "Antares",
)


@dataclass(frozen=True)
class NeedleEpisode:
    """One needle episode: the prompt's texts and the judge's answer."""

    system: str  # the system prompt
    user: str  # the passages and the question
    answer: str  # the code (the judge's)
    passages: int  # passages in the prompt, the needle included
    index: int  # the needle's passage (0-based)


def needle_episode(
    seed: int, *, context_tokens: int, position: float, count: Callable[[str], int]
) -> NeedleEpisode:
    """One episode whose prompt is about ``context_tokens`` long, the fact at ``position``.

    Args:
        seed: The episode's seed (its vault, code and filler order).
        context_tokens: The prompt's length to reach, in tokens (at least one passage).
        position: Where the needle's passage goes, 0 (first) to 1 (last).
        count: Counts a text's tokens (``agentlab.sim.tokens.count_text``; passed in, so the
            world does not depend on the model's tokenizer).

    Returns:
        The episode.
    """
    rng = random.Random(f"needle|{seed}")
    name = rng.choice(VAULTS)
    code = f"{rng.randrange(1000, 10000)}"
    every = filler()
    pool = rng.sample(every, min(len(every), max(context_tokens, 0) // 30 + 20))
    needle = NEEDLE.format(name=name, code=code)
    question = QUESTION.format(name=name)
    budget = context_tokens - count(SYSTEM) - count(needle) - count(question) - 20  # framing
    tokens = _line_tokens(count)
    chosen: list[str] = []
    while pool and budget > 0:
        text = pool.pop()
        budget -= tokens[text]
        chosen.append(text)
    index = round(min(max(position, 0.0), 1.0) * len(chosen))
    chosen.insert(index, needle)
    return NeedleEpisode(
        system=SYSTEM,
        user=f"{document(chosen)}\n{question}",
        answer=code,
        passages=len(chosen),
        index=index,
    )


@cache
def _line_tokens(count: Callable[[str], int]) -> dict[str, int]:
    """Each filler passage's tokens with its newline (exact: no token spans a line), counted
    once per counter: a 32K-token prompt takes about 800 of them."""
    return {text: count(text + "\n") for text in filler()}
