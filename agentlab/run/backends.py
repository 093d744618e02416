"""Where a sweep's chunks run: in this process, in local worker processes, or on Ray.

Every backend turns ``submit(fn, *args)`` into a ``concurrent.futures.Future``, so the
sweep waits on all of them the same way. ``LocalBackend`` is a process pool whose workers
are forked from a server that imported agentlab once (spawned afresh where the platform
has no fork server: Windows); ``RayBackend`` runs the same
function as Ray tasks, on a local Ray instance (started on loopback, no dashboard, no
usage reporting) or on an existing cluster (``address=``).

Introduced in notebook 10 (`10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

from agentlab.run.identity import call_with_environment, endpoint_environment
from agentlab.serve.tracing import TracingUnreachableWarning

BACKENDS = ("local", "ray")
RAY_EXTRA = 'the Ray backend needs Ray: pip install "agentlab-scaling[ray]" (or pip install ray)'


class Backend(Protocol):
    """What the sweep needs from a place to run chunks."""

    workers: int  # chunks that can run at once

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` somewhere; its future."""
        ...

    def broken(self, exc: BaseException) -> bool:
        """Whether this failure broke the backend (then ``restart`` it)."""
        ...

    def restart(self) -> None:
        """Start afresh after a worker crash broke the backend."""
        ...

    def close(self, *, cancel: bool = False) -> None:
        """Release the workers; with ``cancel``, drop queued and running work."""
        ...


class InProcessBackend:
    """Runs each chunk at once, in this process (``workers=0``): for debugging."""

    workers = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run now; a finished future."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def broken(self, exc: BaseException) -> bool:
        """Never broken."""
        return False

    def restart(self) -> None:
        """Nothing to restart."""

    def close(self, *, cancel: bool = False) -> None:
        """Nothing to release."""


def start_method() -> str:
    """How worker processes start: from a fork server where the platform has one (Linux,
    macOS), else spawned afresh (Windows, which has neither fork nor a fork server)."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


def _sweep_alive(sweep_pid: int) -> bool:
    """Whether the process running the sweep still exists."""
    if sys.platform == "win32":  # os.kill would terminate it there: ask the parent's handle
        parent = multiprocessing.parent_process()  # a spawned worker's parent is the sweep
        return parent is None or parent.is_alive()
    try:
        os.kill(sweep_pid, 0)  # signal 0 only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists (we may not signal it): alive
        pass
    return True


def _init_worker(sweep_pid: int) -> None:
    """Leave Ctrl-C to the sweep, which stops the workers; exit when the sweep is gone.

    A worker blocks waiting for work and never notices that the process running the sweep
    was killed (a kernel restart, SIGKILL): a watchdog thread ends it then, so no idle
    worker outlives its sweep.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.filterwarnings("ignore", category=TracingUnreachableWarning)  # the sweep says it

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if not _sweep_alive(sweep_pid):
                os._exit(0)

    threading.Thread(target=watch, name="agentlab-sweep-watchdog", daemon=True).start()


class PoolBackend:
    """A pool of processes on this machine, which a dead worker breaks as a whole: what
    ``LocalBackend`` and ``worker_host.HostBackend`` share."""

    def _start(self) -> None:
        raise NotImplementedError

    def close(self, *, cancel: bool = False) -> None:
        raise NotImplementedError

    def broken(self, exc: BaseException) -> bool:
        """A dead worker breaks the whole pool."""
        return isinstance(exc, BrokenProcessPool)

    def restart(self) -> None:
        """Replace a broken pool."""
        self.close(cancel=True)
        self._start()


