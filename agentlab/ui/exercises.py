"""Exercises with self-checks: ``check(exercise_id, answer, **values)`` grades a learner's
answer in place and gives a hint, never the answer.

    al.ui.exercises.check("02.1", guess, growth=growth.cost, tools_growth=30)  # a cell's last line

Introduced in notebook 00 (``00_quickstart.ipynb``); the travel notebooks (00-04) have their
exercises in ``agentlab.ui.travel_exercises``, the team notebooks (05-08) in
``agentlab.ui.research_exercises``, 09 and 10 in ``agentlab.ui.course_exercises``; their
reference solutions are in ``instructors/solutions/`` (not shipped to learners).

**Why not otter-grader.** Its ``grader.check("q1")`` is the idiom this follows, and it was
tried against the lab's needs (version 7.0.0, March 2026):

* it installs a dozen packages a notebook course does not use (``python-on-whales``, a
  Docker client, for grading in containers; ``ipylab``, ``jupytext``, ``fica``, ``dill``,
  ``python-frontmatter``, ``nbconvert[webpdf]`` for PDF export) and pins ``wrapt<2``, while
  the lab's environment has ``wrapt`` 2 (through ``vcrpy``);
* its tests are files in a ``tests/`` folder beside each notebook, which ``agentlab
  notebooks`` would have to copy for every learner, and each ``grader.check`` appends to a
  ``.OTTER_LOG`` file in the learner's working directory;
* a failing OK-format test prints its doctest, expected value included, unless each test
  is hidden: the answer shows through the hint;
* its checks are written against fixed values; the lab's must grade against what the
  notebook just computed (a re-run with other seeds or physics moves every number).

What the lab needs of it is small: look an exercise up, run a function on the learner's
answer and the notebook's values, show "correct" or a hint. That is this module.
"""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from agentlab.config import ConfigError

# Which module holds the exercises of each notebook (by the id's prefix, "02" of "02.1").
# Named, not imported: a bank imports this module, so this module must not import a bank.
BANKS = {nb: "agentlab.ui.travel_exercises" for nb in ("00", "01", "02", "03", "04")}
BANKS |= {nb: "agentlab.ui.research_exercises" for nb in ("05", "06", "07", "08")}
BANKS |= {nb: "agentlab.ui.course_exercises" for nb in ("09", "10")}
EXERCISES: dict[str, Exercise] = {}  # every exercise registered so far, by id

Status = Literal["correct", "hint", "unanswered"]
Check = Callable[..., str | None]  # (answer, **values) -> None if right, else a hint


@dataclass(frozen=True)
class Exercise:
    """One exercise: its task and how to grade an answer.

    ``check(answer, **values)`` returns ``None`` when the answer is right and a hint when it
    is not. A hint says where to look or what to reconsider; it never states the answer.
    ``values`` are what the notebook computed (a measured direction, a steps table), so a
    check survives a re-run with other numbers.
    """

    id: str  # "02.1": the notebook's number, then the exercise's
    kind: str  # "predict", "configure", "read" or "provenance"
    question: str  # the task, in one sentence (the notebook's Markdown cell says more)
    check: Check  # (answer, **values) -> None if right, else a hint
    praise: str = "Correct."  # shown when the answer is right: what it shows


@dataclass(frozen=True)
class Result:
    """What a check found; shown as a cell's output (HTML in JupyterLab, text elsewhere)."""

    exercise: str  # the exercise's id
    status: Status  # "correct", "hint" (answered, not right) or "unanswered"
    message: str  # the praise, the hint, or how to answer

    @property
    def passed(self) -> bool:
        """True when the answer is right."""
        return self.status == "correct"

    @property
    def label(self) -> str:
        """The status in words: "Correct", "Not yet" (with a hint) or "Not answered yet"."""
        return {"correct": "Correct", "hint": "Not yet", "unanswered": "Not answered yet"}[
            self.status
        ]

    def __str__(self) -> str:
        return f"Exercise {self.exercise}: {self.label}. {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = {"correct": "#009E73", "hint": "#D55E00", "unanswered": "#888888"}
        mark = {"correct": "&#10004;", "hint": "&#10007;", "unanswered": "&#9998;"}
        text = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(self.message))
        return (
            f'<div style="border-left:4px solid {colour[self.status]};padding:4px 10px">'
            f"<b>Exercise {html.escape(self.exercise)}</b> {mark[self.status]} "
            f"<b>{self.label}.</b> {text}</div>"
        )


