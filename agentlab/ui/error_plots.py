"""Figures of propagated errors over many episodes: what they cost, and what checkpoints buy.

``blast_radius``, ``reflection_catch``, ``compounding``, ``flat_compounding`` and ``pass_k``
(notebook 03), ``containment_vs_cost`` and ``break_even_bars`` (notebook 04). Each returns a
``plotly.graph_objects.Figure`` and displays nothing. Means carry 95% intervals over
episodes; rates carry Wilson 95% intervals; break-even prices carry paired bootstrap
intervals over the requests. The figures of one episode, ``taint_timeline``
and ``taint_flow``, live in ``agentlab.ui.taint_plots``; notebooks find them here too.

Introduced in notebook 03 (`03_failure_propagation.ipynb`); each function names its notebook.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from agentlab.measure.costs import usd_mean
from agentlab.ui.plot_base import (
    PALETTE,
    REFERENCE,
    WRONG,
    axis_label,
    note_unpriced,
    titled_layout,
    value_label,
    whiskers,
    wilson_interval,
)
from agentlab.ui.taint_plots import CLEAN, taint_flow, taint_timeline

__all__ = [  # notebooks use these as error_plots.NAME; the taint figures live in taint_plots
    "COMPOUNDING_REF",
    "TAU_BENCH_RETAIL",
    "blast_radius",
    "break_even_bars",
    "compounding",
    "containment_vs_cost",
    "flat_compounding",
    "pass_k",
    "reflection_catch",
    "taint_flow",
    "taint_timeline",
]

COMPOUNDING_REF = (0.95, (10, 20))  # independent steps: 0.95^10 = 0.60, 0.95^20 = 0.36
TAU_BENCH_RETAIL = {1: 0.61, 8: 0.25}  # gpt-4o retail: pass^1, pass^8 (an upper bound)
PER_EPISODE = {"success": "success (share of episodes)"}  # else "<label> per episode"
SHARE = {"tickformat": ".0%", "range": [0, 1.05]}  # a y axis of shares, ticked in percent


def _mean_ci(values: pd.Series) -> tuple[float, float]:
    """Mean and half-width of its 95% normal interval (0 for one value)."""
    v = values.dropna().astype(float)
    half = 1.96 * float(v.std(ddof=1)) / math.sqrt(len(v)) if len(v) > 1 else 0.0
    return (float(v.mean()) if len(v) else math.nan), half


def containment_vs_cost(
    episodes: pd.DataFrame, by: Sequence[str] = ("clarify", "verify"), y: str = "errors_escaped"
) -> go.Figure:
    """Errors that escape against what the checkpoints cost, one point per policy.

    Left: US cents of model cost added per episode relative to the baseline (every ``by``
    column "never", else the first group); right: a person's seconds per episode. Colour
    follows the first ``by`` column, symbol the last; whiskers are 95% intervals of ``y``
    over episodes. Introduced in notebook 04 (`04_checkpoints.ipynb`).

    Args:
        episodes: The ``episodes`` table of a sweep over checkpoint policies.
        by: The columns that name a policy.
        y: What to put on the y axis (``errors_escaped``, ``success``, ...), per episode.

    Returns:
        Two panels sharing y, one trace per policy and panel.
    """
    groups = list(episodes.groupby(list(by), sort=True))
    base = next((g for v, g in groups if all(x == "never" for x in v)), groups[0][1])
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=["model cost added", "a person's time"])  # fmt: skip
    levels = [sorted(episodes[c].unique()) for c in by]
    symbols = ("circle", "square", "diamond", "triangle-up", "star", "cross")
    share = y in PER_EPISODE
    shown = "%{y:.0%} succeed" if share else f"%{{y:.2f}} {axis_label(y)} per episode"
    xs_shown = ("%{x:.3g} US cents more per episode", "%{x:.3g} s of a person's time")
    for values, g in groups:
        label = " / ".join(value_label(v) for v in values)
        my, hy = _mean_ci(g[y])
        xs = (100 * (usd_mean(g["cost_usd"]) - usd_mean(base["cost_usd"])), g["human_s"].mean())
        for col, mx in enumerate(xs, 1):
            fig.add_scatter(
                x=[mx], y=[my], error_y={"array": [hy], "thickness": 1}, mode="markers",
                name=label, legendgroup=label, showlegend=col == 1, row=1, col=col,
                marker={"size": 13, "color": PALETTE[levels[0].index(values[0]) % 7],
                        "symbol": symbols[levels[-1].index(values[-1]) % 6]},
                hovertemplate=f"{label}: {xs_shown[col - 1]}, {shown} "
                f"({len(g)} episodes)<extra></extra>",
            )  # fmt: skip
    fig.add_hline(y=float(base[y].mean()), line={"dash": "dot", "color": REFERENCE})
    note_unpriced(fig, episodes, row=1, col=1)
    fig.update_xaxes(title_text="model cost added per episode (US cents)", row=1, col=1)
    fig.update_xaxes(title_text="a person's time per episode (s)", row=1, col=2)
    fig.update_yaxes(title_text=PER_EPISODE.get(y, f"{axis_label(y)} per episode"),
                     rangemode="tozero", tickformat=".0%" if share else None,
                     row=1, col=1)  # fmt: skip
    return titled_layout(fig, "What each checkpoint policy contains, and what it costs",
                          "dotted: the baseline; whiskers: 95% over episodes", height=480,
                          legend_title_text=" / ".join(map(axis_label, by)))  # fmt: skip


def break_even_bars(table: pd.DataFrame, note: str = "") -> go.Figure:
    """Each policy's break-even failure price, with the whiskers of its 95% interval.

    From ``agentlab.measure.break_even.break_even`` (columns ``estimate``, ``lo``, ``hi``):
    the price of a failed outcome above which the policy costs less per request than the
    baseline. A policy that may never pay (``hi`` infinite) has no upper whisker and says
    so. Introduced in notebook 04 (`04_checkpoints.ipynb`).

    Args:
        table: One row per policy (the index: its name, or a tuple of its columns).
        note: A subtitle (what a person's time was priced at, say).

    Returns:
        One horizontal bar per policy, the cheapest to pay first.
    """
    t = table.sort_values("estimate", ascending=False)
    t = t.rename(columns={"lo": "estimate_lo", "hi": "estimate_hi"})
    names = [" / ".join(map(value_label, i)) if isinstance(i, tuple) else value_label(i)
             for i in t.index]  # fmt: skip
    shown = t["estimate"].where(t["estimate"] < math.inf)
    text = [
        "never pays" if e == math.inf else "no upper bound" if h == math.inf else ""
        for e, h in zip(t["estimate"], t["estimate_hi"], strict=True)
    ]
    fig = go.Figure(go.Bar(
        x=shown, y=names, orientation="h", marker_color=PALETTE[0], text=text,
        textposition="outside", error_x=whiskers(t, "estimate"),
        customdata=t[["estimate_lo", "estimate_hi"]].to_numpy(),
        hovertemplate="%{y}: pays above $%{x:.2f} (95%: $%{customdata[0]:.2f} to "
        "$%{customdata[1]:.2f})<extra></extra>",
    ))  # fmt: skip
    fig.update_xaxes(title_text="price of a failed outcome above which the policy pays (US$)",
                     rangemode="tozero")  # fmt: skip
    policy = " / ".join(axis_label(str(n)) for n in t.index.names if n is not None)
    fig.update_yaxes(title_text=f"checkpoint policy ({policy})" if policy else "policy")
    return titled_layout(fig, "When each checkpoint pays for itself, with its 95% interval",
                         note or "whiskers: 95% over the requests (paired bootstrap)",
                         height=120 + 40 * len(t))  # fmt: skip


def blast_radius(episodes: pd.DataFrame, bins: Sequence[float] | None = None) -> go.Figure:
    """Blast radius and tainted cost against the decisions made after the first root error.

    Only episodes with a root error count. The blast radius is the number of later
    decisions that consumed tainted input; the dotted line is "every later decision".
    Introduced in notebook 03 (`03_failure_propagation.ipynb`).

    Args:
        episodes: The ``episodes`` table.
        bins: Bin edges of ``decisions_after_root`` (default 0, 2, 4, ... 12, then more).

    Returns:
        Two panels sharing x: blast radius (decisions) and tainted cost (US cents).
    """
    d = episodes[episodes["root_errors"] > 0]
    edges = list(bins or (0, 2, 4, 6, 8, 10, 12, math.inf))
    d = d.assign(bin=pd.cut(d["decisions_after_root"], edges, right=False),
                 cents=100 * d["tainted_cost_usd"])  # fmt: skip
    g = d.groupby("bin", observed=True, sort=True)
    x, n = g["decisions_after_root"].mean(), g.size()
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        subplot_titles=["blast radius: later decisions that used tainted input",
                                        "money spent on tainted work"])  # fmt: skip
    for row, col in ((1, "blast_radius"), (2, "cents")):
        stats = [  # a bin with unpriced tainted work has no mean cost: not drawn, never $0
            (math.nan, 0.0) if col == "cents" and part[col].isna().any() else _mean_ci(part[col])
            for _, part in g
        ]
        fig.add_scatter(
            x=x, y=[m for m, _ in stats], error_y={"array": [h for _, h in stats]},
            mode="lines+markers", line={"color": WRONG}, customdata=n, row=row, col=1,
            hovertemplate=f"%{{x:.1f}} decisions after the root error: %{{y:.3g}} "
            f"{'US cents' if row == 2 else 'tainted decisions'} (%{{customdata}} episodes)"
            "<extra></extra>",
        )  # fmt: skip
    top = float(x.max()) if len(x) else 1.0
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", line={"dash": "dot", "color": REFERENCE},
                    row=1, col=1, hoverinfo="skip")  # fmt: skip
    fig.update_yaxes(title_text="tainted decisions", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="tainted cost (US cents)", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title_text="decisions after the first root error (bin mean)", row=2, col=1)
    note_unpriced(fig, d, row=2, col=1)
    return titled_layout(fig, "The more decisions follow an error, the more it poisons",
                          f"{len(d)} episodes with a root error; dotted: every later decision "
                          "used tainted input", height=600, showlegend=False)  # fmt: skip


def reflection_catch(episodes: pd.DataFrame, x: str = "memory_items") -> go.Figure:
    """Share of execution errors the reflection caught, against the context it reviewed in.

    Counts the wrong tool calls (root errors) in the work a review looked at
    (``execution_errors_reviewed``) and those it flagged (``execution_errors_caught``), per
    value of ``x``, with Wilson 95% whiskers. Tick labels give the mean input
    tokens per decision. Introduced in notebook 03 (`03_failure_propagation.ipynb`).

    Args:
        episodes: The ``episodes`` table.
        x: The column that grows the context (``memory_items``, ``window``, ...).

    Returns:
        One line of catch rates (%).
    """
    d = episodes[episodes["decisions"] > 0].assign(per=lambda t: t["tokens_in"] / t["decisions"])
    g = d.groupby(x, sort=True)
    t = pd.DataFrame({"hits": g["execution_errors_caught"].sum(),
                      "n": g["execution_errors_reviewed"].sum(), "x": g[x].mean(),
                      "tokens": g["per"].mean()}).reset_index(drop=True)  # fmt: skip
    ci = [wilson_interval(h, n) for h, n in zip(t["hits"], t["n"], strict=True)]
    rate = 100 * t["hits"] / t["n"].where(t["n"] > 0)
    fig = go.Figure(go.Scatter(
        x=t["x"], y=rate, mode="lines+markers", name="caught by reflection",
        line={"color": CLEAN}, customdata=t[["hits", "n"]],
        error_y={"type": "data", "symmetric": False,
                 "array": [100 * hi - r for (_, hi), r in zip(ci, rate, strict=True)],
                 "arrayminus": [r - 100 * lo for (lo, _), r in zip(ci, rate, strict=True)]},
        hovertemplate="%{customdata[0]} of %{customdata[1]} caught (%{y:.0f}%)<extra></extra>",
    ))  # fmt: skip
    ticks = [f"{v:,.0f}<br>~{k / 1000:,.1f}k tokens" for v, k in zip(t["x"], t["tokens"],
                                                                     strict=True)]  # fmt: skip
    return titled_layout(
        fig, "Share of slips the reflection caught, by context size (95% intervals)",
        height=440,
        xaxis={"title": f"{axis_label(x)} (and mean input tokens per decision)",
               "tickvals": list(t["x"]), "ticktext": ticks},
        yaxis={"title": "execution errors caught (%)", "range": [0, 105]},
    )  # fmt: skip


def compounding(chain_df: pd.DataFrame) -> go.Figure:
    """Share of episodes whose first k decisions were all right, beside p^k and 0.95^k.

    From ``reliability.chain_survival``. Marker size follows the episodes long enough to
    count: long chains are *selected* episodes (retries and repairs make an episode long,
    so the long ones are the troubled ones), which is why the measured curve can drop to
    zero where p^k does not. Introduced in notebook 03 (`03_failure_propagation.ipynb`).

    Args:
        chain_df: The table of ``chain_survival`` (k, episodes, intact, independent).

    Returns:
        The measured curve, p^k, 0.95^k and its points 0.95^10 = 0.60, 0.95^20 = 0.36.
    """
    c, (p_ref, ks) = chain_df, COMPOUNDING_REF
    fig = go.Figure()
    fig.add_scatter(
        x=c["k"], y=c["intact"], mode="lines+markers", name="lab: first k decisions all right",
        line={"color": CLEAN}, marker={"size": 6 + 12 * (c["episodes"] / c["episodes"].max())
                                       ** 0.5}, customdata=c["episodes"],
        hovertemplate="k=%{x}: %{y:.0%} of %{customdata:,} episodes<extra></extra>",
    )  # fmt: skip
    p = float(c["independent"].iloc[0])
    hover = "k=%{x}: %{y:.0%}<extra>%{fullData.name}</extra>"
    fig.add_scatter(x=c["k"], y=c["independent"], mode="lines", name=f"independent: {p:.2f}^k",
                    line={"dash": "dash", "color": WRONG}, hovertemplate=hover)  # fmt: skip
    kk = list(range(1, max(*ks, int(c["k"].max())) + 1))
    fig.add_scatter(x=kk, y=[p_ref**k for k in kk], mode="lines", name=f"{p_ref}^k",
                    line={"dash": "dot", "color": REFERENCE, "width": 1},
                    hovertemplate=hover)  # fmt: skip
    fig.add_scatter(
        x=list(ks), y=[p_ref**k for k in ks], mode="markers+text", name="reference points",
        marker={"symbol": "diamond", "size": 11, "color": REFERENCE}, hovertemplate=hover,
        text=[f"{p_ref}^{k} = {p_ref**k:.2f}" for k in ks], textposition="top left",
    )  # fmt: skip
    note = "marker size: episodes with at least k decisions (long chains are selected episodes)"
    return titled_layout(fig, "Small error rates compound over a chain", note, height=440,
                          xaxis_title="k (decisions in the chain)",
                          yaxis={"title": "first k decisions all right (share of episodes)",
                                 **SHARE})  # fmt: skip


def flat_compounding(tables: dict[float, pd.DataFrame]) -> go.Figure:
    """Success of n dependent decisions at a flat per-decision accuracy p, beside p^n.

    From ``measure.compounding.chain_success`` (or ``run.compounding.chain_success``, the
    same table from the kernel's cores), one table per p (the profile's
    ``flat_accuracy``), with Wilson 95% intervals. Introduced in notebook 03
    (`03_failure_propagation.ipynb`).

    Args:
        tables: ``{p: chain_success table}`` (n, episodes, success, se, p_n).

    Returns:
        One measured curve with its interval and one dashed p^n curve per p.
    """
    fig, hover = go.Figure(), "n=%{x}: %{y:.1%}<extra>%{fullData.name}</extra>"
    for i, (p, t) in enumerate(tables.items()):
        color = PALETTE[i % len(PALETTE)]
        lo, hi = zip(
            *(wilson_interval(s * e, e) for s, e in zip(t["success"], t["episodes"], strict=True)),
            strict=True,
        )
        fig.add_scatter(
            x=t["n"], y=t["success"], mode="markers", name=f"lab, accuracy p = {p} per decision",
            marker={"color": color, "size": 8},
            error_y={"type": "data", "symmetric": False, "color": color,
                     "array": [h - s for h, s in zip(hi, t["success"], strict=True)],
                     "arrayminus": [s - lo_ for s, lo_ in zip(t["success"], lo, strict=True)]},
            hovertemplate=hover,
        )  # fmt: skip
        fig.add_scatter(x=t["n"], y=t["p_n"], mode="lines", name=f"{p}^n",
                        line={"dash": "dash", "color": color}, hovertemplate=hover)  # fmt: skip
    note = "the chain task: one wrong answer fails the episode; whiskers: Wilson 95%"
    return titled_layout(fig, "n dependent decisions at a flat accuracy p succeed as p^n", note,
                         height=420, xaxis_title="n (dependent decisions)",
                         yaxis={"title": "all n decisions right (share of episodes)",
                                **SHARE})  # fmt: skip


def pass_k(pass_df: pd.DataFrame) -> go.Figure:
    """pass^k (all of k trials of a task succeed) beside constant-p p^k and tau-bench.

    From ``reliability.pass_hat_k``. tau-bench's gpt-4o on retail (Yao et al., arXiv
    2406.12045): pass^1 about 0.61, pass^8 under 0.25 (a downward triangle: an upper
    bound); a constant p would give 0.61^8 = 0.02, so its tasks differ in difficulty, as
    the lab's requests do. Introduced in notebook 03 (`03_failure_propagation.ipynb`).

    Args:
        pass_df: The table of ``pass_hat_k`` (k, pass_k, constant_p).

    Returns:
        The lab's pass^k, its constant-p curve, and tau-bench's points and constant-p curve.
    """
    fig = go.Figure()
    hover = "k=%{x}: %{y:.0%}<extra>%{fullData.name}</extra>"
    fig.add_scatter(x=pass_df["k"], y=pass_df["pass_k"], mode="lines+markers",
                    name="lab: pass^k", line={"color": CLEAN}, hovertemplate=hover)  # fmt: skip
    fig.add_scatter(x=pass_df["k"], y=pass_df["constant_p"], mode="lines",
                    name="lab if p were the same for every task",
                    line={"dash": "dash", "color": WRONG}, hovertemplate=hover)  # fmt: skip
    ks, (p1, p8) = list(TAU_BENCH_RETAIL), TAU_BENCH_RETAIL.values()
    fig.add_scatter(
        x=ks, y=[p1, p8], mode="markers+text", name="tau-bench, gpt-4o retail",
        marker={"symbol": ["circle", "triangle-down"], "size": 12, "color": REFERENCE},
        text=[f"pass^1 ≈ {p1:.2f}", f"pass^8 < {p8:.2f}"], hovertemplate=hover,
        textposition=["bottom right", "top left"],
    )  # fmt: skip
    kk = list(range(1, max(8, int(pass_df["k"].max())) + 1))
    fig.add_scatter(x=kk, y=[p1**k for k in kk], mode="lines", name=f"tau-bench if constant: "
                    f"{p1}^k", line={"dash": "dot", "color": REFERENCE, "width": 1},
                    hovertemplate=hover)  # fmt: skip
    note = "tau-bench: Yao et al. 2024, arXiv 2406.12045 (another task, agent and model)"
    return titled_layout(fig, "Doing it right every time is much harder than once", note,
                          height=440, xaxis_title="k (trials of the same task)",
                          yaxis={"title": "pass^k: all k trials succeed (share of tasks)",
                                 **SHARE})  # fmt: skip
