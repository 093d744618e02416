"""Durable episodes: step records kept beside LangGraph's SQLite checkpoints.

LangGraph's ``SqliteSaver`` keeps the graph's state, so an episode interrupted at a
checkpoint resumes in a fresh process (after a kernel restart) exactly where it stopped.
The lab's step records live outside the graph (in a callback), so they are kept in a table
of the same SQLite file, keyed by thread id, and reloaded on resume: nothing measured
before the interruption is lost.

Introduced in notebook 04 (`04_checkpoints.ipynb`).
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from langchain_core.load import dumpd, load
from langgraph.checkpoint.sqlite import SqliteSaver

from agentlab.metrics import StepRecord

TABLE = "agentlab_steps"


def sqlite_checkpointer(path: str | Path) -> SqliteSaver:
    """A durable LangGraph checkpointer in one SQLite file (created if missing).

    Example:
        >>> saver = sqlite_checkpointer(":memory:")
        >>> type(saver).__name__
        'SqliteSaver'
    """
    conn = sqlite3.connect(str(path), check_same_thread=False)
    return SqliteSaver(conn)


def _conn(checkpointer: Any) -> sqlite3.Connection | None:
    conn = getattr(checkpointer, "conn", None)
    return conn if isinstance(conn, sqlite3.Connection) else None


def save_records(checkpointer: Any, thread_id: str, records: list[StepRecord]) -> None:
    """Store an episode's step records beside its checkpoints (no-op if not SQLite)."""
    conn = _conn(checkpointer)
    if conn is None:
        return
    with conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(thread_id TEXT, idx INTEGER, record TEXT, PRIMARY KEY (thread_id, idx))"
        )
        for r in records:
            row = asdict(r) | {"message": dumpd(r.message) if r.message is not None else None}
            conn.execute(
                f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?)",
                (thread_id, r.index, json.dumps(row, default=str)),
            )


def load_records(checkpointer: Any, thread_id: str) -> list[StepRecord]:
    """The step records stored for a thread, in order ([] if none or not SQLite)."""
    conn = _conn(checkpointer)
    if conn is None:
        return []
    try:
        rows = conn.execute(
            f"SELECT record FROM {TABLE} WHERE thread_id = ? ORDER BY idx", (thread_id,)
        ).fetchall()
    except sqlite3.OperationalError:  # no table yet
        return []
    names = {f.name for f in fields(StepRecord)}
    out = []
    for (text,) in rows:
        row = json.loads(text)
        raw = row.pop("message", None)
        with warnings.catch_warnings():  # load() is marked beta; only messages are loaded
            warnings.simplefilter("ignore")
            message = load(raw, allowed_objects="messages") if raw else None
        out.append(StepRecord(**{k: v for k, v in row.items() if k in names}, message=message))
    return out
