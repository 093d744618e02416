"""A sweep's durable store: Parquet parts keyed by configuration, safe to kill at any moment.

A store is a folder::

    sweep.json              the planned configurations, in order (the "manifest")
    episodes/<part>.parquet one row per episode, each with its ``config_key``
    steps/<part>.parquet    the steps of the same episodes
    quarantine/             damaged parts, moved aside (their episodes run again)
    .lock                   the writers' lock

Each finished chunk of episodes becomes one *part*, written as a temporary file and renamed
into place (a rename is atomic), steps first and episodes last: a part exists when its
episodes file does. A process killed mid-write leaves at most a temporary file or an
orphan steps file, which loading ignores and the next run removes.

Writers take the store's file lock (``filelock``) to plan, to write a part and to clean,
so two sweeps on one store, in two processes, stay correct: a part never repeats an
episode already stored (unless it is a retry of an error row), and neither sweep removes
what the other is writing. Parts are numbered in the order they were written; loading keeps
one row per ``config_key``, the newest (a retried episode replaces its error row). A part
that cannot be read is moved to ``quarantine/`` with a ``DamagedPartWarning`` naming it;
the rest loads, and the next run computes its episodes again. Every part is written and
read with the declared column types of ``agentlab.run.store_schema``. The part files as pandas
frames (written atomically with fastparquet, read back in order, concatenated) are
``agentlab.run.store_parts``.

``config_key`` (``agentlab.run.identity``) is a stable hash of every field of the
configuration, seed included, and of its endpoint for a real model: the same configuration
gets the same key in any process, on any machine, in any session.

Introduced in notebook 10 (`10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from agentlab.redact import redact
from agentlab.run.identity import config_key, config_row, identity
from agentlab.run.store_parts import (
    KEY,
    SUMMARY,
    Batches,
    clean,
    encode_part,
    is_damaged,
    part_order,
    part_summary,
    read_file,
    rows_of,
    spent_by,
    to_frame,
    typed,
    without_keys,
    write_atomic,
)
from agentlab.run.store_schema import EPISODES, STEPS

FORMAT = "agentlab-sweep/1"  # written in sweep.json; bump when the layout changes
MANIFEST = "sweep.json"
QUARANTINE = "quarantine"  # the folder damaged parts are moved to
LOCK = ".lock"  # the writers' lock file
LOCK_TIMEOUT = 120.0  # seconds to wait for another writer before saying so
# episode rows of the parts a store object wrote that it keeps for load_episodes() (~3 KB a
# row with the frames' own cost); older parts are read back (~12 ms a part). Steps, some 15
# rows an episode, are never kept: they are read from disk when they are wanted
KEPT_ROWS = 5_000
T = TypeVar("T")


class DamagedPartWarning(UserWarning):
    """A part of a store could not be read; it was moved to the store's quarantine."""


