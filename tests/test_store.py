"""A sweep store shared by two processes, with a damaged part, and with parts whose column
types disagree: one row per episode, nothing lost, every part loaded with declared types; a
store written by the earlier, pyarrow, store loads the same."""

from __future__ import annotations

import decimal
import errno
import fractions
import itertools
import json
import numbers
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import fastparquet
import numpy as np
import pandas as pd
import pytest

import agentlab as al
from agentlab.run import store_parts
from agentlab.run.store import KEY, QUARANTINE, DamagedPartWarning, SweepStore, config_key
from agentlab.run.store_parts import prepare, read_part, rows_of, to_table
from agentlab.run.store_schema import (
    BOOL,
    EPISODES,
    FLOAT,
    INT,
    STEPS,
    TEXT,
    conform,
    infer,
    kind_of,
)
from agentlab.run.sweep import SweepResults, load_sweep, run_sweep
from agentlab.run.sweep_chunks import chunk_rows, failure_row, run_chunk

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
    return pd.concat([read_part(p) for p in parts], ignore_index=True)


@pytest.mark.slow
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
    return _copy_folder(reference.store, folder)


def _copy_folder(source: Path, folder: Path) -> Path:
    for path in source.rglob("*"):
        if path.is_file():
            target = folder / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return folder


@pytest.mark.parametrize(
    ("damaged", "how"),
    [("episodes", "truncated"), ("steps", "truncated"), ("episodes", "not Parquet")],
)
def test_a_damaged_part_is_quarantined_and_its_episodes_run_again(
    tmp_path: Path, reference: SweepResults, damaged: str, how: str
) -> None:
    store = _copy(reference, tmp_path / "store")
    part = sorted((store / damaged).glob("*.parquet"))[1]
    if how == "truncated":  # a write cut short
        part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    else:  # another program's file, of the same length
        part.write_bytes(b"x" * part.stat().st_size)
    lost = (
        set(read_part(store / "episodes" / part.name, [KEY])[KEY]) if damaged == "steps" else None
    )

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

    monkeypatch.setattr(fastparquet, "ParquetFile", no_handles_left)
    with pytest.raises(OSError, match="Too many open files"):
        load_sweep(store)
    assert sorted((store / "episodes").glob("*.parquet")) == parts  # none moved aside
    assert not (store / QUARANTINE).exists()


def _rewrite(path: Path, changes: dict[str, str]) -> None:
    """Write a part again with some columns stored as another type (as another version would)."""
    table = read_part(path)
    for name, kind in changes.items():
        table[name] = table[name].astype(kind)
    fastparquet.write(str(path), table, write_index=False)


def test_parts_written_with_other_column_types_load_with_the_declared_ones(
    tmp_path: Path, reference: SweepResults
) -> None:
    store = _copy(reference, tmp_path / "store")
    first, second, _ = sorted((store / "episodes").glob("*.parquet"))
    # integers written as floats, floats as integers (whole ones) or as text
    _rewrite(first, {"tokens_in": "float64", "llm_calls": "float64", "human_s": "int64"})
    _rewrite(second, {"ambiguity_threshold": "str", "seed": "int32"})
    _rewrite(store / "steps" / first.name, {"step": "float64", "latency_s": "str"})
    loaded = load_sweep(store)
    pd.testing.assert_frame_equal(loaded.episodes, reference.episodes)
    pd.testing.assert_frame_equal(loaded.steps, reference.steps)


def test_a_value_the_declared_type_cannot_hold_widens_its_column_and_is_kept(
    tmp_path: Path, reference: SweepResults
) -> None:
    store = _copy(reference, tmp_path / "store")
    first = sorted((store / "episodes").glob("*.parquet"))[0]
    table = read_part(first)
    unknown = [None, 1.5, *table["tokens_in"].tolist()[2:]]  # no usage reported; a fraction
    table["tokens_in"] = pd.Series(unknown, dtype="float64")
    fastparquet.write(str(first), table, write_index=False)
    tokens = load_sweep(store).episodes.set_index("seed")["tokens_in"]
    changed = table["seed"].tolist()[:2]
    assert tokens.dtype == "float64" and tokens.isna().sum() == 1
    assert np.isnan(tokens[changed[0]]) and tokens[changed[1]] == 1.5
    known = tokens.drop(index=changed)
    assert known.tolist() == reference.episodes.set_index("seed")["tokens_in"][known.index].tolist()


