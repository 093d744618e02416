"""Small multiples of a wide table: one panel per measure, each with its own y axis in words.

Notebooks 07 and 08 set several measures side by side (coordination tokens, tools bound,
input tokens per decision, each against the rung of a ladder or the team size) by melting
a table into ``measure``/``value`` columns for ``px.line(..., facet_col="measure")``; that
leaves every y axis titled ``value`` (or untitled) and every facet ``measure=...``.
``measure_panels`` draws the same picture from the wide table, with each panel titled, each
y axis in its unit, hovers rounded in that unit, and the x axis and legend in words.

For notebooks 07 (`07_horizontal_vs_vertical.ipynb`) and 08 (`08_architectures_vs_paper.ipynb`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from agentlab.ui.plot_base import (
    PALETTE,
    REFERENCE,
    axis_label,
    hover_value,
    titled_layout,
    value_label,
)

AXES = {"s": "seconds", "share": "share of episodes"}  # a unit's y axis title, if not itself


def measure_panels(
    table: pd.DataFrame,
    measures: Mapping[str, tuple[str, str]],
    *,
    x: str,
    title: str,
    color: str | None = None,
    kind: Literal["line", "bar"] = "line",
    wrap: int = 3,
    reference: float | None = None,
    note: str = "",
) -> go.Figure:
    """One panel per measure of a wide table, each titled, its y axis in its own unit.

    Args:
        table: One row per value of ``x`` (and of ``color``); ``x`` and ``color`` may be
            columns or index levels.
        measures: Column -> (panel title, unit), in the order drawn. The unit titles the y
            axis and rounds the hover (``plot_base.hover_value``): "tokens", "US$",
            "US cents", "s", "%", "share" (ticked in percent), or a word ("tools",
            "x single agent").
        x: The column on the x axis, titled with ``plot_base.axis_label``.
        title: What the figure shows.
        color: A column whose values get one line (or bar) each, named in the legend.
        kind: Lines with markers, or grouped bars.
        wrap: Panels per row.
        reference: A dotted horizontal line on every panel (1 for a ratio, say).
        note: A subtitle.

    Returns:
        A figure of ``len(measures)`` panels.

    Example:
        >>> t = pd.DataFrame({"agents": [1, 2, 3], "coordination_tokens": [0, 900, 2100],
        ...                   "most_tools": [12, 6, 4]}).set_index("agents")
        >>> fig = measure_panels(t, {"coordination_tokens": ("coordination", "tokens"),
        ...                          "most_tools": ("tools bound, most per agent", "tools")},
        ...                      x="agents", title="Coordination up, tools per agent down")
        >>> fig.layout.yaxis.title.text, fig.layout.yaxis2.title.text
        ('tokens', 'tools')
    """
    levels = [n for n in table.index.names if n is not None]
    t = table.reset_index() if {x, color} & set(levels) else table
    missing = [c for c in (x, color, *measures) if c is not None and c not in t.columns]
    if missing:
        raise ValueError(f"columns {missing} not in the table; columns: {', '.join(t.columns)}")
    cols = max(1, min(wrap, len(measures)))
    rows = math.ceil(len(measures) / cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.1,
                        vertical_spacing=0.35 / rows if rows > 1 else 0.1,
                        subplot_titles=[panel for panel, _ in measures.values()])  # fmt: skip
    groups = [(None, t)] if color is None else list(t.groupby(color, sort=False))
    for k, (column, (panel, unit)) in enumerate(measures.items()):
        row, col = k // cols + 1, k % cols + 1
        for i, (value, part) in enumerate(groups):
            name = panel if value is None else value_label(value)
            kw = {"x": part[x], "y": part[column], "name": name, "legendgroup": name,
                  "showlegend": color is not None and k == 0, "marker_color": PALETTE[i % 7],
                  "hovertemplate": f"{axis_label(x)}: %{{x}}<br>{hover_value(unit)}"
                  f"<extra>{name if color else ''}</extra>", "row": row, "col": col}  # fmt: skip
            if kind == "bar":
                fig.add_bar(**kw)
            else:
                fig.add_scatter(mode="lines+markers", line_color=PALETTE[i % 7], **kw)
        share = {"tickformat": ".0%"} if unit == "share" else {}
        fig.update_yaxes(title_text=AXES.get(unit, unit), rangemode="tozero", row=row, col=col,
                         **share)  # fmt: skip
        fig.update_xaxes(title_text=axis_label(x), row=row, col=col)
        if reference is not None:
            fig.add_hline(y=reference, line={"dash": "dot", "color": REFERENCE}, row=row, col=col)
    return titled_layout(
        fig, title, note, height=140 + 300 * rows, barmode="group", showlegend=color is not None,
        legend_title_text=axis_label(color) if color else "",
    )  # fmt: skip
