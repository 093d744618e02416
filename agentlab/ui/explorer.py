"""Widgets to explore team designs: where each capability lives, and one run step by step.

``PlacementExplorer``: a toggle per capability (its own agent, or embedded in a host),
sliders for the tools in scope, the handoff budget and the team size, an architecture
menu. Every change shows the new design's runs on the simulated model and updates in place
the team (a table and its Mermaid diagram, drawn offline) and one plotly ``FigureWidget``:
cost per correct answer, latency, escaped errors and success, the previous design beside
the current one, every bar with its 95% interval over the questions and seeds (a cluster
bootstrap, ``agentlab.measure.intervals``). A control the architecture does not read is
greyed out and says why (its tooltip, and a note under the controls).

A click answers at once. Designs one click away run ahead in the background, a first look
of 4 questions each (``agentlab.ui.explorer_runs``): a click to one draws it now; to any
other, the click draws the team and the figure follows when its first look is in. The rest
of its questions follow, redrawn when all are in; no design runs twice. ``RunStepper``
(``agentlab.ui.stepper``, also here) shows one episode step by step.

    ex = PlacementExplorer(seeds=range(24))   # show it: the last expression of a cell
    ex.set("fact_check", "analyst").wait()    # as a click would; wait for all 24 questions
    ex.results.episodes                       # the runs drawn; ex.table, the bars' numbers
    RunStepper(ex.episode(seed=3))            # one of those runs, step by step

Introduced in notebook 06 (`06_capability_placement.ipynb`).
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go
from IPython.display import display

from agentlab.applies import HANDED_OFF, PLACED, SIZED
from agentlab.config import ARCHITECTURES, EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.graphs.team import TeamSpec
from agentlab.measure import intervals
from agentlab.run.episode import Episode
from agentlab.run.runner import Results, run_episode
from agentlab.run.team_runner import DEDICATED, DEFAULT_PLACEMENT, run_team_episode
from agentlab.ui import explorer_figure as figure
from agentlab.ui.explorer_controls import (
    EMBED_IN,
    HANDOFF_STOPS,
    LABELS,
    TEAM_SIZES,
    TIPS,
    greyed_note,
    one_click_away,
    places,
    scope_stops,
    why_greyed,
)
from agentlab.ui.explorer_figure import METRICS
from agentlab.ui.explorer_runs import DesignRuns, Key
from agentlab.ui.explorer_team import TeamViews
from agentlab.ui.stepper import RunStepper
from agentlab.ui.widgets import headless
from agentlab.world.capabilities import ORDER, Capability

__all__ = ["METRICS", "PlacementExplorer", "RunStepper"]


class PlacementExplorer:
    """Move capabilities between their own agent and a host; watch cost, latency and errors.

    Args:
        question_ids: Research questions to run (default: one per seed, ``Q-...`` by seed).
        seeds: Seeds of the simulated model; a design is ``questions x seeds`` episodes.
        model: The model string of every episode (a simulated profile keeps it free).
        architecture: The starting topology (placement matters for pipeline, centralized,
            hierarchical and swarm; team size for independent, decentralized and hybrid; the
            handoff budget for all but single, independent and decentralized). A control the
            topology does not read is greyed out, says why, and the config leaves it at its
            default; ``set`` refuses it.
        caps: Capability data instead of ``capabilities()`` (e.g. ``with_data(...)``).
        first_look: Episodes a click shows first (distinct questions; 4, the fewest an
            interval is computed on); the rest follow in the background.
        background: Run in a background thread (the rest of a design after its first look,
            and the designs one click away). False: a click runs its whole design first.
        ahead: Run the designs one click away ahead of the clicks (default: unless the
            notebook runs headless, where nobody clicks). Needs ``background``.

    ``.set(name, value)`` changes a control as a click would, and waits for its first look;
    ``.wait()`` for all its questions; ``.results`` is the runs drawn, ``.table`` the bars'
    numbers, ``.figure`` the ``FigureWidget``, ``.config`` the current ``EpisodeConfig``,
    ``.team`` its ``TeamSpec``, ``.diagram_text`` its Mermaid text.

    Example:
        >>> ex = PlacementExplorer(seeds=range(2), background=False)
        >>> ex.set("fact_check", "analyst").config.placement.endswith("fact_check=analyst")
        True
    """

    def __init__(
        self,
        question_ids: Iterable[str] | None = None,
        seeds: Iterable[int] = range(24),
        model: str = "sim:gpt-4o-mini",
        *,
        architecture: str = "centralized",
        caps: dict[str, Capability] | None = None,
        first_look: int = intervals.MIN_QUESTIONS,
        background: bool = True,
        ahead: bool | None = None,
    ) -> None:
        if not isinstance(first_look, int) or isinstance(first_look, bool) or first_look < 1:
            raise ConfigError("first_look", first_look, "an integer >= 1")
        self.question_ids = list(question_ids) if question_ids is not None else None
        self.seeds, self.model, self.caps = list(seeds), model, caps
        if ahead and not background:
            raise ConfigError("ahead", ahead, "None or False with background=False (no thread)")
        self.ahead = background and (not headless() if ahead is None else ahead)
        self.designs = DesignRuns(self._episodes_of, self._run_episode, first_look=first_look,
                                  background=background)  # fmt: skip
        self.designs.on_progress = self._progress
        self.results: Results | None = None  # the runs drawn as "now"
        self.table = pd.DataFrame()  # the bars' numbers: previous and now, with intervals
        self.team: TeamSpec  # the current team, drawn as a table and a diagram
        self.seconds = 0.0  # from the latest click to its figure drawn (wall clock)
        self.runs = 0  # designs shown so far
        self.kept = False  # whether the latest click found its first look run ahead or kept
        self.diagram_text = ""
        self._draw_lock = threading.RLock()  # a click and the background redraw take turns
        self._shown: Key | None = None
        self._previous: Key | None = None
        self._numbers: dict[tuple[Key, int], pd.DataFrame] = {}  # (design, episodes) -> row
        self._teams = TeamViews(model, caps)  # each design's team table and diagram, kept
        self._whole_at_click = False  # the design shown was all in when its click drew it
        self._seen: set[Key] = set()  # designs shown before
        self._shown_config = EpisodeConfig()  # the configuration of the design shown
        self._pending: tuple[Key, EpisodeConfig] | None = None  # clicked, not drawn yet
        self._clicked = 0.0  # when (perf_counter) the latest click came
        style, wide = {"description_width": "95px"}, {"description_width": "110px"}
        self.toggles = {
            c: widgets.ToggleButtons(
                options=places(c, caps),
                value="own" if DEFAULT_PLACEMENT[c] in ("own", DEDICATED[c]) else EMBED_IN[c],
                description=LABELS[c],
                style={**style, "button_width": f"{340 // len(places(c, caps))}px"},
            )
            for c in ORDER
        }
        self.architecture = widgets.Dropdown(
            options=ARCHITECTURES, value=architecture, description="architecture", style=style
        )
        stops = scope_stops()
        self.tools = widgets.SelectionSlider(
            options=stops, value=EpisodeConfig().tools if EpisodeConfig().tools in stops
            else stops[0], description="tools in scope", continuous_update=False, style=wide,
        )  # fmt: skip
        self.handoff_tokens = widgets.SelectionSlider(
            options=HANDOFF_STOPS, value=300, description="handoff tokens",
            continuous_update=False, style=wide,
        )  # fmt: skip
        self.team_size = widgets.SelectionSlider(
            options=TEAM_SIZES, value=3, description="researchers", continuous_update=False,
            style=wide,
        )  # fmt: skip
        self.controls: dict[str, widgets.Widget] = {
            **self.toggles, "architecture": self.architecture, "tools": self.tools,
            "handoff_tokens": self.handoff_tokens, "team_size": self.team_size,
        }  # fmt: skip
        self.readout = widgets.HTML()
        self.note = widgets.HTML()  # why the greyed-out controls are greyed out
        self.agents_table = widgets.HTML()
        self.diagram = widgets.Output(layout={"min_width": "320px"})
        self.figure = go.FigureWidget(figure.empty_figure())
        for w in self.controls.values():
            w.observe(lambda _: self._changed(), names="value")
        controls = widgets.VBox([self.architecture, *self.toggles.values(), self.tools,
                                 self.handoff_tokens, self.team_size, self.note],
                                layout={"width": "470px"})  # fmt: skip
        self.box = widgets.VBox(
            [widgets.HBox([controls, widgets.VBox([self.agents_table, self.diagram])]),
             self.readout, self.figure],
        )  # fmt: skip
        self.box.add_class("agentlab-explorer")
        self.agents_table.add_class("agentlab-team")
        self.note.add_class("agentlab-greyed")
        self._changed()
        self._settle()

    def _values(self) -> dict[str, Any]:
        return {name: w.value for name, w in self.controls.items()}

    def _config_for(self, v: dict[str, Any]) -> EpisodeConfig:
        """The configuration of these control values: the settings the architecture reads."""
        arch = v["architecture"]
        read: dict[str, Any] = {"tools": v["tools"]}
        if arch in PLACED:
            read["placement"] = ",".join(f"{c}={v[c]}" for c in ORDER)
        if arch in HANDED_OFF:
            read["handoff_tokens"] = v["handoff_tokens"]
        if arch in SIZED:
            read["team_size"] = v["team_size"]
        return EpisodeConfig(scenario="research", architecture=arch, model=self.model, **read)

    @property
    def config(self) -> EpisodeConfig:
        """The episode configuration the controls describe (seed 0): the controls that the
        architecture reads (the others are greyed out, and left at their defaults)."""
        return self._config_for(self._values())

    def set(self, name: str, value: Any) -> PlacementExplorer:
        """Change one control as a click would; returns the explorer.

        ``name`` is a capability (value ``"own"``, ``"embedded"`` or the host's name, or
        ``"none"`` for an optional one), ``"architecture"``, ``"tools"`` (tools in scope),
        ``"handoff_tokens"`` or ``"team_size"``, each with a value from its control.
        A greyed-out control, or a field the research teams do not read (``memory_items``),
        is refused with the reason (``ConfigError``), never ignored.
        """
        if name in self.toggles:
            places = ["own", "embedded", *(v for _, v in self.toggles[name].options[1:])]
            if value not in places:
                raise ValueError(f"{name}: got {value!r}; allowed: {', '.join(places)}")
            value = EMBED_IN[name] if value == "embedded" else value
        elif name in self.controls:
            allowed = ARCHITECTURES if name == "architecture" else self.controls[name].options
            if value not in allowed or isinstance(value, bool):
                raise ValueError(f"{name}: got {value!r}; allowed: {', '.join(map(str, allowed))}")
        else:
            if name in self.config.as_row():  # refused with the reason when it does not apply
                self.config.with_(**{name: value})
            allowed = ", ".join(self.controls)
            raise ValueError(f"set: got {name!r}; allowed: {allowed} (other fields are fixed)")
        why = why_greyed("placement" if name in self.toggles else name, self.architecture.value)
        if why and self.controls[name].value != value:
            raise ConfigError(name, value, f"no change while greyed out: {why}")
        self.controls[name].value = value
        self._settle()
        return self

    def wait(self, timeout: float | None = None) -> PlacementExplorer:
        """Wait until every question of the design shown is in and drawn; the explorer.
        Raises what stopped the design, if it failed."""
        self.designs.wait(timeout)
        if self.designs.shown is not None and (error := self.designs.error(self.designs.shown)):
            raise error
        return self

    def close(self) -> None:
        """Stop running designs in the background (what has run is kept)."""
        self.designs.close()

    def episode(self, seed: int = 0, question_id: str | None = None) -> Episode:
        """One episode of the current design (e.g. to walk through with ``RunStepper``)."""
        return run_team_episode(self.config.with_(seed=seed, request=question_id), caps=self.caps)

    def _episodes_of(self, config: EpisodeConfig) -> list[EpisodeConfig]:
        """A design's episodes: every question once per seed, so the first are distinct."""
        if self.question_ids is None:
            return [config.with_(seed=s) for s in self.seeds]
        return [config.with_(request=q, seed=s) for s in self.seeds for q in self.question_ids]

    def _run_episode(self, config: EpisodeConfig) -> Episode:
        return run_team_episode(config, caps=self.caps) if self.caps else run_episode(config)

    def _ahead(self) -> list[EpisodeConfig]:
        """The designs one click away, the likeliest first (``one_click_away``)."""
        stops = {n: [v for _, v in w.options] if n in self.toggles else list(w.options)
                 for n, w in self.controls.items()}  # fmt: skip
        values = self._values()
        return [self._config_for({**values, **c}) for c in one_click_away(values, stops)]

    def _changed(self) -> None:
        start = time.perf_counter()
        arch = self.architecture.value
        for name, w in self.controls.items():
            why = why_greyed("placement" if name in self.toggles else name, arch)
            w.disabled = bool(why)
            w.tooltip = f"Greyed out: {why}." if why else TIPS.get(name, TIPS["placement"])
        self.note.value = greyed_note(arch)
        config = self.config
        key = self.designs.show(config, self._ahead() if self.ahead else ())
        try:
            with self._draw_lock:
                self._pending, self._clicked = (key, config), start
                self._draw_team(config)
            first = self.designs.first_look if self.designs.background else None
            with self._draw_lock:  # the worker draws it after this, never before
                self.kept = self.designs.ready(first)
                if not self.kept and self.designs.background:
                    self.readout.value = (
                        f"<i>running the first {first} questions of this design…</i>"
                    )
                    return
            self.kept = self.designs.fill(first) == 0
            self._draw_click(key)
        finally:
            self.designs.release()

    def _settle(self) -> None:
        """Wait for the latest click's first look and draw it (``set``: as a click, waited for)."""
        if (pending := self._pending) is not None:
            try:
                self.designs.fill(self.designs.first_look)
            finally:
                self.designs.release()
            self._draw_click(pending[0])

    def _draw_click(self, key: Key) -> None:
        """Draw a clicked design's first look, once (from the click, or from the worker)."""
        with self._draw_lock:
            if self._pending is None or self._pending[0] != key:
                return
            config, self._pending = self._pending[1], None
            self._previous, self._shown, self._shown_config = self._shown, key, config
            self._draw()
            done, total = self.designs.progress(key)
            self._whole_at_click = done == total
            self.seconds = time.perf_counter() - self._clicked
            self.runs += 1  # last but the readout: who watches runs finds seconds set
            self._readout(before=key in self._seen)
            self._seen.add(key)

    def _progress(self, key: Key, done: int) -> None:
        """A design's first look, or all of it, is in (from the worker): its numbers and team
        are made now; a click waiting for it draws, the design shown redraws when all is in."""
        if done < 0:  # it failed: a click waiting for it says why
            with self._draw_lock:
                if self._pending is not None and self._pending[0] == key:
                    self._pending = None
                    error = html.escape(
                        f"{type(self.designs.error(key)).__name__}: {self.designs.error(key)}"
                    )
                    self.readout.value = f"<b>this design cannot run</b>: {error}"
            return
        self._numbers_of(key)
        self._teams.of(self.designs.config(key))
        self._draw_click(key)  # a click waiting for this first look
        with self._draw_lock:
            if (
                self._pending is None
                and key == self._shown
                and done == self.designs.progress(key)[1]
            ):
                self._draw()
                self._readout(before=False)

    def _numbers_of(self, key: Key) -> pd.DataFrame | None:
        """A design's row of numbers as run so far (None: nothing yet), computed once."""
        e = self.designs.results(key).episodes
        if (key, len(e)) not in self._numbers and len(e):
            self._numbers[(key, len(e))] = figure.numbers(e)
        return self._numbers.get((key, len(e)))

    def _draw_team(self, config: EpisodeConfig) -> None:
        """The team's table and diagram, redrawn only where they changed."""
        self.team, table, diagram = self._teams.of(config)
        if table != self.agents_table.value:
            self.agents_table.value = table
        if diagram == self.diagram_text:
            return
        self.diagram_text = diagram
        self.diagram.outputs = (
            {"output_type": "display_data", "metadata": {},
             "data": {"text/markdown": f"```mermaid\n{self.diagram_text}\n```",
                      "text/plain": self.diagram_text}},
        )  # fmt: skip

    def _draw(self) -> None:
        """The figure: the previous design beside the one shown, each as run so far."""
        assert self._shown is not None
        self.results = self.designs.results(self._shown)
        now = self._numbers_of(self._shown)
        before = self._numbers_of(self._previous) if self._previous else None
        assert now is not None
        self.table = figure.draw(self.figure, before, now)

    def _readout(self, *, before: bool) -> None:
        """The line under the controls: the design's numbers, and where its runs came from
        (``before``: the design was shown before)."""
        assert self.results is not None and self._shown is not None
        done, total = self.designs.progress(self._shown)
        if done < total:
            status = f"first {done} of {total} episodes, the rest on their way"
        elif not self._whole_at_click:
            status = f"{total} episodes, the rest run in the background"
        elif before and self.kept:
            status = f"{total} episodes, kept from before"
        else:
            status = f"{total} episodes, " + ("run ahead" if self.kept else f"{self.seconds:.1f} s")
        agents = len(self._teams.of(self._shown_config)[0].agents)  # not the team clicked to
        self.readout.value = figure.readout_html(
            self._shown_config, agents, self.results.episodes, self.runs, status
        )

    def _ipython_display_(self) -> None:
        display(self.box)
