"""Sweeps survive being killed, keep failures as rows, stop on their budget, and run on Ray."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tqdm.auto import tqdm

import agentlab as al
from agentlab.config import ConfigError
from agentlab.run.runner import Episode, run_episode
from agentlab.run.store import KEY, SweepStore
from agentlab.run.store_parts import spent_by
from agentlab.run.sweep import SweepResults, load_sweep, run_sweep
from agentlab.run.sweep_chunks import SweepBudget, run_chunks

WALL = ["wall_s"]  # real seconds: the only columns that differ between two runs
GRID = {"tools": [4, 16], "seeds": range(12)}  # 24 episodes, a few seconds on one core


def _same(a: SweepResults, b: SweepResults) -> None:
    pd.testing.assert_frame_equal(a.episodes.drop(columns=WALL), b.episodes.drop(columns=WALL))
    pd.testing.assert_frame_equal(a.steps.drop(columns=WALL), b.steps.drop(columns=WALL))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> SweepResults:
    """The reference: the whole grid in one go."""
    store = tmp_path_factory.mktemp("reference")
    return run_sweep(al.grid(**GRID), store=store, workers=2, progress=False)


@pytest.mark.slow
def test_uninterrupted_sweep_is_run_episodes_with_keys(uninterrupted: SweepResults) -> None:
    plain = al.run_episodes(al.grid(**GRID), progress=False)
    e = uninterrupted.episodes
    assert uninterrupted.complete and len(e) == 24 and e[KEY].is_unique
    assert list(e.columns[:2]) == ["episode", KEY]
    pd.testing.assert_frame_equal(e.drop(columns=[KEY, *WALL]), plain.episodes.drop(columns=WALL))
    steps = uninterrupted.steps
    assert set(al.EpisodeConfig().as_row()) <= set(steps.columns)  # the config in every row
    mine = steps[plain.steps.columns].drop(columns=WALL)
    pd.testing.assert_frame_equal(mine, plain.steps.drop(columns=WALL))


@pytest.mark.slow
def test_load_sweep_round_trips(uninterrupted: SweepResults) -> None:
    assert uninterrupted.store is not None
    loaded = load_sweep(uninterrupted.store)
    pd.testing.assert_frame_equal(loaded.episodes, uninterrupted.episodes)
    pd.testing.assert_frame_equal(loaded.steps, uninterrupted.steps)
    assert loaded.planned == 24 and loaded.complete
    with pytest.raises(FileNotFoundError, match=r"sweep\.json"):
        load_sweep(uninterrupted.store / "episodes")


SWEEP_SCRIPT = """
import time
import agentlab as al
from agentlab.run.store import SweepStore
from agentlab.run.sweep import run_sweep
write_part = SweepStore.write_part
def write_then_wait(store, *args, **kwargs):  # halfway, the sweep waits to be killed
    write_part(store, *args, **kwargs)
    if len(list((store.path / "episodes").glob("*.parquet"))) >= 4:
        time.sleep(600)
SweepStore.write_part = write_then_wait
run_sweep(al.grid(tools={tools}, seeds=range({n})), store={store!r}, workers=1,
          chunk_size=1, progress=False)
