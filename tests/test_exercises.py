"""The exercises of notebooks 00-04 grade right: each check passes its reference solution
(``instructors/solutions/``), gives a hint that does not state the answer to a wrong one,
and says "not answered yet" to ``...`` without raising.

The values each check compares with come from real runs, smaller than the notebooks'
(fewer seeds or requests, chosen so they measure the same directions), so the module runs
in seconds.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest

import agentlab as al
from agentlab.measure.calibration import POSITION_TOKENS, needle_found
from agentlab.ui import exercises
from agentlab.ui.exercises import check

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "instructors" / "solutions"
NOTEBOOKS = sorted((ROOT / "agentlab" / "notebooks").glob("0[0-4]_*.ipynb"))


def _solution(name: str) -> dict[str, Any]:
    return runpy.run_path(str(SOLUTIONS / f"{name}.py"))


ANSWERS: dict[str, Any] = {}
for _path in sorted(SOLUTIONS.glob("0*.py")):
    ANSWERS.update(_solution(_path.stem)["ANSWERS"])

# A wrong answer of the right kind for each exercise (a kind that does not fit is tested below).
WRONG = {
    "00.1": False,
    "00.2": 0,  # seed 0 reads Washington as D.C.
    "00.3": 32,
    "01.1": 1,  # wrong, but not the first wrong step
    "01.2": "more",
    "01.3": "plan",
    "02.1": "more",
    "02.2": "history",
    "02.3": 8,
    "02.4": True,
    "03.1": 4,  # the tool call that ran the wrong booking: it decided nothing
    "03.2": False,
    "03.3": 0.8,
    "03.4": "below",
    "04.1": "more",
    "04.2": ("never", "never"),
    "04.3": 0,
}


def _runs(**fields: Any) -> al.Results:
    return al.run_episodes(al.grid(**fields), progress=False)


@pytest.fixture(scope="module")
def values() -> dict[str, dict[str, Any]]:
    """What each exercise's check cell passes, computed as the notebooks compute it."""
    steps = pd.DataFrame(al.run_episode(al.EpisodeConfig(seed=0)).step_rows())
    again = pd.DataFrame(al.run_episode(al.EpisodeConfig(seed=0)).step_rows())
    scopes = _runs(tools=[4, 32], seeds=range(10))
    narrow = _runs(tools=[4], seeds=range(20))
    wide = _runs(tools=[4, 120], seeds=range(10))
    per = wide.episodes.assign(c=lambda e: e.cost_usd / e.decisions).groupby("tools").c.mean()
    gpt4o = al.sim.profiles.get_profile("gpt-4o")
    found = {
        x: needle_found(gpt4o, context_tokens=POSITION_TOKENS, position=x, episodes=500, seed=0)
        for x in (0.0, 0.5)
    }
    request, seed = _solution("03_failure_propagation")["SLIP_EPISODE"]
    slip = pd.DataFrame(al.run_episode(al.EpisodeConfig(request=request, seed=seed)).step_rows())
    requests = al.world.travel.request_ids()[::3]
    trials = _runs(request=requests, seeds=range(3)).episodes
    noted = _runs(request=requests, memory_items=[1000], seeds=range(1)).episodes
    reviewed = pd.concat([trials[trials.seed < 1], noted]).groupby("memory_items")[
        ["execution_errors_caught", "execution_errors_reviewed"]
    ]
    plain = al.EpisodeConfig(request="trip-001", seed=0, clarify="never")
    policies = _runs(
        request=al.world.travel.request_ids()[::6],
        clarify=["never", "ambiguous", "always"],
        verify=["never", "every_k", "always"],
        seeds=[0],
    ).episodes
    by_policy = policies.assign(human_usd=policies.human_s / 3600 * 40).groupby(
        ["clarify", "verify"]
    )
    return {
        "00.1": {"measured": again.drop(columns="wall_s").equals(steps.drop(columns="wall_s"))},
        "00.2": {"request": "trip-001"},
        "00.3": {"table": scopes.cost_per_success("tools")},
        "01.1": {"steps": steps},
        "01.2": {"success": narrow.episodes.groupby("ambiguous").success.mean()},
        "01.3": {"shares": narrow.steps.groupby("node").cost_usd.sum()},
        "02.1": {"growth": per[120] / per[4], "tools_growth": 30},
        "02.2": {"steps": wide.steps},
        "02.3": {"seeds": range(10), "baseline": _success(wide, 4)},
        "02.4": {"start": found[0.0], "middle": found[0.5]},
        "03.1": {"steps": slip},
        "03.2": {"table": reviewed.sum()},
        "03.3": {"n": 10, "episodes": 400, "low": 0.4, "high": 0.6},
        "03.4": {"passes": al.measure.reliability.pass_hat_k(trials, ks=range(1, 4))},
        "04.1": {
            "without": al.run_episode(plain).row()["cost_usd"],
            "with_checkpoint": al.run_episode(plain.with_(clarify="ambiguous")).row()["cost_usd"],
        },
        "04.2": {"escaped": by_policy.errors_escaped.mean()},
        "04.3": {
            "per": by_policy[["success", "cost_usd", "human_usd"]].mean(),
            "policy": ("ambiguous", "never"),
        },
    }


