"""Compounding on demand, on a notebook's cores: ``agentlab.measure.compounding``'s chains,
run as ``run_episodes`` runs a grid (``agentlab.run.grid_workers``). Each chain is seeded, so
the table is the same as in one process.

Introduced in notebook 03 (`03_failure_propagation.ipynb`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import pandas as pd

from agentlab.measure.compounding import chain_lengths, chain_runs, success_table
from agentlab.run import grid_workers as gw
from agentlab.sim.profiles import ModelProfile

CHAIN_CHUNK = 64  # chains per chunk at most (~0.1-2 ms each, against ~1 ms a chunk)


def chain_success(
    profile: ModelProfile, ns: Iterable[int], *, episodes: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """``agentlab.measure.compounding.chain_success``, its chains on the kernel's cores in a
    notebook (as ``run_episodes`` runs a grid; elsewhere in this process): the same table.

    Args:
        profile: The simulated model's profile (``get_profile(name, flat_accuracy=p)``).
        ns: The chain lengths (each >= 1).
        episodes: Episodes per n (seeds ``seed`` to ``seed + episodes - 1``), >= 1.
        seed: The first seed.

    Returns:
        One row per n: ``n``, ``episodes``, ``success``, ``se`` and ``p_n``.

    Raises:
        ConfigError: An n below 1, or episodes below 1.

    Example:
        >>> from agentlab.sim.profiles import get_profile
        >>> t = chain_success(get_profile("gpt-4o-mini", flat_accuracy=0.9), [1, 5], episodes=200)
        >>> t.success.round(2).tolist()
        [0.92, 0.58]
    """
    lengths = chain_lengths(ns, episodes)
    runs = partial(chain_runs, profile, lengths[-1])
    seeds = list(range(seed, seed + episodes))
    return success_table(
        gw.on_the_cores(seeds, runs, cap=CHAIN_CHUNK, who="chain_success"), lengths, profile
    )
