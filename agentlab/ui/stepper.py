"""One episode step by step: ``RunStepper`` (agent, node, decision, tokens, taint) on a
timeline that highlights the current step.

    RunStepper(al.run_episode(al.EpisodeConfig(seed=3)))   # show it: the last expression

Introduced in notebook 06 (`06_capability_placement.ipynb`), beside the placement explorer
(``agentlab.ui.explorer``).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go
from IPython.display import display
from plotly.graph_objects import Figure

from agentlab.measure.costs import usd_text
from agentlab.run.episode import Episode
from agentlab.ui.plot_base import TEMPLATE, WRONG
from agentlab.ui.taint_plots import CLEAN, ROOT, add_step_bars


class RunStepper:
    """Walk one episode step by step: who acted, what it decided, and what was tainted.

    Args:
        episode: An ``Episode`` (e.g. ``run_episode(config)``), or the ``steps`` rows of one.

    Next / Previous and the slider move through the steps; ``.go(i)``, ``.next()`` and
    ``.previous()`` do the same from code. ``.row`` is the current step's row of the
    ``steps`` table, ``.rows`` all of them, ``.figure`` the timeline.

    Example:
        >>> import agentlab as al
        >>> s = RunStepper(al.run_episode(al.EpisodeConfig(seed=0)))
        >>> s.next().index, s.row["step"]
        (1, 1)
    """

    COLUMNS = ("step", "agent", "node", "kind", "decision", "tokens_in", "tokens_out",
               "tainted", "root_error")  # fmt: skip

    def __init__(self, episode: Episode | pd.DataFrame | list[dict[str, Any]]) -> None:
        rows = episode.step_rows() if isinstance(episode, Episode) else episode
        self.rows = pd.DataFrame(rows).reset_index(drop=True)
        if self.rows.empty or "tainted" not in self.rows.columns:
            raise ValueError("RunStepper: need a traced episode with at least one step")
        s = self.rows
        s["lane"] = s["agent"].where(s["agent"].astype(bool), s["node"])
        self.index = 0
        self.previous_button = widgets.Button(description="◀ Previous")
        self.next_button = widgets.Button(description="Next ▶", button_style="primary")
        self.slider = widgets.IntSlider(0, 0, len(s) - 1, description="step")
        self.detail = widgets.HTML(layout={"margin": "0 24px 0 0"})
        self.neighbours = widgets.HTML()
        self.previous_button.on_click(lambda _: self.previous())
        self.next_button.on_click(lambda _: self.next())
        self.slider.observe(lambda c: c["new"] != self.index and self.go(c["new"]), names="value")
        self.figure = go.FigureWidget(self._timeline())
        self.box = widgets.VBox(
            [widgets.HBox([self.previous_button, self.next_button, self.slider]),
             widgets.HBox([self.detail, self.neighbours]), self.figure]
        )  # fmt: skip
        self.go(0)

    @property
    def row(self) -> dict[str, Any]:
        """The current step's row (plain Python values)."""
        row = self.rows.iloc[self.index].to_dict()
        return {str(k): v.item() if hasattr(v, "item") else v for k, v in row.items()}

    def go(self, index: int) -> RunStepper:
        """Show step ``index`` (0-based position in the episode's steps)."""
        self.index = max(0, min(int(index), len(self.rows) - 1))
        self.slider.value = self.index  # the slider's observer sees nothing new
        self.previous_button.disabled = self.index == 0
        self.next_button.disabled = self.index == len(self.rows) - 1
        r = self.row
        state = "clean"
        if r["tainted"] or r["root_error"]:
            what = "root error" if r["root_error"] else "tainted"
            state = f"<b style='color:{ROOT if r['root_error'] else WRONG}'>{what}</b>"
        facts = {
            "step": f"{self.index + 1} of {len(self.rows)} (#{r['step']})",
            "agent": r["agent"] or "-", "node": r["node"], "kind": r["kind"],
            "decision": r["decision"], "tokens in / out": f"{r['tokens_in']} / {r['tokens_out']}",
            "cost": usd_text(r["cost_usd"], 5), "latency": f"{r['latency_s']:.2f} s",
            "correct": r.get("correct"), "taint": state,
            "derived from": r.get("derived_from") or "-",
        }  # fmt: skip
        cells = "".join(
            f"<tr><td>{k}</td><td>{v if k == 'taint' else _esc(v)}</td></tr>"
            for k, v in facts.items()
        )
        self.detail.value = f"<table class='agentlab-step'>{cells}</table>"
        lo = max(0, self.index - 3)
        near = self.rows.iloc[lo : self.index + 4]
        head = "".join(f"<th>{c}</th>" for c in self.COLUMNS)
        body = "".join(
            f"<tr style='{'outline:2px solid #000;font-weight:bold;' if i == self.index else ''}"
            f"{f'color:{WRONG}' if row['tainted'] else ''}'>"
            + "".join(f"<td>{_esc(row[c])}</td>" for c in self.COLUMNS) + "</tr>"
            for i, row in near.iterrows()
        )  # fmt: skip
        self.neighbours.value = f"<table><tr>{head}</tr>{body}</table>"
        with self.figure.batch_update():
            mark = self.figure.data[-1]
            mark.x, mark.base, mark.y = [r["latency_s"]], [r["start_s"]], [r["lane"]]
        return self

    def next(self) -> RunStepper:
        """Move one step forward (stays on the last)."""
        return self.go(self.index + 1)

    def previous(self) -> RunStepper:
        """Move one step back (stays on the first)."""
        return self.go(self.index - 1)

    def _timeline(self) -> Figure:
        s = self.rows
        tainted = s["tainted"].fillna(False).astype(bool)
        fig = go.Figure()
        add_step_bars(
            fig, s, lane="lane",
            groups=[("clean", CLEAN, s[~tainted]), ("tainted", WRONG, s[tainted])],
            custom=["step", "node", "decision"],
            hover="step %{customdata[0]} (%{customdata[1]}): %{customdata[2]}<extra></extra>",
        )  # fmt: skip
        fig.add_bar(
            y=[None], x=[None], base=[None], orientation="h", name="current step",
            marker={"color": "rgba(0,0,0,0)", "line": {"color": ROOT, "width": 3}},
        )  # fmt: skip
        lanes = list(dict.fromkeys(s["lane"]))
        return fig.update_layout(
            template=TEMPLATE, barmode="overlay", height=160 + 40 * len(lanes),
            xaxis_title="virtual clock (s)", margin={"t": 30},
            yaxis={"type": "category", "categoryorder": "array", "categoryarray": lanes[::-1]},
            legend={"orientation": "h", "y": -0.3},
        )  # fmt: skip

    def _ipython_display_(self) -> None:
        display(self.box)


def _esc(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape("-" if value is None else str(value))
