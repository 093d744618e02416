"""An episode interrupted at a checkpoint resumes from SQLite in a fresh process."""

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

import agentlab as al
from agentlab.config import ConfigError
from agentlab.run.durable import claim_thread, sqlite_checkpointer

SCRIPT = """
import json, sys
import agentlab as al
from agentlab.run.durable import sqlite_checkpointer
db, mode = sys.argv[1], sys.argv[2]
cfg = al.EpisodeConfig(request="trip-001", seed=0, clarify="ambiguous", verify="every_k")
saver = sqlite_checkpointer(db)
if mode == "start":
    ep = al.run_episode(cfg, checkpointer=saver, thread_id="t", stop_at_interrupt=True)
    print(json.dumps({"outcome": ep.outcome, "pending": ep.pending}))
else:
    ep = al.run_episode(cfg, checkpointer=saver, thread_id="t", resume=mode)
    rows = [{k: v for k, v in s.items() if k != "wall_s"} for s in ep.step_rows()]
    print(json.dumps({"outcome": ep.outcome, "success": ep.success, "steps": rows,
                      "messages": [str(m.content) for m in ep.state["messages"]]}, default=str))
"""


def _run(tmp_path: Path, *args: str) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "runs.sqlite"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_resume_in_a_fresh_process_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    first = _run(tmp_path, "start")
    assert first["outcome"] == "interrupted" and first["pending"]["checkpoint"] == "clarify"
    resumed = _run(tmp_path, "No. By Washington I mean Washington State.")
    cfg = al.EpisodeConfig(request="trip-001", seed=0, clarify="ambiguous", verify="every_k")
    straight = al.run_episode(cfg)
    assert resumed["outcome"] == straight.outcome and resumed["success"] == straight.success
    assert resumed["messages"] == [str(m.content) for m in straight.state["messages"]]
    expected = [{k: v for k, v in s.items() if k != "wall_s"} for s in straight.step_rows()]
    assert (
        json.loads(json.dumps(expected, default=str)) == resumed["steps"]
    )  # nothing measured was lost


def test_a_thread_refuses_a_configuration_other_than_the_one_that_started_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "runs.sqlite"
    cfg = al.EpisodeConfig(request="trip-001", seed=0, clarify="ambiguous", verify="every_k")
    first = al.run_episode(cfg, checkpointer=sqlite_checkpointer(db), stop_at_interrupt=True)
    assert first.outcome == "interrupted"
    other = cfg.with_(tools=16)  # same request and seed: the same default thread id
    with pytest.raises(ConfigError, match=r"thread_id: got 'trip-001-seed0'") as refused:
        al.run_episode(other, checkpointer=sqlite_checkpointer(db), resume="Yes")
    message = str(refused.value)
    assert "tools=4 (here tools=16)" in message and str(db) in message
    with pytest.raises(ConfigError, match="thread_id"):  # a fresh start is refused too
        al.run_episode(other, checkpointer=sqlite_checkpointer(db))
    # the configuration that started it goes on; another thread id takes the other one
    resumed = al.run_episode(cfg, checkpointer=sqlite_checkpointer(db), resume="Yes")
    assert resumed.outcome == "answered", resumed.outcome
    ok = al.run_episode(other, checkpointer=sqlite_checkpointer(db), thread_id="tools-16")
    assert ok.outcome == "answered", ok.outcome

    # a real model's endpoint is part of its configuration; its key is not
    remote = al.EpisodeConfig(model="openai-compatible:gpt-4o-mini")
    saver = sqlite_checkpointer(db)
    monkeypatch.setenv("AGENTLAB_BASE_URL", "http://127.0.0.1:9001/v1")
    claim_thread(saver, "remote", remote)
    monkeypatch.setenv("AGENTLAB_API_KEY", "sk-another-key-123456")
    claim_thread(saver, "remote", remote)
    monkeypatch.setenv("AGENTLAB_BASE_URL", "http://127.0.0.1:9002/v1")
    with pytest.raises(ConfigError, match=r"endpoint=http://127.0.0.1:9001/v1 \(here endpoint="):
        claim_thread(saver, "remote", remote)


class _Raced(sqlite3.Connection):
    """A connection to a file that another process writes to just before this one's first
    INSERT: ``rival`` runs then (once)."""

    rival: Callable[[], None] | None = None

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if self.rival is not None and sql.lstrip().upper().startswith("INSERT"):
            rival, self.rival = self.rival, None
            rival()
        return super().execute(sql, *args)


def test_two_processes_claiming_a_new_thread_at_once_get_a_config_error(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    mine, theirs = al.EpisodeConfig(tools=4), al.EpisodeConfig(tools=16)
    conn = sqlite3.connect(db, factory=_Raced, check_same_thread=False)
    # the other process claims the thread just before this one writes (it saw it free)
    conn.rival = lambda: claim_thread(sqlite_checkpointer(db), "t", theirs)
    with pytest.raises(ConfigError, match=r"thread_id: got 't'.*tools=16 \(here tools=4\)"):
        claim_thread(SqliteSaver(conn), "t", mine)
    assert conn.rival is None  # the race did happen
    claim_thread(sqlite_checkpointer(db), "t", theirs)  # the winner's claim holds
