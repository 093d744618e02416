"""Figures of propagated errors: taint in one episode, and what checkpoints buy over many.

One episode: ``taint_timeline`` (its steps on the virtual clock) and ``taint_flow`` (its
artifacts, from the root error to the outcome). Many episodes: ``blast_radius``,
``reflection_catch``, ``compounding`` and ``pass_k`` (notebook 03), ``containment_vs_cost``
(notebook 04). Each returns a ``plotly.graph_objects.Figure`` and displays nothing. Means
carry 95% intervals over episodes; rates carry Wilson 95% intervals.

Introduced in notebook 03 (`03_failure_propagation.ipynb`); each function names its notebook.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from agentlab.checkpoints import is_yes
from agentlab.costs import usd_mean, usd_text, usd_total
from agentlab.plots import PALETTE, REFERENCE, TEMPLATE, WRONG, note_unpriced, wilson_interval
from agentlab.provenance import Artifact, Provenance
from agentlab.runner import Episode

CLEAN, PERSON, ROOT, GREY = PALETTE[0], PALETTE[3], "#000000", "#999999"
NODE_ORDER = ("clarify", "plan", "act", "tools", "remember", "reflect", "verify")
LANES = {"inputs": ("request", "memory"), "plan": ("plan",), "tool calls": ("tool_call",),
         "tool results": ("tool_result",), "memory notes": ("memory_note",),
         "outcome": ("answer", "review", "summary")}  # fmt: skip
COMPOUNDING_REF = (0.95, (10, 20))  # independent steps: 0.95^10 = 0.60, 0.95^20 = 0.36
TAU_BENCH_RETAIL = {1: 0.61, 8: 0.25}  # gpt-4o retail: pass^1, pass^8 (an upper bound)


def _short(aid: str) -> str:
    """``result:call_3513c3f1045325d4`` -> ``result:…25d4``."""
    kind, _, rest = aid.partition(":")
    return f"{kind}:…{rest[-4:]}" if rest.startswith("call_") else aid


def _mean_ci(values: pd.Series) -> tuple[float, float]:
    """Mean and half-width of its 95% normal interval (0 for one value)."""
    v = values.dropna().astype(float)
    half = 1.96 * float(v.std(ddof=1)) / math.sqrt(len(v)) if len(v) > 1 else 0.0
    return (float(v.mean()) if len(v) else math.nan), half


def _layout(fig: go.Figure, title: str, note: str = "", **kw: Any) -> go.Figure:
    t = {"text": title, "subtitle": {"text": note}} if note else title
    return fig.update_layout(template=TEMPLATE, title=t, margin={"t": 100 if note else 80}, **kw)


def taint_timeline(
    steps: pd.DataFrame | Sequence[dict[str, Any]], episode: int | None = None
) -> go.Figure:
    """One episode's steps on the virtual clock, one row per node, tainted work in orange.

    A step is tainted when an artifact it produced derives from a root error; root errors
    carry a black X and a label; a person's answers (clarify, verify) are pink. Hover shows
    each step's decision and what it was derived from. Introduced in notebook 03
    (`03_failure_propagation.ipynb`); the checkpoint widget of notebook 04 draws it too.

    Args:
        steps: The ``steps`` table (or ``Episode.step_rows()``) of a traced episode.
        episode: The ``episode`` number to draw (default: the first in the table).

    Returns:
        A Gantt-like chart: bars from ``start_s`` for ``latency_s``.
    """
    s = steps if isinstance(steps, pd.DataFrame) else pd.DataFrame(list(steps))
    if "episode" in s.columns:
        s = s[s["episode"] == (s["episode"].iloc[0] if episode is None else episode)]
    if s.empty or "tainted" not in s.columns:
        raise ValueError("steps: need the steps of one traced episode (with a 'tainted' column)")
    tainted = s["tainted"].fillna(False).astype(bool)
    s = s.assign(
        whence=s["derived_from"].fillna("").map(lambda d: ", ".join(map(_short, d.split(",")))),
        group=["person" if k == "human" else "tainted" if t else "clean"
               for k, t in zip(s["kind"], tainted, strict=True)],
    )  # fmt: skip
    lanes = [n for n in NODE_ORDER if n in set(s["node"])]
    lanes += sorted(set(s["node"]) - set(lanes))
    fig = go.Figure()
    style = {"clean": ("clean", CLEAN), "tainted": ("tainted (derived from a root error)", WRONG),
             "person": ("a person answers", PERSON)}  # fmt: skip
    add_step_bars(
        fig, s, lane="node",
        groups=[(*style[str(g)], part) for g, part in s.groupby("group", sort=False)],
        custom=["step", "decision", "whence"],
        hover="step %{customdata[0]}: %{customdata[1]}<br>derived from: %{customdata[2]}"
        "<br>%{x:.1f} s<extra></extra>",
        label_roots=True,
    )  # fmt: skip
    bad, end = s[tainted], float((s["start_s"] + s["latency_s"]).max())
    title = (f"{s['request_id'].iloc[0]}: {len(bad)} of {len(s)} steps tainted, "
             f"{bad['latency_s'].sum():.0f} of {end:.0f} s, {usd_text(usd_total(bad['cost_usd']))} "
             f"of {usd_text(usd_total(s['cost_usd']))}")  # fmt: skip
    return _layout(
        fig, title, barmode="overlay", height=200 + 45 * len(lanes),
        xaxis_title="virtual clock (s)", legend={"orientation": "h", "y": -0.25},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": lanes[::-1]},
    )  # fmt: skip


def add_step_bars(
    fig: go.Figure,
    steps: pd.DataFrame,
    *,
    lane: str,
    groups: Sequence[tuple[str, str, pd.DataFrame]],
    custom: list[str],
    hover: str,
    label_roots: bool = False,
) -> None:
    """Steps as bars on the virtual clock, one trace per ``(name, color, rows)`` group, in
    lanes by the ``lane`` column, then an X on every root error (a trace of its own, after
    the groups'). The taint timeline and the run stepper draw their steps with it."""
    for name, color, part in groups:
        fig.add_bar(
            y=part[lane], x=part["latency_s"], base=part["start_s"], orientation="h",
            name=name, marker_color=color, customdata=part[custom], hovertemplate=hover,
        )  # fmt: skip
    roots = steps[steps["root_error"].fillna(False).astype(bool)]
    fig.add_scatter(
        y=roots[lane], x=roots["start_s"] + roots["latency_s"] / 2,
        mode="markers+text" if label_roots else "markers", name="root error",
        marker={"symbol": "x", "size": 14, "color": ROOT},
        text=[f"root error: {d}" for d in roots["decision"]] if label_roots else None,
        textposition="top center",
    )  # fmt: skip


def taint_flow(episode: Episode | Provenance) -> go.Figure:
    """The artifacts of one episode as a layered graph, from the root error to the outcome.

    Columns are the steps that produced each artifact (time runs left to right); rows are
    kinds: inputs (the request, a person's corrections, long-term memory), plans, tool
    calls, tool results, memory notes, and the outcome row (answer, review, summary). Lines
    follow ``derived_from``. A layered graph reads better than a Sankey here: each artifact
    keeps its own node (about 35 for the Washington trip) and its place in time; only the
    long-term memory notes are collapsed into one input node, since hundreds of them would
    bury the rest. Orange: tainted; black X: root error; ringed: part of the outcome; open
    grey: a plan a person corrected before it was used. Introduced in notebook 03.

    Args:
        episode: An ``Episode`` (its records place a person's corrections in time) or
            its ``provenance``.

    Returns:
        The edges (clean, tainted) and one scatter of nodes per state.
    """
    prov = episode.provenance if isinstance(episode, Episode) else episode
    if prov is None:
        raise ValueError("episode: it has no provenance (was it traced?)")
    records = episode.records if isinstance(episode, Episode) else []
    # a person's corrections, in order (a "yes" adds no message), placed at their step
    humans = iter(r.index for r in records if r.kind == "human" and not is_yes(r.decision))
    row = {kind: len(LANES) - 1 - i for i, kinds in enumerate(LANES.values()) for kind in kinds}
    key = {a: "memory" if a.startswith("memory#") else a for a in prov.artifacts}
    nodes: dict[str, dict[str, Any]] = {}
    taken: dict[tuple[float, int], int] = {}
    for aid, a in prov.artifacts.items():
        if key[aid] in nodes:
            nodes[key[aid]]["count"] += 1
            continue
        x = a.step if a.step is not None else next(humans, -1) if aid[:6] == "human#" else -1
        y = row.get(a.kind, 0)
        i = taken[(x, y)] = taken.get((x, y), -1) + 1  # parallel calls sit one under another
        nodes[key[aid]] = {"x": x, "y": y - 0.25 * i, "art": a, "count": 1}
    fig = go.Figure()
    for tainted in (False, True):
        pairs = [(nodes[key[p]], nodes[key[aid]]) for aid, a in prov.artifacts.items()
                 if a.tainted == tainted for p in a.derived_from]  # fmt: skip
        fig.add_scatter(
            x=[v for p, c in pairs for v in (p["x"], c["x"], None)],
            y=[v for p, c in pairs for v in (p["y"], c["y"], None)], mode="lines",
            line={"width": 1, "color": WRONG if tainted else "#BBBBBB"}, hoverinfo="skip",
            showlegend=False,
        )  # fmt: skip
    style = {"clean": (CLEAN, "circle", 11), "tainted": (WRONG, "circle", 11),
             "root error": (ROOT, "x", 16), "withdrawn": (GREY, "circle-open", 11)}  # fmt: skip
    for name, (color, symbol, size) in style.items():
        part = [(k, n) for k, n in nodes.items() if _state(n["art"]) == name]
        if part:
            fig.add_scatter(
                x=[n["x"] for _, n in part], y=[n["y"] for _, n in part], mode="markers",
                name=name, customdata=[_hover(k, n) for k, n in part],
                marker={"color": color, "symbol": symbol, "size": size, "line": {
                    "width": [3 if k in prov.outcome else 0 for k, _ in part], "color": "#333"}},
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>derived from: "
                "%{customdata[2]}<extra></extra>",
            )  # fmt: skip
    roots = [n for n in nodes.values() if n["art"].root]
    for n in roots:
        fig.add_annotation(x=n["x"], y=n["y"], text=f"root error ({n['art'].kind})",
                           ax=30, ay=-30, font={"color": ROOT})  # fmt: skip
    bad = sum(a.tainted and not a.root for a in prov.artifacts.values())
    return _layout(
        fig, f"{len(roots)} root error(s), {bad} tainted artifacts of {len(prov.artifacts)}",
        "ringed: the outcome (standing bookings and the answer)", height=480,
        xaxis={"title": "step that produced the artifact (inputs at -1)", "zeroline": False},
        yaxis={"tickvals": list(range(len(LANES))), "ticktext": list(LANES)[::-1],
               "range": [-0.8, len(LANES) - 0.5]}, legend={"orientation": "h", "y": -0.2},
    )  # fmt: skip


def _state(a: Artifact) -> str:
    if a.root or a.tainted:
        return "root error" if a.root else "tainted"
    return "withdrawn" if a.withdrawn else "clean"


def _hover(key: str, node: dict[str, Any]) -> list[str]:
    a = node["art"]
    name = f"{node['count']} long-term memory notes" if key == "memory" else _short(key)
    return [name, a.text[:120].replace("<", "&lt;"), ", ".join(map(_short, a.derived_from))]


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
    for values, g in groups:
        label = " / ".join(map(str, values))
        my, hy = _mean_ci(g[y])
        xs = (100 * (usd_mean(g["cost_usd"]) - usd_mean(base["cost_usd"])), g["human_s"].mean())
        for col, mx in enumerate(xs, 1):
            fig.add_scatter(
                x=[mx], y=[my], error_y={"array": [hy], "thickness": 1}, mode="markers",
                name=label, legendgroup=label, showlegend=col == 1, row=1, col=col,
                marker={"size": 13, "color": PALETTE[levels[0].index(values[0]) % 7],
                        "symbol": symbols[levels[-1].index(values[-1]) % 6]},
                hovertemplate=f"{label}: %{{x:.2f}}, %{{y:.2f}} ({len(g)} episodes)<extra></extra>",
            )  # fmt: skip
    fig.add_hline(y=float(base[y].mean()), line={"dash": "dot", "color": REFERENCE})
    note_unpriced(fig, episodes, row=1, col=1)
    fig.update_xaxes(title_text="US cents per episode, vs baseline", row=1, col=1)
    fig.update_xaxes(title_text="seconds per episode", row=1, col=2)
    fig.update_yaxes(title_text=f"{y.replace('_', ' ')} per episode", rangemode="tozero",
                     row=1, col=1)  # fmt: skip
    return _layout(fig, "What each checkpoint policy contains, and what it costs",
                   "dotted: the baseline; whiskers: 95% over episodes", height=480,
                   legend_title_text=" / ".join(by))  # fmt: skip


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
            hovertemplate="%{y:.2f} (%{customdata} episodes)<extra></extra>",
        )  # fmt: skip
    top = float(x.max()) if len(x) else 1.0
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", line={"dash": "dot", "color": REFERENCE},
                    row=1, col=1, hoverinfo="skip")  # fmt: skip
    fig.update_yaxes(title_text="decisions", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="US cents", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title_text="decisions after the first root error (bin mean)", row=2, col=1)
    note_unpriced(fig, d, row=2, col=1)
    return _layout(fig, "The later an error is found, the more it poisons",
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
    return _layout(
        fig, "Reflection catches fewer slips as the context grows", height=440,
        xaxis={"title": f"{x.replace('_', ' ')} (and mean input tokens per decision)",
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
        hovertemplate="k=%{x}: %{y:.2f} of %{customdata} episodes<extra></extra>",
    )  # fmt: skip
    p = float(c["independent"].iloc[0])
    fig.add_scatter(x=c["k"], y=c["independent"], mode="lines", name=f"independent: {p:.2f}^k",
                    line={"dash": "dash", "color": WRONG})  # fmt: skip
    kk = list(range(1, max(*ks, int(c["k"].max())) + 1))
    fig.add_scatter(x=kk, y=[p_ref**k for k in kk], mode="lines", name=f"{p_ref}^k",
                    line={"dash": "dot", "color": REFERENCE, "width": 1})  # fmt: skip
    fig.add_scatter(
        x=list(ks), y=[p_ref**k for k in ks], mode="markers+text", name="reference points",
        marker={"symbol": "diamond", "size": 11, "color": REFERENCE},
        text=[f"{p_ref}^{k} = {p_ref**k:.2f}" for k in ks], textposition="top left",
    )  # fmt: skip
    note = "marker size: episodes with at least k decisions (long chains are selected episodes)"
    return _layout(fig, "Small error rates compound over a chain", note, height=440,
                   xaxis_title="k (decisions in the chain)",
                   yaxis={"title": "share intact", "range": [0, 1.05]})  # fmt: skip


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
    fig.add_scatter(x=pass_df["k"], y=pass_df["pass_k"], mode="lines+markers",
                    name="lab: pass^k", line={"color": CLEAN})  # fmt: skip
    fig.add_scatter(x=pass_df["k"], y=pass_df["constant_p"], mode="lines",
                    name="lab if p were the same for every task",
                    line={"dash": "dash", "color": WRONG})  # fmt: skip
    ks, (p1, p8) = list(TAU_BENCH_RETAIL), TAU_BENCH_RETAIL.values()
    fig.add_scatter(
        x=ks, y=[p1, p8], mode="markers+text", name="tau-bench, gpt-4o retail",
        marker={"symbol": ["circle", "triangle-down"], "size": 12, "color": REFERENCE},
        text=[f"pass^1 ≈ {p1:.2f}", f"pass^8 < {p8:.2f}"],
        textposition=["bottom right", "top left"],
    )  # fmt: skip
    kk = list(range(1, max(8, int(pass_df["k"].max())) + 1))
    fig.add_scatter(x=kk, y=[p1**k for k in kk], mode="lines", name=f"tau-bench if constant: "
                    f"{p1}^k", line={"dash": "dot", "color": REFERENCE, "width": 1})  # fmt: skip
    note = "tau-bench: Yao et al. 2024, arXiv 2406.12045 (another task, agent and model)"
    return _layout(fig, "Doing it right every time is much harder than once", note,
                   height=440, xaxis_title="k (trials of the same task)",
                   yaxis={"title": "pass^k", "range": [0, 1.05]})  # fmt: skip
