"""Command-line values checked as they are parsed: each bad one is a one-line error.

``Parser`` is the ``argparse`` parser of the ``agentlab`` command: an error is one line
(``agentlab run: error: --seeds: got 'x'; allowed: an integer from 1 to 10000``), never a
usage dump or a traceback. ``integer`` and ``number`` make ``type=`` checkers that name the
values a flag allows, so a value out of range is refused before any work starts.

Introduced in the README (the ``agentlab`` command).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line naming the flag (exit status 2).

    Subcommands made with ``add_subparsers`` use this class too.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE`` on stderr and exit with status 2."""
        message = message.removeprefix("argument ")  # "--seeds: got ..." as ConfigError says
        self.exit(2, error_line(self.prog, message) + "\n")


def error_line(prog: str, message: str) -> str:
    """A refused input's one line, the same whoever refused it (argparse, a configuration
    check, a sweep file): ``agentlab run: error: --seeds: got 'x'; allowed: ... (see agentlab
    run --help)``."""
    return f"{prog}: error: {message} (see {prog} --help)"


def say_error(prog: str, message: str) -> int:
    """Print ``error_line`` on stderr; the exit status of bad input, 2."""
    print(error_line(prog, message), file=sys.stderr)
    return 2


def _span(lo: float | None, hi: float | None, kind: str) -> str:
    """The allowed values in words: 'an integer from 1 to 10', 'a number >= 0'."""
    if lo is not None and hi is not None:
        return f"{kind} from {lo:g} to {hi:g}"
    if lo is not None:
        return f"{kind} >= {lo:g}"
    if hi is not None:
        return f"{kind} <= {hi:g}"
    return kind


def integer(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """A ``type=`` for an integer flag from ``lo`` to ``hi`` (either bound optional).

    Example:
        >>> integer(1, 10)("3")
        3
        >>> integer(1, 10)("0")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: got '0'; allowed: an integer from 1 to 10
    """
    allowed = _span(lo, hi, "an integer")

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"got {text!r}; allowed: {allowed}") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"got {text!r}; allowed: {allowed}")
        return value

    parse.__name__ = "integer"  # argparse names the type in some messages
    return parse


def number(
    lo: float | None = None, hi: float | None = None, *, above: bool = False
) -> Callable[[str], float]:
    """A ``type=`` for a finite number from ``lo`` to ``hi`` (``above``: strictly above ``lo``).

    ``inf`` and ``nan`` are always refused.

    Example:
        >>> number(0, 1)("0.25")
        0.25
        >>> number(0, 1)("inf")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: got 'inf'; allowed: a finite number from 0 to 1
    """
    if above and lo is not None:
        allowed = f"a finite number > {lo:g}" + (f" and <= {hi:g}" if hi is not None else "")
    else:
        allowed = _span(lo, hi, "a finite number")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"got {text!r}; allowed: {allowed}") from None
        low_ok = lo is None or (value > lo if above else value >= lo)
        if not math.isfinite(value) or not low_ok or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"got {text!r}; allowed: {allowed}")
        return value

    parse.__name__ = "number"
    return parse
