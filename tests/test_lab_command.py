"""The README's `make lab` really starts JupyterLab on notebooks/, also as root.

The server listens on loopback only, with a random token, and is stopped (its whole
process group) at the end of the test.
"""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT = 60  # seconds
# Never send loopback requests through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _make_env() -> dict[str, str]:
    """The environment for a nested `make`, without the flags of a `make test` around us."""
    return {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}


def _lab_cmd(repo_root: Path) -> list[str]:
    """The Makefile's LAB_CMD, e.g. ['.venv/bin/jupyter', 'lab', '--notebook-dir=...', ...]."""
    out = subprocess.run(
        ["make", "-s", "print-lab-cmd"],
        cwd=repo_root,
        env=_make_env(),
        capture_output=True,
        text=True,
        check=True,
        stdin=subprocess.DEVNULL,
    ).stdout
    return shlex.split(out)


def _running_from_repo_venv(repo_root: Path) -> bool:
    return Path(sys.prefix).resolve() == (repo_root / ".venv").resolve()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str, str]:
    with _OPENER.open(url, timeout=5) as response:
        body = response.read().decode("utf-8", "replace")
        return response.status, response.headers.get("Content-Type", ""), body


def test_lab_cmd_allows_root_and_opens_notebooks(repo_root: Path) -> None:
    cmd = _lab_cmd(repo_root)
    assert cmd[0].endswith("/jupyter") and cmd[1] == "lab"
    assert "--notebook-dir=notebooks" in cmd
    assert "--ServerApp.allow_root=True" in cmd


def test_lab_does_not_reinstall_when_installed(repo_root: Path) -> None:
    if not _running_from_repo_venv(repo_root):
        pytest.skip("tests are not running from the repository's .venv")
    dry_run = subprocess.run(
        ["make", "-n", "lab"],
        cwd=repo_root,
        env=_make_env(),
        capture_output=True,
        text=True,
        check=True,
        stdin=subprocess.DEVNULL,
    ).stdout
    assert "pip install" not in dry_run, (
        "`make lab` would run pip again: either pyproject.toml or constraints.txt changed "
        f"since the last `make install`, or the install stamp is broken:\n{dry_run}"
    )


@pytest.fixture
def lab_server(repo_root: Path, tmp_path: Path) -> Iterator[tuple[int, str]]:
    """Start `make lab` (or the same command line from this interpreter) in the background."""
    port, token = _free_port(), secrets.token_hex(16)
    lab_args = [
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
    ]
    if _running_from_repo_venv(repo_root):
        # The real README command.
        cmd = ["make", "--no-print-directory", "lab", f"LAB_ARGS={shlex.join(lab_args)}"]
    else:
        # pytest runs from another environment: same command line, this interpreter.
        cmd = [sys.executable, "-m", "jupyter", *_lab_cmd(repo_root)[1:], *lab_args]
    log_path = tmp_path / "lab.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=repo_root,
            env=_make_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: make, jupyter and its children
        )
    try:
        _wait_until_up(proc, port, token, log_path)
        yield port, token
    finally:
        _stop_group(proc)


def _wait_until_up(proc: subprocess.Popen[bytes], port: int, token: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"lab exited with {proc.returncode}:\n{log.read_text()}")
        try:
            _get(f"http://127.0.0.1:{port}/api/status?token={token}")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"lab did not answer within {STARTUP_TIMEOUT} s:\n{log.read_text()}")


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def test_make_lab_serves_jupyterlab(lab_server: tuple[int, str]) -> None:
    port, token = lab_server
    status, content_type, body = _get(f"http://127.0.0.1:{port}/api/status?token={token}")
    assert status == 200
    assert "application/json" in content_type
    assert '"started"' in body

    status, content_type, body = _get(f"http://127.0.0.1:{port}/lab?token={token}")
    assert status == 200
    assert "text/html" in content_type
    assert "JupyterLab" in body