def test_every_part_is_written_with_the_declared_types(tmp_path: Path) -> None:
    store = SweepStore(tmp_path)
    config = al.EpisodeConfig(seed=0, budget_usd=1)  # an integer where a float is declared
    failed = failure_row(config_key(config), config, "error: RuntimeError: x") | {"cost_usd": 0}
    chunk = run_chunk([(config_key(al.EpisodeConfig(seed=1)), al.EpisodeConfig(seed=1))])
    store.write_part(to_table([failed]), None)  # typed and encoded by the store
    store.write_part(chunk.episodes, chunk.steps, files=chunk.files)  # ... by the worker
    stored_as = {INT: "i", FLOAT: "f", BOOL: "b", TEXT: "O"}  # Parquet's types, as numpy kinds
    for sub, declared in (("episodes", EPISODES), ("steps", STEPS)):
        for part in (tmp_path / sub).glob("*.parquet"):
            for name, dtype in fastparquet.ParquetFile(str(part)).dtypes.items():
                if name in declared:
                    assert (
                        np.dtype(getattr(dtype, "numpy_dtype", dtype)).kind
                        == (stored_as[declared[name]])
                    ), (part, name, dtype)


def test_every_column_the_lab_writes_is_declared() -> None:
    configs = [
        al.EpisodeConfig(seed=0, clarify="always", verify="every_k"),
        *(al.EpisodeConfig(scenario="research", architecture=a) for a in ("single", "hybrid")),
    ]
    rows, steps = chunk_rows([(config_key(c), c) for c in configs])
    for table, declared in ((to_table(rows), EPISODES), (to_table(steps), STEPS)):
        undeclared = sorted(set(table.columns) - set(declared))
        assert not undeclared, f"declare these columns in agentlab.run.store_schema: {undeclared}"
        for name in table.columns:  # and declared as the lab writes them
            if kind_of(table[name]) is not None:
                assert table[name].dtype == declared[name], name


def _kind_by_the_rule(values: list[object]) -> str | None:
    """``store_schema.infer``'s rule, written out with the abstract number classes only."""
    present = [v for v in values if v is not None and v is not pd.NA]
    if not present:
        return None
    if all(isinstance(v, bool | np.bool_) for v in present):
        return "bool"
    if any(isinstance(v, bool | np.bool_) for v in present):
        return "text"
    if all(isinstance(v, numbers.Integral) and -(2**63) <= int(v) < 2**63 for v in present):
        return "int"
    return "float" if all(isinstance(v, numbers.Real) for v in present) else "text"


def test_a_columns_kind_follows_one_rule_whatever_the_values() -> None:
    singles = [0, -3, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 1.5, float("nan"), True,
               np.bool_(False), np.int64(7), np.float32(0.5), fractions.Fraction(1, 3),
               decimal.Decimal("1.5"), "7", "", [1], {"a": 1}, None, pd.NA]  # fmt: skip
    for values in itertools.product(singles, repeat=3):
        assert infer(list(values)) == _kind_by_the_rule(list(values)), values


def test_conform_never_changes_a_value() -> None:
    rows = [
        {"cost_usd": 0, "tokens_in": 1.0, "answer": 1, "success": "true", "agents": 2},
        {"cost_usd": 2, "tokens_in": 2.5, "answer": None, "success": "False", "agents": "n/a"},
    ]
    out = conform(to_table(rows), EPISODES)
    assert out.dtypes.tolist() == [FLOAT, FLOAT, TEXT, BOOL, TEXT]
    assert rows_of(out) == [
        {"cost_usd": 0.0, "tokens_in": 1.0, "answer": "1", "success": True, "agents": "2"},
        {"cost_usd": 2.0, "tokens_in": 2.5, "answer": None, "success": False, "agents": "n/a"},
    ]
    two = conform(to_table([{"success": 2}, {"success": 1}]), EPISODES)["success"]
    assert two.dtype == FLOAT and two.tolist() == [2.0, 1.0]  # a 2 is no boolean: widened


