"""The README's code runs: its Python blocks execute as scripts, its command lines parse."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_env

from agentlab.commands.cli import _parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, re.S)


@pytest.mark.slow
@pytest.mark.parametrize("code", [c for lang, c in BLOCKS if lang == "python"])
def test_python_blocks_run_and_print_what_they_say(code: str, outside: Path) -> None:
    """Each block runs alone, as a script, from outside the checkout, with the wheel's
    environment when `make test` built one (else this interpreter)."""
    script = outside / "block.py"
    script.write_text(code)
    wheel = os.environ.get("AGENTLAB_WHEEL_ENV")
    python = str(Path(wheel) / "bin" / "python") if wheel else sys.executable
    out = subprocess.run(
        [python, str(script)], cwd=outside, capture_output=True, text=True, timeout=300,
        env=make_env(), stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert out.returncode == 0, f"the README block failed:\n{code}\n{out.stderr[-3000:]}"
    printed = out.stdout.splitlines()
    promised = [
        line.split("  # ", 1)[1]
        for line in code.splitlines()
        if line.lstrip().startswith("print(") and "  # " in line
    ]
    assert len(printed) >= len(promised), out.stdout
    for said, shown in zip(promised, printed, strict=False):
        assert shown == said, f"the README says {said!r}, the code prints {shown!r}"


def test_cli_lines_parse() -> None:
    lines = [
        line.split("#")[0].strip()
        for lang, code in BLOCKS
        if lang == "bash"
        for line in re.sub(r"\\\n\s*", " ", code).splitlines()  # continued lines joined
        if line.startswith("agentlab ") and not line.startswith("agentlab lab ")
    ]
    assert lines and any("--steps-out" in line for line in lines)
    for line in lines:
        _parser().parse_args(shlex.split(line)[1:])


def test_the_two_commands_are_there() -> None:
    assert "make lab" in README and "make test" in README
