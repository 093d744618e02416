"""Sweep files (TOML, JSON, YAML) and the ``agentlab sweep`` subcommand."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from agentlab.commands import sweep_cli
from agentlab.commands.cli import main as cli_main
from agentlab.config import ConfigError
from agentlab.run.sweep import load_sweep
from agentlab.serve.faults import Faults
from agentlab.serve.server import serve_in_thread

SWEEP = """
store = "runs/tiny"
workers = 0
seeds = {start = 3, count = 2}
[base]
memory = "window"
[grid]
tools = [4, 8]
"""


def _one_line(err: str) -> None:
    """A refused input: one line, in the form every command gives (cli_args.error_line)."""
    assert err.count("\n") == 1, err
    assert err.startswith("agentlab sweep: error: "), err
    assert err.endswith(" (see agentlab sweep --help)\n"), err


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


def test_the_store_is_beside_the_file_by_the_path_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative to the file, made absolute, links kept: a clone's notebooks/ (a link to
    agentlab/notebooks) gives notebooks/runs/scope, where the README says it is."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "scope.toml").write_text('store = "runs/scope"\n')
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path)
    store = sweep_cli.read_sweep_file(Path("link/scope.toml")).store
    assert store == tmp_path / "link" / "runs" / "scope" and store.is_absolute()


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


def test_the_summary_says_unpriced_never_a_partial_total() -> None:
    import pandas as pd

    episodes = pd.DataFrame({
        "tools": [4, 4, 8], "outcome": ["answered"] * 3, "success": [True, True, True],
        "cost_usd": [0.5, float("nan"), 0.25],
    })  # fmt: skip
    lines = sweep_cli._summary(episodes, ["tools"]).splitlines()
    four = next(line.split() for line in lines if line.split()[:1] == ["4"])
    eight = next(line.split() for line in lines if line.split()[:1] == ["8"])
    assert four[-2:] == ["unpriced", "unpriced"]  # the total and the cost per success
    assert float(eight[-2]) == 0.25 and float(eight[-1]) == 0.25


def test_the_summary_tells_unknown_costs_from_unpriced_ones() -> None:
    import pandas as pd

    nan, table = float("nan"), "agentlab table 2024-07-18"
    episodes = pd.DataFrame({
        "tools": [4, 4, 8, 8], "outcome": ["answered"] * 4, "success": [True] * 4,
        "cost_usd": [nan, nan, nan, 0.25],  # tools 8: a priced model's reply without usage
        "price_source": ["unpriced", table, table, table],
    })  # fmt: skip
    lines = sweep_cli._summary(episodes, ["tools"]).splitlines()
    four = next(line.split() for line in lines if line.split()[:1] == ["4"])
    eight = next(line.split() for line in lines if line.split()[:1] == ["8"])
    assert four[-2:] == ["unpriced", "unpriced"]  # one unpriced row: the group is unpriced
    assert eight[-2:] == ["unknown", "unknown"]


def test_retry_errors_runs_the_failed_episodes_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from agentlab.serve.server import SimServer

    path = tmp_path / "remote.toml"
    path.write_text(
        'store = "remote"\nworkers = 0\nseeds = 2\n'
        '[base]\nmodel = "openai-compatible:gpt-4o-mini"\nrequest = "trip-001"\n'
    )
    with SimServer(api_key="right-key-for-the-test") as server:
        monkeypatch.setenv("AGENTLAB_BASE_URL", server.url)
        monkeypatch.setenv("AGENTLAB_API_KEY", "wrong-key-for-the-test")
        _main(str(path), "--no-progress")  # every call refused (401): two error rows
        first = load_sweep(tmp_path / "remote").episodes
        assert all(o.startswith("error: ") and "401" in o for o in first["outcome"])
        capsys.readouterr()
        assert _main(str(path), "--dry-run") == 0
        assert "2 episodes in the sweep, 0 to run" in capsys.readouterr().out
        assert _main(str(path), "--dry-run", "--retry-errors") == 0
        assert "2 episodes in the sweep, 2 to run" in capsys.readouterr().out

        monkeypatch.setenv("AGENTLAB_API_KEY", "right-key-for-the-test")  # the fix
        assert _main(str(path), "--no-progress", "--retry-errors") == 0
    assert "outcomes: answered 2" in capsys.readouterr().out
    retried = load_sweep(tmp_path / "remote").episodes
    assert list(retried["config_key"]) == list(first["config_key"])  # the same episodes
    assert set(retried["outcome"]) == {"answered"}


# --- every bad value a one-line error before anything runs; every episode failed: 1 ----------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('store = "s"\nseeds = 1000000000', "seeds: got 1000000000; allowed: an integer N from 1"),
        ('store = "s"\nseeds = {start = -1, count = 3}', "seeds: got {'start': -1"),
        ('store = "s"\nseeds = {start = 0, count = 1000000000}', "seeds: got {'start': 0"),
        ('store = "s"\nseeds = [0, -4]', "seeds: got [0, -4]"),
        (
            'store = "s"\nseeds = 1000\n[grid]\nmemory_items = ['
            + ", ".join(map(str, range(200)))
            + "]",
            "grid: got {'memory_items': 200}; allowed: at most 100,000 episodes in all",
        ),
        ('store = "s"\n[grid]\ntools = []', "tools: got []; allowed: a non-empty list"),
        ('store = "s"\ngrid = 3', "grid: got 3; allowed: a table"),
        ('store = "s"\nbase = [1]', "base: got [1]; allowed: a table"),
        ('store = "s"\nworkers = 100000', "workers: got 100000; allowed: an integer from 0 to 256"),
        ('store = "s"\nworkers = true', "workers: got True"),
        ('store = "s"\nbudget_usd = inf', "budget_usd: got inf; allowed: a finite number"),
        ('store = "s"\nbudget_usd = -1', "budget_usd: got -1"),
        ('store = "s"\nbudget_tokens = 1.5', "budget_tokens: got 1.5"),
        ('store = "s"\nbackend = 3', "backend: got 3"),
        ('store = "s"\nray_address = 7', "ray_address: got 7"),
        ("store = 5", "store: got 5"),
    ],
)
def test_a_bad_value_in_a_sweep_file_is_a_one_line_error_before_the_grid_is_built(
    tmp_path: Path,
    text: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the grid was built before the file was checked")

    monkeypatch.setattr("agentlab.run.runner.grid", refuse)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert cli_main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    _one_line(err)
    assert not (tmp_path / "s").exists()  # no store made


def test_a_broken_yaml_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("yaml")
    path = tmp_path / "bad.yaml"
    path.write_text("store: s\ngrid: [tools: 4\n")
    assert cli_main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert "sweep file: got" in err and "allowed: valid YAML" in err
    _one_line(err)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "-1"], "--workers: got '-1'; allowed: an integer from 0 to 256"),
        (["--workers", "100000"], "--workers: got '100000'"),
        (["--backend", "spark"], "--backend: invalid choice: 'spark'"),
        (["--ray-address", "ray://h:10001"], "--ray-address: only with the ray backend"),
    ],
)
def test_a_bad_sweep_flag_is_a_one_line_error(
    tmp_path: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(SWEEP)
    try:
        status = cli_main(["sweep", str(path), *argv])
    except SystemExit as exc:  # argparse refuses the value as it parses it
        status = int(exc.code or 0)
    assert status == 2
    err = capsys.readouterr().err
    assert message in err
    _one_line(err)
    assert not (tmp_path / "runs").exists()


def test_a_sweep_where_every_episode_failed_exits_1_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "down.toml"
    path.write_text(
        'store = "down"\nworkers = 0\nseeds = 2\n[base]\nmodel = "openai-compatible:gpt-4o-mini"\n'
    )
    with serve_in_thread(faults=Faults(server_error=1.0, retry_after_s=0.01)) as url:
        monkeypatch.setenv("AGENTLAB_BASE_URL", url)
        assert cli_main(["sweep", str(path), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "every episode failed (2 of 2); the first: error: " in err
    assert len(load_sweep(tmp_path / "down").episodes) == 2  # the rows are stored all the same


def test_a_missing_sweep_file_points_to_the_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["sweep", str(tmp_path / "notebooks" / "scope.toml")]) == 2
    err = capsys.readouterr().err
    assert "an existing file" in err and "agentlab notebooks DIR" in err
    _one_line(err)
