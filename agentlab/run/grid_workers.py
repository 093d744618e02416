"""A notebook's grids on every core: how many processes ``run_episodes`` uses, and how the
grid's chunks run in this process and in worker processes at once.

This process works through the grid's chunks itself and starts workers
(``agentlab.run.backends.LocalBackend``; in a kernel, behind a host of their own:
``agentlab.run.worker_host``) only when enough work is left to pay for them; once up, they
take chunks too and are kept, warm, for the next grid (``agentlab.run.kept_workers``).
Every episode is seeded by its configuration, so the tables do not depend on which process
ran it.

Introduced in notebook 00 (`00_quickstart.ipynb`), where a grid first runs.
"""

from __future__ import annotations

import math
import multiprocessing
import operator
import os
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tqdm.auto import tqdm

from agentlab.config import EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.run import worker_host
from agentlab.run.kept_workers import Workers

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

T = TypeVar("T")
R = TypeVar("R")
Rows = tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]  # episodes rows, steps rows

WORKERS_ENV = "AGENTLAB_WORKERS"  # the most processes running episodes, when none are asked
PARALLEL_FROM = 32  # episodes: a smaller grid starts no workers (it may use those up)
MAX_WORKERS = 8  # processes at most, this one included, unless workers= says more
CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # a container's CPU quota, where there is one
CHUNK = 8  # episodes per chunk at most: this process checks on the workers between chunks
# seconds of work left (this process's pace so far) above which workers are started: their
# start costs a core 1-2 s the first time (their server imports the lab), a grid's first
# episodes in each worker build its graphs and caches, and a small grid is done before that
START_AFTER_S = 2.0
KEPT_AFTER_S = 0.5  # the same for a grid too small to start workers, to use those up


def importing_main_again() -> bool:
    """Whether this is a worker process, or the server they are forked from, which imports
    the script that started them again (as ``__mp_main__``) before any work."""
    main = sys.modules.get("__mp_main__")  # in the process that started them: its __main__
    return multiprocessing.parent_process() is not None or (
        getattr(main, "__name__", "__main__") == "__mp_main__"
    )


def checked_workers(workers: int, model: BaseChatModel | None) -> int:
    """``workers`` as ``run_episodes`` was given it, checked."""
    try:
        n = operator.index(workers) if not isinstance(workers, bool) else 0
    except TypeError:
        n = 0
    if n < 1:
        raise ConfigError("workers", workers, "a whole number of at least 1, or None")
    if n > 1 and model is not None:
        raise ConfigError(
            "workers", workers, "1 or None with a model object (it cannot leave this process)"
        )
    return n


def default_workers(configs: list[EpisodeConfig], model: BaseChatModel | None = None) -> int:
    """The processes ``run_episodes`` uses when not told (``workers=None``), this one
    included: ``kernel_processes`` for a grid of simulated episodes (a real model's calls
    cost money and meet rate limits, so running them side by side is for ``workers``, or
    ``run_sweep``, to ask); else 1."""
    n = kernel_processes(len(configs))  # reads AGENTLAB_WORKERS first: a bad value is said
    return n if model is None and all(map(simulated, configs)) else 1


def kernel_processes(items: int) -> int:
    """The processes, this one included, for ``items`` pieces of simulated work: the
    machine's cores (at most ``MAX_WORKERS``, or ``AGENTLAB_WORKERS``) for two or more
    run in a notebook (workers start for ``PARALLEL_FROM`` or more: ``run_on_workers``).

    Only in a notebook's kernel: a worker process imports the main module again, which a
    kernel's is made for and a script's may not be. Only where workers are forked from a
    server that loaded the lab once (Linux, macOS): a spawned worker (Windows) takes
    seconds to start and the memory of a whole process.
    """
    cap = _workers_cap()
    if cap == 1 or items < 2 or not worker_host.in_a_kernel():
        return 1
    from agentlab.run.backends import start_method

    if start_method() != "forkserver":
        return 1
    return max(1, min(cap, cores()))  # one size per kernel: kept workers serve every grid


def sweep_workers() -> int:
    """A sweep's worker processes when not told (``run_sweep(workers=None)``): the cores this
    process may use, at most ``AGENTLAB_WORKERS`` when it is set."""
    n = cores()
    return min(n, _workers_cap(default=n))


def _workers_cap(default: int = MAX_WORKERS) -> int:
    given = os.environ.get(WORKERS_ENV, "").strip()
    if not given:
        return default
    try:
        cap = int(given)
    except ValueError:
        cap = 0
    if cap < 1:
        raise ConfigError(WORKERS_ENV, given, "a whole number of at least 1")
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


def simulated(config: Any) -> bool:
    """Whether an episode runs on the simulated model (no call leaves this machine)."""
    model = getattr(config, "model", None)
    return isinstance(model, str) and model.partition(":")[0] == "sim"


def guided(items: list[T], workers: int, cap: int, parts: int) -> list[list[T]]:
    """``items`` in chunks that shrink as what is left does ("guided" scheduling): each about
    ``1 / parts`` of a worker's share of what is left, at most ``cap``, so big chunks keep
    the per-chunk overhead low and small last ones keep every worker busy to the end."""
    out, i = [], 0
    while i < len(items):
        k = max(1, min(cap, math.ceil((len(items) - i) / (parts * max(workers, 1)))))
        out.append(items[i : i + k])
        i += k
    return out


