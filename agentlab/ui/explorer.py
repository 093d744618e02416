"""Widgets to explore team designs: where each capability lives, and one run step by step.

``PlacementExplorer``: a toggle per capability (its own agent, or embedded in a host),
sliders for the handoff budget and the team size, an architecture menu. Every change
re-runs a small sweep on the simulated model and updates in place the team (a table and its
Mermaid diagram, drawn offline) and one plotly ``FigureWidget``: cost per correct answer,
latency, escaped errors and success, the previous design beside the current one.
A design seen before is not run again: its sweep is kept (``.memo``), so going back to it
redraws at once. ``RunStepper`` (``agentlab.ui.stepper``, importable from here too) shows
one episode step by step (agent, node, decision, tokens, taint).

    ex = PlacementExplorer(seeds=range(12))   # show it: the last expression of a cell
    ex.set("fact_check", "analyst")           # as a click would; ex.results has the tables
    RunStepper(ex.episode(seed=3))            # one of those runs, step by step

Introduced in notebook 06 (`06_capability_placement.ipynb`).
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go
from IPython.display import display
from plotly.graph_objects import Figure
from plotly.subplots import make_subplots

from agentlab.applies import HANDED_OFF, PLACED, SIZED
from agentlab.config import ARCHITECTURES, EpisodeConfig
from agentlab.graphs.team import TeamSpec, build_team
from agentlab.measure.costs import usd_text, usd_total
from agentlab.measure.pricing import UNPRICED
from agentlab.run.runner import Episode, Results, grid, run_episodes
from agentlab.run.team_runner import DEDICATED, DEFAULT_PLACEMENT, run_team_episode, team_for
from agentlab.serve.models import make_model
from agentlab.ui.draw import mermaid
from agentlab.ui.plot_base import PALETTE, TEMPLATE
from agentlab.ui.stepper import RunStepper
from agentlab.world.capabilities import NONE, ORDER, Capability, capabilities

EMBED_IN = {"refine_query": "retriever", "retrieve": "analyst", "rank_filter": "retriever",
            "synthesize": "retriever", "fact_check": "analyst"}  # fmt: skip  # each toggle's host
LABELS = {"refine_query": "refine query", "retrieve": "retrieve", "rank_filter": "rank & filter",
          "synthesize": "synthesize", "fact_check": "fact-check"}  # fmt: skip
METRICS = ("¢ per correct answer", "latency (s)", "escaped errors", "success (%)")
BEFORE, NOW = "#BBBBBB", PALETTE[0]
__all__ = ["METRICS", "PlacementExplorer", "RunStepper"]


def _places(name: str, caps: dict[str, Capability] | None) -> list[tuple[str, str]]:
    """A toggle's choices: own agent, embedded in its host, left out (if optional)."""
    host, optional = EMBED_IN[name], (caps or capabilities())[name].optional
    embedded = [("own agent", "own"), (f"{'in' if optional else 'embedded in'} {host}", host)]
    return [*embedded, ("left out", NONE)] if optional else embedded


def _scores(episodes: pd.DataFrame) -> list[float | None]:
    """The four numbers the explorer plots, in the order of ``METRICS``."""
    wins = int(episodes["success"].sum())
    per_win = 100 * usd_total(episodes["cost_usd"]) / wins if wins else None  # NaN: unpriced
    latency, escaped = float(episodes["latency_s"].mean()), float(episodes["errors_escaped"].sum())
    return [per_win, latency, escaped, 100 * float(episodes["success"].mean())]


def _text(v: float | None, i: int) -> str:
    if v is not None and math.isnan(v):
        return UNPRICED if i == 0 else "n/a"
    return "n/a" if v is None else f"{v:.2f}" if i == 0 else f"{v:.1f}" if i == 1 else f"{v:.0f}"


