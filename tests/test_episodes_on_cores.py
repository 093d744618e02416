"""``run_episodes`` on several processes: the same tables, bad input refused, an episode
that raises in a worker raises here, workers that cannot start cost nothing, and in a
notebook's kernel a large simulated grid uses the machine's cores on its own."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, ClassVar

import nbformat
import pandas as pd
import pytest

import agentlab as al
from agentlab.errors import ConfigError
from agentlab.run import grid_workers as gw
from agentlab.run import worker_host
from agentlab.run.runner import episode_rows

WALL = ["wall_s"]
# travel alone and in a team, research alone and in two kinds of team: every runner
GRID = al.grid(architecture=["single", "pipeline"], seeds=range(6)) + al.grid(
    al.EpisodeConfig(scenario="research"),
    architecture=["single", "centralized", "independent"],
    seeds=range(4),
)


def _same(a: al.Results, b: al.Results) -> None:
    pd.testing.assert_frame_equal(a.episodes.drop(columns=WALL), b.episodes.drop(columns=WALL))
    pd.testing.assert_frame_equal(a.steps.drop(columns=WALL), b.steps.drop(columns=WALL))


@pytest.fixture(scope="module")
def here() -> al.Results:
    return al.run_episodes(GRID, progress=False, workers=1)


@pytest.fixture(params=["local", "host"])
def behind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Workers as a script starts them (``LocalBackend``), or as a kernel does: behind a
    host in a session of its own (``worker_host.HostBackend``)."""
    if request.param == "host":
        monkeypatch.setattr(worker_host, "in_a_kernel", lambda: True)
    return str(request.param)


BACKEND = {"local": "LocalBackend", "host": "HostBackend"}


@pytest.mark.slow
def test_three_processes_give_the_tables_of_one(
    here: al.Results,
    monkeypatch: pytest.MonkeyPatch,
    kept_workers: Callable[[int], Any],
    behind: str,
) -> None:
    pool = kept_workers(2)  # up before the grid, so that they surely take chunks of it
    assert type(pool).__name__ == BACKEND[behind]
    sent: list[int] = []
    submit = pool.submit
    monkeypatch.setattr(
        pool, "submit", lambda fn, chunk: sent.append(len(chunk)) or submit(fn, chunk)
    )
    there = al.run_episodes(GRID, progress=False, workers=3)
    _same(here, there)
    assert there.episodes["episode"].tolist() == list(range(len(GRID)))  # the grid's order
    first = sum(sent)
    assert 0 < first < len(GRID)  # the workers ran some of it, this process the rest
    again = al.run_episodes(GRID[::-1], progress=False, workers=3)  # on the workers kept
    assert 0 < sum(sent) - first < len(GRID)
    _same(here, _reversed(again, here))


def _reversed(res: al.Results, like: al.Results) -> al.Results:
    """The tables of a grid run backwards, in the grid's order (episode numbers included),
    their columns in the order of ``like``'s (a table's columns follow its first row)."""
    last = len(res.episodes) - 1
    episodes = res.episodes.assign(episode=last - res.episodes.episode).iloc[::-1]
    steps = res.steps.assign(episode=last - res.steps.episode)
    steps = steps.sort_values("episode", kind="stable")
    return al.Results(
        episodes[like.episodes.columns].reset_index(drop=True),
        steps[like.steps.columns].reset_index(drop=True),
    )


