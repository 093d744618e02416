"""The README's `make lab` really starts JupyterLab on notebooks/, also as root.

The server listens on loopback only, with a random token, and is stopped (its whole
process group) at the end of the test.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LabServer, make_env

pytestmark = pytest.mark.slow


def _lab_cmd(repo_root: Path) -> list[str]:
    """The Makefile's LAB_CMD, e.g. ['.venv/bin/jupyter', 'lab', '--notebook-dir=...', ...]."""
    out = subprocess.run(
        ["make", "-s", "print-lab-cmd"],
        cwd=repo_root,
        env=make_env(),
        capture_output=True,
        text=True,
        check=True,
        stdin=subprocess.DEVNULL,
    ).stdout
    return shlex.split(out)


def _running_from_repo_venv(repo_root: Path) -> bool:
    return Path(sys.prefix).resolve() == (repo_root / ".venv").resolve()


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
        env=make_env(),
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
def make_lab(repo_root: Path, lab_server: LabServer) -> LabServer:
    """`make lab` (or the same command line from this interpreter), started in the background."""
    if _running_from_repo_venv(repo_root):
        # The real README command.
        cmd = ["make", "--no-print-directory", "lab", f"LAB_ARGS={shlex.join(lab_server.args)}"]
    else:
        # pytest runs from another environment: same command line, this interpreter.
        cmd = [sys.executable, "-m", "jupyter", *_lab_cmd(repo_root)[1:], *lab_server.args]
    lab_server.start(cmd, cwd=repo_root, env=make_env())
    return lab_server


def test_make_lab_serves_jupyterlab(make_lab: LabServer) -> None:
    status, content_type, body = make_lab.get("/api/status")
    assert status == 200
    assert "application/json" in content_type
    assert '"started"' in body

    status, content_type, body = make_lab.get("/lab")
    assert status == 200
    assert "text/html" in content_type
    assert "JupyterLab" in body
