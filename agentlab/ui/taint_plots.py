"""Figures of one episode's propagated errors: its tainted steps and its artifacts' flow.

``taint_timeline`` draws an episode's steps on the virtual clock, tainted work in orange and
root errors marked; ``taint_flow`` draws its artifacts as a layered graph, from the root
error to the outcome, following ``derived_from`` (``agentlab.measure.provenance``). Each returns a
``plotly.graph_objects.Figure`` and displays nothing. ``add_step_bars`` is how the taint
timeline and the run stepper (``agentlab.ui.explorer``) draw steps. Notebooks find the
figures as ``error_plots.taint_timeline`` and ``error_plots.taint_flow``.

Introduced in notebook 03 (`03_failure_propagation.ipynb`); each function names its notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from agentlab.graphs.checkpoints import is_yes
from agentlab.measure.artifacts import Artifact, Provenance
from agentlab.measure.costs import usd_text, usd_total
from agentlab.run.episode import Episode
from agentlab.ui.plot_base import PALETTE, WRONG, titled_layout

CLEAN, PERSON, ROOT, GREY = PALETTE[0], PALETTE[3], "#000000", "#999999"
NODE_ORDER = ("clarify", "plan", "act", "tools", "remember", "reflect", "verify")
LANES = {"inputs": ("request", "memory"), "plan": ("plan",), "tool calls": ("tool_call",),
         "tool results": ("tool_result",), "memory notes": ("memory_note",),
         "outcome": ("answer", "review", "summary")}  # fmt: skip


def _short(aid: str) -> str:
    """``result:call_3513c3f1045325d4`` -> ``result:…25d4``."""
    kind, _, rest = aid.partition(":")
    return f"{kind}:…{rest[-4:]}" if rest.startswith("call_") else aid


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
    return titled_layout(
        fig, title, barmode="overlay", height=200 + 45 * len(lanes),
        xaxis_title="virtual clock (s)", legend={"orientation": "h", "y": -0.25},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": lanes[::-1],
               "title": "graph node"},
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
        textposition="top center", customdata=roots["decision"],
        hovertemplate="root error: %{customdata} at %{x:.1f} s<extra></extra>",
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
    return titled_layout(
        fig, f"How {len(roots)} root error(s) spread: {bad} of {len(prov.artifacts)} artifacts "
        "tainted", "ringed: the outcome (standing bookings and the answer)", height=480,
        xaxis={"title": "step that produced the artifact (inputs at -1)", "zeroline": False},
        yaxis={"tickvals": list(range(len(LANES))), "ticktext": list(LANES)[::-1],
               "range": [-0.8, len(LANES) - 0.5], "title": "artifact kind"},
        legend={"orientation": "h", "y": -0.2},
    )  # fmt: skip


def _state(a: Artifact) -> str:
    if a.root or a.tainted:
        return "root error" if a.root else "tainted"
    return "withdrawn" if a.withdrawn else "clean"


def _hover(key: str, node: dict[str, Any]) -> list[str]:
    a = node["art"]
    name = f"{node['count']} long-term memory notes" if key == "memory" else _short(key)
    return [name, a.text[:120].replace("<", "&lt;"), ", ".join(map(_short, a.derived_from))]
