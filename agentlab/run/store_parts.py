"""The part files of a sweep store, as Arrow tables: written whole, read back in order.

A store (``agentlab.run.store``) keeps each finished chunk of a sweep as one *part*: an
``episodes`` and a ``steps`` Parquet file of the same name. This module holds what a part is
made of and how parts are read back: rows as an Arrow table (``to_table``), a file written
atomically (``write_atomic``), a read that failed on the part's content rather than on the
machine (``is_damaged``), parts in write order (``part_order``), the columns the store's
index keeps (``part_summary``, with what an episode spent: ``spent_by``), and the parts
concatenated into the ``episodes`` and ``steps`` frames (``to_frame``).

Introduced in notebook 10 (`10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from agentlab.run.store_schema import EPISODES, STEPS, unify

KEY = "config_key"  # the column every row of a store carries
SUMMARY = (KEY, "outcome", "cost_usd", "tokens_in", "tokens_out")  # what the index reads


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


def write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("wb") as f:
        pq.write_table(table, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def is_damaged(exc: BaseException) -> bool:
    """Whether reading a part failed on its content (truncated, not Parquet, bad thrift):
    an OSError with an errno (no file handles left, a disk error, no permission) is the
    machine's, not the part's, and must not send good parts to the quarantine."""
    return not (isinstance(exc, OSError) and exc.errno is not None)


def part_order(name: str) -> tuple[int, str]:
    """A part's place in write order: its number (parts from before numbering: 0)."""
    match = re.match(r"(\d+)-", name)
    return (int(match.group(1)) if match else 0, name)


def part_summary(table: pa.Table) -> pa.Table:
    """The columns of a part the index keeps."""
    return table.select([c for c in SUMMARY if c in table.column_names])


def without_keys(table: pa.Table | None, keys: set[str]) -> pa.Table | None:
    """The table without the rows of these keys."""
    if table is None:
        return None
    keep = [k not in keys for k in table.column(KEY).to_pylist()]
    return table.filter(pa.array(keep, pa.bool_()))


def spent_by(row: dict[str, Any]) -> tuple[float, float]:
    """Dollars and tokens (in + out) an ``episodes`` row spent. Missing counts 0 (a failure
    row that made no call); NaN stays NaN, so that a budget cannot miss it: a NaN cost is
    unpriced (or of unknown usage), NaN tokens are a reply that reported no usage. The row
    keeps no estimate of those tokens (the episode's own budget counts one while it runs, and
    drops it), so a sweep's ``budget_tokens`` cannot apply to it rather than count it as 0."""

    def number(value: Any) -> float:
        return float(value) if isinstance(value, int | float) else 0.0

    tokens = number(row.get("tokens_in")) + number(row.get("tokens_out"))
    return number(row.get("cost_usd")), tokens


def to_frame(
    tables: list[pa.Table], order: dict[str, int], *, by_step: bool = False
) -> pd.DataFrame:
    """Concatenate parts (declared types, others unified), order rows by plan, put
    ``episode`` first. A column empty in every row is None, as pandas makes it of rows."""
    tables = unify([t for t in tables if t.num_rows], STEPS if by_step else EPISODES)
    if not tables:
        return pd.DataFrame()
    widest = max(tables, key=lambda t: t.num_columns)  # a full row's column order
    columns = list(
        dict.fromkeys([*widest.column_names, *(c for t in tables for c in t.column_names)])
    )
    table = pa.concat_tables(tables, promote_options="permissive").select(columns)
    df = table.to_pandas()
    for name in columns:
        if table.column(name).null_count == table.num_rows:
            df[name] = pd.Series([None] * len(df), dtype=object)
    df.insert(0, "episode", df[KEY].map(order).fillna(len(order)).astype(int))
    sort = ["episode", "step"] if by_step and "step" in df.columns else ["episode"]
    return df.sort_values(sort, kind="stable").reset_index(drop=True)
