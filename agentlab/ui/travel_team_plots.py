"""Figures and tables of the travel task decomposed: the single travel agent beside its
teams, as the scope grows, and the paired comparison of the two.

Every function takes ``agentlab.run_episodes`` tables (the ``episodes`` frame), or paired
comparisons of them (``agentlab.measure.verdicts.Comparison``), and returns a
``pandas.DataFrame`` or a ``plotly.graph_objects.Figure`` (nothing is displayed). Success
rates carry Wilson 95% intervals; means carry 95% normal intervals; a comparison carries
its paired bootstrap interval over the requests and seeds.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from agentlab.measure.costs import usd_totals
from agentlab.measure.verdicts import Comparison
from agentlab.ui.plot_base import (
    PALETTE,
    REFERENCE,
    TEMPLATE,
    axis_label,
    group_rates,
    hover_value,
    note_unpriced,
    rate_line,
    whiskers,
    wilson_interval,
)

UNITS = {"success": "share of episodes", "cost_usd": "US$", "latency_s": "s",
         "tokens_in": "tokens"}  # fmt: skip


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
            hovertemplate=f"{hover_value('tokens')}<extra>%{{fullData.name}}</extra>",
            row=1,
            col=2,
        )
    for col in (1, 2):
        fig.update_xaxes(title_text=axis_label(x), type="log", row=1, col=col)
    fig.update_yaxes(title_text="success (%)", row=1, col=1)
    fig.update_yaxes(title_text="input tokens per episode", type="log", row=1, col=2)
    fig.update_layout(
        template=TEMPLATE,
        height=380,
        title={"text": "One agent, or a team of bounded agents, as the scope grows"},
        legend_title_text="architecture",
    )
    return note_unpriced(fig, episodes)


def comparison_bars(
    panels: Mapping[str, Mapping[str, Comparison]],
    title: str = "Paired comparisons",
    *,
    x_title: str = "setting",
) -> go.Figure:
    """Paired comparisons as bars with the whiskers of their intervals, one panel each.

    Each panel holds comparisons of one metric (e.g. team minus single agent in success, at
    4 and at 64 tools); a dotted line marks no difference (0 for a difference, 1 for a
    ratio). A bar whose whiskers cross the line is no verdict.

    Args:
        panels: Panel title -> bar label -> ``agentlab.measure.verdicts.compare(...)``.
        title: The figure's title.
        x_title: What the bar labels name (e.g. ``tools in scope``).

    Returns:
        One bar per comparison, in the order given.
    """
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=list(panels),
                        horizontal_spacing=0.12)  # fmt: skip
    for col, bars in enumerate(panels.values(), 1):
        t = pd.DataFrame(
            {"estimate": c.estimate, "estimate_lo": c.lo, "estimate_hi": c.hi, "null": 0.0
             if c.how == "difference" else 1.0, "n": c.questions, "order": c.order or "none"}
            for c in bars.values()
        )  # fmt: skip
        fig.add_bar(
            x=list(bars), y=t["estimate"], error_y=whiskers(t, "estimate"), showlegend=False,
            marker_color=[PALETTE[0] if o != "none" else PALETTE[6] for o in t["order"]],
            customdata=t[["estimate_lo", "estimate_hi", "n"]].to_numpy(), row=1, col=col,
            hovertemplate="%{x}: %{y:.3g} [%{customdata[0]:.3g}, %{customdata[1]:.3g}], "
            "%{customdata[2]} questions<extra></extra>",
        )  # fmt: skip
        for null in t["null"].unique():
            fig.add_hline(y=null, line={"dash": "dot", "color": REFERENCE}, row=1, col=col)
        fig.update_yaxes(title_text=_measured(next(iter(bars.values()))), row=1, col=col)
        fig.update_xaxes(title_text=x_title, row=1, col=col)
    note = "whiskers: paired 95% bootstrap interval; grey: it holds no difference (dotted)"
    return fig.update_layout(template=TEMPLATE, height=400, margin={"t": 100},
                             title={"text": title, "subtitle": {"text": note}})  # fmt: skip


def _measured(c: Comparison) -> str:
    """A comparison's y axis: ``success: team - single (share of episodes)``, ``... (ratio)``."""
    unit = "ratio" if c.how == "ratio" else UNITS.get(c.metric, "difference")
    return f"{axis_label(c.metric)}: {c.a} {'/' if c.how == 'ratio' else '-'} {c.b} ({unit})"