def register(*exercises: Exercise) -> None:
    """Add exercises to the registry (a bank calls this when imported).

    Raises:
        ValueError: an id is already registered to another exercise.
    """
    for ex in exercises:
        if EXERCISES.get(ex.id, ex) is not ex:
            raise ValueError(f"exercise {ex.id!r} is registered twice")
        EXERCISES[ex.id] = ex


def exercise(exercise_id: str, kind: str, question: str, praise: str) -> Callable[[Check], Check]:
    """Make the decorated function the check of a new exercise, and register it.

    Example:
        >>> @exercise("99.1", "predict", "Is 2 + 2 four?", "Yes.")
        ... def _four(answer, *, total):
        ...     return None if answer == total else "Add them again."
        >>> check("99.1", 4, total=2 + 2).passed
        True
    """

    def add(fn: Check) -> Check:
        register(Exercise(exercise_id, kind, question, fn, praise))
        return fn

    return add


def find(exercise_id: str) -> Exercise:
    """The exercise with this id, its notebook's bank imported on first use.

    Raises:
        ValueError: no exercise has this id (the message lists those of its notebook).
    """
    bank = BANKS.get(str(exercise_id)[:2])
    if bank is not None:
        importlib.import_module(bank)
    if exercise_id not in EXERCISES:
        known = sorted(k for k in EXERCISES if k[:2] == str(exercise_id)[:2]) or sorted(BANKS)
        raise ValueError(f"exercise_id: got {exercise_id!r}; allowed: {', '.join(known)}")
    return EXERCISES[exercise_id]


def check(exercise_id: str, answer: Any, **values: Any) -> Result:
    """Grade a learner's answer against what the notebook computed.

    Args:
        exercise_id: The exercise, e.g. ``"02.1"``.
        answer: The learner's answer; ``...`` (the answer cell's default) means not answered
            yet, which is reported gently, never raised.
        **values: What the notebook measured that the check compares with.

    Returns:
        A ``Result``; as a cell's last expression it shows a success or a hint.

    Example:
        >>> check("00.1", ...).status
        'unanswered'
    """
    ex = find(exercise_id)
    if answer is ... or answer is None:
        how = "Replace the `...` in the answer cell above with your answer, run it, then this cell."
        return Result(ex.id, "unanswered", how)
    try:
        hint = ex.check(answer, **values)
    except Unfit as err:  # an answer of the wrong kind: say which kind fits
        hint = str(err)
    except ConfigError as err:  # the learner's configuration is refused: say why
        hint = f"That configuration is refused: {err}"
    if hint is None:
        return Result(ex.id, "correct", ex.praise)
    return Result(ex.id, "hint", hint)


# Answer readers: each returns the answer as the kind of value the exercise asks for, or
# raises Unfit with a hint saying which kind fits (``check`` shows it as the hint).


class Unfit(ValueError):
    """An answer of the wrong kind (a word where a number is asked); its message is the hint."""


def choice(answer: Any, options: Sequence[str]) -> str:
    """One of ``options`` (case and surrounding spaces ignored)."""
    text = str(answer).strip().strip("\"'").lower()
    if text not in options:
        raise Unfit(f"Answer with one of: {', '.join(map(repr, options))} (got {answer!r}).")
    return text


def yes_no(answer: Any) -> bool:
    """``True`` or ``False``."""
    if not isinstance(answer, bool):
        raise Unfit(f"Answer with `True` or `False` (got {answer!r}).")
    return answer


def integer(answer: Any, what: str) -> int:
    """A whole number (``what`` names what it counts, for the hint)."""
    if isinstance(answer, float) and answer.is_integer():
        return int(answer)
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise Unfit(f"Answer with a whole number, {what} (got {answer!r}).")
    return answer


def number(answer: Any, what: str) -> float:
    """A number (``what`` names what it measures, for the hint)."""
    if not isinstance(answer, int | float) or isinstance(answer, bool):
        raise Unfit(f"Answer with a number, {what} (got {answer!r}).")
    return float(answer)