"""


@pytest.mark.slow
def test_sweep_killed_halfway_resumes_to_exactly_the_uninterrupted_tables(
    tmp_path: Path, uninterrupted: SweepResults
) -> None:
    store = tmp_path / "killed"
    script = SWEEP_SCRIPT.format(tools=GRID["tools"], n=len(GRID["seeds"]), store=str(store))
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], start_new_session=True, cwd=tmp_path
    )
    parts = store / "episodes"
    deadline = time.monotonic() + 300  # the sweep's start, on a busy machine
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if parts.exists() and len(list(parts.glob("*.parquet"))) >= 4:
                break
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep, its fork server and its workers
        proc.wait()
    stored = len(SweepStore(store).stored_keys())
    assert 4 <= stored < 24, f"the kill missed the middle of the sweep ({stored} stored)"
    resumed = run_sweep(al.grid(**GRID), store=store, workers=2, progress=False)
    assert resumed.complete and resumed.episodes[KEY].is_unique and len(resumed.episodes) == 24
    _same(resumed, uninterrupted)
    _same(load_sweep(store), uninterrupted)


def flaky_episode(config: al.EpisodeConfig) -> Episode:
    """An episode function that fails outside the runner (seed 1) or kills its worker (seed 2)."""
    if config.seed == 1:
        raise RuntimeError("injected failure")
    if config.seed == 2:
        os._exit(13)  # the worker process dies mid-chunk
    return run_episode(config)


@pytest.mark.slow
def test_failing_episodes_are_rows_with_reasons_and_the_sweep_completes(tmp_path: Path) -> None:
    configs = [
        *al.grid(seeds=range(6)),  # seed 1 raises, seed 2 crashes its worker
        al.EpisodeConfig(seed=7, budget_tokens=200),  # the episode's own budget
        al.EpisodeConfig(seed=8, max_steps=1),  # the step limit
        al.EpisodeConfig(seed=9, model="openai:gpt-4o-mini"),  # no key: fails at call time
    ]
    res = run_sweep(configs, store=tmp_path, workers=2, progress=False, episode_fn=flaky_episode)
    assert res.complete and len(res.episodes) == len(configs)
    outcome = res.episodes.set_index("seed")["outcome"]
    assert outcome[1] == "error: RuntimeError: injected failure"
    assert outcome[2] == "error: worker crashed"
    assert outcome[7] == "budget"
    assert outcome[8] == "step_limit"
    assert outcome[9].startswith("error: ConfigError: OPENAI_API_KEY")
    assert set(outcome[[0, 3, 4, 5]]) == {"answered"}
    failed = res.episodes.set_index("seed").loc[[1, 2, 9]]
    assert (
        not failed["success"].any()
        and (failed["request_id"] == ["trip-002", "trip-003", "trip-010"]).all()
    )
    assert set(res.steps["seed"]) == {0, 3, 4, 5, 7, 8}  # failures before any step have none


class BreakingBackend:
    """A pool that breaks the way a process pool does when a worker dies: the chunk holding
    seed 2 fails with ``BrokenProcessPool``, and any chunk submitted after it, before the
    sweep has looked at that future, is refused at ``submit`` (the race a real pool has)."""

    workers = 2

    def __init__(self) -> None:
        self.is_broken, self.restarts, self.refused = False, 0, 0

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        if self.is_broken:
            self.refused += 1
            raise BrokenProcessPool("A child process terminated abruptly")
        future: Future[Any] = Future()
        if any(config.seed == 2 for _, config in args[0]):
            self.is_broken = True
            future.set_exception(BrokenProcessPool("A child process terminated abruptly"))
        else:
            future.set_result(fn(*args))
        return future

    def broken(self, exc: BaseException) -> bool:
        return isinstance(exc, BrokenProcessPool)

    def restart(self) -> None:
        self.is_broken, self.restarts = False, self.restarts + 1

    def close(self, *, cancel: bool = False) -> None:
        pass


def test_a_pool_that_breaks_between_two_submissions_loses_no_episode(tmp_path: Path) -> None:
    store = SweepStore(tmp_path)
    configs = al.grid(seeds=range(6))
    items = list(zip(store.plan(configs), configs, strict=True))
    backend = BreakingBackend()
    bar = tqdm(total=len(items), disable=True)
    chunks = [items[0:3], items[3:4], items[4:6]]  # seed 2's chunk, then two more
    budget = SweepBudget(None, None, (0.0, 0.0))
    assert run_chunks(backend, chunks, store, budget, bar, run_episode) is None
    outcome = load_sweep(tmp_path).episodes.set_index("seed")["outcome"]
    assert backend.refused >= 1 and backend.restarts >= 1  # the race happened, and was met
    assert len(outcome) == 6 and outcome[2] == "error: worker crashed"
    assert set(outcome.drop(2)) == {"answered"}


@pytest.mark.slow
def test_sweep_budget_stops_scheduling_cleanly_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configs = al.grid(seeds=range(16))  # about $0.003 each
    capped = run_sweep(configs, store=tmp_path, workers=1, progress=False, budget_usd=0.01)
    assert capped.stopped and "budget_usd $0.01 reached" in capped.stopped
    assert "sweep stopped: budget_usd" in capsys.readouterr().err
    cost = capped.episodes["cost_usd"]
    assert 0.01 <= cost.sum() < 0.01 + 4 * cost.max()  # the chunks running at the cap, at most
    assert 0 < len(capped.episodes) < 16 and capped.missing == 16 - len(capped.episodes)
    again = run_sweep(configs, store=tmp_path, workers=1, progress=False, budget_usd=0.01)
    assert len(again.episodes) == len(capped.episodes) and again.stopped  # nothing new ran
    done = run_sweep(configs, store=tmp_path, workers=2, progress=False)
    assert done.complete and done.episodes[KEY].is_unique and len(done.episodes) == 16


def unpriced_episode(config: al.EpisodeConfig) -> Episode:
    """An episode whose endpoint reported a model no source prices (its calls cost NaN)."""
    episode = run_episode(config)
    for r in episode.records:
        if r.kind == "llm":
            r.cost_usd, r.price_source, r.name = math.nan, "unpriced", "llama3.1"
    return episode


def test_sweep_budget_refuses_an_unpriced_model_before_any_work(tmp_path: Path) -> None:
    configs = [*al.grid(seeds=range(2)), al.EpisodeConfig(model="openai-compatible:llama3.1")]
    store = tmp_path / "store"
    with pytest.raises(ConfigError, match=r"budget_usd.*'openai-compatible:llama3\.1'"):
        run_sweep(configs, store=store, workers=0, progress=False, budget_usd=1.0)
    assert not store.exists()  # refused before the store was touched


def test_sweep_budget_stops_when_a_stored_episode_is_unpriced(tmp_path: Path) -> None:
    configs = al.grid(seeds=range(6))
    run = {"store": tmp_path, "workers": 0, "progress": False, "budget_usd": 1.0,
           "episode_fn": unpriced_episode}  # fmt: skip
    capped = run_sweep(configs, **run)
    assert capped.stopped and "budget_usd cannot apply" in capped.stopped
    assert 0 < len(capped.episodes) < 6 and capped.episodes["cost_usd"].isna().all()
    again = run_sweep(configs, **run)  # resumed: the stored rows are still unpriced
    assert again.stopped and len(again.episodes) == len(capped.episodes)
    assert math.isnan(spent_by({"cost_usd": math.nan, "tokens_in": 5})[0])
    assert spent_by({"tokens_in": 5}) == (0.0, 5)  # a failure row without a cost spent nothing


def unknown_usage_episode(config: al.EpisodeConfig) -> Episode:
    """An episode whose endpoint reported no token usage (its calls' tokens and cost NaN)."""
    episode = run_episode(config)
    for r in episode.records:
        if r.kind == "llm":
            r.tokens_in = dict.fromkeys(r.tokens_in, math.nan)
            r.tokens_out, r.cost_usd, r.usage_missing = math.nan, math.nan, True
    return episode


def test_sweep_token_budget_stops_when_a_stored_episodes_tokens_are_unknown(
    tmp_path: Path,
) -> None:
    configs = al.grid(seeds=range(6))
    run: dict[str, Any] = {"store": tmp_path, "workers": 0, "progress": False,
                           "budget_tokens": 10**9, "episode_fn": unknown_usage_episode}  # fmt: skip
    capped = run_sweep(configs, **run)  # a cap never reached, were unknown tokens 0
    assert capped.stopped and "budget_tokens cannot apply" in capped.stopped
    assert 0 < len(capped.episodes) < 6 and capped.episodes["tokens_in"].isna().all()
    again = run_sweep(configs, **run)  # resumed: the stored rows' tokens are still unknown
    assert again.stopped and len(again.episodes) == len(capped.episodes)
    assert math.isnan(spent_by({"tokens_in": math.nan, "tokens_out": 7})[1])


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ({"budget_usd": math.nan}, "budget_usd: got nan; allowed: a finite number of dollars > 0"),
        ({"budget_usd": math.inf}, "budget_usd: got inf"),
        ({"budget_usd": -1.0}, "budget_usd: got -1.0"),
        ({"budget_usd": True}, "budget_usd: got True"),
        ({"budget_tokens": True}, "budget_tokens: got True; allowed: an integer >= 1"),
        ({"budget_tokens": 2.5}, "budget_tokens: got 2.5"),
    ],
)
def test_a_sweep_budget_that_could_never_apply_is_refused_before_the_store(
    tmp_path: Path, budget: dict[str, Any], message: str
) -> None:
    store = tmp_path / "store"
    with pytest.raises(ConfigError, match=re.escape(message)):
        run_sweep(al.grid(seeds=range(2)), store=store, workers=0, progress=False, **budget)
    assert not store.exists()


