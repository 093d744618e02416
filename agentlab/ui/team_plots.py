"""Figures and tables of team runs: per-agent context, what each architecture costs,
team size, and the published architecture table. Where a capability should live
(``placement_bars``, ``placement_table``, ``capability_work``) is drawn by
``agentlab.ui.placement_plots``; notebooks find those here too.

Every function takes ``agentlab.run_episodes`` tables (``Results``, or its ``episodes``)
and returns a ``pandas.DataFrame`` or a ``plotly.graph_objects.Figure`` (nothing is
displayed). Rates carry Wilson 95% intervals; means carry 95% normal intervals.

Introduced in notebook 05 (`05_decomposition.ipynb`); placement in notebook 06.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from agentlab.measure import intervals
from agentlab.measure.costs import usd_per_success
from agentlab.measure.pricing import UNPRICED
from agentlab.measure.reference import reference as load_reference
from agentlab.run.episode import DECISION_NODES
from agentlab.run.results import Results
from agentlab.sim.prompt import COMPONENTS
from agentlab.ui import plots
from agentlab.ui.placement_plots import capability_work, placement_bars, placement_table
from agentlab.ui.plot_base import PART_NAMES, hover_value, titled_layout, whiskers
from agentlab.ui.plots import PALETTE, PART_COLORS, REFERENCE, TEMPLATE

__all__ = [  # notebooks use these as team_plots.NAME; the placement ones live in placement_plots
    "against_paper",
    "against_paper_bars",
    "agent_context",
    "agent_context_bars",
    "agent_timeline",
    "architecture_bars",
    "architecture_table",
    "capability_work",
    "interval_columns",
    "placement_bars",
    "placement_table",
    "team_size_lines",
]

LAB, PAPER = PALETTE[0], REFERENCE
KIM = "kim2025_architectures"
NO_NAME = "<extra></extra>"  # a hover box without the trace's name


def _x(table: pd.DataFrame, col: str, baseline: str = "single") -> pd.Series:
    """A column as multiples of the baseline row's value (NaN when that is 0)."""
    base = float(table[col].loc[baseline])
    return table[col] / base if base else table[col] * math.nan


def _decisions(runs: Results, by: str) -> pd.DataFrame:
    """The agents' own decisions (plan and act calls), with the episode's ``by`` column."""
    s = runs.steps.merge(runs.episodes[["episode", by]], on="episode")
    return s[(s["kind"] == "llm") & s["node"].isin(DECISION_NODES)]


def agent_context(runs: Results, by: str = "architecture") -> pd.DataFrame:
    """Per agent: decisions per episode, and the input tokens each decision sees, by part.

    Coordination calls (routing, aggregation, debate) are not an agent's own decisions and
    are left out (``architecture_table`` counts them). Introduced in notebook 05.

    Args:
        runs: The tables of a sweep.
        by: The episodes column that tells the teams apart (e.g. ``architecture``).

    Returns:
        One row per (``by``, agent): decisions, tokens_in and tokens_in_<part> per decision,
        options (tools in scope).
    """
    d = _decisions(runs, by)
    n = runs.episodes.groupby(by)["episode"].nunique()
    parts = [f"tokens_in_{c}" for c in COMPONENTS]
    out = d.groupby([by, "agent"], sort=False)[["tokens_in", *parts, "options"]].mean()
    out.insert(0, "decisions", d.groupby([by, "agent"], sort=False).size() / n.reindex(
        out.index.get_level_values(0)).to_numpy())  # fmt: skip
    return out.reset_index()


def agent_context_bars(table: pd.DataFrame, by: str = "architecture") -> go.Figure:
    """Stacked bars: the input tokens of one decision, per agent, by part (system, tool
    schemas, memory, history, handoff). From ``agent_context``. Introduced in notebook 05.
    """
    x = [table[by].astype(str).tolist(), table["agent"].tolist()]
    fig = go.Figure()
    for part in COMPONENTS:
        col = f"tokens_in_{part}"
        if table[col].any():
            fig.add_bar(x=x, y=table[col], name=PART_NAMES[part], marker_color=PART_COLORS[part],
                        hovertemplate=f"%{{x}}<br>{PART_NAMES[part]}: {hover_value('tokens')}"
                        "<extra></extra>")  # fmt: skip
    note = "mean over its plan and act calls; coordination calls left out"
    return fig.update_layout(
        template=TEMPLATE, barmode="stack", height=440, yaxis_title="input tokens per decision",
        xaxis_title=f"{by.replace('_', ' ')} and agent", legend_title_text="prompt part",
        title={"text": "What each agent reads to make one decision", "subtitle": {"text": note}},
        margin={"t": 100},
    )  # fmt: skip


