"""The README's code runs: its Python blocks execute, its command lines parse."""

import re
import shlex
from pathlib import Path

import pytest

from agentlab.cli import _parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, re.S)


@pytest.mark.parametrize("code", [c for lang, c in BLOCKS if lang == "python"])
def test_python_blocks_run_and_print_what_they_say(
    code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    promised = [
        line.split("  # ", 1)[1]
        for line in code.splitlines()
        if line.startswith("print(") and "  # " in line
    ]
    for said, shown in zip(promised, printed, strict=False):
        assert shown == said, f"the README says {said!r}, the code prints {shown!r}"


def test_cli_lines_parse() -> None:
    lines = [
        line.split("#")[0].strip()
        for lang, code in BLOCKS
        if lang == "bash"
        for line in code.splitlines()
        if line.startswith("agentlab ")
    ]
    assert lines
    for line in lines:
        _parser().parse_args(shlex.split(line)[1:])


def test_the_two_commands_are_there() -> None:
    assert "make lab" in README and "make test" in README