def test_an_unknown_cost_stays_a_number_and_a_missing_one_is_none(tmp_path: Path) -> None:
    """NaN (unpriced, or no usage reported) is a value, apart from a missing one, on disk too."""
    store = SweepStore(tmp_path)
    store.plan([al.EpisodeConfig(seed=s) for s in range(3)])
    keys = [row[KEY] for row in store.planned()]
    store.write_part(to_table([{KEY: keys[0], "cost_usd": float("nan")}]), None)
    store.write_part(to_table([{KEY: keys[1], "cost_usd": None, "human_s": None}]), None)
    unpriced = SweepStore(tmp_path).load()[0]  # read back from the files
    assert unpriced["cost_usd"].dtype == "float64" and unpriced["human_s"].dtype == object
    assert unpriced["cost_usd"].isna().all() and unpriced["human_s"].isna().all()
    store.write_part(to_table([{KEY: keys[2], "cost_usd": 0.5}]), None)
    assert SweepStore(tmp_path).load()[0]["cost_usd"].tolist()[2] == 0.5


def test_a_part_a_worker_encoded_is_stored_as_is_unless_the_store_redacts_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker (a Ray node, say) may lack a secret the sweep's process knows: the store
    redacts again, and encodes again what that changed."""
    secret = "driver-only-5ecret-value"
    configs = [al.EpisodeConfig(seed=s) for s in range(2)]
    rows = [failure_row(config_key(c), c, f"error: RuntimeError: {secret}") for c in configs]
    monkeypatch.delenv("AGENTLAB_API_KEY", raising=False)
    clean = prepare(to_table(rows[:1]), None)  # nothing to redact where it was encoded
    leaky = prepare(to_table(rows[1:]), None)
    store = SweepStore(tmp_path)
    first = store.write_part(clean.episodes, None, files=clean.files)
    assert (tmp_path / "episodes" / str(first)).read_bytes() == clean.files[0]  # as is
    monkeypatch.setenv("AGENTLAB_API_KEY", secret)  # the store's process knows the key
    second = store.write_part(leaky.episodes, None, files=leaky.files)
    stored = read_part(tmp_path / "episodes" / str(second))
    assert stored["outcome"].tolist() == ["error: RuntimeError: <redacted>"]
    assert store.write_part(leaky.episodes, None, files=leaky.files) is None  # stored already


def test_a_chunk_its_worker_cannot_encode_keeps_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    def cannot(table: pd.DataFrame) -> bytes:
        raise ValueError("cannot encode this")

    monkeypatch.setattr(store_parts, "encode", cannot)
    config = al.EpisodeConfig(seed=0)
    chunk = run_chunk([(config_key(config), config)])
    assert chunk.files is None  # the store encodes (or says why it cannot)
    assert chunk.episodes["seed"].tolist() == [0] and len(chunk.episodes.columns) > 40
    assert not str(chunk.episodes["outcome"].iloc[0]).startswith("error")


FIXTURE = Path(__file__).parent / "fixtures" / "pyarrow_store"


def test_a_store_written_by_the_pyarrow_store_loads_the_same(tmp_path: Path) -> None:
    """``fixtures/pyarrow_store`` was written by the store before it moved to fastparquet
    (pyarrow 26): an answered episode and a failed one (a row with its reason, few columns)
    in one part; ``pyarrow_store.json`` holds the frames that store loaded then."""
    expected = json.loads(FIXTURE.with_suffix(".json").read_text())
    loaded = SweepStore(_copy_folder(FIXTURE, tmp_path / "store")).load()
    for frame, name in zip(loaded, ("episodes", "steps"), strict=True):
        dtypes = expected[name]["dtypes"]
        want = pd.DataFrame(expected[name]["rows"], columns=list(dtypes), dtype=object)
        want = want.astype({c: t for c, t in dtypes.items() if t != "object"})
        pd.testing.assert_frame_equal(frame, want)
    assert loaded[0].set_index("seed")["outcome"].to_dict() == {
        0: "step_limit",
        1: "error: RuntimeError: injected failure",
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


def test_a_store_keeps_a_bounded_share_of_what_it_wrote_and_loads_all_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep's process holds at most ``KEPT_ROWS`` of the episode rows it stored (the
    latest parts, for a quick load) and none of the steps; the rest are read back from disk,
    and the tables load the same either way."""
    from agentlab.run import store as store_module

    configs = list(al.grid(seeds=range(6)))
    chunks = [run_chunk([(config_key(c), c)]) for c in configs]
    folder = {"kept": tmp_path / "kept", "bounded": tmp_path / "bounded"}
    loaded = {}
    for how, path in folder.items():
        if how == "bounded":  # two episodes' rows
            monkeypatch.setattr(store_module, "KEPT_ROWS", 2)
        store = SweepStore(path)
        store.plan(configs)
        for chunk in chunks:
            store.write_part(chunk.episodes, chunk.steps, files=chunk.files)
        assert all(p.parent.name == "episodes" for p in store._written)  # steps: never kept
        kept = sum(len(t) for t in store._written.values())
        if how == "bounded":
            assert kept == store_module.KEPT_ROWS  # the oldest parts were let go
        else:
            assert len(store._written) == len(chunks)
        loaded[how] = store.load()
    for kept_all, bounded in zip(loaded["kept"], loaded["bounded"], strict=True):
        pd.testing.assert_frame_equal(
            kept_all.drop(columns=WALL, errors="ignore"),
            bounded.drop(columns=WALL, errors="ignore"),
        )
    assert len(loaded["bounded"][0]) == len(configs)