class SweepStore:
    """The folder holding one sweep's results (created when missing).

    Example:
        >>> import tempfile
        >>> store = SweepStore(tempfile.mkdtemp())
        >>> store.stored_keys()
        set()
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if self.path.is_dir() and not (self.path / MANIFEST).exists():
            mine = ("episodes", "steps", QUARANTINE, LOCK)
            other = [  # another sweep may be creating this store: its manifest is on the way
                p.name
                for p in self.path.iterdir()
                if p.name not in mine
                and not re.fullmatch(rf"\.{re.escape(MANIFEST)}\.\w+\.tmp", p.name)
            ]
            if other:  # never scatter a store's files among someone else's
                raise ValueError(
                    f"{self.path}: not a sweep store and not empty ({other[0]!r} is there); "
                    "give a new or empty folder"
                )
        for sub in ("episodes", "steps"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(self.path / LOCK, timeout=LOCK_TIMEOUT)
        # the episodes of the latest parts this object wrote, up to KEPT_ROWS rows (Parquet
        # round-trips their types): a sweep of any size holds a bounded share of its rows
        self._written: OrderedDict[Path, pd.DataFrame] = OrderedDict()
        self._kept_rows = 0
        self._whole: set[str] = set()  # parts whose steps file is known whole
        # what each part holds (keys, outcomes, spending), read once: parts never change
        self._index: dict[str, pd.DataFrame] = {}
        manifest = self.path / MANIFEST
        if manifest.exists() and json.loads(manifest.read_text()).get("format") != FORMAT:
            raise ValueError(f"{self.path}: not an agentlab sweep store ({FORMAT})")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's writer lock (reentrant) for the block."""
        try:
            self._lock.acquire()
        except Timeout:
            raise TimeoutError(
                f"{self.path}: another process has held the store's lock ({LOCK}) for "
                f"{LOCK_TIMEOUT:g} s; is a sweep writing to this store stuck?"
            ) from None
        try:
            yield
        finally:
            self._lock.release()

    # --- the manifest: what the sweep plans to run, in order ------------------------

    def planned(self) -> list[dict[str, Any]]:
        """The planned configurations as rows (each with its ``config_key``), in order."""
        manifest = self.path / MANIFEST
        if not manifest.exists():
            return []
        return list(json.loads(manifest.read_text())["configs"])

    def plan(
        self, configs: Iterable[Any], *, settings: Mapping[str, Any] | None = None
    ) -> list[str]:
        """Add configurations to the manifest (kept in first-planned order); their keys.

        Args:
            configs: The configurations.
            settings: Other settings that change their results (part of each key and row).
        """
        with self.locked():
            planned = self.planned()
            known = {row[KEY] for row in planned}
            keys = []
            for config in configs:
                key = config_key(config, settings=settings)
                keys.append(key)
                if key not in known:
                    known.add(key)
                    extra = identity(config, settings=settings)
                    planned.append({KEY: key, **config_row(config), **extra})
            text = json.dumps({"format": FORMAT, "configs": planned}, default=str)
            tmp = self.path / f".{MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
            tmp.write_text(redact(text))
            os.replace(tmp, self.path / MANIFEST)
        return keys

    # --- parts ------------------------------------------------------------------------

    def _parts(self) -> list[Path]:
        """The committed parts, oldest first."""
        return sorted((self.path / "episodes").glob("*.parquet"), key=lambda p: part_order(p.name))

    def write_part(
        self,
        episodes: pd.DataFrame,
        steps: pd.DataFrame | None,
        *,
        replace: Iterable[str] = (),
        files: tuple[bytes, bytes | None] | None = None,
    ) -> str | None:
        """Store one finished chunk: steps first, then episodes (the commit).

        Under the store's lock, rows whose episode is stored already (by this sweep or by
        another one on the same store) are left out, unless their key is in ``replace``
        (a retry of an error row, which the new row supersedes).

        Args:
            episodes: The chunk's ``episodes`` rows.
            steps: Its ``steps`` rows (None: it has none).
            replace: Keys whose stored rows the new ones supersede.
            files: The rows' Parquet files as a worker encoded them (``store_parts.prepare``):
                written as they are unless this process's redaction or declared types
                change a row, or a row is left out; then the rows are encoded here.

        Returns:
            The part's name, or None when every row was stored already.
        """
        rows, step_rows = clean(episodes, steps)  # no key in a file; declared types
        as_encoded = files is not None and rows is episodes and step_rows is steps
        with self.locked():
            self._refresh()
            stored = self._keys() - set(replace)
            if stored and rows[KEY].isin(stored).any():  # left out: the rest encoded here
                rows, as_encoded = without_keys(rows, stored), False
                if step_rows is not None:
                    step_rows = without_keys(step_rows, stored)
                    step_rows = step_rows if len(step_rows) else None
            if not len(rows):
                return None
            if files is None or not as_encoded:  # not the rows a worker encoded: encode here
                files = encode_part(rows, step_rows)
            seq = max((part_order(n)[0] for n in self._index), default=0) + 1
            name = f"{seq:012d}-{uuid.uuid4().hex[:8]}.parquet"  # numbered: newer sort later
            if step_rows is not None and files[1] is not None:
                write_atomic(files[1], self.path / "steps" / name)
            write_atomic(files[0], self.path / "episodes" / name)
            self._keep(self.path / "episodes" / name, rows)
            self._whole.add(name)
            self._index[name] = part_summary(rows)
        return name

    def _keep(self, path: Path, table: pd.DataFrame) -> None:
        """Keep a part just written for ``load``, dropping the oldest kept beyond KEPT_ROWS."""
        self._written[path] = table
        self._kept_rows += len(table)
        while self._kept_rows > KEPT_ROWS and len(self._written) > 1:
            _, dropped = self._written.popitem(last=False)
            self._kept_rows -= len(dropped)

    def _forget(self, name: str) -> None:
        """Let go of a part's kept tables (it was moved aside or is gone)."""
        for sub in ("episodes", "steps"):
            dropped = self._written.pop(self.path / sub / name, None)
            self._kept_rows -= 0 if dropped is None else len(dropped)

    def _read(self, path: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
        """A stored part's table (from memory when this object wrote it lately: ``_keep``);
        None when it is damaged (then moved to the quarantine, with a warning) or gone."""
        table = self._written.get(path)
        if table is not None:
            return table
        read = self._guarded(path, lambda: read_file(path, columns))
        return None if read is None else typed(*read)

    def _guarded(self, path: Path, read: Callable[[], T]) -> T | None:
        """``read()``; None when a part's file is gone (moved aside meanwhile) or damaged
        (then the part goes to the quarantine, with a warning)."""
        try:
            return read()
        except FileNotFoundError:
            return None
        except Exception as exc:  # fastparquet's errors on a damaged file are of many types
            if not is_damaged(exc):
                raise
            self.quarantine(path.name, f"{path}: {type(exc).__name__}: {exc}")
            return None

    def quarantine(self, name: str, reason: str) -> None:
        """Move a part (its episodes and steps files) to ``quarantine/``, with a warning."""
        with self.locked():
            moved = []
            for sub in ("episodes", "steps"):
                source = self.path / sub / name
                if source.exists():
                    target = self.path / QUARANTINE / sub / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(source, target)
                    moved.append(str(target))
            self._forget(name)
            self._index.pop(name, None)
        if moved:
            warnings.warn(
                f"damaged store part: {reason}; moved to {', '.join(moved)}. The rest of the "
                "store loads; its episodes run again when the sweep is run again",
                DamagedPartWarning,
                stacklevel=3,
            )

    def _refresh(self) -> None:
        """Read what new parts hold (and forget parts gone), quarantining damaged ones."""
        parts = self._parts()
        names = {p.name for p in parts}
        for name in set(self._index) - names:
            del self._index[name]
            self._forget(name)
        for part in parts:
            if part.name in self._index:
                continue
            table = self._read(part, list(SUMMARY))
            if table is None:
                continue
            if KEY not in table.columns:
                self.quarantine(part.name, f"{part}: no {KEY} column")
                continue
            self._index[part.name] = part_summary(table)

    def _keys(self) -> set[str]:
        return {key for table in self._index.values() for key in table[KEY].tolist()}

    def stored_keys(self) -> set[str]:
        """The ``config_key`` of every stored episode."""
        self._refresh()
        return self._keys()

    def outcomes(self) -> dict[str, str | None]:
        """Each stored episode's outcome (its newest row's), by ``config_key``."""
        self._refresh()
        out: dict[str, str | None] = {}
        for name in sorted(self._index, key=part_order):  # newer rows replace older ones
            out.update((row[KEY], row.get("outcome")) for row in rows_of(self._index[name]))
        return out

    def spent(self, keys: Iterable[str]) -> tuple[float, float]:
        """Dollars and tokens (in + out) spent by the stored episodes among ``keys``: every
        row, a retried episode's replaced error rows included (that money was spent). Either
        is NaN when a row's is (see ``spent_by``)."""
        wanted = set(keys)
        usd, tokens = 0.0, 0.0
        self._refresh()
        for table in self._index.values():
            for row in rows_of(table):
                if row[KEY] in wanted:
                    row_usd, row_tokens = spent_by(row)
                    usd, tokens = usd + row_usd, tokens + row_tokens
        return usd, tokens

    def clean(self) -> None:
        """Remove what a killed writer left: temporary files and steps with no episodes."""
        with self.locked():  # a live writer's files are never half-written while we hold it
            committed = {p.name for p in self._parts()}
            for sub in ("episodes", "steps"):
                for tmp in (self.path / sub).glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)
            for orphan in (self.path / "steps").glob("*.parquet"):
                if orphan.name not in committed:
                    orphan.unlink(missing_ok=True)
            for tmp in self.path.glob(f".{MANIFEST}.*.tmp"):
                tmp.unlink(missing_ok=True)

    def load(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The ``episodes`` and ``steps`` tables: one episode per key (its newest row), in
        planned order, each row starting with ``episode`` (its position in the manifest) and
        ``config_key``. A damaged part is quarantined (with a warning) and left out."""
        while True:  # a damaged steps part was moved aside with its episodes: read again
            episodes, winners = self.load_episodes()
            steps = self.load_steps(winners)
            if all((self.path / "episodes" / n).exists() for n in set(winners.values())):
                return episodes, steps

    def load_episodes(self) -> tuple[pd.DataFrame, dict[str, str]]:
        """The ``episodes`` table (as ``load``'s), and each key's part, which ``load_steps``
        reads. A part with a damaged steps file goes to the quarantine, episodes and all."""
        order = {row[KEY]: i for i, row in enumerate(self.planned())}
        read = Batches(EPISODES)  # the parts' episodes, as few tables (a column costs ~1 KB)
        winners: dict[str, str] = {}  # key -> the newest part that holds it
        for part in self._parts():
            table = self._read(part)
            if table is None or not self._steps_whole(part.name):
                continue
            read.add(table, part.name)
            winners.update(dict.fromkeys(table[KEY].tolist(), part.name))
        episodes = []
        for table, of in read.tables():
            keep = np.array([winners[k] == n for k, n in zip(table[KEY].tolist(), of, strict=True)])
            episodes.append(table if keep.all() else table[keep])
        return to_frame(episodes, order), winners

    def _steps_whole(self, name: str) -> bool:
        """Whether a part's steps file (if any) is whole: its frame and footer read once."""
        steps = self.path / "steps" / name
        if name not in self._whole:
            if steps.exists() and self._guarded(steps, partial(read_file, steps, [])) is None:
                return False
            self._whole.add(name)
        return True

    def load_steps(self, winners: Mapping[str, str]) -> pd.DataFrame:
        """The ``steps`` of the rows ``winners`` names (key -> its part, from ``load_episodes``;
        parts are never rewritten), in planned order. A part damaged (quarantined, with a
        warning) or moved aside since gives none."""
        order = {row[KEY]: i for i, row in enumerate(self.planned())}
        steps = Batches(STEPS)
        for name in sorted(set(winners.values()), key=part_order):
            path = self.path / "steps" / name
            table = self._read(path) if path.exists() else None
            if table is not None:
                keep = np.array([winners.get(k) == name for k in table[KEY].tolist()], bool)
                steps.add(table if keep.all() else table[keep], name)
        return to_frame([t for t, _ in steps.tables()], order, by_step=True)
