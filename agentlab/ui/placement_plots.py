"""Figures and tables of where a capability lives: success, cost per successful answer and
escaped errors per design, and how the fact-check and the rank-and-filter did their work.

Every function takes ``agentlab.run_episodes`` tables (``Results``, or its ``episodes``)
and returns a ``pandas.DataFrame`` or a ``plotly.graph_objects.Figure`` (nothing is
displayed). Rates carry Wilson 95% intervals. Notebooks find these as
``team_plots.placement_bars`` and so on (``agentlab.ui.team_plots``).

Introduced in notebook 06 (`06_capability_placement.ipynb`).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from agentlab.measure.costs import usd_per_success, usd_totals
from agentlab.run.results import Results
from agentlab.ui.plot_base import (
    PALETTE,
    TEMPLATE,
    axis_label,
    hover_value,
    note_unpriced,
    value_label,
    wilson_interval,
)

# each panel: its title, its y axis, and the unit its hover shows
PANELS = (("success", "success (%)", "%"),
          ("cost per successful answer", "US cents per success", "US cents"),
          ("episodes where an error escaped", "share of episodes (%)", "%"))  # fmt: skip


def _rate(hits: float, n: float) -> tuple[float, float, float]:
    lo, hi = wilson_interval(hits, n)
    p = hits / n if n else math.nan
    return 100 * p, 100 * (hi - p), 100 * (p - lo)


def placement_bars(
    episodes: pd.DataFrame, x: str = "design", color: str | None = None
) -> go.Figure:
    """Success, cost per successful answer and escaped errors, per design.

    Args:
        episodes: The ``episodes`` table, with a column naming each design.
        x: The column on the x axis.
        color: A column whose values get bars side by side (e.g. where a capability lives).

    Returns:
        Three panels. Success and the share of episodes where an error escaped into a
        wrong outcome carry Wilson 95% whiskers. Introduced in notebook 06
        (`06_capability_placement.ipynb`).
    """
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08,
                        subplot_titles=[t for t, _, _ in PANELS])  # fmt: skip
    groups = [(None, episodes)] if color is None else list(episodes.groupby(color, sort=False))
    for i, (value, part) in enumerate(groups):
        g = part.groupby(x, sort=False)
        n, wins = g.size(), g["success"].sum()
        esc = g["errors_escaped"].apply(lambda s: (s > 0).sum())  # episodes with an escape
        names = [value_label(v) for v in n.index]
        c = PALETTE[i % len(PALETTE)]
        name = "all episodes" if value is None else value_label(value)
        kw = {"marker_color": c, "legendgroup": name, "name": name, "customdata": n}
        for col, hits in ((1, wins), (3, esc)):
            r = [_rate(h, k) for h, k in zip(hits, n, strict=True)]
            err = {"type": "data", "symmetric": False, "array": [v[1] for v in r],
                   "arrayminus": [v[2] for v in r]}  # fmt: skip
            fig.add_bar(x=names, y=[v[0] for v in r], error_y=err, showlegend=False,
                        row=1, col=col, **kw,
                        hovertemplate="%{x}: %{y:.0f}% of %{customdata:,} episodes"
                        "<extra>%{fullData.name}</extra>")  # fmt: skip
        cps = 100 * usd_totals(g["cost_usd"]) / wins.where(wins > 0)
        fig.add_bar(x=names, y=cps, showlegend=color is not None, row=1, col=2, **kw,
                    hovertemplate=f"%{{x}}: {hover_value('US cents')} per success"
                    "<extra>%{fullData.name}</extra>")  # fmt: skip
    for col, (_, axis, _) in enumerate(PANELS, 1):
        fig.update_yaxes(title_text=axis, rangemode="tozero", row=1, col=col)
        fig.update_xaxes(title_text=axis_label(x), row=1, col=col)
    fig.update_yaxes(range=[0, 105], row=1, col=1)
    note_unpriced(fig, episodes, row=1, col=2)
    legend = {"orientation": "h", "yanchor": "bottom", "y": 1.1, "xanchor": "right", "x": 1,
              "title": axis_label(color) if color else ""}  # fmt: skip
    title = "Where a capability lives changes what an answer costs"
    return fig.update_layout(template=TEMPLATE, height=450, margin={"t": 110}, barmode="group",
                             legend=legend, title=title)  # fmt: skip


def placement_table(episodes: pd.DataFrame, by: str | list[str] = "design") -> pd.DataFrame:
    """Per design: success, cost per successful answer, escaped errors (a wrong final answer
    counts one), coordination tokens and latency. The numbers behind ``placement_bars``.
    Introduced in notebook 06 (`06_capability_placement.ipynb`)."""
    g = episodes.groupby(by, sort=False)
    return pd.DataFrame({
        "episodes": g.size(), "success": g["success"].mean(),
        "cost_per_success_usd": usd_per_success(g["cost_usd"], g["success"]),
        "errors_escaped": g["errors_escaped"].mean(),
        "coordination_tokens": g["coordination_tokens"].mean(), "latency_s": g["latency_s"].mean(),
    })  # fmt: skip


def capability_work(runs: Results, by: str = "design") -> pd.DataFrame:
    """How the fact-check and the rank-and-filter did their work, per design.

    ``wrong_drafts`` counts episodes whose first submitted answer was wrong, ``corrected``
    those of them whose final answer was right (a fact-check caught the draft);
    ``filter_right_pct`` is the share of filter decisions judged right (every needed fact
    kept from a true source, nothing misleading kept) and ``filter_tokens`` the input tokens
    such a decision read. Introduced in notebook 06 (`06_capability_placement.ipynb`).
    """
    s = runs.steps.merge(runs.episodes[["episode", by, "success"]], on="episode")
    llm = s[s["kind"] == "llm"].assign(right=lambda t: t["correct"].eq(True))
    drafts = llm[llm["decision"] == "submit_answer"].groupby("episode").first()
    wrong = drafts[~drafts["right"]].groupby(by, sort=False)
    filters = llm[llm["decision"] == "filter_documents"].groupby(by, sort=False)
    return pd.DataFrame({
        "wrong_drafts": wrong.size(), "corrected": wrong["success"].sum(),
        "filter_right_pct": 100 * filters["right"].mean(),
        "filter_tokens": filters["tokens_in"].mean(),
    }).fillna({"wrong_drafts": 0, "corrected": 0})  # fmt: skip
