"""A sweep's work in chunks: what a worker runs, how the work is split, how chunks run.

``run_chunk`` runs some episodes in a worker and returns their rows, ready to store (a
failing episode is a row with its reason, never an exception); ``split_chunks`` cuts the
work into chunks that shrink as the work left does; ``run_chunks`` runs them on a backend
(``agentlab.run.backends``), stores each as it finishes, splits a chunk whose worker crashed
into single episodes, and stops scheduling once the ``SweepBudget`` is spent.
``agentlab.run.sweep`` (``run_sweep``) plans the sweep and calls them.

Introduced in notebook 10 (`10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import contextlib
import math
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Any

import pandas as pd

from agentlab.config import EpisodeConfig
from agentlab.redact import error_text
from agentlab.run.backends import Backend
from agentlab.run.grid_workers import guided, simulated
from agentlab.run.identity import config_row
from agentlab.run.runner import run_episode
from agentlab.run.store import SweepStore
from agentlab.run.store_parts import KEY, prepare, spent_by, to_table

MAX_CHUNK = 16  # episodes per chunk at most: one store part, one progress-bar tick
# ... when every episode is simulated (seconds of work in all, recomputed alike if lost):
# a part's encoding costs ~35 ms whatever its rows (fastparquet's work per column), which
# is 2.2 ms an episode at 16 and 0.6 ms at 64
SIM_CHUNK = 64
BUDGET_CHUNK = 2  # ... when a sweep budget is set, so it overshoots by little

Item = tuple[str, Any]  # (config_key, configuration)


@dataclass
class Chunk:
    """What a worker sends back: the chunk's rows as frames, and what it spent."""

    episodes: pd.DataFrame
    steps: pd.DataFrame | None
    usd: float
    tokens: float  # NaN: a reply reported no usage
    files: tuple[bytes, bytes | None] | None = None  # as encoded by the worker (prepare)


def _request_id(config: EpisodeConfig) -> str:
    """The id of the request (or question) an episode works on, as the runners pick it."""
    from agentlab.run.scenarios import scenario  # LangGraph's, loaded where episodes run

    return scenario(config.scenario).request_id(config)


def failure_row(key: str, config: Any, reason: str) -> dict[str, Any]:
    """The ``episodes`` row of an episode that failed outside the runner (or crashed)."""
    row: dict[str, Any] = {KEY: key, **config_row(config)}
    if isinstance(config, EpisodeConfig):
        with contextlib.suppress(Exception):  # unless picking the request is what failed
            row["request_id"] = _request_id(config)
    return row | {"success": False, "outcome": reason}


def _reason(exc: BaseException) -> str:
    return f"error: {error_text(exc)}"  # redacted: a provider may echo the key