def _success(runs: al.Results, tools: int) -> float:
    return float(runs.episodes[runs.episodes.tools == tools].success.mean())


def test_every_exercise_has_a_solution_and_a_wrong_answer() -> None:
    assert set(ANSWERS) == set(WRONG) == {exercises.find(x).id for x in ANSWERS}
    assert {k for k in exercises.EXERCISES if k[:2] in exercises.BANKS} == set(ANSWERS)


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_reference_solution_passes(exercise_id: str, values: dict[str, dict[str, Any]]) -> None:
    result = check(exercise_id, ANSWERS[exercise_id], **values[exercise_id])
    assert result.passed, str(result)
    assert result.message == exercises.find(exercise_id).praise


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_wrong_answer_gets_a_hint_not_the_answer(
    exercise_id: str, values: dict[str, dict[str, Any]]
) -> None:
    result = check(exercise_id, WRONG[exercise_id], **values[exercise_id])
    assert result.status == "hint" and not result.passed, str(result)
    right = ANSWERS[exercise_id]
    if isinstance(right, str | tuple):  # a word or a pair: it must not appear in the hint
        assert not re.search(rf"\b{re.escape(str(right))}\b", result.message), result.message


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_unanswered_says_so_without_raising(exercise_id: str) -> None:
    result = check(exercise_id, ...)  # no values needed: nothing is graded
    assert result.status == "unanswered"
    assert "`...`" in result.message and "Not answered yet" in str(result)


@pytest.mark.parametrize(
    ("exercise_id", "answer", "says"),
    [
        ("00.1", "yes", "`True` or `False`"),
        ("01.3", "the act node", "'act'"),  # lists the options, which are the table's nodes
        ("02.3", "many", "whole number"),
        ("02.3", 500, "tools: got 500; allowed: an integer from 4 to 158"),
        ("03.1", 99, "no step 99"),
        ("04.2", "ambiguous", "pair `(clarify, verify)`"),
    ],
)
def test_answer_of_the_wrong_kind_gets_a_hint(
    exercise_id: str, answer: Any, says: str, values: dict[str, dict[str, Any]]
) -> None:
    result = check(exercise_id, answer, **values[exercise_id])
    assert result.status == "hint"
    assert says.lower() in result.message.lower()


def test_unknown_exercise_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"exercise_id: got '02\.9'; allowed: 02\.1, 02\.2"):
        check("02.9", 1)


def test_result_shows_as_html_and_as_text() -> None:
    result = exercises.Result("02.1", "hint", "Compare the `tokens` <column>.")
    assert str(result) == "Exercise 02.1: Not yet. Compare the `tokens` <column>."
    assert "<code>tokens</code>" in result._repr_html_()
    assert "&lt;column&gt;" in result._repr_html_()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_checks_each_of_its_exercises_once(path: Path) -> None:
    cells = nbformat.read(path, as_version=4).cells
    code = [c.source for c in cells if c.cell_type == "code"]
    checked = re.findall(r'al\.ui\.exercises\.check\("(\d\d\.\d)"', "\n".join(code))
    mine = sorted(k for k in ANSWERS if k[:2] == path.name[:2])
    assert sorted(checked) == mine and len(mine) >= 3
    assert len({exercises.find(k).kind for k in mine}) >= 3  # of different kinds
    answers = [s for s in code if re.fullmatch(r"\w+ = \.\.\.  # .*", s.strip())]
    assert len(answers) == len(mine), "each exercise has one answer cell, `...` by default"
    assert "glossary.md#" in "\n".join(c.source for c in cells if c.cell_type == "markdown")
