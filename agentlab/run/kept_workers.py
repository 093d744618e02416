"""The worker processes that the grids of ``run_episodes`` share (a notebook's, or a
script's that asks for ``workers``): started in a background thread, kept warm between
grids, shut down when idle.

``agentlab.run.grid_workers`` decides when a grid starts them and gives them chunks; this
module keeps them. In a kernel they run behind a host of their own
(``agentlab.run.worker_host``), so that the kernel's shutdown does not wait for them.

Introduced in notebook 00 (`00_quickstart.ipynb`), where a grid first runs.
"""

from __future__ import annotations

import threading
from typing import Any

from agentlab.run import worker_host


class Workers:
    """Worker processes started in a background thread and kept between grids.

    Each grid that uses them calls ``use`` and then ``rest``; when no grid has used them
    for ``IDLE_S``, they are shut down (the server they are forked from stays, with this
    process or, in a kernel, with its worker host). ``close`` shuts them down now, or as
    soon as they are up.
    """

    IDLE_S = 120.0  # a learner reads a plot between two grids
    cannot_start: str | None = None  # why workers could not start in this process, once
    _current: Workers | None = None
    _lock_shared = threading.Lock()

    @classmethod
    def kept(cls, n: int) -> Workers | None:
        """The workers kept from an earlier grid, in use for this one, if they are up and at
        least ``n`` of them; else None."""
        with cls._lock_shared:
            kept = cls._current
            if kept is not None and kept.n >= n and kept.ready() is not None and kept.use():
                return kept
            return None

    @classmethod
    def shared(cls, n: int) -> Workers:
        """Workers for a grid, in use for it: the ones kept if there are at least ``n`` and
        they are not closed, else ``n`` new ones (the old ones close when idle)."""
        with cls._lock_shared:
            kept = cls._current
            if kept is not None and kept.n >= n and kept.use():
                return kept
            new = cls(n)
            new.start()  # only starts a thread
            cls._current = new
        if kept is not None:
            kept.retire()  # closes them in the background: nothing here waits on them
        return new

    def __init__(self, n: int) -> None:
        self.n = n
        self.failure: str | None = None  # why they could not start
        self._lock = threading.Lock()
        self._pool: Any = None
        self._closed: bool | None = None  # None: open; else whether to cancel running work
        self._users = 1  # grids using them; the one that made them first
        self._retired = False  # replaced by newer workers: no idle wait
        self._timer: threading.Timer | None = None

    def start(self) -> None:
        """Start them in a background thread."""
        thread = threading.Thread(target=self._start, name="agentlab-workers")
        thread.daemon = True
        thread.start()

    def _start(self) -> None:
        try:  # in a kernel, behind a host: out of the group ipykernel waits on (worker_host)
            pool = worker_host.local_backend(self.n, kernel=worker_host.in_a_kernel())
        except Exception as exc:  # the grid runs in its own process: nothing is lost
            cause = exc.__cause__ or exc
            said = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
            self.failure = Workers.cannot_start = (
                f'{said}; in a script, call run_episodes under `if __name__ == "__main__":`'
            )
            self.close()
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
        """Keep them up for one more grid; False if they are closed."""
        with self._lock:
            if self._closed is not None:
                return False
            self._users += 1
            if self._timer is not None:  # one already running finds itself stale, and leaves
                self._timer.cancel()
                self._timer = None
            return True

    def rest(self) -> None:
        """A grid is done with them: shut them down after ``IDLE_S`` if no grid uses them
        (at once if newer workers replaced them)."""
        with self._lock:
            self._users -= 1
            if self._closed is not None or self._users > 0:
                return
            if not self._retired:
                self._timer = timer = threading.Timer(self.IDLE_S, self._idle)
                timer.daemon = True
                timer.start()
                return
        closing = threading.Thread(target=self.close, name="agentlab-workers-close")
        closing.daemon = True  # a pool's shutdown waits for its running chunks
        closing.start()

    def retire(self) -> None:
        """Newer workers replace these: shut them down once no grid uses them."""
        with self._lock:
            self._retired = True
            self._users += 1  # so that rest() below sees whether any grid still holds them
        self.rest()

    def _idle(self) -> None:
        with self._lock:  # decided and taken at once: no grid can claim them in between
            if self._users or self._timer is not threading.current_thread():
                return  # used again since, or a newer timer runs
            pool, self._pool, self._closed, self._timer = self._pool, None, False, None
        if pool is not None:
            pool.close()

    def close(self, *, cancel: bool = False) -> None:
        """Shut them down now (with ``cancel``, their running chunks too)."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._closed = cancel if self._closed is None else self._closed
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if pool is not None:
            pool.close(cancel=cancel)
