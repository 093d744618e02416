"""The placement explorer's runs: each design's episodes, run ahead of the clicks and kept.

A *design* is what the explorer's controls describe (an ``EpisodeConfig``); its episodes
are one per question and seed, the first ones on distinct questions. ``DesignRuns`` keeps
every episode it has run (none runs twice, none is lost) and, in one background thread,
runs the missing ones one at a time in this order:

1. the design shown: all of its episodes, so that its intervals narrow soon after a click;
2. the designs one click away (``ahead``, the likeliest first): their first ``first_look``
   episodes each (by default 4, the fewest questions an interval is computed on), so that
   a click to any of them redraws at once.

A click finds its design's first look in (``ready``: run ahead or kept) and redraws at
once; otherwise those episodes run next, and the explorer draws them when the worker says
they are in (``fill`` waits for them instead: ``PlacementExplorer.set``).
While a click is drawn (from ``show`` to ``release``) the worker starts nothing else, so
the two do not take turns on one interpreter. When a design's first look or its last
episode is in (or it failed: done = -1), ``on_progress`` is called from the worker
thread: the explorer computes the design's numbers and team drawing there, ahead of the
click, and redraws the design shown when all of it is in. The thread ends when it has
nothing left to run and starts again at the next ``show``: an explorer nobody clicks costs
nothing.

Without the thread (``background=False``) ``fill`` runs what is missing in the caller's
thread and nothing runs ahead.

Introduced in notebook 06 (`06_capability_placement.ipynb`), with the explorer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from agentlab.config import EpisodeConfig
from agentlab.run.episode import Episode
from agentlab.run.results import Results

Key = tuple[tuple[str, Any], ...]  # a design: its configuration columns (seed and request unset)


def design_key(config: EpisodeConfig) -> Key:
    """The key a design is kept under: every field of its configuration."""
    return tuple(config.as_row().items())


@dataclass
class _Design:
    """One design's episodes: their configs, and what has run of them."""

    config: EpisodeConfig  # the design (seed 0)
    episodes_of: Callable[[EpisodeConfig], list[EpisodeConfig]]  # its episodes' configs
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # index -> episodes row
    steps: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # index -> step rows
    error: Exception | None = None  # what stopped it (a bug, not an episode's failure)
    tables: tuple[int, Results] | None = None  # the tables built for so many episodes
    _configs: list[EpisodeConfig] | None = None  # made when first needed (see configs)

    @property
    def configs(self) -> list[EpisodeConfig]:
        """One config per question and seed (made when first needed)."""
        if self._configs is None:
            self._configs = self.episodes_of(self.config)
        return self._configs

    def missing(self, n: int | None = None) -> int | None:
        """The first of the first ``n`` episodes (None: of all) not run yet (None: all in,
        or the design failed)."""
        if self.error is not None:
            return None
        try:
            configs = self.configs
        except Exception as exc:  # a design no episode can run: said by fill
            self.error = exc
            return None
        n = len(configs) if n is None else min(n, len(configs))
        return next((i for i in range(n) if i not in self.rows), None)

    @property
    def complete(self) -> bool:
        """Whether every episode is in."""
        return len(self.rows) == len(self.configs)


