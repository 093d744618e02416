"""``agentlab calibrate``: the simulated model's physics beside the published figures.

Runs ``agentlab.run.calibration.calibration_table`` and prints it: each row the lab's
measurement, the paper's figure, the tolerance and whether the lab is within it. The exit
status is 1 when a row is outside its tolerance (the table is printed either way).

Introduced in notebook 02 (`02_scaling_scope.ipynb`).
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    """Add the ``calibrate`` subcommand to the ``agentlab`` parser."""
    from agentlab.sim.profiles import profiles

    cal = sub.add_parser(
        "calibrate",
        help="measure the simulated model beside published curves (NoLiMa, Lost in the "
        "Middle, RAG-MCP, Anthropic's token multipliers)",
        description="Run the needle task, travel and research episodes on the simulated "
        "model and print the lab beside the published figures in data/reference/, each row "
        "with its tolerance. Exit status 1 when a row is outside it.",
    )
    cal.add_argument(
        "--profile",
        default="gpt-4o",
        choices=sorted(profiles()),
        help="the simulated model of the needle rows (the papers' GPT-4o by default)",
    )
    cal.add_argument(
        "--episodes", type=int, default=220, help="needle episodes per prompt length (>= 11)"
    )
    cal.add_argument(
        "--position-episodes",
        type=int,
        default=800,
        help="needle episodes per place of the fact (>= 100)",
    )
    cal.add_argument("--seed", type=int, default=0, help="the first seed")
    cal.add_argument(
        "--quick", action="store_true", help="fewer travel and research episodes (8, not 24)"
    )


def main(ns: argparse.Namespace) -> int:
    """Print the calibration table; 1 when a row is outside its tolerance, else 0."""
    from agentlab.measure.calibration import formatted
    from agentlab.run.calibration import calibration_table
    from agentlab.sim.profiles import get_profile

    table = calibration_table(
        get_profile(ns.profile),
        episodes=ns.episodes,
        position_episodes=ns.position_episodes,
        seed=ns.seed,
        quick=ns.quick,
    )
    print(formatted(table).to_string(index=False))
    outside = int((~table.within).sum())
    print(f"{len(table) - outside} of {len(table)} rows within their tolerance")
    return 1 if outside else 0