@pytest.mark.slow
def test_workers_that_cannot_start_leave_the_grid_to_this_process(
    here: al.Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentlab.run import backends

    def cannot(workers: int) -> None:
        raise RuntimeError("no processes here")

    monkeypatch.setattr(backends, "LocalBackend", cannot)
    monkeypatch.setattr(gw.Workers, "_current", None)  # none kept from another test
    monkeypatch.setattr(gw, "START_AFTER_S", 0.0)  # start them, however small the grid
    monkeypatch.setattr(gw.Workers, "cannot_start", None)  # and forget it after this test
    said = "cannot start \\(RuntimeError: no processes here; in a script.*runs the rest"
    with pytest.warns(RuntimeWarning, match=said):
        alone = al.run_episodes(GRID, progress=False, workers=2)
    _same(here, alone)
    with pytest.warns(RuntimeWarning, match=said):  # said again, not tried again
        al.run_episodes(GRID[:4], progress=False, workers=2)


@pytest.mark.slow
def test_a_worker_that_dies_leaves_the_rest_of_the_grid_to_this_process(
    here: al.Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Dying:  # workers whose every chunk dies with its process, as a killed worker's does
        workers = 2
        failure = None
        cannot_start = None
        closed: ClassVar[list[bool]] = []

        def __init__(self, n: int) -> None:
            pass

        @classmethod
        def kept(cls, n: int) -> Dying:
            return cls(n)

        @classmethod
        def shared(cls, n: int) -> Dying:
            return cls(n)

        def ready(self) -> Dying | None:
            return None if self.closed else self  # closed: no pool, as a real one

        def rest(self) -> None:  # a closed pool stays closed
            pass

        def submit(self, fn: Any, *args: Any) -> Future[Any]:
            future: Future[Any] = Future()
            future.set_exception(BrokenProcessPool("a process terminated abruptly"))
            return future

        def close(self, *, cancel: bool = False) -> None:
            self.closed.append(cancel)

    monkeypatch.setattr(gw, "Workers", Dying)
    with pytest.warns(RuntimeWarning, match="a worker process died .*terminated abruptly.*rest"):
        alone = al.run_episodes(GRID, progress=False, workers=3)
    _same(here, alone)
    assert Dying.closed[0] is True  # the rest of the pool is stopped


@pytest.mark.slow
def test_an_episode_that_raises_in_a_worker_raises_here(
    monkeypatch: pytest.MonkeyPatch, kept_workers: Callable[[int], Any], behind: str
) -> None:
    pool = kept_workers(1)
    assert type(pool).__name__ == BACKEND[behind]
    sent: list[int] = []
    submit = pool.submit
    monkeypatch.setattr(
        pool, "submit", lambda fn, chunk: sent.append(len(chunk)) or submit(fn, chunk)
    )
    broken = al.EpisodeConfig(seed=3)
    object.__setattr__(broken, "scenario", "nowhere")  # past the checks, as a bug would be
    grid = [*al.grid(seeds=range(12)), broken, *al.grid(seeds=range(12, 24))]
    with pytest.raises(ConfigError, match="scenario: got 'nowhere'"):
        al.run_episodes(grid, progress=False, workers=2)
    assert sent  # the workers had chunks of it
    assert gw.Workers._current is not None and gw.Workers._current.ready() is pool  # kept


@pytest.mark.slow
def test_kept_workers_found_dead_leave_the_grid_to_this_process(
    here: al.Results, monkeypatch: pytest.MonkeyPatch, kept_workers: Callable[[int], Any]
) -> None:
    pool = kept_workers(1)

    def dead(fn: Any, chunk: Any) -> Future[Any]:  # a kept pool whose worker was killed idle
        raise BrokenProcessPool("a child process terminated abruptly")

    monkeypatch.setattr(pool, "submit", dead)
    with pytest.warns(RuntimeWarning, match="a worker process died .*this process runs the rest"):
        alone = al.run_episodes(GRID, progress=False, workers=2)
    _same(here, alone)
    assert gw.Workers._current.ready() is None  # closed: the next grid starts new ones


@pytest.mark.slow
def test_a_host_killed_between_grids_leaves_the_next_grid_to_this_process(
    here: al.Results, monkeypatch: pytest.MonkeyPatch, kept_workers: Callable[[int], Any]
) -> None:
    monkeypatch.setattr(worker_host, "in_a_kernel", lambda: True)
    pool = kept_workers(1)
    os.kill(pool.pid, signal.SIGKILL)  # its workers follow it (their watchdog)
    with pytest.warns(RuntimeWarning, match="a worker process died .*this process runs the rest"):
        alone = al.run_episodes(GRID, progress=False, workers=2)
    _same(here, alone)


@pytest.mark.slow
def test_a_host_that_dies_under_a_chunk_fails_it_as_a_dead_worker() -> None:
    host = worker_host.HostBackend(1)
    research = al.grid(al.EpisodeConfig(scenario="research"), seeds=range(40))
    chunk = host.submit(episode_rows, research)
    os.kill(host.pid, signal.SIGKILL)
    assert isinstance(chunk.exception(timeout=60), BrokenProcessPool)
    with pytest.raises(BrokenProcessPool):
        host.submit(episode_rows, research[:1])
    dead = worker_host.Host._current
    assert dead is not None
    dead.process.wait(timeout=60)  # reaped by this process, not left a zombie
    again = worker_host.HostBackend(1)  # a new host for the next pool
    assert again.pid != dead.process.pid
    assert len(again.submit(episode_rows, research[:2]).result(timeout=120)[0]) == 2
    again.close()


@pytest.mark.slow
def test_an_error_raised_behind_the_host_says_where_it_came_from() -> None:
    pool = worker_host.HostBackend(1)
    broken = al.EpisodeConfig(seed=3)
    object.__setattr__(broken, "scenario", "nowhere")
    exc = pool.submit(episode_rows, [broken]).exception(timeout=120)
    pool.close()
    assert isinstance(exc, ConfigError) and "scenario: got 'nowhere'" in str(exc)
    where = str(exc.__cause__)  # the worker's traceback, as ProcessPoolExecutor gives it
    assert "Traceback" in where and "in episode_rows" in where


def test_a_worker_that_dies_behind_the_host_breaks_the_pool_until_restarted() -> None:
    pool = worker_host.HostBackend(1)
    died = pool.submit(os._exit, 3)  # the worker's process ends under its chunk
    exc = died.exception(timeout=120)
    assert isinstance(exc, BrokenProcessPool) and pool.broken(exc)
    pool.restart()  # as a sweep does: a new pool, in the same host
    assert pool.submit(sum, [1, 2]).result(timeout=120) == 3
    pool.close()


def test_a_pool_the_kernel_gave_up_starting_leaves_the_host_usable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kernel's side: its wait for a start ends (here the start's answer never reaches
    the caller, whatever the host's pace), the pool is closed behind it, the host stays."""
    asked = worker_host.Host.ask
    answers: dict[str, Future[Any]] = {}  # the host's real answers, by operation
    pools: list[int] = []

    def answer_too_late(host: worker_host.Host, *request: Any) -> Future[Any]:
        answers[request[0]] = future = asked(host, *request)
        if request[0] != "start":
            return future
        pools.append(request[1])
        return Future()  # what the caller waits on: never settled

    monkeypatch.setattr(worker_host, "START_TIMEOUT_S", 0.05)
    monkeypatch.setattr(worker_host.Host, "ask", answer_too_late)
    with pytest.raises(RuntimeError, match="the workers did not start in 0 s"):
        worker_host.HostBackend(1)
    monkeypatch.undo()
    assert answers.keys() == {"start", "close"}  # the caller asked the host to close it
    assert answers["start"].result(timeout=120) is None  # the host did start it
    assert answers["close"].result(timeout=120) is None
    gone = worker_host.Host.get().ask("submit", pools[0], b"")
    with pytest.raises(BrokenProcessPool, match="shut down"):  # and closed it
        gone.result(timeout=120)
    pool = worker_host.HostBackend(1)  # the same host: the abandoned pool closed behind it
    assert pool.pid == worker_host.Host.get().process.pid
    assert pool.submit(sum, [1, 2]).result(timeout=120) == 3
    pool.close()


class _SlowStart:  # stands for a LocalBackend in the host: its start waits until released
    made: ClassVar[list[_SlowStart]]
    entered: ClassVar[threading.Event]
    release: ClassVar[threading.Event]

    def __init__(self, workers: int) -> None:
        self.workers, self.closed = workers, []
        self.made.append(self)
        self.entered.set()
        assert self.release.wait(60)

    def close(self, *, cancel: bool = False) -> None:
        self.closed.append(cancel)


def test_a_pool_closed_while_it_starts_is_closed_once_its_start_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The host's side of a start the kernel gave up on (a timeout, a Ctrl-C): the close
    arrives before the pool exists, and the pool is closed, cancelling, when its start ends."""
    from agentlab.run import backends

    monkeypatch.setattr(_SlowStart, "made", [], raising=False)
    monkeypatch.setattr(_SlowStart, "entered", threading.Event(), raising=False)
    monkeypatch.setattr(_SlowStart, "release", threading.Event(), raising=False)
    monkeypatch.setattr(backends, "LocalBackend", _SlowStart)
    ended = threading.Event()
    monkeypatch.setattr(os, "_exit", lambda code: ended.set())  # serve's last line
    kernel, host = multiprocessing.Pipe()
    serving = threading.Thread(target=worker_host.serve, args=(host,), daemon=True)
    serving.start()
    try:
        kernel.send((0, "start", 7, 2))
        assert _SlowStart.entered.wait(60)  # the pool is starting
        kernel.send((1, "close", 7, True))
        assert kernel.poll(60)
        assert kernel.recv()[:2] == (1, True)  # the close is answered at once
        (starting,) = _SlowStart.made
        assert starting.closed == []  # its start is still under way
        _SlowStart.release.set()
        i, ok, _ = kernel.recv()
        assert (i, ok) == (0, True) and starting.closed == [True]
        kernel.send((2, "submit", 7, b""))  # not the host's pool: as a dead worker's chunk
        i, ok, blob = kernel.recv()
        assert (i, ok) == (2, False) and isinstance(pickle.loads(blob)[0], BrokenProcessPool)
    finally:  # whatever failed: the host ends here, while its os._exit is still ours
        _SlowStart.release.set()
        kernel.close()  # the kernel exits: the host ends
        serving.join(60)
    assert not serving.is_alive() and ended.is_set()
    assert starting.closed == [True]  # closed once


@pytest.mark.slow
def test_a_host_and_its_workers_end_with_the_process_that_started_them(tmp_path: Path) -> None:
    script = tmp_path / "killed.py"
    script.write_text(
        "import os, signal\n"
        "from agentlab.run.worker_host import HostBackend\n"
        "if __name__ == '__main__':\n"
        "    host = HostBackend(2)\n"
        "    print(host.pid, *{host.submit(os.getpid).result() for _ in range(8)}, flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)  # no close, no exit handlers\n"
    )
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    pids = [int(p) for p in run.stdout.split()]
    assert run.returncode == -signal.SIGKILL and len(pids) >= 2, run.stderr  # host, workers
    for _ in range(300):  # the host reads the end of its pipe, the workers lose their host
        alive = [p for p in pids if _exists(p)]
        if not alive:
            break
        time.sleep(0.1)
    assert not alive, f"still running 30 s later: {alive}"


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class _Pool:  # stands for a LocalBackend: what the kept workers' lifetime is about
    workers = 1

    def __init__(self) -> None:
        self.closed: list[bool] = []

    def close(self, *, cancel: bool = False) -> None:
        self.closed.append(cancel)


def _kept(idle_s: float) -> tuple[gw.Workers, _Pool]:
    workers, pool = gw.Workers(1), _Pool()
    workers._pool, workers.IDLE_S = pool, idle_s  # up, without processes
    return workers, pool


@pytest.fixture
def timers(monkeypatch: pytest.MonkeyPatch) -> list[threading.Timer]:
    """The idle timers started during the test, to wait on them instead of on the clock."""
    made: list[threading.Timer] = []

    class Kept(threading.Timer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(threading, "Timer", Kept)
    return made


def _ended(timer: threading.Timer) -> None:
    timer.join(10)  # fired and done, or cancelled
    assert not timer.is_alive()


def test_kept_workers_close_when_no_grid_used_them_for_a_while(
    timers: list[threading.Timer],
) -> None:
    workers, pool = _kept(0.05)
    workers.rest()  # the grid that made them is done
    _ended(*timers)
    assert pool.closed == [False] and workers.ready() is None and not workers.use()


def test_a_grid_that_takes_kept_workers_keeps_them_past_their_idle_time(
    timers: list[threading.Timer],
) -> None:
    workers, pool = _kept(60.0)
    workers.rest()
    assert workers.use()  # a second grid, before the idle time is up
    _ended(timers[0])  # cancelled: it ends at once, and closes nothing
    assert pool.closed == [] and workers.ready() is pool
    workers.IDLE_S = 0.05
    workers.rest()
    _ended(timers[1])
    assert pool.closed == [False]


def test_workers_replaced_while_a_grid_uses_them_close_when_it_is_done() -> None:
    workers, pool = _kept(60.0)
    workers.retire()  # newer ones replace them, while their first grid still runs
    assert pool.closed == []
    workers.rest()  # that grid is done: no idle wait (closed in the background)
    for _ in range(500):  # 10 s at most, for a thread to be scheduled on a busy machine
        if pool.closed:
            break
        time.sleep(0.02)
    assert pool.closed == [False]


class _SlowRelease:  # a lock whose holder, if it is a timer, pauses after letting go
    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
        if isinstance(threading.current_thread(), threading.Timer):
            time.sleep(0.1)  # the widest window a grid could claim the workers in


def test_the_idle_close_and_a_grid_claiming_the_workers_never_both_win(
    timers: list[threading.Timer],
) -> None:
    workers, pool = _kept(0.01)
    workers._lock = _SlowRelease()  # type: ignore[assignment]
    workers.rest()
    time.sleep(0.05)  # the timer has fired, decided, and let go of the lock (or, late, not)
    claimed = workers.use()  # a grid, in the window
    _ended(*timers)
    if claimed:  # a grid that has them keeps them: they are not closed under it
        assert workers.ready() is pool and pool.closed == []
    else:
        assert workers.ready() is None and pool.closed == [False]


class _Held:  # a kept pool of 6 workers whose chunks finish when this process says so
    workers = 6

    def __init__(self) -> None:
        self.held: list[Future[Any]] = []
        self.most = 0  # chunks held at once, at most

    def submit(self, fn: Any, chunk: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.held = [f for f in self.held if not f.done()] + [future]
        self.most = max(self.most, len(self.held))
        threading.Timer(0.05, self.finish).start()  # the last ones finish with nobody asking
        return future

    def finish(self) -> None:
        for future in list(self.held):
            if not future.done():
                with contextlib.suppress(InvalidStateError):  # finished by the other caller
                    future.set_result(([], []))

    def close(self, *, cancel: bool = False) -> None:
        pass


def test_kept_workers_run_no_more_chunks_at_once_than_the_grid_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big, pool = gw.Workers(6), _Held()
    big._pool = pool  # up, without processes
    monkeypatch.setattr(gw.Workers, "_current", big)

    def rows_of(chunk: Any) -> Any:  # this process's own chunk; the workers' finish meanwhile
        pool.finish()
        return [], []

    gw.run_on_workers(al.grid(seeds=range(40)), 3, tqdm_off(), rows_of)
    assert 1 <= pool.most <= 2  # workers=3: the kernel and two workers' chunks, not six


def tqdm_off() -> Any:
    from tqdm.auto import tqdm

    return tqdm(disable=True)


def test_a_grid_done_before_workers_would_pay_for_themselves_starts_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gw.Workers, "_current", None)
    monkeypatch.setattr(gw, "START_AFTER_S", 1e9)
    al.run_episodes(al.grid(seeds=range(8)), progress=False, workers=2)
    assert gw.Workers._current is None


SMALL = al.grid(al.EpisodeConfig(scenario="research"), architecture=["independent"], seeds=range(6))


def test_a_small_grid_gives_chunks_to_workers_up_when_its_work_is_enough(
    chunks_to_a_worker: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Too few episodes to start workers for (notebook 05's 18 team-size episodes), but
    workers an earlier grid started are up: past ``KEPT_AFTER_S`` of work they take
    chunks, and the tables are those of one process."""
    assert len(SMALL) < gw.PARALLEL_FROM
    alone = al.run_episodes(SMALL, progress=False, workers=1)
    monkeypatch.setattr(gw, "KEPT_AFTER_S", 0.0)
    shared = al.run_episodes(SMALL, progress=False)
    assert 0 < sum(chunks_to_a_worker) < len(SMALL)
    _same(alone, shared)


def test_a_small_grid_of_little_work_stays_here(
    chunks_to_a_worker: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gw, "KEPT_AFTER_S", 1e9)
    al.run_episodes(SMALL, progress=False)
    assert chunks_to_a_worker == []


def test_a_small_grid_starts_no_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gw.Workers, "_current", None)
    monkeypatch.setattr(gw, "START_AFTER_S", 0.0)
    monkeypatch.setattr(gw, "KEPT_AFTER_S", 0.0)
    monkeypatch.setattr(gw, "kernel_processes", lambda items: 2)  # as in a notebook
    al.run_episodes(SMALL, progress=False)
    assert gw.Workers._current is None


def test_workers_may_be_any_whole_number_type() -> None:
    import numpy as np

    res = al.run_episodes(al.grid(seeds=range(2)), progress=False, workers=np.int64(1))
    assert len(res.episodes) == 2


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_workers_must_be_a_whole_number_of_at_least_one(workers: Any) -> None:
    with pytest.raises(ConfigError, match=r"workers: got .*; allowed: a whole number of at least"):
        al.run_episodes(al.grid(seeds=range(2)), progress=False, workers=workers)


def test_a_model_object_stays_in_this_process() -> None:
    model = al.make_model("sim:gpt-4o-mini", seed=0)
    with pytest.raises(ConfigError, match="workers: got 2; allowed: 1 or None with a model"):
        al.run_episodes(al.grid(seeds=range(2)), progress=False, model=model, workers=2)
    assert gw.default_workers(al.grid(seeds=range(100)), model) == 1


def test_outside_a_kernel_episodes_run_in_this_process() -> None:
    assert not worker_host.in_a_kernel()
    assert gw.default_workers(al.grid(seeds=range(100))) == 1


@pytest.mark.parametrize(
    ("episodes", "model", "cap", "expected"),
    [
        (1, "sim:gpt-4o-mini", "", 1),  # one episode: nothing to share
        (2, "sim:gpt-4o-mini", "", "cores"),  # too few to start workers, not to use them
        (gw.PARALLEL_FROM, "sim:gpt-4o-mini", "", "cores"),
        (gw.PARALLEL_FROM, "sim:gpt-4o-mini", "1", 1),  # AGENTLAB_WORKERS=1: none
        (gw.PARALLEL_FROM, "sim:gpt-4o-mini", "2", "2 at most"),
        (gw.PARALLEL_FROM, "openai:gpt-4o-mini", "", 1),  # real calls: asked, not assumed
    ],
)
def test_in_a_kernel_a_simulated_grid_uses_the_cores(
    monkeypatch: pytest.MonkeyPatch, episodes: int, model: str, cap: str, expected: Any
) -> None:
    monkeypatch.setattr(worker_host, "in_a_kernel", lambda: True)
    monkeypatch.setattr(gw, "cores", lambda: 4)
    monkeypatch.setenv(gw.WORKERS_ENV, cap)
    configs = al.grid(al.EpisodeConfig(model=model), seeds=range(episodes))
    want = {"cores": 4, "2 at most": 2}.get(expected, expected)
    assert gw.default_workers(configs) == want


def test_a_bad_workers_cap_in_the_environment_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_host, "in_a_kernel", lambda: True)
    monkeypatch.setenv(gw.WORKERS_ENV, "many")
    with pytest.raises(ConfigError, match="AGENTLAB_WORKERS: got 'many'; allowed: a whole number"):
        gw.default_workers(al.grid(seeds=range(100)))


