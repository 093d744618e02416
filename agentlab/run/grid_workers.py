"""A notebook's large grids on every core: how many processes ``run_episodes`` uses, and
how the grid's chunks run in this process and in worker processes at once.

This process works through the grid's chunks itself and starts workers
(``agentlab.run.backends.LocalBackend``) only when enough work is left to pay for them;
once up, they take chunks too and are kept, warm, for the next grid. Every episode is
seeded by its configuration, so the tables do not depend on which process ran it.

Introduced in notebook 00 (`00_quickstart.ipynb`), where a grid first runs.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentlab.config import EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.model_names import check_model_string

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

Rows = tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]  # episodes rows, steps rows

WORKERS_ENV = "AGENTLAB_WORKERS"  # the most processes run_episodes uses on its own (1: none)
PARALLEL_FROM = 32  # episodes: a smaller grid runs in this process alone
MAX_WORKERS = 8  # processes at most, this one included, unless workers= says more
CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # a container's CPU quota, where there is one
CHUNK = 8  # episodes per chunk at most: this process checks on the workers between chunks
# seconds of work left (this process's pace so far) above which workers are started: their
# start costs a core 1-2 s the first time (their server imports the lab), a grid's first
# episodes in each worker build its graphs and caches, and a small grid is done before that
START_AFTER_S = 2.0


def importing_main_again() -> bool:
    """Whether this is a worker process, or the server they are forked from, which imports
    the script that started them again (as ``__mp_main__``) before any work."""
    main = sys.modules.get("__mp_main__")  # in the process that started them: its __main__
    return multiprocessing.parent_process() is not None or (
        getattr(main, "__name__", "__main__") == "__mp_main__"
    )


def checked_workers(workers: int, model: BaseChatModel | None) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError("workers", workers, "a whole number of at least 1, or None")
    if workers > 1 and model is not None:
        raise ConfigError(
            "workers", workers, "1 or None with a model object (it cannot leave this process)"
        )
    return workers


def default_workers(configs: list[EpisodeConfig], model: BaseChatModel | None = None) -> int:
    """The processes ``run_episodes`` uses when not told (``workers=None``), this one
    included: the machine's cores (at most ``MAX_WORKERS``, or ``AGENTLAB_WORKERS``) for a
    grid of at least ``PARALLEL_FROM`` simulated episodes run in a notebook; else 1.

    Only in a notebook's kernel: a worker process imports the main module again, which a
    kernel's is made for and a script's may not be. Only simulated episodes: a real
    model's calls cost money and meet rate limits, so running them side by side is for
    ``workers`` (or ``run_sweep``) to ask. Only where workers are forked from a server that
    loaded the lab once (Linux, macOS): a spawned worker (Windows) takes seconds to start
    and the memory of a whole process.
    """
    cap = _workers_cap()
    if cap == 1 or model is not None or len(configs) < PARALLEL_FROM or not in_a_kernel():
        return 1
    from agentlab.run.backends import start_method

    if start_method() != "forkserver" or not all(_simulated(c) for c in configs):
        return 1
    return max(1, min(cap, cores(), math.ceil(len(configs) / CHUNK)))


def _workers_cap() -> int:
    given = os.environ.get(WORKERS_ENV, "").strip()
    if not given:
        return MAX_WORKERS
    try:
        cap = int(given)
    except ValueError:
        cap = 0
    if cap < 1:
        raise ConfigError(WORKERS_ENV, given, "a whole number of at least 1 (1: this process only)")
    return cap


def cores() -> int:
    """The cores this process may use: the ones it may run on, fewer under a container's CPU
    quota (cgroup v2 ``cpu.max``, as a JupyterHub on Kubernetes sets it), which the
    affinity does not show."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = CPU_MAX.read_text().split()[:2]
        if quota != "max":
            return max(1, min(cores or 1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):  # no cgroup v2 here (macOS, Windows, an older Linux)
        pass
    return cores or 1


def in_a_kernel() -> bool:
    """Whether this process is a Jupyter kernel (IPython's kernel app is running)."""
    app = sys.modules.get("ipykernel.kernelapp")
    return app is not None and app.IPKernelApp.initialized()


def _simulated(config: EpisodeConfig) -> bool:
    return check_model_string(config.model)[0] == "sim"


def chunks_of(configs: list[EpisodeConfig], processes: int) -> list[list[EpisodeConfig]]:
    """The grid in chunks that shrink as the work left does (each about an eighth of a
    process's share of it, at most ``CHUNK``), so every process stays busy to the end."""
    out, i = [], 0
    while i < len(configs):
        k = max(1, min(CHUNK, math.ceil((len(configs) - i) / (8 * processes))))
        out.append(configs[i : i + k])
        i += k
    return out


def run_on_workers(
    configs: list[EpisodeConfig],
    processes: int,
    bar: Any,
    rows_of: Callable[[list[EpisodeConfig]], Rows],
) -> list[Rows]:
    """Run the grid's chunks in this process and in ``processes - 1`` workers; each chunk's
    rows (``rows_of``, a module's function: workers receive it by name), in the grid's
    order. Workers kept from an earlier grid take chunks at once; else they are started,
    in the background, once more than ``START_AFTER_S`` of work is left at this process's
    pace, and until they are up (a second or two the first time, while their server
    imports the lab) this process works alone. They stay up for the next grid
    (``Workers.shared``), warm: a worker's first episodes of each kind build its graphs and
    caches.
    """
    chunks = chunks_of(configs, processes)
    done: list[Any] = [None] * len(chunks)
    todo = list(range(len(chunks)))[::-1]  # chunk indices, the next one last
    workers = Workers.kept(processes - 1)  # up from an earlier grid, or None
    running: dict[Future[Any], int] = {}
    began, ran = time.perf_counter(), 0
    try:
        while todo or running:
            if workers is None and ran:  # worth starting them for what is left?
                left = sum(len(chunks[i]) for i in todo) * (time.perf_counter() - began) / ran
                if left > START_AFTER_S:
                    workers = Workers.shared(processes - 1)
            pool = workers.ready() if workers is not None else None
            while pool is not None and todo and len(running) < 2 * pool.workers:
                i = todo.pop()
                running[pool.submit(rows_of, chunks[i])] = i
            if todo:  # this process takes the next chunk itself
                i = todo.pop()
                done[i] = rows_of(chunks[i])
                ran += len(chunks[i])
                bar.update(len(chunks[i]))
                finished = [f for f in running if f.done()]
            else:  # the rest is running in the workers
                finished = list(wait(running, return_when=FIRST_COMPLETED).done)
            for future in finished:
                i = running.pop(future)
                try:
                    done[i] = future.result()  # an episode that raised there raises here
                except BrokenProcessPool as exc:  # a worker died: this process does the rest
                    todo = sorted([*todo, i, *running.values()], reverse=True)
                    running.clear()
                    workers.close(cancel=True)  # type: ignore[union-attr]
                    warnings.warn(
                        f"run_episodes: a worker process died ({exc}); this process runs the "
                        "rest of the grid",
                        RuntimeWarning,
                        stacklevel=3,
                    )
                    break
                bar.update(len(chunks[i]))
    except BaseException:
        if workers is not None:
            workers.close(cancel=True)
        raise
    if workers is not None:
        workers.rest()
    return done


class Workers:
    """Worker processes started in a background thread, kept between grids while they are
    used: ``rest`` shuts them down after ``IDLE_S`` unused, ``close`` now (or as soon as
    they are up)."""

    IDLE_S = 120.0  # a learner reads a plot between two grids; then the memory goes back
    _current: Workers | None = None
    _lock_shared = threading.Lock()

    @classmethod
    def kept(cls, n: int) -> Workers | None:
        """The workers kept from an earlier grid if they are up and ``n`` of them, else None."""
        with cls._lock_shared:
            kept = cls._current
            if kept is not None and kept.n == n and kept.ready() is not None and kept.use():
                return kept
            return None

    @classmethod
    def shared(cls, n: int) -> Workers:
        """This process's workers, ``n`` of them: the ones kept from the last grid if they
        are still up and as many, else new ones."""
        with cls._lock_shared:
            kept = cls._current
            if kept is not None and kept.n == n and kept.use():
                return kept
            if kept is not None:
                kept.close()
            cls._current = cls(n)
            return cls._current

    def __init__(self, n: int) -> None:
        self.n = n
        self._lock = threading.Lock()
        self._pool: Any = None
        self._closed: bool | None = None  # None: open; else whether to cancel running work
        self._timer: threading.Timer | None = None
        start = threading.Thread(target=self._start, args=(n,), name="agentlab-workers")
        start.daemon = True
        start.start()

    def _start(self, n: int) -> None:
        from agentlab.run.backends import LocalBackend

        try:
            pool = LocalBackend(n)
        except Exception as exc:  # this process runs the whole grid: nothing is lost
            self.close()
            warnings.warn(
                f"run_episodes: worker processes cannot start ({exc}); the episodes run in "
                "this process",
                RuntimeWarning,
                stacklevel=1,
            )
            return
        with self._lock:
            if self._closed is None:
                self._pool = pool
                return
        pool.close(cancel=self._closed)

    def ready(self) -> Any:
        """The workers' backend once they are up, else None."""
        with self._lock:
            return self._pool

    def use(self) -> bool:
        """Keep them up for a grid; False if they are closed."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            return self._closed is None

    def rest(self) -> None:
        """Shut them down unless a grid uses them within ``IDLE_S``."""
        with self._lock:
            if self._closed is None:
                self._timer = threading.Timer(self.IDLE_S, self.close)
                self._timer.daemon = True
                self._timer.start()

    def close(self, *, cancel: bool = False) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            self._closed = cancel if self._closed is None else self._closed
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if pool is not None:
            pool.close(cancel=cancel)
