"""The calibration table: the lab's physics beside published curves, rows put together.

The rows are measured in ``agentlab.measure.calibration`` (its docstring says what each
compares and its tolerance); this module runs the needle, travel and research episodes
they need, in a notebook on the kernel's cores as ``run_episodes`` runs a grid
(``agentlab.run.grid_workers``): the same rows as in one process.

Introduced in notebook 02 (`02_scaling_scope.ipynb`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import pandas as pd

from agentlab.config import EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.measure.calibration import (
    DEPTHS,
    Trial,
    multiplier_rows,
    needle_hits,
    needle_rows,
    tool_rows,
)
from agentlab.run import grid_workers as gw
from agentlab.run.runner import grid, run_episodes
from agentlab.sim.profiles import ModelProfile
from agentlab.world.catalogue import catalogue_size
from agentlab.world.travel import CORE_TOOLS


def calibration_table(
    profile: ModelProfile,
    *,
    episodes: int = 220,
    position_episodes: int = 800,
    seed: int = 0,
    quick: bool = False,
) -> pd.DataFrame:
    """The lab's physics beside the published figures, one row per point, with tolerances.

    Args:
        profile: The simulated model's profile for the needle rows (the paper's model is
            GPT-4o: ``get_profile("gpt-4o")``); the episode rows use the lab's default model.
        episodes: Needle episodes per prompt length, spread over 11 depths; at least 11.
        position_episodes: Needle episodes per place (start, middle, end); the ends beat
            the middle by about 10 points at 32K tokens, so several hundred are needed to
            tell; at least 100.
        seed: The first seed.
        quick: Fewer episodes for the tool and token rows (8 instead of 24).

    Returns:
        Columns measure, condition, lab, reference, unit, tolerance and within (bool).

    Raises:
        ConfigError: ``episodes`` below 11, or ``position_episodes`` below 100.
    """
    if episodes < len(DEPTHS):
        raise ConfigError("episodes", episodes, f"an integer >= {len(DEPTHS)}")
    if position_episodes < 100:
        raise ConfigError("position_episodes", position_episodes, "an integer >= 100")

    seeds = range(seed, seed + (8 if quick else 24))
    teams = ("centralized", "hybrid")
    scopes = [len(CORE_TOOLS), len(CORE_TOOLS) + catalogue_size()]  # retrieved, all
    travel = grid(EpisodeConfig(scenario="travel"), tools=scopes, seeds=seeds)
    research = grid(
        EpisodeConfig(scenario="research"), architecture=["single", *teams], seeds=seeds
    )
    runs = run_episodes([*travel, *research], progress=False)  # on the kernel's cores
    scenario = runs.episodes.scenario
    rows = [
        *needle_rows(profile, episodes, position_episodes, seed, hits=_on_the_cores),
        *tool_rows(runs.episodes[scenario == "travel"], runs.steps),
        *multiplier_rows(runs.episodes[scenario == "research"], teams),
    ]
    columns = ["measure", "condition", "lab", "reference", "unit", "tolerance", "within"]
    return pd.DataFrame(rows)[columns]


NEEDLE_CHUNK = 64  # needle episodes per chunk at most (0.1-2 ms each, against ~1 ms a chunk)


def _on_the_cores(profile: ModelProfile, trials: list[Trial]) -> Sequence[bool]:
    """``needle_hits`` on the kernel's cores in a notebook, as ``run_episodes`` runs a grid
    (the same workers); elsewhere in this process. Each episode is seeded: same answers."""
    hits = partial(needle_hits, profile)
    return gw.on_the_cores(trials, hits, cap=NEEDLE_CHUNK, who="calibration")