def chunk_rows(
    items: list[Item], episode_fn: Callable[[Any], Any] = run_episode
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run some episodes; their ``episodes`` and ``steps`` rows. Never raises for an episode.

    Each ``episodes`` row is ``{"config_key", **episode.row()}``; each ``steps`` row carries
    the whole configuration too, so either table can be grouped by any swept field.
    """
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for key, config in items:
        try:
            episode = episode_fn(config)
            row = {KEY: key, **episode.row()}
            fields = config_row(config)
            episode_steps = [{KEY: key, **fields, **s} for s in episode.step_rows()]
        except Exception as exc:  # outside the runner's own net: still a row, with its reason
            row, episode_steps = failure_row(key, config, _reason(exc)), []
        rows.append(row)
        steps.extend(episode_steps)
    return rows, steps


def run_chunk(items: list[Item], episode_fn: Callable[[Any], Any] = run_episode) -> Chunk:
    """Run some episodes (in a worker) and return their rows, ready to store: redacted, of
    the declared types and encoded as Parquet (``store_parts.prepare``), so the encoding
    runs in the workers, in parallel. Never raises for an episode (``chunk_rows``)."""
    rows, steps = chunk_rows(items, episode_fn)
    spent = [spent_by(r) for r in rows]
    usd, tokens = sum(s[0] for s in spent), sum(s[1] for s in spent)
    episodes, step_rows = to_table(rows), to_table(steps) if steps else None
    try:
        part = prepare(episodes, step_rows)
    except Exception:  # the rows are kept: the store prepares them again, and says why not
        return Chunk(episodes, step_rows, usd, tokens)
    return Chunk(part.episodes, part.steps, usd, tokens, part.files)


def split_chunks(
    items: list[Item], workers: int, size: int | None, budgeted: bool
) -> list[list[Item]]:
    """Split the work into chunks that shrink as the work left does ("guided" scheduling).

    Each chunk is about a quarter of a worker's share of what is left, at most ``MAX_CHUNK``
    episodes (``SIM_CHUNK`` when every one is simulated, ``BUDGET_CHUNK`` under a sweep
    budget): big chunks keep the per-chunk overhead low, small last chunks keep every worker
    busy to the end, and a chunk of real model calls stays small, since a chunk running when
    the sweep is stopped is lost and runs again.
    """
    if size:
        return [items[i : i + size] for i in range(0, len(items), size)]
    simulated_only = all(simulated(config) for _, config in items)
    cap = BUDGET_CHUNK if budgeted else SIM_CHUNK if simulated_only else MAX_CHUNK
    return guided(items, workers, cap, 4)


class SweepBudget:
    """The sweep's caps and what its stored episodes have spent."""

    def __init__(self, usd: float | None, tokens: int | None, spent: tuple[float, float]) -> None:
        self.usd_cap, self.tokens_cap = usd, tokens  # checked by run_sweep (check_budgets)
        self.usd, self.tokens = spent

    @property
    def active(self) -> bool:
        return self.usd_cap is not None or self.tokens_cap is not None

    def add(self, chunk: Chunk) -> None:
        self.usd += chunk.usd
        self.tokens += chunk.tokens

    def exceeded(self) -> str | None:
        """Why no new work may start, or None."""
        if self.usd_cap is not None and math.isnan(self.usd):  # never counted as $0
            return (
                "budget_usd cannot apply: a stored episode's cost is NaN (an unpriced model, "
                "see price_source, or a reply without usage, see usage_missing); cap an "
                "unpriced model with budget_tokens instead"
            )
        if self.usd_cap is not None and self.usd >= self.usd_cap:
            return f"budget_usd ${self.usd_cap:g} reached (${self.usd:.4f} spent)"
        if self.tokens_cap is not None and math.isnan(self.tokens):  # never counted as 0
            return (
                "budget_tokens cannot apply: a stored episode's tokens are unknown (a reply "
                "without usage, see usage_missing); the endpoint must report token usage"
            )
        if self.tokens_cap is not None and self.tokens >= self.tokens_cap:
            return f"budget_tokens {self.tokens_cap:,} reached ({int(self.tokens):,} spent)"
        return None


def run_chunks(
    backend: Backend,
    chunks: list[list[Item]],
    store: SweepStore,
    budget: SweepBudget,
    bar: Any,
    episode_fn: Callable[[Any], Any],
    replace: Iterable[str] = (),
) -> str | None:
    """Run the chunks, storing each as it finishes; the reason it stopped early, or None.

    A chunk whose worker crashed (or that failed outside any episode) is split into single
    episodes, run one at a time so a crash names its episode; an episode that still fails
    becomes a failure row. The stored rows of the keys in ``replace`` (retried errors) are
    superseded by the new ones.
    """
    queue, suspects = deque(chunks), deque[list[Item]]()
    running: dict[Future[Any], tuple[list[Item], bool]] = {}  # future -> (items, ran alone)
    failures, stopped = 0, budget.exceeded()
    # chunks in flight: two per worker keep every worker busy; one under a sweep budget,
    # since whatever is running when the budget is reached still runs to the end
    limit = backend.workers * (1 if budget.active else 2)

    def store_chunk(chunk: Chunk, n: int) -> None:
        nonlocal failures, stopped
        store.write_part(chunk.episodes, chunk.steps, replace=replace, files=chunk.files)
        budget.add(chunk)
        outcomes = chunk.episodes["outcome"].tolist()
        failures += sum(str(o).startswith("error") for o in outcomes)
        bar.update(n)
        bar.set_postfix(usd=f"{budget.usd:.4f}", errors=failures, refresh=False)
        stopped = stopped or budget.exceeded()

    def submit(items: list[Item], alone: bool) -> bool:
        """Start a chunk; False (the chunk put back) if a worker crash broke the backend
        since the last look: the running chunks' futures then fail and say so below."""
        try:
            running[backend.submit(run_chunk, items, episode_fn)] = (items, alone)
        except Exception as exc:
            if not backend.broken(exc):
                raise
            (suspects if alone else queue).appendleft(items)
            if not running:  # no future is left to report the crash: start afresh now
                backend.restart()
            return False
        return True

    while True:
        if stopped is None:
            if suspects and not running:
                submit(suspects.popleft(), True)
            while not suspects and queue and len(running) < limit:
                if not submit(queue.popleft(), False):
                    break
        if not running:
            if stopped is None and (queue or suspects):
                continue  # the backend was restarted with work left
            return stopped
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            if future not in running:  # already handled with a broken pool below
                continue
            items, alone = running.pop(future)
            try:
                chunk = future.result()
            except Exception as exc:
                if backend.broken(exc):  # the other running chunks died with the pool
                    for other, (more, _) in list(running.items()):
                        running.pop(other)
                        if other.done() and not other.cancelled() and other.exception() is None:
                            store_chunk(other.result(), len(more))
                        else:
                            suspects.extend([item] for item in more)
                    backend.restart()
                if alone and len(items) == 1:  # it failed on its own: its episode's fault
                    key, config = items[0]
                    reason = "error: worker crashed" if backend.broken(exc) else _reason(exc)
                    chunk = Chunk(to_table([failure_row(key, config, reason)]), None, 0.0, 0.0)
                else:
                    suspects.extend([item] for item in items)
                    continue
            store_chunk(chunk, len(items))
