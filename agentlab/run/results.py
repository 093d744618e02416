"""The tidy tables of many episodes: ``Results`` (``episodes`` and ``steps``).

Apart from ``agentlab.run.episode``, which records one run and needs LangChain's messages
and callbacks, so that a process that only gathers tables (a sweep's, running its episodes
in workers) does not load the graphs' libraries. Notebooks reach it as ``al.Results`` (or
``agentlab.run.runner.Results``).

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from agentlab.measure.costs import usd_totals


@dataclass
class Results:
    """The tidy tables of a set of episodes."""

    episodes: pd.DataFrame  # one row per episode, with its configuration
    steps: pd.DataFrame  # one row per LLM call or tool call

    def cost_per_success(self, by: str | Sequence[str] = "tools") -> pd.DataFrame:
        """Total cost over successful outcomes, per group (NaN where nothing succeeded, and
        where an episode is unpriced: its total is unknown, never $0)."""
        g = self.episodes.groupby([by] if isinstance(by, str) else list(by))
        out = pd.DataFrame({"cost_usd": usd_totals(g["cost_usd"]), "successes": g["success"].sum()})
        out["cost_per_success_usd"] = out["cost_usd"] / out["successes"].where(out["successes"] > 0)
        return out.reset_index()
