import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from agentlab.commands.cli import main
from agentlab.serve.faults import Faults
from agentlab.serve.server import serve_in_thread


def test_run_prints_the_episode_table_and_writes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "episodes.csv"
    assert (
        main(
            ["run", "--scenario", "travel", "--tools", "4", "32", "--seeds", "3", "--out", str(out)]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "trip-001" in printed and "success rate" in printed
    table = pd.read_csv(out)
    assert len(table) == 6 and set(table.tools) == {4, 32}


def test_window_applies_to_the_runs_whose_memory_reads_it(tmp_path: Path) -> None:
    out = tmp_path / "episodes.csv"
    argv = ["run", "--memory", "full", "window", "--window", "4", "--max-steps", "3"]
    assert main([*argv, "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert dict(zip(table.memory, table.window, strict=True)) == {"full": 6, "window": 4}


def test_architecture_sweeps_the_travel_agent_and_its_teams(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "episodes.csv"
    teams = ["centralized", "decentralized"]  # a routed team and a debating one
    argv = ["run", "--architecture", "single", *teams, "--seeds", "2", "--max-steps", "4"]
    assert main([*argv, "--columns", "architecture,agents,answer", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "centralized" in printed and "answer" in printed  # a team's own column
    table = pd.read_csv(out)
    assert table.groupby("architecture").size().to_dict() == {
        **dict.fromkeys(teams, 2),
        "single": 2,
    }
    assert (table[table.architecture.isin(teams)].agents > 1).all()


def _status(argv: list[str]) -> int:
    """``main``'s exit status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if `agentlab run` gets as far as running its episodes."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("episodes ran before every flag was checked")

    monkeypatch.setattr("agentlab.run.runner.run_episodes", refuse)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--tools", "-1"], "--tools: got -1; allowed: an integer from 4 to"),
        (["run", "--tools", "4", "999"], "--tools: got 999; allowed: an integer from 4 to"),
        (["run", "--tools", "four"], "--tools: got 'four'; allowed: an integer"),
        (["run", "--scenario", "mars"], "--scenario: got 'mars'; allowed: travel"),
        (["run", "--model", "gpt5"], "--model: got 'gpt5'"),
        (["run", "--memory", "all"], "--memory: got 'all'; allowed: full"),
        (["run", "--memory-items", "-5"], "--memory-items: got '-5'; allowed: an integer >= 0"),
        (["run", "--window", "1"], "--window: got '1'; allowed: an integer >= 2"),
        (["run", "--max-steps", "0"], "--max-steps: got '0'; allowed: an integer >= 1"),
        (["run", "--request", "trip-999"], "--request: got 'trip-999'"),
        (["run", "--seeds", "0"], "--seeds: got '0'; allowed: an integer from 1 to 10000"),
        (["run", "--seeds", "1000000000"], "--seeds: got '1000000000'; allowed: an integer"),
        (["run", "--seeds", "ten"], "--seeds: got 'ten'"),
        (
            ["run", "--tools", "4", "8", "--memory", "full", "window", "--seeds", "5000"],
            "--seeds: got 5000; allowed: at most 10,000 episodes in all",
        ),
        (["run", "--seed-start", "-1"], "--seed-start: got '-1'; allowed: an integer >= 0"),
        (["run", "--window", "4"], "--window: got 4; allowed: the default 6; window applies"),
        (["run", "--scenario", "research", "--window", "4"], "--window: got 4; allowed"),
        (["run", "--out", "x.xlsx", "--seeds", "1"], "--out: got 'x.xlsx'"),
        (["run", "--steps-out", "s.txt"], "--steps-out: got 's.txt'; allowed: a file ending in"),
        (["run", "--out", "a.csv", "--steps-out", "a.csv"], "--steps-out: got 'a.csv'; allowed"),
        (["run", "--columns", "success,colour"], "--columns: got 'colour'; allowed: 'all' or"),
        (["run", "--model", "openai:gpt-4o"], "OPENAI_API_KEY: got None"),
        (["run", "--model", "openai-compatible:m"], "AGENTLAB_BASE_URL"),
        (["run", "--sedes", "3"], "unrecognized arguments: --sedes 3"),
        (["run", "--architecture", "bogus"], "--architecture: got 'bogus'; allowed: for"),
        (["run", "--architecture", "swarm", "--memory", "window"], "--memory: got 'window'"),
        (["run", "--placement", "check=booker"], "--placement: got 'check=booker'"),
        (["run", "--sub-team", "fact_check"], "--sub-team: got 'fact_check'; allowed: the"),
        (["run", "--scenario", "research", "--sub-team", "x"], "--sub-team: got 'x'; allowed"),
        (["sweep"], "the following arguments are required: file"),
    ],
)
def test_bad_input_is_a_one_line_error_before_anything_runs(
    argv: list[str],
    message: str,
    nothing_runs: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _status(argv) == 2
    out, err = capsys.readouterr()
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    # one form, whether argparse or the configuration refused the value
    prog = f"agentlab {argv[0]}"
    assert err.startswith(f"{prog}: error: ") and err.endswith(f" (see {prog} --help)\n"), err
    assert out == ""


def test_an_unknown_option_is_blamed_on_the_command_it_was_given_to(
    nothing_runs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _status(["--sedes", "run"]) == 2
    assert capsys.readouterr().err.startswith("agentlab: error: unrecognized arguments: --sedes")
    assert _status(["run", "--sedes", "3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("agentlab run: error: unrecognized arguments: --sedes 3 (see agentlab")


def test_an_output_file_that_cannot_be_written_is_refused_first(
    tmp_path: Path, nothing_runs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "folder.csv").mkdir()
    assert _status(["run", "--out", str(tmp_path / "folder.csv")]) == 2
    assert "--out: got" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert _status(["run", "--steps-out", str(tmp_path / "file" / "steps.csv")]) == 2
    assert "--steps-out: got" in capsys.readouterr().err
    out = tmp_path / "new" / "episodes.csv"
    with pytest.raises(AssertionError, match="episodes ran"):  # every check passed
        main(["run", "--out", str(out), "--steps-out", str(tmp_path / "s.csv")])
    assert out.parent.is_dir() and not out.exists()  # checked by opening it, then removed


def test_the_command_line_exits_2_on_a_bad_value_with_no_traceback(repo_root: Path) -> None:
    """The real exit status and stderr of the installed entry point (`python -m agentlab`)."""
    done = subprocess.run(
        [sys.executable, "-m", "agentlab", "run", "--seeds", "1000000000"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=repo_root,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("agentlab run: error: --seeds: got '1000000000'; allowed:")
    assert done.stderr.count("\n") == 1


def test_a_run_where_every_episode_failed_exits_1_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_in_thread(faults=Faults(server_error=1.0, retry_after_s=0.01)) as url:
        monkeypatch.setenv("AGENTLAB_BASE_URL", url)
        status = main(["run", "--model", "openai-compatible:gpt-4o-mini", "--seeds", "2"])
    out, err = capsys.readouterr()
    assert status == 1
    assert "every episode failed (2 of 2); the first: error: " in err
    assert out.count("error: ") == 2  # the rows are printed all the same


def test_a_run_where_some_episodes_answered_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--seeds", "1", "--max-steps", "2"]) == 0  # stopped short: a result
    assert "failed" not in capsys.readouterr().err


def test_a_cost_of_unknown_usage_is_printed_unknown_not_unpriced(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from agentlab.run import runner

    real = runner.run_episodes

    def without_usage(*args: Any, **kwargs: Any) -> runner.Results:
        results = real(*args, **kwargs)
        results.episodes["cost_usd"] = math.nan  # a priced model's replies reported no usage
        return results

    monkeypatch.setattr("agentlab.run.runner.run_episodes", without_usage)
    assert main(["run", "--seeds", "1"]) == 0  # default columns: price_source not among them
    out = capsys.readouterr().out
    assert out.count("unknown") >= 2 and "unpriced" not in out  # the table and the summary