class LocalBackend(PoolBackend):
    """A pool of ``workers`` processes on this machine.

    Workers are forked from a "forkserver" that imported ``agentlab.run.sweep`` once and
    froze its objects for the collector (``agentlab.run.worker_preload``), so a worker
    starts in milliseconds with the lab loaded, shares those pages instead of copying
    them, and is safe to start from JupyterLab
    (no fork of a threaded kernel). Where there is no fork server (Windows), workers are
    spawned (``start_method``): each imports the lab and builds the tokenizer itself when
    its first chunk arrives, and shares no pages with the others, so each takes the
    memory of a whole process.
    The fork server keeps the environment it started with,
    so each task carries the endpoint and credentials of the moment it was submitted. A
    worker that dies breaks the pool; ``restart`` makes a new one.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._start()

    def _start(self) -> None:
        ctx = multiprocessing.get_context(start_method())
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["agentlab.run.worker_preload"])
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=_init_worker, initargs=(os.getpid(),)
        )
        try:  # a worker that cannot even start is the setup's fault, not an episode's
            self._pool.submit(os.getpid).result(timeout=120)
        except Exception as exc:
            self.close(cancel=True)
            raise RuntimeError(
                f"sweep worker processes cannot start ({type(exc).__name__}: {exc}). In a "
                "script, call run_sweep under `if __name__ == '__main__':`; or use workers=0"
            ) from exc

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Queue ``fn(*args)`` on the pool, with this process's endpoint and credentials as
        they are now (``agentlab.run.identity``): a worker's own environment is the one its
        fork server started with, perhaps sweeps ago."""
        if self._pool is None:
            raise RuntimeError("the worker processes are shut down")
        return self._pool.submit(call_with_environment, endpoint_environment(), fn, *args)

    def close(self, *, cancel: bool = False) -> None:
        """Shut the pool down; with ``cancel``, stop running chunks too (their work is lost)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if cancel:  # running chunks would otherwise finish first; they are recomputed later
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=cancel)


def import_ray() -> Any:
    """The ``ray`` module, or ``ImportError`` saying how to install it."""
    try:
        return importlib.import_module("ray")
    except ImportError as exc:
        raise ImportError(RAY_EXTRA) from exc


def ray_available() -> bool:
    """Whether the Ray backend can be used (Ray importable)."""
    return importlib.util.find_spec("ray") is not None


def ray_runtime_env(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a Ray cluster's workers need to run this agentlab: its package folder, data included.

    Example:
        >>> env = ray_runtime_env({"env_vars": {"A": "1"}})
        >>> Path(env["py_modules"][0]).name, env["env_vars"]
        ('agentlab', {'A': '1'})
    """

    env = dict(extra or {})
    env.setdefault("py_modules", [str(Path(__file__).resolve().parents[1])])
    return env


class RayBackend:
    """Ray tasks, one per chunk.

    Without ``address`` a local Ray instance starts (once per Python process, reused
    after) with ``num_cpus=workers``, on loopback, with no dashboard and no usage
    statistics. With ``address`` (``"host:6379"`` from ``ray start --head``,
    ``"ray://host:10001"``, ``"auto"``) the sweep joins an existing cluster and ships this
    agentlab to its workers in a ``runtime_env`` (``py_modules``: the package folder, data
    and all), so a node needs only agentlab's dependencies, not agentlab itself; pass
    ``runtime_env`` to add to it (e.g. ``{"pip": [...]}`` for nodes that lack the
    dependencies and can reach a package index). A Ray that is already initialised is used
    as it is.
    """

    def __init__(
        self, workers: int, address: str | None = None, runtime_env: dict[str, Any] | None = None
    ) -> None:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no reporting home
        if address is None:  # bind the local instance to loopback, not the machine's address
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        self._ray = ray = import_ray()
        if not ray.is_initialized():
            options: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
            if address is None:
                options |= {"num_cpus": workers, "include_dashboard": False}
            else:
                options |= {"address": address, "runtime_env": ray_runtime_env(runtime_env)}
            ray.init(**options)
        cpus = int(ray.cluster_resources().get("CPU", workers) or workers)
        self.workers = max(1, cpus if address is not None else min(cpus, workers))
        self._remote: dict[Callable[..., Any], Any] = {}
        self._running: dict[int, Any] = {}  # id(future) -> its ObjectRef, until it finishes

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` as a Ray task, with this process's endpoint variables as they
        are now (Ray's workers outlive a sweep, as the local backend's do)."""
        if fn not in self._remote:
            self._remote[fn] = self._ray.remote(num_cpus=1)(call_with_environment)
        ref = self._remote[fn].remote(endpoint_environment(), fn, *args)
        future: Future[Any] = ref.future()
        self._running[id(future)] = ref
        future.add_done_callback(lambda f: self._running.pop(id(f), None))
        return future

    def broken(self, exc: BaseException) -> bool:
        """A crashed Ray task fails alone; Ray stays usable."""
        return False

    def restart(self) -> None:
        """Nothing to restart."""

    def close(self, *, cancel: bool = False) -> None:
        """Cancel unfinished tasks when asked; Ray itself stays up for the next sweep."""
        if cancel:
            for ref in list(self._running.values()):
                with contextlib.suppress(Exception):  # finished, or gone with its worker
                    self._ray.cancel(ref, force=True)
        self._running.clear()


def make_backend(
    name: str,
    workers: int,
    address: str | None = None,
    runtime_env: dict[str, Any] | None = None,
    local: Callable[[int], Backend] | None = None,
) -> Backend:
    """``"local"`` (``workers=0``: in this process; else ``local(workers)``, by default a
    ``LocalBackend``) or ``"ray"``."""
    if name == "ray":
        return RayBackend(max(workers, 1), address, runtime_env)
    if runtime_env is not None:
        raise ValueError("ray_runtime_env: applies to backend='ray' only; got backend='local'")
    if name != "local":
        raise ValueError(f"backend: got {name!r}; allowed: {', '.join(BACKENDS)}")
    return InProcessBackend() if workers == 0 else (local or LocalBackend)(workers)
