"""Figures and tables of the travel task decomposed: the single travel agent beside its
teams, as the scope grows.

Every function takes ``agentlab.run_episodes`` tables (the ``episodes`` frame) and
returns a ``pandas.DataFrame`` or a ``plotly.graph_objects.Figure`` (nothing is
displayed). Success rates carry Wilson 95% intervals; means carry 95% normal intervals.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from agentlab.measure.costs import usd_totals
from agentlab.ui.plot_base import (
    PALETTE,
    TEMPLATE,
    axis_label,
    group_rates,
    note_unpriced,
    rate_line,
    wilson_interval,
)


def decomposition_table(episodes: pd.DataFrame, x: str = "tools") -> pd.DataFrame:
    """Per value of ``x`` and architecture: episodes, success with its Wilson 95% interval,
    and the means of input tokens, coordination tokens and dollars per episode.

    Example:
        >>> import agentlab as al
        >>> runs = al.run_episodes(al.grid(architecture=["single", "pipeline"]), progress=False)
        >>> list(decomposition_table(runs.episodes).index.names)
        ['tools', 'architecture']
    """
    g = episodes.groupby([x, "architecture"], sort=True)
    out = g.agg(
        n=("success", "size"),
        success=("success", "mean"),
        tokens_in=("tokens_in", "mean"),
        coordination_tokens=("coordination_tokens", "mean"),
    )
    hits = g["success"].sum()
    ci = [wilson_interval(h, n) for h, n in zip(hits, out["n"], strict=True)]
    out.insert(2, "success_lo", [lo for lo, _ in ci])
    out.insert(3, "success_hi", [hi for _, hi in ci])
    out["cost_usd"] = usd_totals(g["cost_usd"]) / out["n"]  # NaN when one call is unpriced
    return out


def decomposition_lines(episodes: pd.DataFrame, x: str = "tools") -> go.Figure:
    """Success (Wilson 95% whiskers) and input tokens per episode against ``x``, one line
    per architecture: where the single agent wins, and where its team does."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("success rate (%)", "input tokens per episode"),
        horizontal_spacing=0.12,
    )
    for i, (arch, mine) in enumerate(episodes.groupby("architecture", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        rates = group_rates(mine, x, "success")
        fig.add_trace(rate_line(rates, x, str(arch), color, legendgroup=str(arch)), 1, 1)
        tokens = mine.groupby(x)["tokens_in"].mean().reset_index()
        fig.add_scatter(
            x=tokens[x],
            y=tokens["tokens_in"],
            name=str(arch),
            mode="lines+markers",
            line={"color": color},
            legendgroup=str(arch),
            showlegend=False,
            row=1,
            col=2,
        )
    for col in (1, 2):
        fig.update_xaxes(title_text=axis_label(x), type="log", row=1, col=col)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_layout(
        template=TEMPLATE,
        height=380,
        title={"text": "One agent, or a team of bounded agents, as the scope grows"},
    )
    return note_unpriced(fig, episodes)
