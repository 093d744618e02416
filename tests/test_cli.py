from pathlib import Path

import pandas as pd
import pytest

from agentlab.cli import main


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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--tools", "-1"], "tools: got -1; allowed: an integer from 4 to"),
        (["run", "--scenario", "mars"], "scenario: got 'mars'; allowed: travel"),
        (["run", "--model", "gpt5"], "model: got 'gpt5'"),
        (["run", "--seeds", "0"], "--seeds: got 0"),
        (["run", "--out", "x.xlsx", "--seeds", "1"], "--out: got 'x.xlsx'"),
    ],
)
def test_bad_input_is_a_clear_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
