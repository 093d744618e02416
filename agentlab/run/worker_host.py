"""A notebook's worker processes, kept out of the kernel's process group.

Asked to shut down (or restart), ipykernel signals every child process in its process
group and waits until none is left. Worker processes started from the kernel itself bring
multiprocessing's fork server and resource tracker along, in the kernel's group; the
tracker ignores the signal and a dead fork server stays a zombie the kernel never reaps,
so every shutdown waited until jupyter_client gave up and terminated the kernel (2.5 s).

In a kernel, the lab's pools of workers (``HostBackend``) live in one small process, the
host, started on first use in a session of its own and kept for the kernel's life: it
starts each pool (``LocalBackend``, forked from its one fork server, which loads the lab
once) and passes chunks and results between them and the kernel over a pipe. The kernel
then has no child in its group; when it exits, or is killed, the host reads the end of the
pipe and shuts its pools down, and a worker whose host is gone exits by itself
(``backends._init_worker``'s watchdog). The chunks travel pickled: the host forwards them
without loading the lab, and each carries the kernel's endpoint variables of the moment it
was submitted, as ``LocalBackend.submit`` does.

Introduced in notebook 00 (`00_quickstart.ipynb`), where a grid first runs.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import multiprocessing
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from agentlab.run.backends import PoolBackend
from agentlab.run.identity import call_with_environment, endpoint_environment

if TYPE_CHECKING:
    from agentlab.run.backends import LocalBackend

START_TIMEOUT_S = 120.0  # a pool up (the first one loads the lab in the fork server)
CLOSE_TIMEOUT_S = 60.0  # a pool shut down (without cancel, its running chunks finish first)
# what the host runs: its path first (the kernel's, so it loads the same agentlab), then serve
_BOOT = (
    "import sys; from multiprocessing.connection import Connection; "
    "c = Connection(int(sys.argv[1])); sys.path[:] = c.recv(); "
    "from agentlab.run.worker_host import serve; serve(c)"
)


class WorkerTraceback(Exception):
    """Where an exception raised in a worker came from (its traceback there, as text)."""


class Host:
    """The host process, and requests to it: each gets a number and a future that its
    answer settles (the result, or the error it raised there). Every future still open
    when the host is gone fails with ``BrokenProcessPool``, as a dead worker's does."""

    _current: Host | None = None
    _lock_current = threading.Lock()

    @classmethod
    def get(cls) -> Host:
        """This process's host, started now if there is none (or the last one is gone)."""
        with cls._lock_current:
            if cls._current is None or cls._current.gone is not None:
                cls._current = cls()
            return cls._current

    def __init__(self) -> None:
        ours, theirs = multiprocessing.Pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                start_new_session=True,  # a group of its own: ipykernel's shutdown passes it
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.conn = ours
        self.gone: str | None = None  # why it can take nothing more
        self._lock = threading.Lock()  # the open futures, and gone
        self._open: dict[int, Future[Any]] = {}
        self._ids = itertools.count()
        # one thread sends, in order: a Ctrl-C in the caller never cuts a message in two,
        # and no lock is held while the pipe is full
        self._outbox: queue.SimpleQueue[Any] = queue.SimpleQueue()  # None: the writer ends
        self._outbox.put(sys.path)  # what the host reads first
        try:
            for target in (self._write, self._read):
                threading.Thread(target=target, name="agentlab-worker-host", daemon=True).start()
        except BaseException:
            self._fail("the worker host could not be reached")
            raise

    def ask(self, *request: Any) -> Future[Any]:
        """Send ``request`` (an operation and its arguments); its answer's future."""
        future: Future[Any] = Future()
        with self._lock:
            if self.gone is not None:
                raise BrokenProcessPool(self.gone)
            i = next(self._ids)
            self._open[i] = future
        self._outbox.put((i, *request))
        return future

    def _write(self) -> None:
        try:
            while (message := self._outbox.get()) is not None:
                self.conn.send(message)
        except Exception as exc:  # the pipe broke (OSError), or a request did not pickle
            self._fail(f"the worker host cannot be reached ({type(exc).__name__}: {exc})")

    def _read(self) -> None:
        try:
            while True:
                i, ok, blob = self.conn.recv()  # numbers and bytes: the answer is in blob
                with self._lock:
                    future = self._open.pop(i, None)
                if future is None or not future.set_running_or_notify_cancel():
                    continue  # cancelled here meanwhile
                try:
                    value = pickle.loads(blob)
                except Exception as exc:  # an answer that cannot be read here: that one's error
                    future.set_exception(exc)
                    continue
                if ok:
                    future.set_result(value)
                else:
                    error, where = value
                    if where:
                        error.__cause__ = WorkerTraceback(where)
                    future.set_exception(error)
        except BaseException:  # the host is gone (EOFError, OSError), or this thread failed
            self._fail("the worker host is gone")

    def _fail(self, why: str) -> None:
        """The host can take nothing more: fail what is open, and end it (reaped, not left
        a zombie; a host whose pipe closes stops its pools)."""
        with self._lock:
            first = self.gone is None
            self.gone = self.gone or why
            left, self._open = self._open, {}
        for future in left.values():
            if future.set_running_or_notify_cancel():
                future.set_exception(BrokenProcessPool(self.gone))
        if not first:
            return
        self._outbox.put(None)  # the writer ends
        self.conn.close()
        try:
            code = self.process.wait(CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        with self._lock:
            self.gone = f"{self.gone}; it exited with {code}"


class HostBackend(PoolBackend):
    """``workers`` worker processes in the host, as a ``LocalBackend`` (``workers``,
    ``submit``, ``broken``, ``restart``, ``close``); a dead host breaks it."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._host: Host | None = None
        self._pool = -1
        self._start()

    def _start(self) -> None:
        for attempt in (1, 2):  # a host that died unnoticed: the second finds it gone
            host, pool = Host.get(), next(_pools)
            try:
                host.ask("start", pool, self.workers).result(START_TIMEOUT_S)
            except BrokenProcessPool as exc:
                if attempt == 1:
                    continue
                raise RuntimeError(f"the worker host stopped ({exc})") from exc
            except BaseException as exc:  # a timeout, a Ctrl-C: the pool must not stay behind
                with contextlib.suppress(BrokenProcessPool):
                    host.ask("close", pool, True)
                if isinstance(exc, TimeoutError):
                    raise RuntimeError(
                        f"the workers did not start in {START_TIMEOUT_S:.0f} s"
                    ) from exc
                raise
            self._host, self._pool = host, pool
            return

    @property
    def pid(self) -> int | None:
        """The host's process id (None once this pool is closed)."""
        return None if self._host is None else self._host.process.pid

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Queue ``fn(*args)`` on a worker, with this process's endpoint variables as they
        are now; ``BrokenProcessPool`` once the host is gone."""
        host = self._host
        if host is None:
            raise RuntimeError("the worker processes are shut down")
        return host.ask("submit", self._pool, pickle.dumps((fn, args, endpoint_environment())))

    def close(self, *, cancel: bool = False) -> None:
        """Shut the workers down; with ``cancel``, stop running chunks too."""
        host, self._host = self._host, None
        if host is None:
            return
        with contextlib.suppress(BrokenProcessPool, TimeoutError):  # gone: nothing to close
            host.ask("close", self._pool, cancel).result(CLOSE_TIMEOUT_S)


_pools = itertools.count()


def local_backend(workers: int, *, kernel: bool | None = None) -> HostBackend | LocalBackend:
    """Worker processes for this process: in the host in a Jupyter kernel (``kernel``,
    default ``in_a_kernel()``) on Linux or macOS, where ipykernel waits on its own process
    group; else a ``LocalBackend``."""
    from agentlab.run.backends import LocalBackend

    kernel = in_a_kernel() if kernel is None else kernel
    return HostBackend(workers) if kernel and os.name == "posix" else LocalBackend(workers)


def in_a_kernel() -> bool:
    """Whether this process is a Jupyter kernel (IPython's kernel app is running)."""
    app = sys.modules.get("ipykernel.kernelapp")
    return app is not None and app.IPKernelApp.initialized()


def run_pickled(blob: bytes) -> bytes:
    """In a worker: the task the kernel pickled, run with the kernel's endpoint variables;
    its result pickled for the trip back."""
    fn, args, variables = pickle.loads(blob)
    return pickle.dumps(call_with_environment(variables, fn, *args))


def serve(conn: Connection) -> None:
    """The host: start pools, run on them what the kernel sends, answer each request with
    its result or its error, pickled here. Ends when the kernel's end of the pipe closes
    (the kernel exited, or was killed): every pool is stopped, running chunks too."""
    from agentlab.run.backends import LocalBackend

    pools: dict[int, LocalBackend] = {}
    closed: set[int] = set()  # closed before their start ended (the kernel gave up on it)
    held = threading.Lock()  # pools and closed
    sending = threading.Lock()

    def answer(i: int, ok: bool, value: Any, where: str | None = None) -> None:
        try:
            blob = pickle.dumps(value if ok else (value, where))
        except Exception as exc:  # an error that does not pickle: said as text
            said = RuntimeError(f"{type(value).__name__}: {value} (not picklable: {exc})")
            ok, blob = False, pickle.dumps((said, where))
        send(i, ok, blob)

    def send(i: int, ok: bool, blob: bytes) -> None:
        with sending, contextlib.suppress(OSError):  # the kernel is gone: the loop ends too
            conn.send((i, ok, blob))

    def settle(i: int, future: Future[Any]) -> None:
        if future.cancelled():
            answer(i, False, BrokenProcessPool("the chunk was cancelled in the worker host"))
        elif (exc := future.exception()) is not None:
            cause = exc.__cause__  # the worker's traceback, as ProcessPoolExecutor keeps it
            answer(i, False, exc, None if cause is None else str(cause))
        else:
            send(i, True, future.result())  # pickled in the worker (run_pickled), read there

    def starting(i: int, pool: int, workers: int) -> None:
        try:
            started = LocalBackend(workers)
        except Exception as exc:
            answer(i, False, exc)
            return
        with held:
            late = pool in closed
            if not late:
                pools[pool] = started
        if late:
            started.close(cancel=True)
        answer(i, True, None)

    def closing(i: int, pool: int, cancel: bool) -> None:
        with held:
            backend = pools.pop(pool, None)
            if backend is None:
                closed.add(pool)  # its start is still under way: it closes when done
        try:
            if backend is not None:
                backend.close(cancel=cancel)
        except Exception as exc:
            answer(i, False, exc)
        else:
            answer(i, True, None)

    while True:
        try:
            i, op, *args = conn.recv()
        except (EOFError, OSError):
            break  # the kernel exited, or was killed
        try:
            if op == "start":  # in a thread, as closing: other pools' chunks go on meanwhile
                threading.Thread(target=starting, args=(i, *args)).start()
            elif op == "submit":
                with held:
                    backend = pools.get(args[0])
                if backend is None:  # closed under a grid: as a dead worker's chunk
                    raise BrokenProcessPool("the worker processes are shut down")
                future = backend.submit(run_pickled, args[1])
                future.add_done_callback(functools.partial(settle, i))
            elif op == "close":  # in a thread: running chunks may finish first
                threading.Thread(target=closing, args=(i, *args)).start()
            else:
                raise ValueError(f"the worker host has no operation {op!r}")
        except Exception as exc:  # that request's error, said to the kernel
            answer(i, False, exc)
    with held:
        left = list(pools.values())
    for backend in left:
        backend.close(cancel=True)
    os._exit(0)  # done: no interpreter teardown for the pipe's last threads
