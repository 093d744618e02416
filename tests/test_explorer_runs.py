"""Tests for agentlab.ui.explorer_runs: the explorer's designs, run ahead in one background
thread by priority, kept, and handed to a click. A fake episode stands in for the model, so
each test is about the order and the waiting, not the physics (tests/test_explorer.py runs
the real thing)."""

from __future__ import annotations

import doctest
import threading
from typing import Any

import pytest

import agentlab.ui.explorer_runs
from agentlab.config import EpisodeConfig
from agentlab.ui.explorer_runs import DesignRuns, design_key

BASE = EpisodeConfig(scenario="research")


class _Episode:
    def __init__(self, config: EpisodeConfig) -> None:
        self.config = config

    def row(self) -> dict[str, Any]:
        return {"tools": self.config.tools, "seed": self.config.seed}

    def step_rows(self) -> list[dict[str, Any]]:
        return [{"step": 0, "seed": self.config.seed}]


class _Log:
    """Runs fake episodes and remembers the order (design's tools, seed) and the thread."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.order: list[tuple[int, int]] = []
        self.threads: set[str] = set()
        self.fail_at = fail_at

    def __call__(self, config: EpisodeConfig) -> _Episode:
        if config.tools == self.fail_at:
            raise RuntimeError("a bug in the design")
        self.order.append((config.tools, config.seed))
        self.threads.add(threading.current_thread().name)
        return _Episode(config)


def _runs(log: _Log, seeds: int = 4, **options: Any) -> DesignRuns:
    return DesignRuns(lambda c: [c.with_(seed=s) for s in range(seeds)], log, **options)  # type: ignore[arg-type]


def _design(tools: int) -> EpisodeConfig:
    return BASE.with_(tools=tools)


def test_the_design_shown_runs_whole_then_the_first_looks_ahead_in_their_order() -> None:
    log = _Log()
    runs = _runs(log, first_look=2)
    runs.show(_design(4), ahead=[_design(16), _design(8), _design(4)])  # itself: not ahead
    runs.release()
    assert runs.wait(30, ahead=True)
    assert log.order == [(4, 0), (4, 1), (4, 2), (4, 3), (16, 0), (16, 1), (8, 0), (8, 1)]
    assert log.threads == {"agentlab-explorer-runs"}
    assert runs.progress(design_key(_design(8))) == (2, 4) and runs.ran == 8


def test_a_click_waits_for_its_first_look_only_and_the_worker_holds_until_release() -> None:
    log = _Log()
    runs = _runs(log, first_look=2)
    shown, ahead = _design(4), _design(8)
    runs.show(shown, ahead=[ahead])
    assert runs.fill(2) == 2  # two had to run, for this click
    # until the click is drawn, nothing else runs: not the rest, not ahead
    assert runs.progress(design_key(shown)) == (2, 4)
    assert runs.progress(design_key(ahead)) == (0, 4)
    runs.release()
    assert runs.wait(30, ahead=True)
    assert runs.progress(design_key(shown)) == (4, 4)
    assert runs.progress(design_key(ahead)) == (2, 4)


def test_a_design_run_ahead_costs_its_click_nothing_and_is_never_run_twice() -> None:
    log = _Log()
    runs = _runs(log, first_look=2)
    runs.show(_design(4), ahead=[_design(8)])
    runs.release()
    runs.wait(30, ahead=True)
    key = runs.show(_design(8), ahead=[_design(4)])
    assert runs.fill(2) == 0  # its first look was run ahead
    runs.release()
    runs.wait(30, ahead=True)
    assert sorted(log.order) == sorted(set(log.order))  # no episode twice
    assert len(runs.results(key).episodes) == 4


def test_progress_is_told_at_the_first_look_and_when_all_is_in() -> None:
    told: list[tuple[int, int]] = []
    runs = _runs(_Log(), first_look=2)
    runs.on_progress = lambda key, done: told.append((dict(key)["tools"], done))
    runs.show(_design(4), ahead=[_design(8)])
    runs.release()
    assert runs.wait(30)  # the design shown is in, and its last call has returned
    assert (4, 4) in told
    runs.wait(30, ahead=True)
    assert told == [(4, 2), (4, 4), (8, 2)]


def test_the_tables_are_kept_until_an_episode_comes_in() -> None:
    runs = _runs(_Log(), background=False)
    key = runs.show(_design(4))
    assert runs.fill(2) == 2
    first = runs.results(key)
    assert runs.results(key) is first and list(first.episodes["seed"]) == [0, 1]
    assert list(first.steps["episode"]) == [0, 1]
    runs.fill()
    assert runs.results(key) is not first and len(runs.results(key).episodes) == 4


def test_without_the_thread_the_caller_runs_and_nothing_runs_ahead() -> None:
    log = _Log()
    runs = _runs(log, background=False)
    runs.show(_design(4), ahead=[_design(8)])
    assert runs.fill() == 4
    runs.release()
    assert runs.wait(0) and runs.wait(0, ahead=True)
    assert log.threads == {threading.current_thread().name} and len(log.order) == 4


def test_a_design_that_fails_says_so_at_its_click_and_the_others_go_on() -> None:
    log = _Log(fail_at=8)
    runs = _runs(log, first_look=2)
    runs.show(_design(4), ahead=[_design(8), _design(16)])
    runs.release()
    runs.wait(30, ahead=True)
    assert (16, 1) in log.order  # the design after the failing one ran
    runs.show(_design(8))
    with pytest.raises(RuntimeError, match="a bug in the design"):
        runs.fill(2)
    runs.release()


def test_close_stops_the_thread_and_a_click_after_it_runs_in_the_caller() -> None:
    log = _Log()
    runs = _runs(log, seeds=3)
    runs.close()
    runs.show(_design(4), ahead=[_design(8)])
    assert runs.fill() == 3
    runs.release()
    assert log.threads == {threading.current_thread().name}
    assert runs.progress(design_key(_design(8))) == (0, 3)


def test_docstring_examples() -> None:
    result = doctest.testmod(agentlab.ui.explorer_runs, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 1 and result.failed == 0


def test_a_failing_redraw_is_said_at_the_next_click_and_the_worker_goes_on() -> None:
    log = _Log()
    runs = _runs(log, first_look=2)

    def progress(key: Any, done: int) -> None:
        raise ValueError("the figure could not be drawn")

    runs.on_progress = progress
    runs.show(_design(4), ahead=[_design(8)])
    runs.release()
    assert runs.wait(30, ahead=True)
    assert runs.progress(design_key(_design(8))) == (2, 4)  # the worker went on
    runs.show(_design(8))
    with pytest.raises(ValueError, match="the figure could not be drawn"):
        runs.fill(2)
    assert runs.fill(2) == 0  # said once
    runs.release()


def test_a_design_whose_episodes_cannot_be_made_is_refused_at_its_click() -> None:
    def episodes_of(config: EpisodeConfig) -> list[EpisodeConfig]:
        return [config.with_(request="no-such-question")]

    runs = DesignRuns(episodes_of, _Log())  # type: ignore[arg-type]
    runs.show(_design(4), ahead=[_design(8)])
    with pytest.raises(ValueError, match="request"):
        runs.fill(1)
    runs.release()
    assert runs.wait(30, ahead=True)  # the worker met the same design ahead, and stopped
