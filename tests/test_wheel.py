"""The wheel works outside the repository: what a JupyterHub, a Ray node or a USB stick gets.

`make wheel-env` builds the wheel from this checkout and installs it with its runtime
dependencies only (no pytest, no Ray, no dev tools) in a fresh environment outside the
checkout; these tests run its commands from a folder outside the checkout too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO_ROOT, WheelEnv

pytestmark = pytest.mark.slow

SWEEP = """
import agentlab as al
from agentlab.run.sweep import load_sweep, run_sweep

if __name__ == "__main__":
    configs = al.grid(tools=[4, 16], seeds=range(3))
    run_sweep(configs, store="store", workers=2, progress=False)
    print(len(load_sweep("store").episodes))
"""


def _ok(out: object) -> str:
    assert getattr(out, "returncode", 1) == 0, getattr(out, "stderr", "")[-3000:]
    return str(getattr(out, "stdout", ""))


def test_the_package_comes_from_the_wheel_with_no_dev_tools(
    wheel_env: WheelEnv, outside: Path
) -> None:
    code = (
        "import importlib.util, json, agentlab\n"
        "dev = [m for m in ('pytest', 'ruff', 'mypy', 'playwright', 'ray') "
        "if importlib.util.find_spec(m)]\n"
        "print(json.dumps({'file': agentlab.__file__, 'dev': dev}))"
    )
    found = json.loads(_ok(wheel_env.run(["python", "-c", code], cwd=outside)))
    assert Path(found["file"]).is_relative_to(wheel_env.root)
    assert REPO_ROOT not in Path(found["file"]).resolve().parents
    assert found["dev"] == []


def test_help_lists_every_command(wheel_env: WheelEnv, outside: Path) -> None:
    text = _ok(wheel_env.run(["agentlab", "--help"], cwd=outside))
    for command in ("run", "notebooks", "lab", "sweep", "serve"):
        assert command in text


@pytest.mark.parametrize("scenario", ["travel", "research"])
def test_an_episode_runs(wheel_env: WheelEnv, outside: Path, scenario: str) -> None:
    text = _ok(
        wheel_env.run(["agentlab", "run", "--scenario", scenario, "--seeds", "1"], cwd=outside)
    )
    assert "success rate" in text


def test_a_two_worker_sweep_with_a_store(wheel_env: WheelEnv, outside: Path) -> None:
    (outside / "sweep.py").write_text(SWEEP)
    assert _ok(wheel_env.run(["python", "sweep.py"], cwd=outside)).split()[-1] == "6"
    assert list((outside / "store" / "episodes").glob("*.parquet"))


def test_the_shipped_recording_replays(wheel_env: WheelEnv, outside: Path) -> None:
    code = (
        "from agentlab.run.recording import load_recording\n"
        "rec = load_recording('travel_served')\n"
        "print(rec.matches(rec.replay()))"
    )
    assert _ok(wheel_env.run(["python", "-c", code], cwd=outside)).strip() == "True"


def test_notebooks_are_copied_and_notebook_00_runs_there(
    wheel_env: WheelEnv, outside: Path
) -> None:
    out = wheel_env.run(["agentlab", "notebooks", "course"], cwd=outside)
    # 11 notebooks, the example sweep file and the glossary they link to
    assert "13 copied" in _ok(out) + out.stderr
    course = outside / "course"
    assert (course / "00_quickstart.ipynb").exists() and (course / "scope.toml").exists()
    assert (course / "glossary.md").exists()
    _ok(wheel_env.run(["jupyter", "execute", "--inplace", "00_quickstart.ipynb"], cwd=course))
    executed = json.loads((course / "00_quickstart.ipynb").read_text())
    assert any(cell.get("outputs") for cell in executed["cells"])


def test_the_example_sweep_file_runs(wheel_env: WheelEnv, outside: Path) -> None:
    _ok(wheel_env.run(["agentlab", "notebooks", "course"], cwd=outside))
    out = wheel_env.run(["agentlab", "sweep", "course/scope.toml", "--workers", "2"], cwd=outside)
    assert "60 of 60 episodes stored" in _ok(out) + out.stderr
