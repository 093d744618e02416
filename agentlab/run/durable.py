"""Durable episodes: step records kept beside LangGraph's SQLite checkpoints.

LangGraph's ``SqliteSaver`` keeps the graph's state, so an episode interrupted at a
checkpoint resumes in a fresh process (after a kernel restart) exactly where it stopped.
The lab's step records live outside the graph (in a callback), so they are kept in a table
of the same SQLite file, keyed by thread id, and reloaded on resume: nothing measured
before the interruption is lost. The file also records which configuration started each
thread (``claim_thread``), and refuses to run another configuration in it: the default
thread id is only request and seed, and two configurations' checkpoints must not mix.

Introduced in notebook 04 (`04_checkpoints.ipynb`).
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from langchain_core.load import dumpd, load
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from agentlab.errors import ConfigError
from agentlab.measure.metrics import StepRecord
from agentlab.redact import redact_bytes, redact_value
from agentlab.run.identity import config_key, config_row, identity

TABLE = "agentlab_steps"
THREADS = "agentlab_threads"  # the configuration each thread was started with


def sqlite_checkpointer(path: str | Path) -> SqliteSaver:
    """A durable LangGraph checkpointer in one SQLite file (created if missing).

    Example:
        >>> saver = sqlite_checkpointer(":memory:")
        >>> type(saver).__name__
        'SqliteSaver'
    """
    conn = sqlite3.connect(str(path), check_same_thread=False)
    return SqliteSaver(conn, serde=RedactingSerializer())


class RedactingSerializer(JsonPlusSerializer):
    """LangGraph's serializer with every key redacted before a checkpoint is written.

    A provider's error that echoes the key is stored with the failed step (and a reply may
    quote one): each key becomes a mask of its own length (``agentlab.redact``), so the
    msgpack stays readable and the file never holds the key.
    """

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        """Serialize ``obj`` as LangGraph does, then redact the bytes."""
        kind, data = super().dumps_typed(obj)
        return kind, redact_bytes(data, keep_length=True)


def _conn(checkpointer: Any) -> sqlite3.Connection | None:
    conn = getattr(checkpointer, "conn", None)
    return conn if isinstance(conn, sqlite3.Connection) else None


def claim_thread(checkpointer: Any, thread_id: str, config: Any) -> None:
    """Record that ``config`` runs in this thread, or refuse when another configuration
    started it (no-op if the checkpointer is not SQLite).

    Raises:
        ConfigError: naming ``thread_id``, the file, and the fields that differ.

    Example:
        >>> from agentlab.config import EpisodeConfig
        >>> saver = sqlite_checkpointer(":memory:")
        >>> claim_thread(saver, "t", EpisodeConfig(tools=4))
        >>> claim_thread(saver, "t", EpisodeConfig(tools=16))
        Traceback (most recent call last):
        ...
        agentlab.errors.ConfigError: thread_id: got 't'; allowed: a thread of this \
configuration; this one was started with tools=4 (here tools=16); give another thread_id \
or another checkpointer file
    """
    conn = _conn(checkpointer)
    if conn is None:
        return
    key = config_key(config)
    row = {**config_row(config), **identity(config)}
    with conn:  # claimed in one statement: two processes starting the same thread never both
        conn.execute(  # see it free; the second finds the first one's configuration
            f"CREATE TABLE IF NOT EXISTS {THREADS} "
            "(thread_id TEXT PRIMARY KEY, config_key TEXT, config TEXT)"
        )
        conn.execute(
            f"INSERT OR IGNORE INTO {THREADS} VALUES (?, ?, ?)",
            (thread_id, key, json.dumps(row, default=str)),
        )
        found = conn.execute(
            f"SELECT config_key, config FROM {THREADS} WHERE thread_id = ?", (thread_id,)
        ).fetchone()
    if found[0] == key:
        return
    started = json.loads(found[1])
    now = json.loads(json.dumps(row, default=str))
    differ = [k for k in sorted(started.keys() | now.keys()) if started.get(k) != now.get(k)]
    was = ", ".join(f"{k}={started.get(k)}" for k in differ) or "another configuration"
    here = ", ".join(f"{k}={now.get(k)}" for k in differ) or "this one"
    raise ConfigError(
        "thread_id",
        thread_id,
        f"a thread of this configuration; this one{_database(conn)} was started with {was} "
        f"(here {here}); give another thread_id or another checkpointer file",
    )


def _database(conn: sqlite3.Connection) -> str:
    """`` in <file>`` for a connection to a file, else empty."""
    for _, name, path in conn.execute("PRAGMA database_list").fetchall():
        if name == "main" and path:
            return f" in {path}"
    return ""


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
            message = dumpd(r.message) if r.message is not None else None
            row = asdict(replace(r, message=None, prompt=None)) | {"message": message}
            row = redact_value(row)  # an echoed key never reaches the file
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