@pytest.mark.slow
@pytest.mark.ray
def test_ray_backend_tables_equal_the_local_backends(uninterrupted: SweepResults) -> None:
    pytest.importorskip("ray", reason="the Ray backend is the optional extra `ray`")
    import ray

    configs = al.grid(tools=[4, 16], seeds=range(3))
    try:
        on_ray = run_sweep(configs, backend="ray", workers=2, progress=False)
    finally:
        ray.shutdown()
    local = run_sweep(configs, workers=0, progress=False)
    _same(on_ray, local)
    assert len(on_ray.episodes) == 6


def test_store_ignores_and_cleans_what_a_killed_writer_left(tmp_path: Path) -> None:
    res = run_sweep(al.grid(seeds=range(3)), store=tmp_path, workers=0, progress=False)
    store = SweepStore(tmp_path)
    steps_part = next((tmp_path / "steps").glob("*.parquet"))
    (tmp_path / "steps" / "orphan.parquet").write_bytes(steps_part.read_bytes())  # no episodes
    (tmp_path / "episodes" / ".half-written.parquet.1234.tmp").write_bytes(b"PAR1")
    episodes_part = next((tmp_path / "episodes").glob("*.parquet"))  # a racing run's duplicate
    (tmp_path / "episodes" / "zz-duplicate.parquet").write_bytes(episodes_part.read_bytes())
    (tmp_path / "steps" / "zz-duplicate.parquet").write_bytes(steps_part.read_bytes())
    _same(load_sweep(tmp_path), res)
    store.clean()
    assert not (tmp_path / "steps" / "orphan.parquet").exists()
    assert not list((tmp_path / "episodes").glob(".*.tmp"))