def run_on_workers(
    configs: list[T],
    processes: int,
    bar: Any,
    rows_of: Callable[[list[T]], R],
    *,
    cap: int = CHUNK,
    who: str = "run_episodes",
    start: bool | None = None,
) -> list[R]:
    """Run the grid's chunks in this process and in up to ``processes - 1`` workers; each
    chunk's rows (``rows_of``, a module's function or a ``partial`` of one: workers receive
    it pickled, by name), in the grid's order; a chunk holds at most ``cap`` items, and
    ``who`` names the caller in warnings. Workers kept from an earlier grid take chunks at
    once; else they are started, in the background, once more than ``START_AFTER_S`` of
    work is left at this process's pace, and until they are up (a second or two the first
    time, while their server imports the lab) this process works alone. They stay up for
    the next grid (``Workers.shared``), warm: a worker's first episodes of each kind build
    its graphs and caches. A grid that may not ``start`` workers (None: one of fewer than
    ``PARALLEL_FROM`` items may not) uses workers already up once more than
    ``KEPT_AFTER_S`` of its work is left. A worker that dies, or workers that cannot start,
    leave the rest to this process, with a warning; an episode that raises, raises here.
    """
    chunks = guided(configs, processes, cap, 8)  # each ~1/8 of a process's share
    done: list[Any] = [None] * len(chunks)
    todo = list(range(len(chunks)))[::-1]  # chunk indices, the next one last
    start = len(configs) >= PARALLEL_FROM if start is None else start  # small: uses those up
    workers = Workers.kept(processes - 1) if start else None  # up from an earlier grid
    alone = False  # the workers failed: this process does the rest
    running: dict[Future[Any], int] = {}
    began, ran = time.perf_counter(), 0

    def lost(why: str) -> None:  # no more workers for this grid: their chunks come back here
        nonlocal todo, alone
        todo = sorted([*todo, *running.values()], reverse=True)
        running.clear()
        if workers is not None:
            workers.close(cancel=True)
        alone = True
        warnings.warn(f"{who}: {why}; this process runs the rest", RuntimeWarning, 4)

    try:
        while todo or running:
            if workers is None and not alone and ran:  # worth starting them for what is left?
                left = sum(len(chunks[i]) for i in todo) * (time.perf_counter() - began) / ran
                if not start:
                    workers = Workers.kept(processes - 1) if left > KEPT_AFTER_S else None
                elif left > START_AFTER_S and Workers.cannot_start:  # tried before, in vain
                    lost(f"worker processes cannot start ({Workers.cannot_start})")
                elif left > START_AFTER_S:
                    workers = Workers.shared(processes - 1)
            if workers is not None and not alone and workers.failure:
                lost(f"worker processes cannot start ({workers.failure})")
            pool = workers.ready() if workers is not None and not alone else None
            # one chunk queued beyond the running ones; if the kept workers are more than
            # asked for, no more running than asked
            limit = 0 if pool is None else pool.workers + 1
            limit = limit if limit <= processes else processes - 1
            while pool is not None and todo and len(running) < limit:
                i = todo.pop()
                try:
                    running[pool.submit(rows_of, chunks[i])] = i
                except (BrokenProcessPool, RuntimeError) as exc:  # died while kept, or shut
                    todo.append(i)
                    lost(f"a worker process died ({exc})")
                    pool = None
            if todo:  # this process takes the next chunk itself
                i = todo.pop()
                done[i] = rows_of(chunks[i])
                ran += len(chunks[i])
                bar.update(len(chunks[i]))
                finished = [f for f in running if f.done()]
            else:  # the rest is running in the workers
                finished = list(wait(running, return_when=FIRST_COMPLETED).done)
            died: BaseException | None = None
            for future in finished:
                i = running.pop(future)
                try:
                    done[i] = future.result()  # an episode that raised there raises here
                except (BrokenProcessPool, CancelledError) as exc:  # a worker died (or its
                    todo.append(i)  # pool was shut under this grid): run it here
                    died = died or exc
                    continue
                bar.update(len(chunks[i]))
            if died is not None:
                lost(f"a worker process died ({type(died).__name__}: {died})")
    except Exception:  # an episode raised: drop what is queued, keep the workers for later
        for future in running:
            future.cancel()
        if workers is not None:
            workers.rest()
        raise
    except BaseException:  # Ctrl-C, a kernel interrupt: stop the workers' chunks too
        if workers is not None:
            workers.close(cancel=True)
        raise
    if workers is not None:
        workers.rest()
    return done


def on_the_cores(items: list[T], run: Callable[[list[T]], list[R]], cap: int, who: str) -> list[R]:
    """``run(items)``, a result per item in order: on the kernel's cores in a notebook as a
    grid runs (``run_on_workers``), else here; chunks of at most ``cap``, ``who`` warns."""
    n = kernel_processes(len(items))
    if n == 1:
        return list(run(items))
    with tqdm(total=len(items), disable=True) as bar:  # no bar of its own: a cell's step
        chunks = run_on_workers(items, n, bar, run, cap=cap, who=who)
    return [r for chunk in chunks for r in chunk]