class PlacementExplorer:
    """Move capabilities between their own agent and a host; watch cost, latency and errors.

    Args:
        question_ids: Research questions to run (default: one per seed, ``Q-...`` by seed).
        seeds: Seeds of the simulated model; the sweep is ``questions x seeds`` episodes.
        model: The model string of every episode (a simulated profile keeps it free).
        architecture: The starting topology (placement matters for pipeline, centralized,
            hierarchical and swarm; team size for independent, decentralized and hybrid; the
            handoff budget for all but single, independent and decentralized). A control the
            topology does not read is greyed out, and the config leaves it at its default.
        caps: Capability data instead of ``capabilities()`` (e.g. ``with_data(...)``).

    ``.set(name, value)`` changes a control as a click would and re-runs; ``.results`` is
    the latest sweep, ``.figure`` the ``FigureWidget``, ``.config`` the current
    ``EpisodeConfig``, ``.team`` its ``TeamSpec``, ``.diagram_text`` its Mermaid text.

    Example:
        >>> ex = PlacementExplorer(seeds=range(2))
        >>> ex.set("fact_check", "analyst").config.placement.endswith("fact_check=analyst")
        True
    """

    def __init__(
        self,
        question_ids: Iterable[str] | None = None,
        seeds: Iterable[int] = range(12),
        model: str = "sim:gpt-4o-mini",
        *,
        architecture: str = "centralized",
        caps: dict[str, Capability] | None = None,
    ) -> None:
        self.question_ids = list(question_ids) if question_ids is not None else None
        self.seeds, self.model, self.caps = list(seeds), model, caps
        self.results: Results | None = None
        self.team: TeamSpec  # the current team, drawn as a table and a diagram
        self.seconds = 0.0  # how long the latest sweep took (wall clock)
        self.runs = 0  # designs shown so far
        self.memo: dict[tuple[Any, ...], Results] = {}  # design (config columns) -> its sweep
        self.kept = False  # whether the latest design's sweep was kept from before
        self.diagram_text = ""
        self._previous: list[float | None] = [None] * len(METRICS)
        style = {"description_width": "95px"}
        self.toggles = {
            c: widgets.ToggleButtons(
                options=_places(c, caps),
                value="own" if DEFAULT_PLACEMENT[c] in ("own", DEDICATED[c]) else EMBED_IN[c],
                description=LABELS[c],
                style={**style, "button_width": f"{340 // len(_places(c, caps))}px"},
            )
            for c in ORDER
        }
        self.architecture = widgets.Dropdown(
            options=ARCHITECTURES, value=architecture, description="architecture", style=style
        )
        self.handoff_tokens = widgets.IntSlider(
            value=300, min=50, max=1000, step=50, description="handoff tokens",
            continuous_update=False, style={"description_width": "110px"},
        )  # fmt: skip
        self.team_size = widgets.IntSlider(
            value=3, min=2, max=6, description="researchers", continuous_update=False,
            style={"description_width": "110px"},
        )  # fmt: skip
        self.readout = widgets.HTML()
        self.agents_table = widgets.HTML()
        self.diagram = widgets.Output(layout={"min_width": "320px"})
        self.figure = go.FigureWidget(self._empty_figure())
        for w in (*self.toggles.values(), self.architecture, self.handoff_tokens, self.team_size):
            w.observe(lambda _: self._changed(), names="value")
        controls = widgets.VBox(
            [self.architecture, *self.toggles.values(), self.handoff_tokens, self.team_size],
            layout={"width": "470px"},
        )
        self.box = widgets.VBox(
            [widgets.HBox([controls, widgets.VBox([self.agents_table, self.diagram])]),
             self.readout, self.figure],
        )  # fmt: skip
        self.box.add_class("agentlab-explorer")
        self.agents_table.add_class("agentlab-team")
        self._changed()

    @property
    def config(self) -> EpisodeConfig:
        """The episode configuration the controls describe (seed 0): the controls that the
        architecture reads (the others are greyed out, and left at their defaults)."""
        arch = self.architecture.value
        read: dict[str, Any] = {}
        if arch in PLACED:
            read["placement"] = ",".join(f"{c}={self.toggles[c].value}" for c in ORDER)
        if arch in HANDED_OFF:
            read["handoff_tokens"] = self.handoff_tokens.value
        if arch in SIZED:
            read["team_size"] = self.team_size.value
        return EpisodeConfig(scenario="research", architecture=arch, model=self.model, **read)

    def set(self, name: str, value: Any) -> PlacementExplorer:
        """Change one control as a click would and re-run; returns the explorer.

        ``name`` is a capability (value ``"own"``, ``"embedded"`` or the host's name, or
        ``"none"`` for an optional one), ``"architecture"``, ``"handoff_tokens"`` or
        ``"team_size"``.
        """
        if name in self.toggles:
            host = EMBED_IN[name]
            places = ["own", "embedded", *(v for _, v in self.toggles[name].options[1:])]
            if value not in places:
                raise ValueError(f"{name}: got {value!r}; allowed: {', '.join(places)}")
            self.toggles[name].value = host if value == "embedded" else value
        elif name in ("architecture", "handoff_tokens", "team_size"):
            getattr(self, name).value = value
        else:
            allowed = ", ".join([*self.toggles, "architecture", "handoff_tokens", "team_size"])
            raise ValueError(f"set: got {name!r}; allowed: {allowed}")
        return self

    def episode(self, seed: int = 0, question_id: str | None = None) -> Episode:
        """One episode of the current design (e.g. to walk through with ``RunStepper``)."""
        return run_team_episode(self.config.with_(seed=seed, request=question_id), caps=self.caps)

    def _sweep(self) -> Results:
        """The current design's sweep: run once per design, then kept in ``.memo``."""
        key = tuple(self.config.as_row().items())
        self.kept = key in self.memo
        if not self.kept:
            self.memo[key] = self._run()
        return self.memo[key]

    def _run(self) -> Results:
        ids = self.question_ids
        extra: dict[str, Any] = {"request": ids} if ids is not None else {}
        configs = grid(self.config, seeds=self.seeds, **extra)
        if self.caps is None:
            return run_episodes(configs, progress=False)
        rows: list[dict[str, Any]] = []
        steps: list[dict[str, Any]] = []
        for i, cfg in enumerate(configs):
            ep = run_team_episode(cfg, caps=self.caps)
            rows.append({"episode": i, **ep.row()})
            steps.extend({"episode": i, **s} for s in ep.step_rows())
        return Results(pd.DataFrame(rows), pd.DataFrame(steps))

    def _changed(self) -> None:
        arch = self.architecture.value
        for t in self.toggles.values():
            t.disabled = arch not in PLACED
        self.team_size.disabled = arch not in SIZED
        self.handoff_tokens.disabled = arch not in HANDED_OFF
        self.readout.value = "<i>running…</i>"
        start = time.perf_counter()
        self.results = self._sweep()
        self.seconds, self.runs = time.perf_counter() - start, self.runs + 1
        self._draw_team()
        self._update_figure()

    def _draw_team(self) -> None:
        self.team = spec = team_for(self.config, self.caps)
        rows = "".join(
            f"<tr><td><b>{html.escape(a.name)}</b></td>"
            f"<td>{html.escape(', '.join(LABELS[c] for c in a.capabilities))}</td></tr>"
            for a in spec.agents
        )
        self.agents_table.value = (
            f"<b>{spec.topology}</b>: {len(spec.agents)} agents"
            f"<table style='border-collapse:collapse'>{rows}</table>"
        )
        graph = build_team(spec, model=make_model(self.model, seed=0), caps=self.caps)
        self.diagram_text = mermaid(graph)
        self.diagram.outputs = (
            {"output_type": "display_data", "metadata": {},
             "data": {"text/markdown": f"```mermaid\n{self.diagram_text}\n```",
                      "text/plain": self.diagram_text}},
        )  # fmt: skip

    def _empty_figure(self) -> Figure:
        fig = make_subplots(rows=1, cols=len(METRICS), subplot_titles=METRICS)
        for i in range(len(METRICS)):
            fig.add_bar(
                x=["previous", "now"], y=[None, None], marker_color=[BEFORE, NOW],
                textposition="outside", cliponaxis=False, row=1, col=i + 1,
                hovertemplate="%{x}: %{text}<extra></extra>",
            )  # fmt: skip
        return fig.update_layout(
            template=TEMPLATE, height=300, width=900, showlegend=False,
            margin={"t": 60, "b": 30, "l": 40, "r": 20},
        )  # fmt: skip

    def _update_figure(self) -> None:
        assert self.results is not None
        e = self.results.episodes
        now = _scores(e)
        with self.figure.batch_update():
            for i, trace in enumerate(self.figure.data):
                pair = [self._previous[i], now[i]]
                trace.y = [0 if v is None else v for v in pair]  # None: nothing succeeded
                first = self.runs == 1  # nothing before the first sweep
                trace.text = ["" if first else _text(pair[0], i), _text(now[i], i)]
        self._previous = now
        coordination = 100 * e["coordination_tokens"].sum() / max(1, e["tokens_in"].sum())
        self.readout.value = (
            f"<span class='agentlab-readout'>{self.config.architecture}, "
            f"{len(self.team.agents)} agents: {int(e['success'].sum())} of {len(e)} correct, "
            f"{usd_text(usd_total(e['cost_usd']))} in all, {coordination:.0f}% of input tokens on "
            f"coordination, escaped errors: {int(e['errors_escaped'].sum())} "
            f"(sweep {self.runs}, {'kept from before' if self.kept else f'{self.seconds:.1f} s'})"
            "</span>"
        )

    def _ipython_display_(self) -> None:
        display(self.box)
