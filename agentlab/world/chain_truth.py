"""The chain task's tables and truth: what the simulated model may not import.

``chain_table`` makes an episode's table (the model sees it only as text, through
``agentlab.world.chain.system_text``); ``truth_path`` is the judge's. The import contract in
``pyproject.toml`` keeps ``agentlab.sim`` away from this module.

Introduced in notebook 03 (`03_failure_propagation.ipynb`).
"""

from __future__ import annotations

import random

from agentlab.world.chain import KEYS


def chain_table(seed: int, keys: int = KEYS) -> tuple[str, dict[str, str]]:
    """One episode's world: a start key and a table mapping each key to another.

    Args:
        seed: The episode's seed.
        keys: Keys in the table (the options of each decision), at least 2.

    Returns:
        The start key and the table (a permutation without fixed points).

    Example:
        >>> start, table = chain_table(0)
        >>> len(table), start in table
        (8, True)
    """
    rng = random.Random(f"chain|{seed}")
    names = [f"K{i:02d}" for i in rng.sample(range(100), keys)]
    order = rng.sample(names, keys)  # one cycle through every key: no key maps to itself
    table = {a: b for a, b in zip(order, order[1:] + order[:1], strict=True)}
    return rng.choice(names), table


def truth_path(start: str, table: dict[str, str], n: int) -> list[str]:
    """The n right answers, for the judge."""
    path, key = [], start
    for _ in range(n):
        key = table[key]
        path.append(key)
    return path