def test_same_configuration_same_key_in_another_process() -> None:
    code = "import agentlab as al; from agentlab.run.store import config_key; "
    code += "print(config_key(al.EpisodeConfig(tools=16, seed=3)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    from agentlab.run.store import config_key

    assert out.stdout.strip() == config_key(al.EpisodeConfig(tools=16, seed=3))
    assert config_key(al.EpisodeConfig(seed=3)) != config_key(al.EpisodeConfig(seed=4))


def test_a_configuration_listed_twice_runs_once(tmp_path: Path) -> None:
    configs: list[Any] = [al.EpisodeConfig(seed=0), al.EpisodeConfig(seed=0)]
    res = run_sweep(configs, store=tmp_path, workers=0, progress=False)
    assert len(res.episodes) == 1 and res.planned == 1


def test_a_folder_with_other_files_is_not_taken_for_a_store(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a sweep store and not empty"):
        run_sweep([al.EpisodeConfig()], store=tmp_path, workers=0, progress=False)


TRANSIENT: set[int] = set()  # seeds whose episodes fail, until a test clears it


def transient_episode(config: al.EpisodeConfig) -> Episode:
    """An episode function that fails for the seeds in ``TRANSIENT`` (run with workers=0)."""
    if config.seed in TRANSIENT:
        raise RuntimeError("transient failure")
    return run_episode(config)


@pytest.mark.slow
def test_retry_errors_runs_only_the_error_rows_again_and_replaces_them(tmp_path: Path) -> None:
    configs = al.grid(seeds=range(5))
    options: dict[str, Any] = {"workers": 0, "progress": False, "episode_fn": transient_episode}
    TRANSIENT.update({1, 3})
    try:
        first = run_sweep(configs, store=tmp_path / "s", **options)
    finally:
        TRANSIENT.clear()
    outcome = first.episodes.set_index("seed")["outcome"]
    assert list(outcome[[1, 3]]) == ["error: RuntimeError: transient failure"] * 2
    again = run_sweep(configs, store=tmp_path / "s", **options)  # error rows are kept...
    pd.testing.assert_frame_equal(again.episodes, first.episodes)
    retried = run_sweep(configs, store=tmp_path / "s", retry="errors", **options)  # ...unless

    assert retried.complete and retried.episodes[KEY].is_unique and len(retried.episodes) == 5
    assert set(retried.episodes["outcome"]) == {"answered"}
    kept = retried.episodes["seed"].isin([0, 2, 4])
    pd.testing.assert_frame_equal(  # the other rows were not run again (same wall_s)
        retried.episodes[kept],
        first.episodes[first.episodes["seed"].isin([0, 2, 4])],
        check_dtype=False,  # first's token columns were float: NaN in its error rows
    )
    clean = run_sweep(configs, store=tmp_path / "clean", **options)  # as if nothing failed
    _same(retried, clean)
    loaded = load_sweep(tmp_path / "s")  # loading keeps the newest row of a retried key
    pd.testing.assert_frame_equal(loaded.episodes, retried.episodes)
    pd.testing.assert_frame_equal(loaded.steps, retried.steps)
    with pytest.raises(ValueError, match=r"retry: got 'all'; allowed: None, 'errors'"):
        run_sweep(configs, store=tmp_path / "s", retry="all", **options)


def test_workers_fork_from_a_server_whose_objects_the_collector_leaves_alone() -> None:
    import gc

    from agentlab.run.backends import LocalBackend

    backend = LocalBackend(1)
    try:  # gc.freeze() in the fork server: a worker's collections copy none of its pages
        assert backend.submit(gc.get_freeze_count).result(timeout=120) > 10_000
    finally:
        backend.close(cancel=True)


@pytest.mark.slow
def test_where_there_is_no_fork_server_workers_are_spawned_with_the_same_tables(
    uninterrupted: SweepResults, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows has no fork server: there the workers are spawned (each imports the lab
    itself) and the sweep's tables are the same; a spawned worker's watchdog asks its
    parent's handle whether the sweep lives, since ``os.kill`` would end it there."""
    import multiprocessing

    from agentlab.run import backends

    assert backends.start_method() == "forkserver"  # Linux, as in CI
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert backends.start_method() == "spawn"
    spawned = run_sweep(al.grid(**GRID), store=tmp_path / "s", workers=2, progress=False)
    _same(spawned, uninterrupted)
    # the watchdog as on Windows, in a spawned process: it asks its parent's handle
    ctx = multiprocessing.get_context("spawn")
    answers = ctx.Queue()
    child = ctx.Process(target=_alive_as_on_windows, args=(answers,))
    child.start()
    try:
        assert answers.get(timeout=120) == (True, "parent handle")
    finally:
        child.join(timeout=60)


def _alive_as_on_windows(answers: Any) -> None:
    """In a spawned process: whether the watchdog finds its parent alive with
    ``sys.platform`` set to ``win32``, where ``os.kill`` would end the process it names."""
    from agentlab.run import backends

    def forbidden(*args: object) -> None:
        raise AssertionError("os.kill on Windows terminates the process it names")

    sys.platform = "win32"
    os.kill = forbidden  # type: ignore[assignment]
    try:
        answers.put((backends._sweep_alive(-1), "parent handle"))
    except Exception as exc:  # said to the test, not lost with this process
        answers.put((repr(exc), "raised"))


def test_simulated_sweeps_run_in_bigger_chunks_than_real_ones() -> None:
    """A part costs ~35 ms to encode whatever its rows, so simulated episodes (free and
    repeatable) go 64 to a chunk; real model calls stay 16 to a chunk (a chunk running when
    the sweep stops is lost), and 2 under a budget. Chunks shrink toward the end."""
    from agentlab.run.sweep_chunks import BUDGET_CHUNK, MAX_CHUNK, SIM_CHUNK, split_chunks

    def sizes(model: str, n: int = 1000, budgeted: bool = False) -> list[int]:
        items = [(str(i), c) for i, c in enumerate(al.grid(model=model, seeds=range(n)))]
        chunks = split_chunks(items, 2, None, budgeted)
        assert [item for c in chunks for item in c] == items  # all, once, in order
        return [len(c) for c in chunks]

    sim = sizes("sim:gpt-4o-mini")
    assert max(sim) == SIM_CHUNK == 64 and sim[-1] == 1 and sim == sorted(sim, reverse=True)
    assert max(sizes("openai:gpt-4o-mini")) == MAX_CHUNK == 16
    assert max(sizes("sim:gpt-4o-mini", budgeted=True)) == BUDGET_CHUNK
    mixed = al.grid(model=["sim:gpt-4o-mini", "openai:gpt-4o-mini"], seeds=range(500))
    items = [(str(i), c) for i, c in enumerate(mixed)]
    assert max(len(c) for c in split_chunks(items, 2, None, False)) == MAX_CHUNK
    assert max(len(c) for c in split_chunks(items, 2, 5, False)) == 5  # chunk_size wins


@pytest.mark.slow
def test_in_a_kernel_a_sweeps_workers_run_behind_a_host_with_the_same_tables(
    uninterrupted: SweepResults, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a notebook the sweep's workers run behind a host in a session of their own
    (``worker_host``), out of the process group ipykernel waits on when it shuts down."""
    from agentlab.run import worker_host

    made: list[Any] = []
    real = worker_host.local_backend

    def watched(workers: int, **kw: Any) -> Any:
        made.append(real(workers, **kw))
        pids.append(made[-1].pid)
        return made[-1]

    pids: list[int] = []

    monkeypatch.setattr(worker_host, "in_a_kernel", lambda: True)
    monkeypatch.setattr("agentlab.run.sweep.local_backend", watched)
    hosted = run_sweep(al.grid(**GRID), store=tmp_path / "h", workers=2, progress=False)
    _same(hosted, uninterrupted)
    assert [type(b).__name__ for b in made] == ["HostBackend"]
    assert made[0].pid is None  # its workers closed with the sweep
    host = worker_host.Host.get()  # the host stays for the kernel's life: the next sweep's
    assert host.process.pid == pids[0] and host.process.poll() is None