class DesignRuns:
    """Every design's episodes, run in the background by priority and kept.

    Args:
        episodes_of: A design's episode configs (one per question and seed, distinct
            questions first).
        run: Runs one episode.
        first_look: Episodes of a design one click away run ahead (and the fewest a
            click waits for).
        background: Run in a background thread; False: ``fill`` runs in the caller's.

    Example:
        >>> from agentlab.run.runner import run_episode
        >>> base = EpisodeConfig(scenario="research")
        >>> runs = DesignRuns(lambda c: [c.with_(seed=s) for s in range(2)], run_episode,
        ...                   background=False)
        >>> key = runs.show(base)
        >>> runs.fill(), runs.progress(key), len(runs.results(key).episodes)
        (2, (2, 2), 2)
    """

    def __init__(
        self,
        episodes_of: Callable[[EpisodeConfig], list[EpisodeConfig]],
        run: Callable[[EpisodeConfig], Episode],
        *,
        first_look: int = 4,
        background: bool = True,
    ) -> None:
        self.first_look = first_look
        self.background = background
        # called from the worker when a design's first look, or all of it, is in: (key, done)
        self.on_progress: Callable[[Key, int], None] | None = None
        self.shown: Key | None = None  # the design the explorer shows
        self.ahead: list[Key] = []  # designs one click away, the likeliest first
        self.ran = 0  # episodes run so far
        self.failed: Exception | None = None  # what on_progress raised (the next fill says it)
        self._episodes_of, self._run_episode = episodes_of, run
        self._designs: dict[Key, _Design] = {}
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self._calling = False  # the worker is calling on_progress
        self._held: int | None = None  # a click is drawn: run only its first episodes
        self._closed = False

    def show(self, config: EpisodeConfig, ahead: Iterable[EpisodeConfig] = ()) -> Key:
        """Show a design: run all of it first, then the first looks of ``ahead``; its key.
        Until ``release``, the worker runs nothing but what ``fill`` waits for."""
        with self._cond:
            key = self._add(config)
            self.shown, self._held = key, 0
            keys = dict.fromkeys(self._add(c) for c in ahead)
            self.ahead = [k for k in keys if k != key]
            self._start()
            self._cond.notify_all()
        return key

    def fill(self, n: int | None = None) -> int:
        """Make sure the first ``n`` episodes of the design shown are in (all: None); how
        many had to run (0: all were run ahead or kept). Raises what stopped the design, or
        what ``on_progress`` raised since the last call."""
        assert self.shown is not None, "show a design first"
        if self.failed is not None:
            failed, self.failed = self.failed, None
            raise failed
        d = self._designs[self.shown]
        n = len(d.configs) if n is None else min(n, len(d.configs))
        todo = sum(i not in d.rows for i in range(n))
        if self.background:  # the worker runs them next
            with self._cond:
                self._held = max(self._held or 0, n)
                self._start()
                self._cond.wait_for(lambda: d.missing(n) is None or self._closed)
        while (i := d.missing(n)) is not None:  # no worker (or it was closed): run them here
            self._run(self.shown, i)
        if d.error is not None:
            raise d.error
        return todo

    def ready(self, n: int | None = None) -> bool:
        """Whether ``fill(n)`` would return at once: the first ``n`` episodes of the design
        shown are in (all: None), or it failed (``fill`` says why)."""
        assert self.shown is not None, "show a design first"
        if self.failed is not None:
            failed, self.failed = self.failed, None
            raise failed
        with self._cond:
            return self._designs[self.shown].missing(n) is None

    def error(self, key: Key) -> Exception | None:
        """What stopped a design (a bug or a refused config), or None."""
        return self._designs[key].error

    def release(self) -> None:
        """The click is drawn: the worker goes on with the rest."""
        with self._cond:
            self._held = None
            self._start()
            self._cond.notify_all()

    def config(self, key: Key) -> EpisodeConfig:
        """A design's configuration (seed 0)."""
        return self._designs[key].config

    def results(self, key: Key) -> Results:
        """The tables of a design's episodes run so far (in their order)."""
        with self._cond:
            d = self._designs[key]
            if d.tables is not None and d.tables[0] == len(d.rows):
                return d.tables[1]
            done = sorted(d.rows)
            rows = [d.rows[i] for i in done]
            steps = [s for i in done for s in d.steps[i]]
        tables = Results(pd.DataFrame(rows), pd.DataFrame(steps))
        with self._cond:
            d.tables = (len(rows), tables)
        return tables

    def progress(self, key: Key) -> tuple[int, int]:
        """Episodes of a design run so far, and its episodes in all."""
        d = self._designs[key]
        return len(d.rows), len(d.configs)

    def wait(self, timeout: float | None = None, *, ahead: bool = False) -> bool:
        """Wait until the design shown is all in and redrawn (``ahead``: until nothing is
        left to run); False if ``timeout`` seconds passed first."""

        def settled() -> bool:
            if not self.background or self._closed or self.shown is None:
                return True
            if ahead:
                return self._worker is None
            d = self._designs[self.shown]
            return (d.error is not None or d.complete) and not self._calling

        with self._cond:
            return self._cond.wait_for(settled, timeout)

    def close(self) -> None:
        """Stop running ahead (the episode running finishes, and is kept)."""
        with self._cond:
            self._closed = True
            worker = self._worker
            self._cond.notify_all()
        if worker is not None and worker is not threading.current_thread():
            worker.join()

    def _add(self, config: EpisodeConfig) -> Key:
        key = design_key(config)
        if key not in self._designs:
            self._designs[key] = _Design(config, self._episodes_of)
        return key

    def _next(self) -> tuple[Key, int] | None:
        """The next episode to run: the shown design's, then the first looks ahead (while a
        click is drawn, only the shown design's first episodes it waits for)."""
        key = self.shown
        if key is not None and (i := self._designs[key].missing(self._held)) is not None:
            return key, i
        if self._held is not None:
            return None
        for key in self.ahead:
            if (i := self._designs[key].missing(self.first_look)) is not None:
                return key, i
        return None

    def _start(self) -> None:
        """Start the worker if there is work and none runs (with the lock held)."""
        if self.background and not self._closed and self._worker is None and self._next():
            self._worker = threading.Thread(
                target=self._work, name="agentlab-explorer-runs", daemon=True
            )
            self._worker.start()

    def _work(self) -> None:
        try:
            while True:
                with self._cond:
                    task = None if self._closed else self._next()
                    if task is None:
                        return
                done = self._run(*task, from_worker=True)
                if done and self.on_progress is not None:
                    try:
                        self.on_progress(task[0], done)
                    except Exception as exc:  # a redraw that failed: said at the next click
                        self.failed = exc
                    finally:
                        with self._cond:
                            self._calling = False
                            self._cond.notify_all()
        finally:
            with self._cond:
                self._worker = None
                self._cond.notify_all()

    def _run(self, key: Key, i: int, *, from_worker: bool = False) -> int:
        """Run one episode and keep it. When that brings the design to its first look or
        to all its episodes, their count; -1 when it failed (from the worker, ``_calling``
        is then set until it has called ``on_progress``); else 0."""
        d = self._designs[key]
        try:
            ep = self._run_episode(d.configs[i])
            row = {"episode": i, **ep.row()}
            steps = [{"episode": i, **s} for s in ep.step_rows()]
        except Exception as exc:  # a bug or a refused config: said by fill, never dropped
            with self._cond:
                d.error = exc
                self._calling = from_worker and self.on_progress is not None
                self._cond.notify_all()
            return -1  # told to on_progress as done = -1
        with self._cond:
            d.rows[i], d.steps[i] = row, steps
            self.ran += 1
            done = len(d.rows)
            milestone = d.complete or done == min(self.first_look, len(d.configs))
            self._calling = milestone and from_worker and self.on_progress is not None
            self._cond.notify_all()
        return done if milestone else 0
