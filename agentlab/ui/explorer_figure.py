"""The placement explorer's figure: four panels, the previous design beside the current
one, every bar with its 95% interval over the questions and seeds.

``numbers`` is one design's row: cost per correct answer, latency, escaped errors per
episode and success, each with ``{column}_lo``/``_hi`` from ``team_plots.interval_columns``
(a cluster bootstrap, ``agentlab.measure.intervals``) once the design has at least
``intervals.MIN_QUESTIONS`` questions; ``draw`` puts two such rows in the figure, the
whiskers drawn by ``plot_base.whiskers``. Nothing is rebuilt: the traces of one
``FigureWidget`` are updated in place.

Introduced in notebook 06 (`06_capability_placement.ipynb`), with the explorer.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from plotly.graph_objects import Figure, FigureWidget
from plotly.subplots import make_subplots

from agentlab.measure import intervals
from agentlab.measure.costs import usd_text, usd_total
from agentlab.measure.pricing import UNPRICED
from agentlab.ui.plot_base import PALETTE, TEMPLATE, whiskers
from agentlab.ui.team_plots import interval_columns

METRICS = ("¢ per correct answer", "latency (s)", "escaped errors per episode", "success (%)")
UNITS = ("US cents", "seconds", "errors per episode", "% of episodes")  # each panel's y axis
# each panel's column of the numbers (US$, seconds, errors, a fraction), its metric for the
# bootstrap, and the scale it is shown at (cents, percent)
COLUMNS = ("cost_per_success_usd", "latency_s", "errors_escaped", "success")
BOOTSTRAP: tuple[intervals.Metric, ...] = (
    intervals.COST_PER_SUCCESS,
    "latency_s",
    "errors_escaped",
    "success",
)
SCALES = (100.0, 1.0, 1.0, 100.0)
SIDES = ("previous", "now")
BEFORE, NOW = "#BBBBBB", PALETTE[0]


def numbers(episodes: pd.DataFrame) -> pd.DataFrame:
    """One design's row of the figure's numbers (``COLUMNS``), with ``wins``,
    ``episodes`` and ``questions``, and 95% intervals once it has enough questions.

    Example:
        >>> e = pd.DataFrame({"request_id": ["a", "b", "c", "d"], "seed": 0,
        ...                   "success": [1, 1, 0, 1], "cost_usd": 0.01,
        ...                   "latency_s": 2.0, "errors_escaped": [0, 0, 1, 0]})
        >>> row = numbers(e).iloc[0]
        >>> round(float(row.cost_per_success_usd), 4), float(row.success), "success_lo" in row
        (0.0133, 0.75, True)
    """
    wins = int(episodes["success"].sum())
    row = pd.DataFrame(
        {
            "cost_per_success_usd": usd_total(episodes["cost_usd"]) / wins if wins else math.nan,
            "latency_s": float(episodes["latency_s"].mean()),
            "errors_escaped": float(episodes["errors_escaped"].mean()),
            "success": float(episodes["success"].mean()),
            "wins": wins,
            "episodes": len(episodes),
            "questions": episodes["request_id"].nunique(),
        },
        index=["design"],
    )
    if row["questions"].iloc[0] < intervals.MIN_QUESTIONS:
        return row
    metrics = [(c, m, None) for c, m in zip(COLUMNS, BOOTSTRAP, strict=True)]
    ci = interval_columns(episodes.assign(design="design"), by="design", metrics=metrics)
    return row.join(ci)


def scores(episodes: pd.DataFrame) -> list[float | None]:
    """The four numbers plotted, in the order and units of ``METRICS`` (None: no success)."""
    row = numbers(episodes).iloc[0]
    shown: list[float | None] = [s * float(row[c]) for c, s in zip(COLUMNS, SCALES, strict=True)]
    return [None, *shown[1:]] if row["wins"] == 0 else shown


def bar_text(v: float | None, i: int) -> str:
    """A bar's label: "n/a" when nothing succeeded, "unpriced" for an unknown cost."""
    if v is not None and math.isnan(v):
        return UNPRICED if i == 0 else "n/a"
    if v is None:
        return "n/a"
    return f"{v:.2f}" if i in (0, 2) else f"{v:.1f}" if i == 1 else f"{v:.0f}"


def _listed(values: pd.Series) -> list[float | None]:
    """Plotly arrays: NaN (no whisker, no bar) as None."""
    return [None if v != v else float(v) for v in values]