@pytest.mark.parametrize("size", [1, 2, 3])
def test_parts_load_the_same_however_they_are_batched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """``load`` concatenates alike parts as it reads them (``store_parts.Batches``): a key
    stored again in a newer part, and parts written with other column types, load the same
    whether the batches hold one part, a few, or all of them."""
    import functools

    from agentlab.run import store as store_module

    configs = list(al.grid(seeds=range(5)))
    path = tmp_path / "store"
    store = SweepStore(path)
    store.plan(configs)
    for c in configs:
        chunk = run_chunk([(config_key(c), c)])
        store.write_part(chunk.episodes, chunk.steps, files=chunk.files)
    again = run_chunk([(config_key(configs[1]), configs[1])])  # a newer part wins its key
    store.write_part(again.episodes, again.steps, replace=[config_key(configs[1])])
    parts = sorted((path / "episodes").glob("*.parquet"), key=lambda p: p.name)
    _rewrite(parts[2], {"tokens_in": "float64"})  # a part of other types between alike ones
    _rewrite(path / "steps" / parts[2].name, {"step": "float64"})
    whole = SweepStore(path).load()  # one batch (the default size is larger than 6 parts)
    monkeypatch.setattr(store_module, "Batches", functools.partial(store_parts.Batches, size=size))
    batched = SweepStore(path).load()
    for a, b in zip(whole, batched, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert len(whole[0]) == len(configs) and whole[0][KEY].is_unique
    newest = whole[1][whole[1][KEY] == config_key(configs[1])]
    assert len(newest) == len(again.steps)  # the newer part's steps, not both parts'


def test_loaded_text_holds_one_object_per_distinct_value(reference: SweepResults) -> None:
    """fastparquet builds a string per cell; the loaded tables share one per value and
    part, so a step row's copy of its episode's configuration costs a pointer
    (``shared_text``)."""
    assert reference.store is not None
    parts = len(list((reference.store / "steps").glob("*.parquet")))
    steps = load_sweep(reference.store).steps
    for name in ("model", "architecture", "node", KEY):
        cells = steps[name].to_numpy(dtype=object)
        assert len({id(v) for v in cells}) <= steps[name].nunique() * parts < len(cells), name


def test_a_part_whose_declared_column_holds_other_values_is_conformed_alone(
    tmp_path: Path,
) -> None:
    """A declared column written as text is cast by its values, part by part (``conform``):
    a part of numbers as text becomes numbers, one with a word stays text. Batched with
    its neighbours, the first part's "0.10" would stay text beside "n/a" instead of
    becoming 0.1 and widening back to "0.1", as it always has."""

    def part(keys: list[str], costs: list[str]) -> pd.DataFrame:
        return pd.DataFrame(
            {KEY: pd.array(keys, dtype=TEXT), "cost_usd": pd.array(costs, dtype=TEXT)}
        )

    store = SweepStore(tmp_path / "store")
    store.write_part(part(["A", "B"], ["0.10", "n/a"]), None)
    store.write_part(part(["C"], ["n/a"]), None)
    newer = pd.DataFrame({KEY: pd.array(["B"], dtype=TEXT), "cost_usd": [0.2]})
    store.write_part(newer, None, replace=["B"])
    for loader in (store, SweepStore(tmp_path / "store")):  # kept in memory, read from disk
        assert loader.load()[0].cost_usd.tolist() == ["0.1", "n/a", "0.2"]


@pytest.mark.slow
def test_a_sweeps_steps_are_read_when_first_used_and_are_those_of_its_episodes(
    tmp_path: Path, reference: SweepResults
) -> None:
    """``steps`` is read from the store on first use (a large sweep returns without holding
    every step), and holds the steps of exactly the rows in ``episodes``: a row stored since
    (a retry replacing an error row, another sweep's episodes) does not change them."""
    store = _copy(reference, tmp_path / "store")
    early = load_sweep(store)
    assert "steps: read on first use" in repr(early)
    keys = set(early.episodes[KEY])
    again = run_sweep(al.grid(seeds=range(8)), store=store, workers=0, progress=False)  # 2 more
    newer = run_chunk([(config_key(c), c) for c in al.grid(seeds=[1])])  # a newer row of seed 1
    SweepStore(store).write_part(newer.episodes, newer.steps, replace=[newer.episodes[KEY][0]])

    assert set(early.steps[KEY]) == keys and len(again.steps[KEY].unique()) == 8
    for a, b in ((early.steps, reference.steps), (early.episodes, reference.episodes)):
        pd.testing.assert_frame_equal(a.drop(columns=WALL), b.drop(columns=WALL))
    assert "steps: " + f"{len(early.steps)} rows" in repr(early)
    eager = run_sweep(al.grid(seeds=range(6)), workers=0, progress=False)  # a temporary store
    assert eager.store is None and "read on first use" not in repr(eager)
    pd.testing.assert_frame_equal(
        eager.steps.drop(columns=WALL), reference.steps.drop(columns=WALL)
    )


def test_a_steps_part_damaged_after_the_episodes_loaded_is_left_out_with_a_warning(
    tmp_path: Path, reference: SweepResults
) -> None:
    store = _copy(reference, tmp_path / "store")
    loaded = load_sweep(store)
    part = sorted((store / "steps").glob("*.parquet"))[1]
    lost = set(read_part(store / "episodes" / part.name, [KEY])[KEY])
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    with pytest.warns(DamagedPartWarning, match=part.name):
        steps = loaded.steps
    assert set(steps[KEY]) == set(loaded.episodes[KEY]) - lost  # the rest of the steps load
    assert (store / QUARANTINE / "steps" / part.name).exists()
    assert len(load_sweep(store).episodes) == 4  # loaded again: those episodes run again


def test_steps_of_a_store_removed_since_are_an_error_not_an_empty_table(
    tmp_path: Path, reference: SweepResults
) -> None:
    import shutil

    store = _copy(reference, tmp_path / "store")
    loaded = load_sweep(store)
    shutil.rmtree(store)
    with pytest.raises(FileNotFoundError, match="the store removed since"):
        _ = loaded.steps
    assert not store.exists()  # reading did not create an empty store in its place
