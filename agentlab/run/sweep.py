"""Sweeps: many episodes in parallel, stored as they finish, resumed where they stopped.

``run_sweep(grid(...), store="runs/scope")`` runs every configuration not yet in the store,
in chunks, on worker processes (or Ray), with a progress bar. Each finished chunk is written
to the store at once (``agentlab.run.store``), so a sweep stopped by Ctrl-C, a kernel restart or
a killed process loses only the chunks that were running: run the same call again and it
computes only what is missing. A failing episode is a row with its reason in ``outcome``
(the runner's ``"error: ..."``, ``"budget"``, ``"step_limit"``; an exception outside the
episode or a crashed worker too), never the end of the sweep; ``retry="errors"`` runs the
error rows again, and their new rows replace them. A per-sweep budget in dollars or tokens
stops scheduling new chunks once the sweep's stored episodes have spent it.

This module plans a sweep and loads it back; running its chunks on workers, under its
budget, is ``agentlab.run.sweep_chunks``.

Introduced in notebook 10 (`10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from agentlab.config import check_budgets
from agentlab.measure.pricing import refuse_unpriced
from agentlab.run.backends import BACKENDS, make_backend
from agentlab.run.grid_workers import sweep_workers
from agentlab.run.runner import Results, run_episode
from agentlab.run.store import KEY, MANIFEST, QUARANTINE, SweepStore
from agentlab.run.sweep_chunks import SweepBudget, run_chunks, split_chunks
from agentlab.run.worker_host import local_backend
from agentlab.serve.tracing import tracing_unreachable

RETRY = ("errors",)  # what run_sweep(retry=...) can run again


@dataclass(repr=False)
class SweepResults(Results):
    """A sweep's ``episodes`` and ``steps`` tables, and whether it ran to the end.

    ``steps`` (some 15 rows an episode) is read from the store the first time it is used,
    not with ``episodes``: a sweep of any size returns without holding every step in memory.
    It holds the steps of exactly the rows in ``episodes`` (store parts are never rewritten),
    whatever was stored since. A sweep on a temporary store (``store=None``) reads both
    before the store is deleted.
    """

    store: Path | None = None  # where the rows are kept (None: a temporary store, gone)
    planned: int = 0  # distinct configurations asked for
    missing: int = 0  # of those, not in the store (a stopped or interrupted sweep)
    stopped: str | None = None  # why the sweep stopped early, e.g. the sweep budget
    # reads ``steps`` from the store on first use (None: they are loaded)
    steps_from: Callable[[], pd.DataFrame] | None = field(
        default=None, compare=False, repr=False, kw_only=True
    )

    # a property over Results' field: the dataclass __init__ sets it through the setter
    # (mypy refuses any override of a dataclass attribute but by another attribute)
    @property  # type: ignore[misc]
    def steps(self) -> pd.DataFrame:
        """One row per LLM call or tool call of the episodes in ``episodes``."""
        if self.steps_from is not None:
            self._steps, self.steps_from = self.steps_from(), None
        return self._steps

    @steps.setter
    def steps(self, table: pd.DataFrame) -> None:
        self._steps, self.steps_from = table, None  # steps_from, when given, is set after

    @property
    def complete(self) -> bool:
        """Every planned episode is stored."""
        return self.missing == 0

    def __repr__(self) -> str:
        steps = "read on first use" if self.steps_from is not None else f"{len(self._steps)} rows"
        return (
            f"SweepResults(episodes: {len(self.episodes)} rows, steps: {steps}, "
            f"store={str(self.store) if self.store else None!r}, planned={self.planned}, "
            f"missing={self.missing}, stopped={self.stopped!r})"
        )


def run_sweep(
    configs: Iterable[Any],
    *,
    store: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    backend: str = "local",
    progress: bool = True,
    budget_usd: float | None = None,
    budget_tokens: int | None = None,
    ray_address: str | None = None,
    ray_runtime_env: dict[str, Any] | None = None,
    chunk_size: int | None = None,
    episode_fn: Callable[[Any], Any] = run_episode,
    retry: str | None = None,
) -> SweepResults:
    """Run every configuration not yet stored, in parallel, and return the sweep's tables.

    Args:
        configs: The episodes (e.g. ``grid(tools=[4, 16], seeds=range(10))``); a
            configuration listed twice runs once.
        store: A folder that keeps the results (created if missing). Run the same call
            again after an interruption and only the missing episodes run. None: a
            temporary store, deleted on return.
        workers: Worker processes (default: the cores this process may use, under a
            container's CPU quota, at most ``AGENTLAB_WORKERS`` when it is set); 0 runs in
            this process. With Ray: CPUs of the local Ray instance.
        backend: ``"local"`` (processes on this machine) or ``"ray"`` (the optional extra).
        progress: Show a progress bar (JupyterLab and terminals).
        budget_usd: Stop scheduling new episodes once the sweep's stored episodes cost this
            many dollars (chunks already running finish and are kept). Refused when a
            configuration's model has no price; an episode stored unpriced stops the sweep.
        budget_tokens: The same cap in tokens (input + output); an episode stored with
            unknown tokens (a reply without usage) stops the sweep, never counted as 0.
        ray_address: An existing Ray cluster, e.g. ``"10.0.0.5:6379"`` as printed by
            ``ray start --head`` (default: start Ray locally). Its workers get this agentlab,
            data included, through a ``runtime_env``; they need its dependencies.
        ray_runtime_env: More of the cluster's ``runtime_env`` (e.g. ``{"pip": [...]}``);
            Ray only.
        chunk_size: Episodes per task (default: about 4 chunks per worker, at most 16).
        episode_fn: Runs one configuration (default ``run_episode``); must be importable
            by name from a module (worker processes look it up). Another function's
            episodes are stored under other keys.
        retry: ``"errors"``: also run again the stored episodes whose outcome is an error
            (``"error: ..."``); each new row replaces its error row, the others are kept.

    Returns:
        ``SweepResults``: ``episodes`` and ``steps`` (one row per configuration with its
        ``config_key``, and ``episode``, its position in ``configs``), ``missing`` and
        ``stopped`` when the sweep did not finish.

    Example:
        >>> import agentlab as al
        >>> from agentlab.run.sweep import run_sweep
        >>> res = run_sweep(al.grid(tools=[4, 8], seeds=range(2)), workers=0, progress=False)
        >>> len(res.episodes), res.complete
        (4, True)
    """
    configs = list(configs)
    if backend not in BACKENDS:
        raise ValueError(f"backend: got {backend!r}; allowed: {', '.join(BACKENDS)}")
    if retry is not None and retry not in RETRY:
        raise ValueError(f"retry: got {retry!r}; allowed: None, {', '.join(map(repr, RETRY))}")
    check_budgets(budget_usd, budget_tokens)  # NaN, inf, a bool: a cap that never applies
    if budget_usd is not None:  # a dollar cap needs every model priced: refused before any work
        refuse_unpriced("budget_usd", budget_usd, (getattr(c, "model", None) for c in configs))
    if backend != "ray" and (ray_address is not None or ray_runtime_env is not None):
        raise ValueError(f"ray_address, ray_runtime_env: for backend='ray' only, not {backend!r}")
    tracing_unreachable()  # tracing asked for but unreachable: said once, here, not by workers
    n = sweep_workers() if workers is None else workers  # AGENTLAB_WORKERS checked first
    tmp = tempfile.TemporaryDirectory(prefix="agentlab-sweep-") if store is None else None
    try:
        path = Path(tmp.name if tmp else store)  # type: ignore[arg-type]
        sweep_store = SweepStore(path)
        sweep_store.clean()
        # the episode function changes results: another one's rows get other keys
        settings = None if episode_fn is run_episode else {"episode_fn": _name(episode_fn)}
        planned = sweep_store.plan(configs, settings=settings)
        by_key = dict(zip(planned, configs, strict=True))
        keys = list(by_key)  # in order, each configuration once
        done = sweep_store.stored_keys()
        again: set[str] = set()  # stored error rows to run again (retry="errors")
        if retry == "errors":
            outcomes = sweep_store.outcomes()
            again = {k for k in keys if str(outcomes.get(k, "")).startswith("error")}
            done -= again
        todo = [(k, by_key[k]) for k in keys if k not in done]
        budget = SweepBudget(
            budget_usd,
            budget_tokens,
            sweep_store.spent(keys) if budget_usd or budget_tokens else (0.0, 0.0),
        )
        stopped = None
        bar = tqdm(
            total=len(keys), initial=len(keys) - len(todo), desc="sweep", unit="episode",
            disable=not progress,
        )  # fmt: skip
        try:
            if todo and budget.exceeded() is None:
                runner = make_backend(backend, n, ray_address, ray_runtime_env, local_backend)
                try:
                    work = split_chunks(todo, runner.workers, chunk_size, budget.active)
                    stopped = run_chunks(runner, work, sweep_store, budget, bar, episode_fn, again)
                except BaseException:
                    runner.close(cancel=True)
                    raise
                runner.close()
            else:
                stopped = budget.exceeded() if todo else None
        except KeyboardInterrupt:
            bar.close()
            print(
                f"sweep interrupted: stored episodes are kept in {path}; "
                "run the same sweep again to finish it",
                file=sys.stderr,
            )
            raise
        bar.close()
        results = _results(sweep_store, keys, None if tmp else path)
        if results.missing and stopped:
            results.stopped = stopped
            print(
                f"sweep stopped: {stopped}; {results.missing} of {len(keys)} episodes not run "
                "(run again with a higher budget to finish; stored episodes are kept)",
                file=sys.stderr,
            )
        return results
    finally:
        if tmp is not None:
            tmp.cleanup()


def _name(fn: Callable[..., Any]) -> str:
    """A function's importable name (``module.qualname``)."""
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _results(store: SweepStore, keys: list[str] | None, path: Path | None) -> SweepResults:
    """The store's tables (of ``keys``, in their order, when given); ``steps`` read when first
    used unless the store is temporary (``path`` None)."""
    position = {k: i for i, k in enumerate(keys)} if keys is not None else None
    steps_from = None
    if path is None:  # a temporary store: both tables now, before it is deleted
        episodes, steps = store.load()
    else:  # steps read on first use, those of exactly these rows
        episodes, winners = store.load_episodes()
        mine = {k: part for k, part in winners.items() if position is None or k in position}
        steps, steps_from = pd.DataFrame(), partial(_steps, store.path, mine, position)
    if position is not None and len(episodes):  # this call's configurations, in its order
        episodes = _renumbered(episodes, position, ["episode"])
        if len(steps):
            steps = _renumbered(steps, position, ["episode", "step"])
    planned = len(keys) if keys is not None else len(store.planned())
    return SweepResults(
        episodes,
        steps,
        store=path,
        planned=planned,
        missing=planned - len(episodes),
        steps_from=steps_from,
    )


def _steps(path: Path, winners: dict[str, str], position: dict[str, int] | None) -> pd.DataFrame:
    """The steps of the rows ``winners`` names (key -> its part), numbered as the episodes.

    Raises ``FileNotFoundError`` when the store, or a part of it, was removed since: those
    steps are gone, never an empty table."""
    parts = set(winners.values())
    gone = [
        n
        for n in parts
        if not (path / "episodes" / n).exists()
        and not (path / QUARANTINE / "episodes" / n).exists()
    ]
    if not (path / MANIFEST).exists() or gone:
        missing = "the store" if not (path / MANIFEST).exists() else f"{len(gone)} of its parts"
        raise FileNotFoundError(
            f"{path}: {missing} removed since these results were loaded; their steps are "
            "read from the store on first use (read .steps before removing it)"
        )
    steps = SweepStore(path).load_steps(winners)
    if position is not None and len(steps):
        steps = _renumbered(steps, position, ["episode", "step"])
    return steps


def _renumbered(table: pd.DataFrame, position: dict[str, int], by: list[str]) -> pd.DataFrame:
    """The rows of these configurations, numbered and ordered by their position in them
    (copied only where that changes something: a sweep's own store is already in order)."""
    mine = table[KEY].isin(position).to_numpy()
    if not mine.all():
        table = table[mine].reset_index(drop=True)
    numbers = table[KEY].map(position).astype(int)
    if not numbers.equals(table["episode"]):
        table = table.assign(episode=numbers)
    if not table["episode"].is_monotonic_increasing:
        by = [c for c in by if c in table.columns]  # an episode function's steps may have none
        table = table.sort_values(by, kind="stable").reset_index(drop=True)
    return table


def load_sweep(path: str | os.PathLike[str]) -> SweepResults:
    """Load a sweep's store back into ``episodes`` and ``steps`` tables, in one call.

    Args:
        path: The folder given as ``store=`` to ``run_sweep`` (or in a sweep file).

    Returns:
        ``SweepResults``; ``missing`` counts planned episodes not stored yet.

    Example:
        >>> import agentlab as al, tempfile
        >>> from agentlab.run.sweep import load_sweep, run_sweep
        >>> folder = tempfile.mkdtemp()
        >>> _ = run_sweep(al.grid(seeds=range(2)), store=folder, workers=0, progress=False)
        >>> len(load_sweep(folder).episodes)
        2
    """
    path = Path(path)
    if not (path / "sweep.json").exists():
        raise FileNotFoundError(f"{path}: no sweep here (sweep.json is missing)")
    return _results(SweepStore(path), None, path)
