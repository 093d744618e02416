"""The part files of a sweep store, as pandas DataFrames: written whole, read back in order.

A store (``agentlab.run.store``) keeps each finished chunk of a sweep as one *part*: an
``episodes`` and a ``steps`` Parquet file of the same name, written and read with
``fastparquet``. This module holds what a part is made of and how parts are read back: rows
as a frame, each column typed by its values (``to_table``), ready to store (``prepare``:
redacted, of the declared types, encoded by ``encode``), a file written atomically
(``write_atomic``), a file read back (``read_part``: ``read_file``, then ``typed``), a read
that failed on the part's content rather than on the machine (``is_damaged``), parts in
write order (``part_order``), the columns the store's index keeps (``part_summary``, with
what an episode spent: ``spent_by``), and the parts concatenated into the ``episodes`` and
``steps`` frames (``to_frame``).

Introduced in notebook 10 (`10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import io
import numbers
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import fastparquet
import numpy as np
import pandas as pd

from agentlab.redact import redact_frame
from agentlab.run.store_schema import (
    DTYPES,
    EPISODES,
    STEPS,
    TEXT,
    column,
    conform,
    has_value,
    infer,
    kind_of,
    unified,
)

KEY = "config_key"  # the column every row of a store carries
SUMMARY = (KEY, "outcome", "cost_usd", "tokens_in", "tokens_out")  # what the index reads
MAGIC = b"PAR1"  # a Parquet file starts and ends with it
COMPRESSION = "SNAPPY"


class DamagedPart(ValueError):
    """A part file that is no whole Parquet file (truncated, or something else)."""


def to_table(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts, possibly with different keys) as a frame, columns in first-seen order,
    each typed by its values (``store_schema.infer``: mixed kinds are kept as text)."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    data = {}
    for name in names:
        values = [row.get(name) for row in rows]
        data[name] = column(values, infer(values))
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def encode(table: pd.DataFrame) -> bytes:
    """A part as the bytes of its Parquet file, written by fastparquet.

    Text goes to fastparquet as Python strings (its fast path), with no min/max statistics
    (the store reads none; each column's count of missing values is written all the same).
    """
    text = {str(n): v.astype(object) for n, v in table.items() if v.dtype == TEXT}
    buffer = io.BytesIO()
    fastparquet.write(
        buffer,
        table.assign(**text) if text else table,
        compression=COMPRESSION,
        write_index=False,
        stats=False,
    )
    return buffer.getvalue()


def write_atomic(data: bytes, path: Path) -> None:
    """Write a file as a temporary file, flushed to disk, then renamed into place."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@dataclass
class Part:
    """A chunk's rows as a store writes them: redacted, of the declared types, encoded.

    A sweep's worker prepares its chunk's part (``prepare``), so the encoding runs in
    parallel; the store writes the files as they are unless its own redaction or
    declared types change a row, or it leaves rows out (then it encodes them again).
    """

    episodes: pd.DataFrame
    steps: pd.DataFrame | None  # None: no steps
    files: tuple[bytes, bytes | None]  # the episodes and steps Parquet files


def clean(
    episodes: pd.DataFrame, steps: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """A chunk's rows as a store writes them: redacted (no key in a file), of the declared
    types (the same objects when that changed nothing); steps None when there are none."""
    episodes = conform(redact_frame(episodes), EPISODES)
    steps = conform(redact_frame(steps), STEPS) if steps is not None and len(steps) else None
    return episodes, steps


def encode_part(episodes: pd.DataFrame, steps: pd.DataFrame | None) -> tuple[bytes, bytes | None]:
    """A part's ``episodes`` and ``steps`` Parquet files (None: no steps)."""
    return encode(episodes), encode(steps) if steps is not None else None


def prepare(episodes: pd.DataFrame, steps: pd.DataFrame | None) -> Part:
    """A chunk's rows ``clean`` and encoded, as a store writes them."""
    episodes, steps = clean(episodes, steps)
    return Part(episodes, steps, encode_part(episodes, steps))


def _check_whole(f: BinaryIO) -> None:
    """Raise ``DamagedPart`` unless the file is framed as Parquet (magic at both ends, a
    footer that fits): a truncated write is told apart before fastparquet reads it."""
    size = f.seek(0, os.SEEK_END)
    if size < 12:
        raise DamagedPart(f"{size} bytes: too short for a Parquet file")
    f.seek(0)
    head = f.read(4)
    f.seek(size - 8)
    tail = f.read(8)
    if head != MAGIC or tail[4:] != MAGIC:
        raise DamagedPart("not a Parquet file (no PAR1 at both ends): truncated?")
    if int.from_bytes(tail[:4], "little") > size - 12:
        raise DamagedPart("its footer is longer than the file: truncated")
    f.seek(0)


def read_file(
    path: Path, columns: Sequence[str] | None = None
) -> tuple[pd.DataFrame, dict[str, int | None]]:
    """A part file as fastparquet reads it, and its counts of missing values by column
    (None where the file does not say).

    Args:
        path: The part's file.
        columns: Read only these columns, those of them the file has (default: all).

    Raises ``DamagedPart`` or fastparquet's own errors on a damaged file, ``OSError`` (with
    an errno) on the machine's trouble.
    """
    with path.open("rb") as f:  # opened here, so closed here (fastparquet reads from it)
        _check_whole(f)
        parquet = fastparquet.ParquetFile(f)
        wanted = None if columns is None else [c for c in columns if c in parquet.columns]
        raw = parquet.to_pandas(columns=wanted)
    nulls: dict[str, int | None] = {}
    for group in parquet.row_groups:  # the file's metadata: one count per column chunk
        for chunk in group.columns:
            name = ".".join(chunk.meta_data.path_in_schema)
            stats = chunk.meta_data.statistics
            count = None if stats is None else stats.null_count
            known = nulls.get(name, 0)
            nulls[name] = None if count is None or known is None else known + count
    return raw, nulls


def typed(raw: pd.DataFrame, nulls: dict[str, int | None]) -> pd.DataFrame:
    """A part as ``read_file`` read it, each column of its kind's type (``DTYPES``)."""
    return pd.DataFrame(
        {name: _typed(values, nulls.get(str(name))) for name, values in raw.items()},
        index=pd.RangeIndex(len(raw)),
    )


def read_part(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A part file as a frame of typed columns (``read_file``, then ``typed``)."""
    return typed(*read_file(path, columns))


def _typed(raw: pd.Series, nulls: int | None) -> Any:
    """A column as fastparquet read it, as an array of its kind's type. A float's NaN is a
    value (unknown) and a missing value is NA, told apart by the file's count of missing
    ones (pyarrow wrote NaN and missing apart; fastparquet reads both as NaN)."""
    dtype = raw.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        data = raw.to_numpy(dtype=np.float64)
        nan = np.isnan(data)
        missing = nan if nulls == int(nan.sum()) else np.zeros(len(data), dtype=bool)
        if missing.all():
            return column([None] * len(data), None).array
        return pd.arrays.FloatingArray(data, missing)
    if not has_value(raw):
        return column([None] * len(raw), None).array
    kind = kind_of(raw)
    if kind == "other" and pd.api.types.infer_dtype(raw, skipna=True) == "string":
        kind = "text"
    if kind in DTYPES and dtype != DTYPES[kind]:
        raw = raw.astype(DTYPES[kind])
    return shared_text(raw.array) if kind == "text" else raw.array


def shared_text(values: Any) -> Any:
    """Text with one string object per distinct value. fastparquet builds a new object for
    every cell, and a step row repeats its episode's configuration (model, architecture,
    key): shared, the loaded tables hold a pointer per cell instead of a string (a sweep's
    steps table a third of the memory). Same values, same type; a column of mostly
    distinct values is returned as it is.

    >>> a = shared_text(pd.array(["gpt-4o"] + ["gpt-4o".lower()] * 3 + [None], dtype="str"))
    >>> a.isna().tolist(), len({id(v) for v in a[:4]})
    ([False, False, False, False, True], 1)
    """
    codes, uniques = pd.factorize(values)  # a missing value's code is -1
    if 2 * len(uniques) > len(values):
        return values
    cells = np.asarray(uniques, dtype=object).take(np.maximum(codes, 0))
    cells[codes < 0] = None
    return pd.array(cells, dtype=values.dtype)


def is_damaged(exc: BaseException) -> bool:
    """Whether reading a part failed on its content (truncated, not Parquet, bad thrift):
    an OSError with an errno (no file handles left, a disk error, no permission) or a
    MemoryError is the machine's, not the part's, and must not send good parts to the
    quarantine."""
    if isinstance(exc, MemoryError):
        return False
    return not (isinstance(exc, OSError) and exc.errno is not None)


def part_order(name: str) -> tuple[int, str]:
    """A part's place in write order: its number (parts from before numbering: 0)."""
    match = re.match(r"(\d+)-", name)
    return (int(match.group(1)) if match else 0, name)


def part_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The columns of a part the index keeps."""
    return table[[c for c in SUMMARY if c in table.columns]]


def without_keys(table: pd.DataFrame, keys: set[str]) -> pd.DataFrame:
    """The table without the rows of these keys."""
    return table[~table[KEY].isin(keys)].reset_index(drop=True)


def spent_by(row: dict[str, Any]) -> tuple[float, float]:
    """Dollars and tokens (in + out) an ``episodes`` row spent. Missing counts 0 (a failure
    row that made no call); NaN stays NaN, so that a budget cannot miss it: a NaN cost is
    unpriced (or of unknown usage), NaN tokens are a reply that reported no usage. The row
    keeps no estimate of those tokens (the episode's own budget counts one while it runs, and
    drops it), so a sweep's ``budget_tokens`` cannot apply to it rather than count it as 0."""

    def number(value: Any) -> float:
        real = isinstance(value, numbers.Real) and not isinstance(value, bool)
        return float(value) if real else 0.0

    tokens = number(row.get("tokens_in")) + number(row.get("tokens_out"))
    return number(row.get("cost_usd")), tokens


def rows_of(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts of Python values (missing: None)."""
    columns = {
        name: [
            None if m else v for v, m in zip(table[name].tolist(), table[name].isna(), strict=True)
        ]
        for name in table.columns
    }
    return [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]


def _plain(values: pd.Series) -> pd.Series:
    """A column of the loaded frame, as pandas types rows: whole numbers ``int64`` (``float64``
    with a missing one), booleans ``bool`` (``object`` with a missing one: None), numbers
    ``float64`` (missing: NaN), text ``str``; no value in any row: None (``object``)."""
    kind = kind_of(values)
    if kind is None:
        return pd.Series([None] * len(values), dtype=object)
    gaps = bool(values.isna().any())
    if kind in ("int", "float"):
        if kind == "int" and not gaps:
            return values.astype(np.int64)
        return pd.Series(values.to_numpy(dtype=np.float64, na_value=np.nan))
    if kind == "bool":
        if not gaps:
            return values.astype(bool)
        missing = values.isna().tolist()
        return pd.Series([None if m else bool(v) for v, m in zip(values, missing, strict=True)],
                         dtype=object)  # fmt: skip
    return values


def _signature(table: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """A table's columns and their types: tables alike in it concatenate without a cast."""
    return tuple((str(n), str(d)) for n, d in table.dtypes.items())


class Batches:
    """Tables added one at a time (a sweep's parts, oldest first), held as few: consecutive
    tables of the same columns and types are concatenated, up to ``size`` at a time. A
    pandas column costs about a kilobyte however few its rows, so ten thousand episodes in
    parts of sixteen would otherwise hold over a hundred thousand columns. Concatenating
    alike tables in order changes no value, type or row order (``to_frame`` does the same).

    A table with a declared column (``declared``: ``EPISODES`` or ``STEPS``) holding values
    of another type stays a batch of its own: ``conform`` casts such a column by its values
    (text that is all numbers becomes numbers), which must be decided for that part alone,
    as for any part, not for the rows it would share a batch with.
    """

    def __init__(self, declared: dict[str, Any], size: int = 64) -> None:
        self.declared = declared
        self.size = size
        self._done: list[tuple[pd.DataFrame, np.ndarray]] = []
        self._pending: list[tuple[pd.DataFrame, str]] = []
        self._pending_kind: tuple[object, ...] = ()

    def _kind(self, table: pd.DataFrame) -> tuple[object, ...]:
        loose = any(
            n in self.declared and d != self.declared[n] and has_value(table[n])
            for n, d in table.dtypes.items()
        )
        return (*_signature(table), id(table) if loose else None)

    def add(self, table: pd.DataFrame, name: str) -> None:
        """Add one part's table; ``name`` is the part it came from."""
        kind = self._kind(table)
        if self._pending and (len(self._pending) >= self.size or kind != self._pending_kind):
            self._flush()
        self._pending.append((table, name))
        self._pending_kind = kind

    def _flush(self) -> None:
        tables = [t for t, _ in self._pending]
        names = np.repeat(
            np.array([n for _, n in self._pending], dtype=object), [len(t) for t in tables]
        )
        whole = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
        self._done.append((whole, names))
        self._pending = []

    def tables(self) -> list[tuple[pd.DataFrame, np.ndarray]]:
        """The tables, in order, each with the part each of its rows came from."""
        if self._pending:
            self._flush()
        return self._done


def to_frame(
    tables: list[pd.DataFrame], order: dict[str, int], *, by_step: bool = False
) -> pd.DataFrame:
    """Concatenate parts (declared types, others unified), order rows by plan, put
    ``episode`` first. A column empty in every row is None, as pandas makes it of rows."""
    tables, kinds = unified([t for t in tables if len(t)], STEPS if by_step else EPISODES)
    if not tables:
        return pd.DataFrame()
    widest = max(tables, key=lambda t: t.shape[1])  # a full row's column order
    names = list(dict.fromkeys([*widest.columns, *(c for t in tables for c in t.columns)]))
    dtypes = {name: DTYPES.get(kinds[name] or "other", object) for name in names}
    # parts alike (same columns, same types) concatenate fast: then every column in every
    # group, of one type (missing where absent), and the rows back in the parts' order
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for i, table in enumerate(tables):
        groups.setdefault(_signature(table), []).append(i)
    starts = np.cumsum([0, *(len(t) for t in tables)])
    aligned: list[pd.DataFrame] = []
    rows: list[np.ndarray] = []
    for members in groups.values():
        table = pd.concat([tables[i] for i in members], ignore_index=True).reindex(columns=names)
        change = {n: dtypes[n] for n, d in table.dtypes.items() if d != dtypes[n]}
        aligned.append(table.astype(change) if change else table)
        rows.extend(np.arange(starts[i], starts[i + 1]) for i in members)
    both = pd.concat(aligned, ignore_index=True)
    both = both.take(np.argsort(np.concatenate(rows), kind="stable")).reset_index(drop=True)
    df = pd.DataFrame({name: _plain(values) for name, values in both.items()})
    df.insert(0, "episode", df[KEY].map(order).fillna(len(order)).astype(int))
    sort = ["episode", "step"] if by_step and "step" in df.columns else ["episode"]
    return df.sort_values(sort, kind="stable").reset_index(drop=True)
