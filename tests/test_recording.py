"""Record and replay: the shipped recording replays exactly with no socket at all, a miss
fails clearly, and no file a keyed run writes (recordings, tables, logs) holds the key."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import agentlab as al
from agentlab.run.recording import (
    NotRecorded,
    load_recording,
    record,
    record_experiment,
    replay,
)
from agentlab.run.remote import run_remote
from agentlab.serve.server import serve_in_thread

KEY = "sk-agentlab-secret-4f9a2c7e1b"
SERVED = "openai-compatible:gpt-4o-mini"
STALE = (
    "the shipped recording is stale (the agent's prompts or tools, or how the lab judges "
    "or traces episodes, changed): run "
    "PYTHONPATH=. .venv/bin/python data/recordings/record_travel_served.py"
)


def test_the_shipped_recording_replays_exactly_with_sockets_disabled(socket_disabled: None) -> None:
    rec = load_recording("travel_served")
    assert "NOT a real provider" in rec.description
    try:
        again = rec.replay()
    except NotRecorded as exc:
        pytest.fail(f"{STALE}\n{exc}")
    assert rec.matches(again), STALE
    assert len(again.episodes) == len(rec.configs) == 3


def test_the_shipped_recording_is_labelled(repo_root: Path) -> None:
    readme = (repo_root / "data" / "recordings" / "README.md").read_text()
    assert "NOT a real provider" in readme and "agentlab serve" in readme


def test_a_request_missing_from_the_recording_fails_clearly(socket_disabled: None) -> None:
    rec = load_recording("travel_served")
    other = rec.configs[0].with_(seed=41)
    with pytest.raises(NotRecorded, match="not in the recording"), replay(rec.cassette):
        res = run_remote([other], base_url=rec.base_url, http_socket_options=())
        assert "not in the recording" in res.episodes["outcome"].iloc[0]  # the row says why


def test_recording_refuses_to_overwrite_and_replay_needs_a_file(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("interactions: []\n")
    with pytest.raises(FileExistsError), record(tmp_path / "c.yaml"):
        pass
    with pytest.raises(FileNotFoundError), replay(tmp_path / "none.yaml"):
        pass


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Everything the server, the OpenAI client and httpx log, at DEBUG, in one file."""
    path = tmp_path / "run.log"
    handler = logging.FileHandler(path)
    loggers = [logging.getLogger(n) for n in ("agentlab", "openai", "httpx", "httpx2", "httpcore")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield path
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)
    handler.close()


def test_no_file_a_keyed_run_writes_holds_the_key(
    tmp_path: Path, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTLAB_API_KEY", KEY)
    configs = al.grid(al.EpisodeConfig(model=SERVED), seeds=range(2))
    with serve_in_thread(api_key=KEY) as url:
        rec = record_experiment(tmp_path / "rec", configs, base_url=url, description="keyed")
    rec.episodes.to_parquet(tmp_path / "episodes.parquet")
    monkeypatch.delenv("AGENTLAB_API_KEY")
    again = rec.replay()  # no server, no key
    assert rec.matches(again)
    again.episodes.to_csv(tmp_path / "replayed.csv")
    again.steps.to_parquet(tmp_path / "steps.parquet")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"cassette.yaml", "episodes.csv", "run.log"}
    assert log_file.stat().st_size > 0  # the run was logged at DEBUG
    for path in written:
        data = path.read_bytes()
        assert KEY.encode() not in data, path
        assert b"Bearer" not in data and b"authorization" not in data.lower(), path
