"""Tracing asked for but unreachable: the lab says so once and runs without it, quietly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agentlab.serve import tracing

SCRIPT = """
import agentlab as al
from agentlab.run.sweep import run_sweep

if __name__ == "__main__":
    al.run_episodes(al.grid(seeds=range(3)), progress=False)
    al.run_episode(al.EpisodeConfig(scenario="research", seed=0))
    res = run_sweep(al.grid(seeds=range(8)), workers=2, progress=False)
    print("rows", len(res.episodes))
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed once the block ends: nothing listens


@pytest.mark.slow
def test_unreachable_tracing_is_said_once_and_switched_off(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    env = {
        **os.environ,
        "LANGSMITH_TRACING": "true",
        "LANGSMITH_ENDPOINT": f"http://127.0.0.1:{_closed_port()}",
        "LANGSMITH_API_KEY": "lsv2-canary-0000",
    }
    out = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert "rows 8" in out.stdout
    said = [line for line in out.stderr.splitlines() if "TracingUnreachableWarning" in line]
    assert len(said) == 1, out.stderr
    assert "LangSmith API" not in out.stderr and "Failed to" not in out.stderr, out.stderr
    assert "canary" not in out.stderr


def test_tracing_left_alone_when_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGSMITH_TRACING", "false")
    assert tracing.requested_endpoint() is None
    assert not tracing.tracing_unreachable()


def test_a_listening_endpoint_counts_as_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        endpoint = f"http://127.0.0.1:{server.getsockname()[1]}"
        monkeypatch.setenv("LANGSMITH_TRACING", "true")
        monkeypatch.setenv("LANGSMITH_ENDPOINT", endpoint)
        assert tracing.requested_endpoint() == endpoint
        assert tracing.reachable(endpoint)
        assert not tracing.tracing_unreachable()
