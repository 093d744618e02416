"""Figures of the tidy tables: what scope does to tokens, cost, latency and accuracy.

Every function takes the ``episodes`` or ``steps`` table of ``agentlab.run_episodes`` and
returns a ``plotly.graph_objects.Figure`` (nothing is displayed until a notebook shows it).
Means carry 95% intervals over episodes; rates carry Wilson 95% intervals.

This module holds the figures of scope (``per_decision``, ``token_breakdown``,
``success_and_cost``) and of one episode's work (``node_costs``, ``episode_timeline``).
Notebooks find here too the lab's accuracy beside published curves
(``agentlab.ui.reference_plots``) and the palette, template and statistics every figure
shares (``agentlab.ui.plot_base``).

Introduced in notebook 00 (`00_quickstart.ipynb`); each function names its notebook.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from agentlab.measure.costs import usd_totals
from agentlab.run.episode import DECISION_NODES
from agentlab.sim.prompt import COMPONENTS
from agentlab.ui.plot_base import (
    NODE_COLORS,
    PALETTE,
    PART_COLORS,
    PART_NAMES,
    REFERENCE,
    TEMPLATE,
    WRONG,
    axis_label,
    group_means,
    group_rates,
    hover_value,
    log_axis,
    note_unpriced,
    rate_line,
    table_column,
    whisker_line,
    wilson_interval,
)
from agentlab.ui.reference_plots import (
    context_accuracy,
    context_rates,
    tool_choice_accuracy,
    tool_choice_rates,
)

__all__ = [  # notebooks use these as plots.NAME; some live in plot_base and reference_plots
    "NODE_COLORS",
    "PALETTE",
    "PART_COLORS",
    "REFERENCE",
    "TEMPLATE",
    "WRONG",
    "context_accuracy",
    "context_rates",
    "episode_timeline",
    "node_costs",
    "note_unpriced",
    "per_decision",
    "success_and_cost",
    "token_breakdown",
    "tool_choice_accuracy",
    "tool_choice_rates",
    "wilson_interval",
]


def per_decision(
    episodes: pd.DataFrame, x: str = "tools", *, color: str | None = None, log_x: bool = False
) -> go.Figure:
    """Cost, modeled latency and input tokens per decision against scope.

    A decision is one plan, act or reflect LLM call; each episode's totals are divided by
    its decisions (latency includes the tool calls the decisions trigger), then averaged
    over episodes, with 95% whiskers. Introduced in notebook 02 (`02_scaling_scope.ipynb`).

    Args:
        episodes: The ``episodes`` table.
        x: The column on the x axis (``tools``, ``memory_items``, ...).
        color: A column whose values get one line each (e.g. ``memory`` or ``model``).
        log_x: A logarithmic x axis.

    Returns:
        Three panels sharing x.
    """
    d = episodes[episodes["decisions"] > 0].assign(
        cost=lambda t: 100 * t["cost_usd"] / t["decisions"],
        latency=lambda t: t["latency_s"] / t["decisions"],
        tokens=lambda t: t["tokens_in"] / t["decisions"],
    )
    panels = [("cost", "cost (US cents)", "US cents"), ("latency", "modeled time (s)", "s"),
              ("tokens", "input tokens", "tokens")]  # fmt: skip
    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
        subplot_titles=[f"{t.split(' (')[0]} per decision" for _, t, _ in panels],
    )  # fmt: skip
    groups = [(None, d)] if color is None else list(d.groupby(color, sort=True))
    for i, (value, part) in enumerate(groups):
        name = "mean over episodes" if value is None else f"{axis_label(color or '')}: {value!s}"
        for row, (y, title, unit) in enumerate(panels, 1):
            stats = group_means(part, [x], y, money=y == "cost")
            hover = f"{axis_label(x)}: %{{x}}<br>{hover_value(unit)} per decision"
            trace = whisker_line(stats, x, name, PALETTE[i % len(PALETTE)], showlegend=row == 1,
                                 hovertemplate=hover)  # fmt: skip
            fig.add_trace(trace, row=row, col=1)
            fig.update_yaxes(title_text=title, rangemode="tozero", row=row, col=1)
    fig.update_xaxes(title_text=axis_label(x), row=3, col=1)
    log_axis(fig, d[x], log_x)
    note_unpriced(fig, d, row=1, col=1)
    title = f"Every decision gets dearer as {axis_label(x)} grow"
    note = "mean over episodes, with 95% whiskers"
    return fig.update_layout(template=TEMPLATE, height=740, showlegend=color is not None,
                             title={"text": title, "subtitle": {"text": note}}, margin={"t": 110},
                             legend_title_text=axis_label(color or ""))  # fmt: skip


def token_breakdown(table: pd.DataFrame, by: str = "tools") -> go.Figure:
    """Stacked bars of input tokens per decision by component, plus the output tokens.

    The components are system, tools (schemas), memory, history and handoff (what
    another agent passed along; shown only when a team has any). From the ``steps``
    table: its plan/act/reflect calls; from ``episodes``: totals over decisions.
    Introduced in notebook 02 (`02_scaling_scope.ipynb`).

    Args:
        table: The ``steps`` or the ``episodes`` table.
        by: The column whose values make the bars.

    Returns:
        One bar per value of ``by``.
    """
    parts = [*(f"tokens_in_{c}" for c in COMPONENTS), "tokens_out"]
    parts = [
        p for p in parts if p in table.columns and (p != "tokens_in_handoff" or table[p].any())
    ]
    key = table_column(table, by)
    if "node" in table.columns:
        rows = table[(table["kind"] == "llm") & table["node"].isin(DECISION_NODES)]
        means = rows.groupby(key, sort=True)[parts].mean()
    else:
        rows = table[table["decisions"] > 0]
        per = rows[parts].div(rows["decisions"], axis=0).assign(**{key: rows[key]})
        means = per.groupby(key, sort=True)[parts].mean()
    fig = go.Figure()
    for part in parts:
        key = "output" if part == "tokens_out" else part.removeprefix("tokens_in_")
        fig.add_bar(
            x=[str(v) for v in means.index], y=means[part], name=PART_NAMES[key],
            marker={"color": PART_COLORS[key], "pattern_shape": "/" if key == "output" else ""},
            hovertemplate=f"{axis_label(by)}: %{{x}}<br>{PART_NAMES[key]}: "
            f"{hover_value('tokens')}<extra></extra>",
        )  # fmt: skip
    return fig.update_layout(
        template=TEMPLATE, barmode="stack", height=420,
        title="Where the tokens of a decision come from",
        xaxis_title=axis_label(by), yaxis_title="tokens per decision (mean)",
        legend_title_text="prompt part",
    )  # fmt: skip


def success_and_cost(episodes: pd.DataFrame, x: str = "tools", *, log_x: bool = False) -> go.Figure:
    """Success rate (Wilson 95%) and cost per successful outcome against scope.

    Cost per success is the group's total cost over its successes. A group with no success
    is drawn as a triangle at its total cost: at least that much per success. The dotted
    line grows linearly with ``x`` from the smallest scope, so growth faster than the scope
    shows above it. Introduced in notebook 02 (`02_scaling_scope.ipynb`).

    Args:
        episodes: The ``episodes`` table.
        x: The column on the x axis (numeric for the linear reference).
        log_x: A logarithmic x axis.

    Returns:
        Two panels sharing x: success rate (%) and cost per success (US$, log scale).
    """
    rates = group_rates(episodes, x, "success")
    cost = usd_totals(episodes.groupby(x, sort=True)["cost_usd"]).reset_index(drop=True)
    rates["cost_usd"] = cost
    rates["cps"] = rates["cost_usd"] / rates["hits"].where(rates["hits"] > 0)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
        subplot_titles=["success rate", "cost per successful outcome"],
    )  # fmt: skip
    hover = "%{y:.0f}% of %{customdata} episodes<extra></extra>"
    fig.add_trace(rate_line(rates, x, "success rate", PALETTE[2], hovertemplate=hover), 1, 1)
    fig.add_scatter(
        x=rates[x], y=rates["cps"], mode="lines+markers", name="cost per success",
        line={"color": PALETTE[0]}, row=2, col=1,
        hovertemplate=f"{hover_value('US$')} per success<extra></extra>",
    )  # fmt: skip
    none = rates[rates["hits"] == 0]
    if len(none):
        fig.add_scatter(
            x=none[x], y=none["cost_usd"], mode="markers", name="no success: at least this",
            marker={"symbol": "triangle-up", "size": 12, "color": WRONG}, row=2, col=1,
            hovertemplate=f"no success; {hover_value('US$')} spent<extra></extra>",
        )  # fmt: skip
    base = rates.dropna(subset=["cps"])
    if pd.api.types.is_numeric_dtype(rates[x]) and len(base) and base[x].iloc[0] > 0:
        x0, c0 = float(base[x].iloc[0]), float(base["cps"].iloc[0])
        fig.add_scatter(
            x=rates[x], y=c0 * rates[x] / x0, mode="lines", name=f"linear in {axis_label(x)}",
            line={"color": REFERENCE, "dash": "dot"}, row=2, col=1,
            hovertemplate=f"{hover_value('US$')} if linear<extra></extra>",
        )  # fmt: skip
    fig.update_yaxes(title_text="success rate (%)", range=[0, 105], row=1, col=1)
    fig.update_yaxes(title_text="cost per success (US$)", type="log", dtick=1, row=2, col=1)
    fig.update_xaxes(title_text=axis_label(x), row=2, col=1)
    log_axis(fig, rates[x], log_x)
    note_unpriced(fig, episodes, row=2, col=1)
    title = f"Success falls and each success costs more as {axis_label(x)} grow"
    return fig.update_layout(template=TEMPLATE, height=620, title=title)


def node_costs(steps: pd.DataFrame) -> go.Figure:
    """Cost and modeled time per episode spent in each node of the agent graph (notebook 01).

    Args:
        steps: The ``steps`` table of one or many episodes.

    Returns:
        Two bar panels: cost (US cents) and modeled seconds per episode, by node.
    """
    n = max(steps["episode"].nunique() if "episode" in steps.columns else 1, 1)
    g = steps.groupby("node", sort=False)
    by = pd.DataFrame({"cost_usd": usd_totals(g["cost_usd"]), "latency_s": g["latency_s"].sum()})
    by = by / n
    order = [k for k in NODE_COLORS if k in by.index]
    by = by.reindex(order + sorted(set(by.index) - set(order)))
    colors = [NODE_COLORS.get(k, PALETTE[-1]) for k in by.index]
    fig = make_subplots(rows=1, cols=2, subplot_titles=["cost", "modeled time"])
    for col, (y, unit, axis) in enumerate(((100 * by["cost_usd"], "US cents", "US cents"),
                                           (by["latency_s"], "s", "seconds")), 1):  # fmt: skip
        hover = f"%{{x}}: {hover_value(unit)} per episode<extra></extra>"
        fig.add_bar(x=by.index, y=y, marker_color=colors, row=1, col=col, hovertemplate=hover)
        fig.update_yaxes(title_text=f"{axis} per episode", row=1, col=col)
    fig.update_xaxes(title_text="graph node")
    note_unpriced(fig, steps, row=1, col=1)
    title = f"Where an episode's money and time go (mean of {n} episodes)"
    return fig.update_layout(template=TEMPLATE, height=380, showlegend=False, title=title)


def episode_timeline(steps: pd.DataFrame, episode: int | None = None) -> go.Figure:
    """One episode's steps on the virtual clock, coloured by graph node, with wrong decisions
    (``correct == False`` against the request's ground truth) marked. Introduced in notebook
    00 (`00_quickstart.ipynb`), read closely in notebook 01.

    Args:
        steps: The ``steps`` table (of one episode, or pick one with ``episode``).
        episode: The ``episode`` number to draw (default: the first in the table).

    Returns:
        A Gantt-like chart: one bar per LLM or tool call, from ``start_s`` for ``latency_s``.
    """
    s = steps
    if "episode" in s.columns:
        s = s[s["episode"] == (s["episode"].iloc[0] if episode is None else episode)]
    if s.empty:
        raise ValueError(f"episode: got {episode!r}; allowed: a value of the episode column")
    s = s.assign(label=s["step"].map("{:>2}".format) + " " + s["node"] + ": " + s["decision"])
    fig = go.Figure()
    for node, part in s.groupby("node", sort=False):
        fig.add_bar(
            y=part["label"], x=part["latency_s"], base=part["start_s"], orientation="h",
            name=str(node), marker_color=NODE_COLORS.get(str(node), PALETTE[-1]),
            customdata=part[["tokens_in", "status"]],
            hovertemplate="%{y}<br>%{x:.2f} s, %{customdata[0]:,.0f} input tokens, "
            "%{customdata[1]}<extra></extra>",
        )  # fmt: skip
    marks = [("wrong decision", s["correct"].eq(False), "x"),
             ("tool error", s["status"].eq("error"), "circle-open")]  # fmt: skip
    for name, mask, symbol in marks:
        fig.add_scatter(
            y=s.loc[mask, "label"], x=(s["start_s"] + s["latency_s"])[mask], mode="markers",
            name=name, marker={"symbol": symbol, "size": 11, "color": WRONG},
            hovertemplate=f"{name}: %{{y}}, ends at %{{x:.1f}} s<extra></extra>",
        )  # fmt: skip
    first = s.iloc[0]
    total = float((s["start_s"] + s["latency_s"]).max())
    return fig.update_layout(
        template=TEMPLATE, height=140 + 22 * len(s), barmode="overlay",
        title=f"{first['request_id']}: {len(s)} steps, {total:.0f} s on the virtual clock",
        xaxis_title="virtual clock (s)",
        yaxis={"autorange": "reversed", "type": "category", "title": "step: node and decision",
               "categoryorder": "array", "categoryarray": list(s["label"])},
    )  # fmt: skip
