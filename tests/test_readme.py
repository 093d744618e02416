"""The README's code runs: its Python blocks execute, its command lines parse."""

import re
import shlex
from pathlib import Path

import pytest

from agentlab.cli import _parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, re.S)


@pytest.mark.parametrize("code", [c for lang, c in BLOCKS if lang == "python"])
def test_python_blocks_run(code: str) -> None:
    exec(compile(code, "README.md", "exec"), {})


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