def architecture_table(episodes: pd.DataFrame, baseline: str = "single") -> pd.DataFrame:
    """Per architecture: success, turns, tokens, coordination, latency, cost and errors, and
    the turns and tokens as multiples of ``baseline``'s. Introduced in notebook 05.

    ``coordination_pct`` is the share of all tokens spent on routing, handoffs, aggregation
    and debate; ``cost_per_success_usd`` is the total cost over the successes.
    """
    e = episodes.assign(tokens=episodes["tokens_in"] + episodes["tokens_out"])
    g = e.groupby("architecture", sort=False)
    out = pd.DataFrame({
        "episodes": g.size(), "success": g["success"].mean(), "turns": g["llm_calls"].mean(),
        "tokens": g["tokens"].mean(), "coordination_tokens": g["coordination_tokens"].mean(),
        "latency_s": g["latency_s"].mean(),
        "cost_per_success_usd": usd_per_success(g["cost_usd"], g["success"]),
        "errors_contained": g["errors_contained"].mean(),
        "errors_escaped": g["errors_escaped"].mean(),
    })  # fmt: skip
    out["coordination_pct"] = 100 * out["coordination_tokens"] / out["tokens"]
    if baseline in out.index:
        out["turns_x"] = _x(out, "turns", baseline)
        out["tokens_x"] = _x(out, "tokens", baseline)
    out["successes_per_1k_tokens"] = 1000 * out["success"] / out["tokens"]
    if {"request_id", "seed"} <= set(e.columns) and e["request_id"].nunique() >= 4:
        out = out.join(interval_columns(e, baseline if baseline in out.index else None))
    return out


def interval_columns(
    e: pd.DataFrame,
    baseline: str | None = None,
    *,
    by: str = "architecture",
    metrics: Sequence[tuple[str, intervals.Metric, str | None]] | None = None,
) -> pd.DataFrame:
    """95% bootstrap intervals over the questions and seeds (``measure.intervals``, every
    group on the same resample), as ``{name}_lo`` and ``{name}_hi`` columns per group: what
    ``plot_base.whiskers`` draws. Introduced in notebook 05; the explorer's bars in 06.

    Args:
        e: An episodes table with ``request_id`` and ``seed`` (at least 4 questions).
        baseline: The group ``tokens_x`` is relative to (default metrics only; None: no
            ``tokens_x``).
        by: The column told apart.
        metrics: ``(name, metric, relative_to)`` triples (a metric as ``bootstrap_ci``
            takes it); default: success, tokens against ``baseline`` and cost per success.
    """
    if metrics is None:
        tokens = [("tokens_x", "tokens", baseline)] if baseline is not None else []
        metrics = [("success", "success", None), *tokens,
                   ("cost_per_success_usd", intervals.COST_PER_SUCCESS, None)]  # fmt: skip
    cols = {}
    for name, metric, relative in metrics:
        ci = intervals.bootstrap_ci(e, metric, by, relative_to=relative)
        cols[f"{name}_lo"], cols[f"{name}_hi"] = ci["lo"], ci["hi"]
    return pd.DataFrame(cols)