def empty_figure() -> Figure:
    """Four panels of two bars each (previous, now), with room for whiskers."""
    fig = make_subplots(rows=1, cols=len(METRICS), subplot_titles=METRICS)
    for i in range(len(METRICS)):
        fig.add_bar(
            x=list(SIDES), y=[None, None], marker_color=[BEFORE, NOW], textposition="outside",
            cliponaxis=False, row=1, col=i + 1, hovertemplate="%{hovertext}<extra></extra>",
            error_y={"type": "data", "symmetric": False, "color": "#444", "thickness": 1.2},
        )  # fmt: skip
        fig.update_yaxes(title_text=UNITS[i], title_standoff=4, row=1, col=i + 1)
    fig.update_xaxes(title_text="design")
    title = "The previous design (grey) beside this one (blue); whiskers: 95% intervals"
    return fig.update_layout(
        template=TEMPLATE, height=360, width=900, showlegend=False, title=title,
        margin={"t": 80, "b": 40, "l": 50, "r": 20},
    )  # fmt: skip


def draw(figure: FigureWidget, before: pd.DataFrame | None, now: pd.DataFrame) -> pd.DataFrame:
    """Update the figure's bars, labels, whiskers and hover texts in place from two rows of
    ``numbers`` (``before`` None: nothing yet), in one restyle of its four traces; the two
    rows, as ``previous`` and ``now``."""
    rows = [before, now]
    t = pd.concat([r if r is not None else pd.DataFrame(index=["design"]) for r in rows])
    t = t.set_axis(list(SIDES))
    style: dict[str, list[object]] = {}
    for i, col in enumerate(COLUMNS):
        y = SCALES[i] * t[col].astype(float)
        text = [
            "" if r is None else bar_text(None if i == 0 and not r["wins"].iloc[0] else v, i)
            for r, v in zip(rows, y.tolist(), strict=True)
        ]
        err = whiskers(t, col, SCALES[i])  # None: too few questions for an interval
        for key, value in (
            ("y", _listed(y.fillna(0))),
            ("text", text),
            (
                "hovertext",
                [_hover(t, side, col, i, s) for side, s in zip(SIDES, text, strict=True)],
            ),
            ("error_y.visible", err is not None),
            ("error_y.array", _listed(err["array"]) if err else [None, None]),  # type: ignore[arg-type]
            ("error_y.arrayminus", _listed(err["arrayminus"]) if err else [None, None]),  # type: ignore[arg-type]
        ):
            style.setdefault(key, []).append(value)
    figure.plotly_restyle(style, trace_indexes=list(range(len(COLUMNS))))
    return t


def _hover(t: pd.DataFrame, side: str, col: str, i: int, shown: str) -> str:
    """What hovering over a bar says: its value, its interval, its questions."""
    if not shown:
        return f"{side}: nothing yet"
    span = ""
    if f"{col}_lo" in t:
        lo, hi = (SCALES[i] * float(t[f"{col}_{end}"].loc[side]) for end in ("lo", "hi"))
        if not (math.isnan(lo) or math.isnan(hi)):
            span = f", 95% interval {bar_text(lo, i)} to {bar_text(hi, i)}"
    return f"{side}: {shown}{span} ({int(t['questions'].loc[side])} questions)"


def readout_html(config: Any, agents: int, e: pd.DataFrame, sweep: int, status: str) -> str:
    """The line under the explorer's controls: a design's numbers as run so far, with where
    its runs came from (``status``) and whether its bars carry whiskers."""
    coordination = 100 * e["coordination_tokens"].sum() / max(1, e["tokens_in"].sum())
    questions = e["request_id"].nunique()
    bars = (
        f"whiskers: 95% intervals over {questions} questions"
        if questions >= intervals.MIN_QUESTIONS
        else f"no whiskers: {questions} questions, an interval needs {intervals.MIN_QUESTIONS}"
    )
    return (
        f"<span class='agentlab-readout'>{config.architecture}, "
        f"{agents} agents, {config.tools} tools in scope: "
        f"{int(e['success'].sum())} of {len(e)} correct, "
        f"{usd_text(usd_total(e['cost_usd']))} in all, {coordination:.0f}% of input tokens on "
        f"coordination, escaped errors: {int(e['errors_escaped'].sum())} "
        f"(sweep {sweep}: {status}; {bars})</span>"
    )
