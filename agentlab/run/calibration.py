"""The calibration table: the lab's physics beside published curves, rows put together.

The rows are measured in ``agentlab.measure.calibration`` (its docstring says what each
compares and its tolerance); this module runs the travel and research episodes they need.

Introduced in notebook 02 (`02_scaling_scope.ipynb`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from agentlab.config import EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.measure.calibration import (
    DEPTHS,
    decay_rows,
    multiplier_rows,
    position_rows,
    tool_rows,
)
from agentlab.run.runner import run_episode
from agentlab.sim.profiles import ModelProfile


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

    def run(**fields: Any) -> Any:
        return run_episode(EpisodeConfig(**fields))

    few = 8 if quick else 24
    rows = [
        *decay_rows(profile, episodes, seed),
        *position_rows(profile, position_episodes, seed),
        *tool_rows(few, seed, run),
        *multiplier_rows(few, seed, run, ("centralized", "hybrid")),
    ]
    columns = ["measure", "condition", "lab", "reference", "unit", "tolerance", "within"]
    return pd.DataFrame(rows)[columns]
