"""A sweep store shared by two processes, with a damaged part, and with parts whose column
types disagree: one row per episode, nothing lost, every part loaded with declared types."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import agentlab as al
from agentlab.run.store import KEY, QUARANTINE, DamagedPartWarning, SweepStore, config_key
from agentlab.run.store_schema import EPISODES, STEPS, conform
from agentlab.run.sweep import SweepResults, load_sweep, run_sweep
from agentlab.run.sweep_chunks import failure_row, run_chunk

WALL = ["wall_s"]  # real seconds: the only columns that differ between two runs

WRITER = """
import sys, time
from pathlib import Path
import agentlab as al
from agentlab.run.sweep import run_sweep
store, go, name, first, last = sys.argv[1:6]
seeds = range(int(first), int(last)) if int(first) < int(last) else range(int(first), int(last), -1)
Path(store).parent.joinpath(f"ready-{name}").touch()
while not Path(go).exists():  # a barrier: both writers start together
    time.sleep(0.01)
run_sweep(al.grid(seeds=list(seeds)), store=store, workers=0, chunk_size=1, progress=False)
"""


def _rows_on_disk(store: Path, sub: str) -> pd.DataFrame:
    """Every row of every part, as written (duplicates included)."""
    parts = sorted((store / sub).glob("*.parquet"))
    return pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)


def test_two_sweeps_writing_one_store_at_once_store_each_episode_once(tmp_path: Path) -> None:
    store, go = tmp_path / "shared", tmp_path / "go"
    writers = [  # seeds 0..11 forwards and 15..4 backwards: 8 episodes in common
        subprocess.Popen([sys.executable, "-c", WRITER, str(store), str(go), name, a, b])
        for name, a, b in (("a", "0", "12"), ("b", "15", "3"))
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{n}").exists() for n in "ab"):
        assert time.monotonic() < deadline and all(w.poll() is None for w in writers)
        time.sleep(0.01)
    go.touch()
    assert [w.wait(timeout=120) for w in writers] == [0, 0]

    expected = {config_key(c) for c in al.grid(seeds=range(16))}
    written = _rows_on_disk(store, "episodes")
    assert written[KEY].is_unique and set(written[KEY]) == expected  # no episode twice
    steps = _rows_on_disk(store, "steps")
    loaded = load_sweep(store)
    assert len(steps) == len(loaded.steps)  # no step stored twice either
    assert loaded.complete and len(loaded.episodes) == 16  # both plans kept in the manifest
    assert {row[KEY] for row in SweepStore(store).planned()} == expected
    alone = run_sweep(al.grid(seeds=range(16)), workers=0, progress=False)

    def by_seed(df: pd.DataFrame) -> pd.DataFrame:  # the manifest's order: whoever planned first
        return df.drop(columns=["episode", *WALL]).sort_values("seed").reset_index(drop=True)

    pd.testing.assert_frame_equal(by_seed(loaded.episodes), by_seed(alone.episodes))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> SweepResults:
    store = tmp_path_factory.mktemp("reference")
    return run_sweep(al.grid(seeds=range(6)), store=store, workers=0, chunk_size=2, progress=False)


def _copy(reference: SweepResults, folder: Path) -> Path:
    assert reference.store is not None
    for path in reference.store.rglob("*"):
        if path.is_file():
            target = folder / path.relative_to(reference.store)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return folder


@pytest.mark.parametrize("damaged", ["episodes", "steps"])
def test_a_damaged_part_is_quarantined_and_its_episodes_run_again(
    tmp_path: Path, reference: SweepResults, damaged: str
) -> None:
    store = _copy(reference, tmp_path / "store")
    part = sorted((store / damaged).glob("*.parquet"))[1]
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])  # a truncated write
    lost = set(pq.read_table(store / "episodes" / part.name, columns=[KEY]).column(KEY).to_pylist()
               ) if damaged == "steps" else None  # fmt: skip

    with pytest.warns(DamagedPartWarning, match=part.name):
        partial = load_sweep(store)
    assert len(partial.episodes) == 4 and partial.missing == 2  # the rest loads
    if lost is not None:
        assert not lost & set(partial.episodes[KEY])  # no episode without its steps
    for sub in ("episodes", "steps"):  # the whole part is set aside, not deleted
        assert (store / QUARANTINE / sub / part.name).exists()
        assert not (store / sub / part.name).exists()

    resumed = run_sweep(al.grid(seeds=range(6)), store=store, workers=0, progress=False)
    assert resumed.complete
    for a, b in ((resumed.episodes, reference.episodes), (resumed.steps, reference.steps)):
        pd.testing.assert_frame_equal(a.drop(columns=WALL), b.drop(columns=WALL))


def test_a_machine_error_is_raised_and_no_part_is_quarantined(
    tmp_path: Path, reference: SweepResults, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _copy(reference, tmp_path / "store")
    parts = sorted((store / "episodes").glob("*.parquet"))

    def no_handles_left(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(pq, "read_schema", no_handles_left)
    monkeypatch.setattr(pq, "read_table", no_handles_left)
    with pytest.raises(OSError, match="Too many open files"):
        load_sweep(store)
    assert sorted((store / "episodes").glob("*.parquet")) == parts  # none moved aside
    assert not (store / QUARANTINE).exists()


def _rewrite(path: Path, changes: dict[str, pa.DataType]) -> None:
    """Write a part again with some columns stored as another type (as another version would)."""
    table = pq.read_table(path)
    for name, kind in changes.items():
        i = table.column_names.index(name)
        table = table.set_column(i, name, table.column(i).cast(kind))
    pq.write_table(table, path)


def test_parts_written_with_other_column_types_load_with_the_declared_ones(
    tmp_path: Path, reference: SweepResults
) -> None:
    store = _copy(reference, tmp_path / "store")
    first, second, _ = sorted((store / "episodes").glob("*.parquet"))
    # integers written as floats, floats as integers (whole ones) or as text
    _rewrite(first, {"tokens_in": pa.float64(), "llm_calls": pa.float64(), "human_s": pa.int64()})
    _rewrite(second, {"ambiguity_threshold": pa.string(), "seed": pa.int32()})
    _rewrite(store / "steps" / first.name, {"step": pa.float64(), "latency_s": pa.string()})
    loaded = load_sweep(store)
    pd.testing.assert_frame_equal(loaded.episodes, reference.episodes)
    pd.testing.assert_frame_equal(loaded.steps, reference.steps)


def test_a_value_the_declared_type_cannot_hold_widens_its_column_and_is_kept(
    tmp_path: Path, reference: SweepResults
) -> None:
    store = _copy(reference, tmp_path / "store")
    first = sorted((store / "episodes").glob("*.parquet"))[0]
    table = pq.read_table(first)
    i = table.column_names.index("tokens_in")
    unknown = [None, *table.column(i).to_pylist()[1:]]  # a reply that reported no usage
    pq.write_table(table.set_column(i, "tokens_in", pa.array(unknown, pa.float64())), first)
    tokens = load_sweep(store).episodes.set_index("seed")["tokens_in"]
    assert tokens.dtype == "float64" and tokens.isna().sum() == 1
    known = tokens.dropna()
    assert known.tolist() == reference.episodes.set_index("seed")["tokens_in"][known.index].tolist()


def test_every_part_is_written_with_the_declared_types(tmp_path: Path) -> None:
    store = SweepStore(tmp_path)
    config = al.EpisodeConfig(seed=0, budget_usd=1)  # an integer where a float is declared
    failed = failure_row(config_key(config), config, "error: RuntimeError: x") | {"cost_usd": 0}
    chunk = run_chunk([(config_key(al.EpisodeConfig(seed=1)), al.EpisodeConfig(seed=1))])
    store.write_part(pa.Table.from_pylist([failed]), None)
    store.write_part(chunk.episodes, chunk.steps)
    for sub, declared in (("episodes", EPISODES), ("steps", STEPS)):
        for part in (tmp_path / sub).glob("*.parquet"):
            for field in pq.read_schema(part):
                assert field.type == declared.get(field.name, field.type), (part, field)


def test_every_column_the_lab_writes_is_declared() -> None:
    configs = [
        al.EpisodeConfig(seed=0, clarify="always", verify="every_k"),
        *(al.EpisodeConfig(scenario="research", architecture=a) for a in ("single", "hybrid")),
    ]
    chunk = run_chunk([(config_key(c), c) for c in configs])
    for table, declared in ((chunk.episodes, EPISODES), (chunk.steps, STEPS)):
        assert table is not None
        undeclared = sorted(set(table.column_names) - set(declared))
        assert not undeclared, f"declare these columns in agentlab.run.store_schema: {undeclared}"
        for field in table.schema:  # and declared as the lab writes them
            if not pa.types.is_null(field.type):
                assert field.type == declared[field.name], field


def test_conform_never_changes_a_value() -> None:
    table = pa.table({"cost_usd": [0, 2], "tokens_in": [1.0, 2.5], "answer": [1, None]})
    out = conform(table, EPISODES)
    assert out.schema.types == [pa.float64(), pa.float64(), pa.string()]
    assert out.to_pydict() == {
        "cost_usd": [0.0, 2.0],
        "tokens_in": [1.0, 2.5],
        "answer": ["1", None],
    }


def test_a_store_in_use_says_so_after_its_lock_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agentlab.run.store as store_module

    SweepStore(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from filelock import FileLock
            with FileLock({str(tmp_path / store_module.LOCK)!r}):
                print("held", flush=True)
                sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(store_module, "LOCK_TIMEOUT", 0.2)
        with pytest.raises(TimeoutError, match=r"another process has held the store's lock"):
            SweepStore(tmp_path).plan([al.EpisodeConfig()])
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert SweepStore(tmp_path).plan([al.EpisodeConfig()]) == [config_key(al.EpisodeConfig())]
    assert json.loads((tmp_path / "sweep.json").read_text())["configs"][0]["seed"] == 0


def test_a_store_another_sweep_is_creating_is_not_taken_for_a_foreign_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / ".sweep.json.1a2b3c4d.tmp").write_text("{}")  # its manifest, on the way
    (tmp_path / "episodes").mkdir()
    assert SweepStore(tmp_path).stored_keys() == set()
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a sweep store and not empty"):
        SweepStore(tmp_path)
