"""`make lab` from a fresh clone: the runtime and JupyterLab only, its time and size printed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import make_env

pytestmark = pytest.mark.slow
DEV_TOOLS = ("pytest", "ruff", "mypy", "playwright", "ray")


def test_make_lab_env_from_a_fresh_clone_has_no_dev_tools(repo_root: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo_root), str(clone)], check=True)
    out = subprocess.run(
        ["make", "--no-print-directory", "lab-env"], cwd=clone, env=make_env(),
        capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    said = re.search(r"ready in (\d+) s, (\d+) MB", out.stdout)
    assert said, out.stdout[-2000:]
    print(f"make lab-env: {said.group(1)} s, {said.group(2)} MB")  # shown with pytest -s / -rA
    python = clone / ".venv" / "bin" / "python"
    code = f"import importlib.util as u; print([m for m in {DEV_TOOLS!r} if u.find_spec(m)])"
    found = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]", f"make lab installed developer tools: {found.stdout}"
    for module in ("agentlab", "jupyterlab", "ipywidgets", "langgraph"):
        subprocess.run([str(python), "-c", f"import {module}"], check=True)