def architecture_bars(table: pd.DataFrame) -> go.Figure:
    """Four panels from ``architecture_table``: tokens per episode against the single agent,
    coordination tokens, cost per successful answer, and root errors contained or escaped.
    Tokens and cost carry the table's 95% bootstrap intervals over the questions, when it
    has them. Introduced in notebook 05.
    """
    names = table.index.astype(str).tolist()
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.12, shared_xaxes=True, subplot_titles=[
        "tokens per episode, relative to the single agent", "coordination tokens per episode",
        "cost per successful answer", "root errors per episode"])  # fmt: skip
    cents = 100 * table["cost_per_success_usd"]
    bars = [  # row, col, values, the interval's column and scale, unit, what it is, colour
        (1, 1, table["tokens_x"], "tokens_x", 1, "x", " the single agent's tokens", LAB),
        (1, 2, table["coordination_tokens"], "", 1, "tokens", "", PALETTE[1]),
        (2, 1, cents, "cost_per_success_usd", 100, "US cents", " per success", PALETTE[2]),
    ]
    for row, col, y, ci, scale, unit, tail, color in bars:
        fig.add_bar(x=names, y=y, marker_color=color, row=row, col=col, showlegend=False,
                    error_y=whiskers(table, ci, scale) if ci else None,
                    hovertemplate=f"%{{x}}: {hover_value(unit)}{tail}{NO_NAME}")  # fmt: skip
    fig.add_hline(y=1, line={"dash": "dot", "color": REFERENCE}, row=1, col=1)
    gaps = [  # a cost per success that is NaN says why: unpriced, or nothing succeeded
        (n, UNPRICED if won > 0 else "no success")
        for n, c, won in zip(names, cents, table["success"], strict=True)
        if c != c
    ]
    if gaps:
        fig.add_scatter(x=[n for n, _ in gaps], y=[0] * len(gaps), text=[t for _, t in gaps],
                        mode="text", textposition="top center", showlegend=False,
                        hoverinfo="skip", row=2, col=1)  # fmt: skip
    for column, color, name in (("errors_contained", LAB, "contained"),
                                ("errors_escaped", PALETTE[5], "escaped")):  # fmt: skip
        hover = "%{x}: %{y:.2f} per episode<extra>%{fullData.name}</extra>"
        fig.add_bar(x=names, y=table[column], name=name, marker_color=color, row=2, col=2,
                    hovertemplate=hover)  # fmt: skip
    for (row, col), axis in zip(((1, 1), (1, 2), (2, 1), (2, 2)), (
            "x single agent", "tokens", "US cents", "root errors"), strict=True):  # fmt: skip
        fig.update_yaxes(title_text=axis, row=row, col=col)
    fig.update_xaxes(title_text="architecture", row=2)
    note = "whiskers: 95% bootstrap over the questions" if "tokens_x_lo" in table else ""
    return titled_layout(fig, "What splitting the work costs, and what it buys", note,
                         height=680, barmode="stack", legend={"orientation": "h", "y": -0.12,
                                                             "title": "root errors"})  # fmt: skip


def agent_timeline(steps: pd.DataFrame) -> go.Figure:
    """One episode on the virtual clock, one lane per agent, so parallel members run side by
    side; bars coloured by node, wrong decisions marked. Introduced in notebook 05.

    Args:
        steps: The ``steps`` table of one episode.
    """
    fig = go.Figure()
    for node, part in steps.groupby("node", sort=False):
        fig.add_bar(
            y=part["agent"], x=part["latency_s"], base=part["start_s"], orientation="h",
            name=str(node), marker_color=plots.NODE_COLORS.get(str(node), PALETTE[-1]),
            customdata=part[["decision", "tokens_in"]],
            hovertemplate="%{customdata[0]}: %{x:.2f} s, %{customdata[1]:,.0f} input tokens"
            "<extra>%{y}</extra>",
        )  # fmt: skip
    wrong = steps[steps["correct"].eq(False)]
    x = wrong["start_s"] + wrong["latency_s"]
    fig.add_scatter(y=wrong["agent"], x=x, mode="markers", name="wrong decision",
                    marker={"symbol": "x", "size": 10, "color": plots.WRONG},
                    hovertemplate="wrong decision by %{y}, ends at %{x:.1f} s")  # fmt: skip
    end, lanes = float((steps["start_s"] + steps["latency_s"]).max()), steps["agent"].nunique()
    order = steps.sort_values(["start_s", "agent"])["agent"].unique()  # who starts first, on top
    return fig.update_layout(
        template=TEMPLATE, barmode="overlay", height=180 + 45 * lanes,
        title=f"{len(steps)} steps by {lanes} agents: {end:.0f} s on the virtual clock",
        xaxis_title="virtual clock (s)", legend_title_text="graph node",
        yaxis={"autorange": "reversed", "type": "category", "title": "agent",
               "categoryorder": "array", "categoryarray": list(order)},
    )  # fmt: skip


