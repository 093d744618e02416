"""Sweep files (TOML, JSON, YAML) and the ``agentlab sweep`` subcommand."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from agentlab import sweep_cli
from agentlab.config import ConfigError
from agentlab.sweep import load_sweep

SWEEP = """
store = "runs/tiny"
workers = 0
seeds = {start = 3, count = 2}
[base]
memory = "window"
[grid]
tools = [4, 8]
"""


def _main(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="agentlab")
    sweep_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return sweep_cli.main(parser.parse_args(["sweep", *argv]))


def test_a_toml_sweep_runs_resumes_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(SWEEP)
    assert _main(str(path), "--dry-run") == 0
    assert "4 episodes in the sweep, 4 to run" in capsys.readouterr().out
    assert _main(str(path)) == 0
    out = capsys.readouterr().out
    assert "4 of 4 episodes stored" in out and "cost_per_success_usd" in out
    episodes = load_sweep(tmp_path / "runs" / "tiny").episodes  # relative to the file
    assert sorted(episodes["seed"]) == [3, 3, 4, 4] and set(episodes["memory"]) == {"window"}
    assert _main(str(path), "--dry-run") == 0
    assert "0 to run" in capsys.readouterr().out


def test_json_and_yaml_say_the_same(tmp_path: Path) -> None:
    data = {"store": "s", "seeds": [0, 1], "grid": {"tools": [4, 8]}, "base": {"reflect": False}}
    (tmp_path / "a.json").write_text(json.dumps(data))
    (tmp_path / "a.yaml").write_text(
        "store: s\nseeds: [0, 1]\ngrid:\n  tools: [4, 8]\nbase:\n  reflect: false\n"
    )
    a = sweep_cli.read_sweep_file(tmp_path / "a.json")
    b = sweep_cli.read_sweep_file(tmp_path / "a.yaml")
    assert a == b and len(a.configs()) == 4 and not a.configs()[0].reflect


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('store = "s"\nworkrs = 2', "workrs: got 2; allowed: a key among"),
        ('store = "s"\n[grid]\ntools = [4, 999]', "tools: got 999"),
        ('store = "s"\n[base]\ncolour = "red"', "field: got 'colour'"),
        ('store = "s"\nseeds = 0', "seeds: got 0"),
        ("seeds = 2", "store: got None"),
        ('store = "s"\nbackend = "spark"', "backend: got 'spark'"),
    ],
)
def test_a_bad_sweep_file_is_a_clear_error(
    tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.split(":")[0]):
        sweep_cli.read_sweep_file(path)
    assert _main(str(path)) == 2
    assert message in capsys.readouterr().err


def test_a_sweep_stopped_by_its_budget_exits_3(tmp_path: Path) -> None:
    path = tmp_path / "capped.toml"
    path.write_text('store = "capped"\nworkers = 0\nseeds = 6\nbudget_usd = 0.001\n')
    assert _main(str(path)) == 3
    assert 0 < len(load_sweep(tmp_path / "capped").episodes) < 6
