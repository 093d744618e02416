"""A notebook's worker processes, kept out of the kernel's process group.

Asked to shut down (or restart), ipykernel signals every child process in its process
group and waits until none is left. Worker processes started from the kernel itself bring
multiprocessing's fork server and resource tracker along, in the kernel's group; the
tracker ignores the signal and a dead fork server stays a zombie the kernel never reaps,
so every shutdown waited until jupyter_client gave up and terminated the kernel (2.5 s).

``HostBackend`` starts one small process in a session of its own (the host), which starts
the workers (``LocalBackend``) and passes chunks and results between them and the kernel
over a pipe. The kernel then has no child in its group; when it exits, or is killed, the
host reads the end of the pipe and shuts the workers down, and a worker whose host is gone
exits by itself (``backends._init_worker``'s watchdog). The chunks travel pickled: the host
forwards them without loading the lab, and each task carries the kernel's endpoint
variables of the moment it was submitted, as ``LocalBackend.submit`` does.

Introduced in notebook 00 (`00_quickstart.ipynb`), where a grid first runs.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import multiprocessing
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from agentlab.run.backends import PoolBackend
from agentlab.run.identity import call_with_environment, endpoint_environment

if TYPE_CHECKING:
    from agentlab.run.backends import LocalBackend

START_TIMEOUT_S = 120.0  # the host and its workers up (their server imports the lab once)
CLOSE_TIMEOUT_S = 30.0  # the host gone after it was asked to close
# what the host runs: its path first (the kernel's, so it loads the same agentlab), then serve
_BOOT = (
    "import sys; from multiprocessing.connection import Connection; "
    "c = Connection(int(sys.argv[1])); sys.path[:] = c.recv(); "
    "from agentlab.run.worker_host import serve; serve(c)"
)


class HostBackend(PoolBackend):
    """``workers`` worker processes behind a host in its own session, as a ``LocalBackend``
    (``workers``, ``submit``, ``broken``, ``restart``, ``close``); a dead host breaks it."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._lock = threading.Lock()  # the link: its pipe's sending end and its futures
        self._ids = itertools.count()
        self._link: _Link | None = None
        self._start()

    def _start(self) -> None:
        ours, theirs = multiprocessing.Pipe()
        process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            start_new_session=True,  # a group of its own: ipykernel's shutdown passes it by
        )
        theirs.close()
        link = _Link(ours, process)
        try:
            ours.send(sys.path)
            ours.send(("start", self.workers))
            if not ours.poll(START_TIMEOUT_S):
                raise RuntimeError(f"the worker host did not start in {START_TIMEOUT_S:.0f} s")
            kind, said = ours.recv()
        except (EOFError, OSError, RuntimeError) as exc:
            link.abandon()
            raise RuntimeError(
                f"the worker host stopped ({exc or type(exc).__name__}; exit {process.poll()})"
            ) from exc
        if kind != "ready":
            link.abandon()
            raise RuntimeError(said)
        self._link = link
        threading.Thread(
            target=self._read, args=(link,), name="agentlab-worker-host", daemon=True
        ).start()

    @property
    def pid(self) -> int | None:
        """The host's process id (None once closed)."""
        link = self._link
        return None if link is None else link.process.pid

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Queue ``fn(*args)`` on a worker, with this process's endpoint variables as they
        are now; ``BrokenProcessPool`` once the host is gone."""
        blob = pickle.dumps((fn, args, endpoint_environment()))
        with self._lock:
            link = self._link
            if link is None:
                raise RuntimeError("the worker processes are shut down")
            if link.broken is not None:
                raise BrokenProcessPool(link.broken)
            i = next(self._ids)
            future: Future[Any] = Future()
            link.futures[i] = future
            try:
                link.conn.send(("submit", i, blob))
            except OSError as exc:
                del link.futures[i]
                link.broken = f"the worker host is gone ({exc})"
                raise BrokenProcessPool(link.broken) from exc
        return future

    def _read(self, link: _Link) -> None:
        """Settle each future as its result comes back; when the host is gone, fail the
        rest as a dead worker's (``BrokenProcessPool``)."""
        while True:
            try:
                i, ok, value = link.conn.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                future = link.futures.pop(i, None)
            if future is None or not future.set_running_or_notify_cancel():
                continue  # cancelled here meanwhile
            try:
                if ok:
                    future.set_result(pickle.loads(value))
                else:
                    future.set_exception(value)
            except Exception as exc:  # a result that cannot be read here is that task's error
                future.set_exception(exc)
        with self._lock:
            link.broken = link.broken or "the worker host is gone"
            left, link.futures = link.futures, {}
        for future in left.values():
            if future.set_running_or_notify_cancel():
                future.set_exception(BrokenProcessPool(link.broken))

    def close(self, *, cancel: bool = False) -> None:
        """Shut the workers and their host down; with ``cancel``, stop running chunks too."""
        with self._lock:
            link, self._link = self._link, None
        if link is None:
            return
        with contextlib.suppress(OSError):  # gone already
            link.conn.send(("close", cancel))
        try:
            link.process.wait(CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            link.process.kill()
            link.process.wait()
        link.conn.close()


class _Link:
    """One host: its process, the pipe to it, and the futures of what it runs."""

    def __init__(self, conn: Connection, process: subprocess.Popen[bytes]) -> None:
        self.conn = conn
        self.process = process
        self.futures: dict[int, Future[Any]] = {}
        self.broken: str | None = None  # why it can run nothing more

    def abandon(self) -> None:
        """A host that did not start: stop it."""
        self.conn.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def local_backend(workers: int, *, kernel: bool | None = None) -> HostBackend | LocalBackend:
    """Worker processes for this process: behind a host in a Jupyter kernel (``kernel``,
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
    """The host: start the workers, run what the kernel sends, send back what they return.
    Ends when the kernel says close or its end of the pipe closes (the kernel exited)."""
    from agentlab.run.backends import LocalBackend

    _, workers = conn.recv()
    try:
        pool = LocalBackend(workers)
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", workers))
    sending = threading.Lock()

    def reply(i: int, future: Future[Any]) -> None:
        if future.cancelled():
            answer: tuple[Any, ...] = (i, False, CancelledError())
        elif (exc := future.exception()) is not None:
            answer = (i, False, exc)
        else:
            answer = (i, True, future.result())
        with sending:
            try:
                conn.send(answer)
            except (pickle.PicklingError, TypeError, AttributeError):  # an odd exception
                conn.send((i, False, RuntimeError(f"{type(exc).__name__}: {exc}")))
            except OSError:
                pass  # the kernel is gone: the loop below ends too

    cancel = True  # unless the kernel asks otherwise
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break  # the kernel exited, or was killed
        if message[0] == "close":
            cancel = message[1]
            break
        _, i, blob = message
        try:
            future = pool.submit(run_pickled, blob)
        except Exception as exc:  # the pool broke: this task fails like its workers
            future = Future()
            future.set_exception(exc)
        future.add_done_callback(functools.partial(reply, i))
    pool.close(cancel=cancel)
    os._exit(0)  # done: no interpreter teardown for the pipe's last threads