def team_size_lines(runs: Results) -> go.Figure:
    """Coordination tokens and modeled latency against team size, one line per architecture.

    Latency is the critical path (parallel members cost their longest branch); the dotted
    lines add up every step, as if the members took turns. Introduced in notebook 05.
    """
    e = runs.episodes.assign(serial_s=runs.episodes["episode"].map(
        runs.steps.groupby("episode")["latency_s"].sum()))  # fmt: skip
    means = e.groupby(["architecture", "team_size"])[
        ["coordination_tokens", "latency_s", "serial_s"]].mean().reset_index()  # fmt: skip
    fig = make_subplots(rows=1, cols=2, subplot_titles=[
        "coordination tokens per episode", "modeled latency per episode"])  # fmt: skip
    tokens, seconds = (f"%{{x}} members: {hover_value(u)}<extra>%{{fullData.name}}</extra>"
                       for u in ("tokens", "s"))  # fmt: skip
    for i, (arch, m) in enumerate(means.groupby("architecture", sort=True)):
        c = PALETTE[i % len(PALETTE)]
        kw = {"x": m["team_size"], "mode": "lines+markers", "legendgroup": arch}
        fig.add_scatter(y=m["coordination_tokens"], name=str(arch), line_color=c, row=1, col=1,
                        hovertemplate=tokens, **kw)  # fmt: skip
        fig.add_scatter(y=m["latency_s"], name=f"{arch}: critical path", line_color=c,
                        showlegend=False, row=1, col=2, hovertemplate=seconds, **kw)  # fmt: skip
        fig.add_scatter(y=m["serial_s"], name=f"{arch}: sum of all steps", showlegend=False,
                        line={"color": c, "dash": "dot"}, row=1, col=2, hovertemplate=seconds,
                        **kw)  # fmt: skip
    fig.update_xaxes(title_text="members", tickvals=sorted(means["team_size"].unique()))
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text="tokens", col=1)
    fig.update_yaxes(title_text="modeled latency (s)", col=2)
    note = "right: solid, the critical path; dotted, the sum of every step"
    return titled_layout(fig, "More members: more coordination, little more waiting", note,
                         height=440, legend_title_text="architecture")  # fmt: skip


def against_paper(table: pd.DataFrame, paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """The lab's architecture table beside Kim et al.'s, each relative to its single agent.

    The lab's ``error_amplification`` is its failure rate over the single agent's (the
    glossary's definition, ``measure.reliability.error_amplification``); the
    paper's is its own measure (see its source in ``data/reference/README.md``), so read
    the two as orderings. Introduced in notebook 05.

    Args:
        table: ``architecture_table`` of a sweep that includes ``single``.
        paper: Kim et al.'s table (default: ``reference("kim2025_architectures")``).

    Returns:
        One row per architecture the paper lists, lab and paper columns side by side.
    """
    ref = (load_reference(KIM) if paper is None else paper).set_index("architecture")
    lab = table.reindex(ref.index).assign(failure=lambda t: 1 - t["success"])
    return pd.DataFrame({
        "success_lab": lab["success"], "success_paper": ref["success"],
        "turns_x_lab": lab["turns_x"], "turns_x_paper": _x(ref, "turns"),
        "success_per_token_x_lab": _x(lab, "successes_per_1k_tokens"),
        "success_per_token_x_paper": _x(ref, "successes_per_1k_tokens"),
        "error_amplification_lab": _x(lab, "failure"),
        "error_amplification_paper": ref["error_amplification"],
    })  # fmt: skip


def against_paper_bars(side: pd.DataFrame) -> go.Figure:
    """Three panels of ``against_paper``: turns, successes per token and error amplification,
    each relative to the single agent, the lab's bars beside the paper's. Notebook 05."""
    metrics = [("turns_x", "turns (x single)"),
               ("success_per_token_x", "successes per token (x single)"),
               ("error_amplification", "error amplification (x single)")]  # fmt: skip
    fig = make_subplots(rows=1, cols=3, subplot_titles=[t for _, t in metrics])
    names = side.index.astype(str).tolist()
    for col, (key, _) in enumerate(metrics, 1):
        for who, color in (("lab", LAB), ("paper", PAPER)):
            label = "lab (simulated)" if who == "lab" else "Kim et al. 2025"
            fig.add_bar(x=names, y=side[f"{key}_{who}"], name=label, marker_color=color,
                        legendgroup=who, showlegend=col == 1, row=1, col=col,
                        texttemplate="%{y:.1f}", textposition="outside", cliponaxis=False,
                        textfont_size=10, hovertemplate="%{x}: %{y:.2f}x the single agent"
                        "<extra>%{fullData.name}</extra>")  # fmt: skip
        fig.add_hline(y=1, line={"dash": "dot", "color": REFERENCE}, row=1, col=col)
        fig.update_yaxes(title_text="x single agent", row=1, col=col)
        fig.update_xaxes(title_text="architecture", row=1, col=col)
    note = "3 agents per team in both; the paper at an equal token budget, the lab without one"
    return fig.update_layout(template=TEMPLATE, height=460, barmode="group", margin={"t": 100},
                             title={"text": "The lab's architectures beside the published table",
                                    "subtitle": {"text": note}},
                             legend={"orientation": "h", "y": -0.3})  # fmt: skip
