"""A sweep's durable store: Parquet parts keyed by configuration, safe to kill at any moment.

A store is a folder::

    sweep.json              the planned configurations, in order (the "manifest")
    episodes/<part>.parquet one row per episode, each with its ``config_key``
    steps/<part>.parquet    the steps of the same episodes

Each finished chunk of episodes becomes one *part*, written as a temporary file and renamed
into place (a rename is atomic), steps first and episodes last: a part exists when its
episodes file does. A process killed mid-write leaves at most a temporary file or an
orphan steps file, which loading ignores and the next run removes. Loading keeps one row
per ``config_key`` (the first part that has it), so even two runs racing on one store
never duplicate a row.

``config_key`` is a stable hash of every field of the configuration, seed included: the
same configuration gets the same key in any process, on any machine, in any session.

Introduced in notebook 10 (`10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FORMAT = "agentlab-sweep/1"  # written in sweep.json; bump when the layout changes
MANIFEST = "sweep.json"
KEY = "config_key"  # the column every row of a store carries


def config_row(config: Any) -> dict[str, Any]:
    """The configuration's fields as a row (``as_row()`` when it has one)."""
    if hasattr(config, "as_row"):
        return dict(config.as_row())
    return dataclasses.asdict(config)


def config_key(config: Any) -> str:
    """A stable 16-hex-digit hash of every field of a configuration (seed included).

    Example:
        >>> from agentlab.config import EpisodeConfig
        >>> config_key(EpisodeConfig(seed=1)) == config_key(EpisodeConfig(seed=1))
        True
        >>> config_key(EpisodeConfig(seed=1)) == config_key(EpisodeConfig(seed=2))
        False
    """
    text = json.dumps(
        {"type": type(config).__name__, **config_row(config)},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def to_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Rows (dicts, possibly with different keys) as an Arrow table, columns in first-seen order."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    arrays = {}
    for name in columns:
        values = [row.get(name) for row in rows]
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: keep them readable
            arrays[name] = pa.array([None if v is None else str(v) for v in values])
    return pa.table(arrays)


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("wb") as f:
        pq.write_table(table, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


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
            other = [p.name for p in self.path.iterdir() if p.name not in ("episodes", "steps")]
            if other:  # never scatter a store's files among someone else's
                raise ValueError(
                    f"{self.path}: not a sweep store and not empty ({other[0]!r} is there); "
                    "give a new or empty folder"
                )
        for sub in ("episodes", "steps"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        # parts this object wrote, as written: reading them back is the sweep's last serial
        # step, and the tables are the ones just stored (Parquet round-trips these types)
        self._written: dict[Path, pa.Table] = {}
        manifest = self.path / MANIFEST
        if manifest.exists():
            data = json.loads(manifest.read_text())
            if data.get("format") != FORMAT:
                raise ValueError(f"{self.path}: not an agentlab sweep store ({FORMAT})")

    # --- the manifest: what the sweep plans to run, in order ------------------------

    def planned(self) -> list[dict[str, Any]]:
        """The planned configurations as rows (each with its ``config_key``), in order."""
        manifest = self.path / MANIFEST
        if not manifest.exists():
            return []
        return list(json.loads(manifest.read_text())["configs"])

    def plan(self, configs: Iterable[Any]) -> list[str]:
        """Add configurations to the manifest (kept in first-planned order); their keys."""
        planned = self.planned()
        known = {row[KEY] for row in planned}
        keys = []
        for config in configs:
            key = config_key(config)
            keys.append(key)
            if key not in known:
                known.add(key)
                planned.append({KEY: key, **config_row(config)})
        text = json.dumps({"format": FORMAT, "configs": planned}, default=str)
        tmp = self.path / f".{MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_text(text)
        os.replace(tmp, self.path / MANIFEST)
        return keys

    # --- parts ------------------------------------------------------------------------

    def _parts(self) -> list[Path]:
        return sorted((self.path / "episodes").glob("*.parquet"))

    def write_part(self, episodes: pa.Table, steps: pa.Table | None) -> str:
        """Store one finished chunk: steps first, then episodes (the commit). Its part name."""
        name = f"{uuid.uuid1().hex}.parquet"  # time-ordered: earlier parts sort first
        if steps is not None and steps.num_rows:
            _write_atomic(steps, self.path / "steps" / name)
            self._written[self.path / "steps" / name] = steps
        _write_atomic(episodes, self.path / "episodes" / name)
        self._written[self.path / "episodes" / name] = episodes
        return name

    def _read(self, path: Path) -> pa.Table:
        """A stored part's table (from memory when this object wrote it)."""
        table = self._written.get(path)
        return table if table is not None else pq.read_table(path)

    def stored_keys(self) -> set[str]:
        """The ``config_key`` of every stored episode."""
        keys: set[str] = set()
        for part in self._parts():
            keys.update(pq.read_table(part, columns=[KEY]).column(KEY).to_pylist())
        return keys

    def spent(self, keys: Iterable[str]) -> tuple[float, int]:
        """Dollars and tokens (in + out) spent by the stored episodes among ``keys``."""
        wanted = set(keys)
        usd, tokens = 0.0, 0
        for part in self._parts():
            table = pq.read_table(part)
            for row in table.select(
                [c for c in (KEY, "cost_usd", "tokens_in", "tokens_out") if c in table.column_names]
            ).to_pylist():
                if row[KEY] in wanted:
                    wanted.discard(row[KEY])
                    row_usd, row_tokens = spent_by(row)
                    usd, tokens = usd + row_usd, tokens + row_tokens
        return usd, tokens

    def clean(self) -> None:
        """Remove what a killed writer left: temporary files and steps with no episodes."""
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
        """The ``episodes`` and ``steps`` tables: one episode per key, in planned order.

        Each row starts with ``episode`` (its position in the manifest) and ``config_key``.
        """
        order = {row[KEY]: i for i, row in enumerate(self.planned())}
        episodes: list[pa.Table] = []
        winners: dict[str, str] = {}  # key -> the part that holds it
        for part in self._parts():
            table = self._read(part)
            keep = [k not in winners for k in table.column(KEY).to_pylist()]
            for k in table.column(KEY).to_pylist():
                winners.setdefault(k, part.name)
            episodes.append(table.filter(pa.array(keep)))
        steps: list[pa.Table] = []
        for name in dict.fromkeys(winners.values()):
            path = self.path / "steps" / name
            if path.exists():
                table = self._read(path)
                keep = [winners.get(k) == name for k in table.column(KEY).to_pylist()]
                steps.append(table.filter(pa.array(keep)))
        return _frame(episodes, order), _frame(steps, order, by_step=True)


def spent_by(row: dict[str, Any]) -> tuple[float, int]:
    """Dollars and tokens (in + out) an ``episodes`` row spent (missing or NaN counts 0)."""

    def number(value: Any) -> float:
        return float(value) if isinstance(value, int | float) and value == value else 0.0

    tokens = number(row.get("tokens_in")) + number(row.get("tokens_out"))
    return number(row.get("cost_usd")), int(tokens)


def _frame(tables: list[pa.Table], order: dict[str, int], *, by_step: bool = False) -> pd.DataFrame:
    """Concatenate parts (types unified), order rows by plan, put ``episode`` first."""
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return pd.DataFrame()
    widest = max(tables, key=lambda t: t.num_columns)  # a full row's column order
    columns = list(
        dict.fromkeys([*widest.column_names, *(c for t in tables for c in t.column_names)])
    )
    table = pa.concat_tables(tables, promote_options="permissive").select(columns)
    df = table.to_pandas()
    df.insert(0, "episode", df[KEY].map(order).fillna(len(order)).astype(int))
    sort = ["episode", "step"] if by_step and "step" in df.columns else ["episode"]
    return df.sort_values(sort, kind="stable").reset_index(drop=True)