@pytest.mark.slow
@pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else True,
    reason="needs two cores and a fork server",
)
def test_a_notebooks_large_grid_runs_on_the_cores(
    execute_notebook: Callable[..., nbformat.NotebookNode], tmp_path: Path
) -> None:
    code = """
import os, agentlab as al
from agentlab.run import grid_workers as gw
from agentlab.run import worker_host
from agentlab.run.runner import episode_rows
os.environ.pop(gw.WORKERS_ENV, None)
grid = al.grid(seeds=range(gw.PARALLEL_FROM))
print(gw.default_workers(grid), gw.default_workers(grid[:1]))
print(len(al.run_episodes(grid * 3, progress=False).episodes))
import psutil  # ipykernel's own dependency: what it waits on when asked to shut down
import time
workers = gw.Workers._current
for _ in range(600):  # up by now, or soon (a grid shorter than their start ends first)
    if workers is None or workers.ready() is not None:
        break
    time.sleep(0.1)
print(type(workers.ready()).__name__ if workers else None)
group = [c for c in psutil.Process().children(recursive=True) if os.getpgid(c.pid) == os.getpgrp()]
print(len(group))
"""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    outputs = execute_notebook(nb, tmp_path).cells[0].outputs
    out = "".join(o.get("text", "") for o in outputs).split()
    assert int(out[0]) >= 2 and out[1:3] == ["1", str(3 * gw.PARALLEL_FROM)]
    # the workers ran behind their host, and nothing of theirs is in the kernel's group
    assert out[3:] == ["HostBackend", "0"]


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [("150000 100000\n", 2), ("max 100000\n", None), ("50000 100000\n", 1), (None, None)],
)
def test_a_containers_cpu_quota_caps_the_cores(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cpu_max: str | None, expected: int | None
) -> None:
    quota = tmp_path / "cpu.max"
    if cpu_max is not None:
        quota.write_text(cpu_max)
    monkeypatch.setattr(gw, "CPU_MAX", quota)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert gw.cores() == (expected or 16)


@pytest.mark.slow
def test_a_script_without_the_main_guard_is_told_and_still_gets_its_tables(
    tmp_path: Path,
) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import agentlab as al\n"
        "al.run.grid_workers.START_AFTER_S = 0.0\n"
        "res = al.run_episodes(al.grid(seeds=range(20)), progress=False, workers=2)\n"
        "print('rows', len(res.episodes))\n"
    )
    run = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["rows", "20"]  # run once, here, not again by the workers
    assert 'in a script, call it under `if __name__ == "__main__":`' in run.stderr


@pytest.mark.parametrize(("cap", "expected"), [("", 4), ("1", 1), ("3", 3), ("16", 4)])
def test_a_sweeps_default_workers_are_the_cores_under_the_cap(
    monkeypatch: pytest.MonkeyPatch, cap: str, expected: int
) -> None:
    monkeypatch.setattr(gw, "cores", lambda: 4)
    monkeypatch.setenv(gw.WORKERS_ENV, cap)
    assert gw.sweep_workers() == expected
