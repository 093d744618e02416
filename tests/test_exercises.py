"""The exercises of every notebook (00-10) grade right: each check passes its reference solution
(``instructors/solutions/``), gives a hint that does not state the answer to a wrong one,
and says "not answered yet" to ``...`` without raising.

The values each check compares with come from real runs, smaller than the notebooks'
(fewer seeds or requests, chosen so they measure the same directions), so the module runs
in seconds. The paired intervals of the "which is better, or no difference" exercises are
given on the side the notebook measured (``INTERVALS``): every branch of that grading runs
without the notebooks' large sweeps.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from conftest import shared

import agentlab as al
from agentlab.measure.calibration import POSITION_TOKENS, needle_found
from agentlab.ui import exercises
from agentlab.ui.exercises import check

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "instructors" / "solutions"
NOTEBOOKS = sorted((ROOT / "agentlab" / "notebooks").glob("[01][0-9]_*.ipynb"))


def _solution(name: str) -> dict[str, Any]:
    return runpy.run_path(str(SOLUTIONS / f"{name}.py"))


ANSWERS: dict[str, Any] = {}
for _path in sorted(SOLUTIONS.glob("[01][0-9]_*.py")):
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
    "03.2": "smaller",  # the point estimates' order, which these few slips cannot show
    "03.3": 0.8,
    "03.4": "below",
    "04.1": "more",
    "04.2": ("never", "never"),
    "04.3": 0,
    "05.1": "no difference",
    "05.2": 4,
    "05.3": "single",
    "05.4": "analyst",  # wrong later, not the first root error
    "06.1": "no difference",
    "06.2": "analyst",  # a root error, but not the first
    "06.3": {"coupling": 0.9},  # the shipped coupling: embedding stays cheaper
    "07.1": "less",
    "07.2": 1,
    "07.3": "analyst",  # wrong on tainted input: it inherited the error
    "07.4": "owns both",
    "08.1": "single",
    "08.2": 0.5,  # half the single agent's 90th percentile: the hybrid team answers nothing
    "08.3": "team",
    "09.1": False,
    "09.2": 0,
    "09.3": "server_error",
    "10.1": 0,
    "10.2": False,
    "10.3": 100.0,  # more than the sweep costs: nothing stops it
}
# A paired interval above no difference, below it, and one holding it (see the docstring),
# by the answer it calls for.
ABOVE, BELOW = (0.05, 0.4), (-0.4, -0.05)
INTERVALS = {"team": ABOVE, "owns both": ABOVE, "dedicated": ABOVE, "no difference": (0.0, 0.0)}
INTERVALS |= {"single": BELOW, "all as tools": BELOW, "embedded": BELOW}
OUTCOMES = [  # episodes ended by the simulated server's faults (notebook 09), one of each
    "answered",
    "error: OpenAIRateLimitError: Error code: 429 - Rate limit reached for requests",
    "error: OpenAIRateLimitError: Error code: 429 - Rate limit reached for requests",
    "error: OpenAIAPIError: Error code: 500 - The server had an error",
    "error: unparseable_plan",
]


def _runs(base: al.EpisodeConfig | None = None, **fields: Any) -> al.Results:
    return al.run_episodes(al.grid(base, **fields), progress=False)


@pytest.fixture(scope="module")
def values() -> dict[str, dict[str, Any]]:
    """What each exercise's check cell passes (made once per run: conftest's ``shared``)."""
    return shared("exercise values", lambda: _travel_values() | _team_values())


def _travel_values() -> dict[str, dict[str, Any]]:
    """Notebooks 00-04's values, computed as the notebooks compute them."""
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


def _team_values() -> dict[str, dict[str, Any]]:
    """Notebooks 05-10's values, from runs of a few questions each (see the docstring)."""
    research = al.EpisodeConfig(scenario="research", architecture="centralized", seed=0)
    kinds = ["single", "independent", "decentralized", "centralized", "hybrid"]
    archs = _runs(research, architecture=kinds, seeds=range(3)).episodes
    archs["tokens"] = archs.tokens_in + archs.tokens_out
    solo = archs[archs.architecture == "single"].tokens
    overhead = 100 * (archs.groupby("architecture").tokens.mean() / solo.mean() - 1)
    placement, seed = _solution("06_capability_placement")["FAILED_EPISODE"]
    failed = al.run_episode(research.with_(placement=placement, seed=seed)).step_rows()
    top = _solution("07_horizontal_vs_vertical")["TOP_EPISODE"]
    ladder = [research.with_(architecture="single"), research.with_(placement=TOP_RUNG)]
    rungs = al.run_episodes([c.with_(seed=top) for c in ladder], progress=False)
    rungs.episodes["agents"] = [1, 4]
    busiest = al.ui.team_plots.agent_context(rungs, by="agents").groupby("agents").tokens_in.max()
    stored, total = _solution("10_your_own_experiment")["FIRST_CALL"]
    with al.serve.server.serve_in_thread() as url:
        served = al.run.remote.run_remote(al.grid(SERVED, seeds=[0]), base_url=url)
    here = al.run_episodes(
        al.grid(SERVED.with_(model="sim:gpt-4o-mini"), seeds=[0]), progress=False
    )
    cols = ["success", "outcome", "llm_calls", "tokens_in", "cost_usd", "latency_s"]
    sweep = _runs(tools=[120], memory=["full", "window"], seeds=range(4))
    return {
        "05.1": {"comparison": _comparison("05.1", "centralized", "single")},
        "05.2": {"travel": al.EpisodeConfig(seed=0), "seeds": range(4, 8)},
        "05.3": {"table": al.ui.team_plots.architecture_table(archs)},
        "05.4": {"steps": pd.DataFrame(al.run_episode(research).step_rows())},
        "06.1": {"comparison": _comparison("06.1")},
        "06.2": {"steps": pd.DataFrame(failed)},
        "06.3": {"base": research, "own": TOP_RUNG, "embedded": DEDICATED, "seeds": range(2)},
        "07.1": {"coordination": rungs.episodes.groupby("agents").coordination_tokens.mean()},
        "07.2": {"trade": pd.DataFrame({"busiest_tokens": busiest})},
        "07.3": {"steps": rungs.steps[rungs.steps.episode == rungs.episodes.episode.iloc[1]]},
        "07.4": {"comparison": _comparison("07.4", "owns both", "all as tools")},
        "08.1": {"lab": pd.DataFrame({"overhead_pct": overhead})},
        "08.2": {"episodes": archs, "p90": float(solo.quantile(0.9))},
        "08.3": {"comparison": _comparison("08.3", "hybrid", "single")},
        "09.1": {"same": bool((here.episodes[cols] == served.episodes[cols]).all().all())},
        "09.2": {"table": FAULTS},
        "09.3": {"outcomes": FAULTS.loc[FAULTS.failed, "outcome"]},
        "10.1": {"stored": stored, "total": total},
        "10.2": {"table": sweep.cost_per_success(by=["tools", "memory"])},
        "10.3": {"configs": al.grid(tools=[120], seeds=range(3))},
    }


TOP_RUNG = "fact_check=own,rank_filter=own"  # notebook 07's four agents, 06's own ranker
DEDICATED = "fact_check=own,rank_filter=retriever"  # the default: ranking in the retriever
SERVED = al.EpisodeConfig(tools=8, model="openai-compatible:gpt-4o-mini")  # notebook 09's
# Notebook 09's heavy fault level as committed: 12 episodes, 9 ended by a fault.
HEAVY = [OUTCOMES[0]] * 3 + [OUTCOMES[1]] * 7 + OUTCOMES[3:]
FAULTS = pd.DataFrame({"faults": "heavy", "outcome": HEAVY})
FAULTS["failed"] = FAULTS.outcome.str.startswith("error")


def _interval(exercise_id: str) -> dict[str, float]:
    """A paired difference on the side of no difference the notebook measured."""
    lo, hi = INTERVALS[ANSWERS[exercise_id]]
    return {"n": 12, "diff": (lo + hi) / 2, "lo": lo, "hi": hi}


def _comparison(
    exercise_id: str, a: str = "dedicated checker", b: str = "checker in analyst"
) -> al.measure.verdicts.Comparison:
    i = _interval(exercise_id)
    return al.measure.verdicts.Comparison(
        a, b, "success", "difference", i["diff"], i["lo"], i["hi"], 20
    )


def _success(runs: al.Results, tools: int) -> float:
    return float(runs.episodes[runs.episodes.tools == tools].success.mean())


def test_every_exercise_has_a_solution_and_a_wrong_answer() -> None:
    assert set(ANSWERS) == set(WRONG) == {exercises.find(x).id for x in ANSWERS}
    assert {k for k in exercises.EXERCISES if k[:2] in exercises.BANKS} == set(ANSWERS)


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_reference_solution_passes(exercise_id: str, values: dict[str, dict[str, Any]]) -> None:
    result = check(exercise_id, ANSWERS[exercise_id], **values[exercise_id])
    assert result.passed, str(result)
    assert result.message == exercises.find(exercise_id).praise


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.parametrize(
    ("exercise_id", "answer", "says"),
    [
        ("00.1", "yes", "`True` or `False`"),
        ("01.3", "the act node", "'act'"),  # lists the options, which are the table's nodes
        ("02.3", "many", "whole number"),
        ("02.3", 500, "tools: got 500; allowed: an integer from 4 to 158"),
        ("03.1", 99, "no step 99"),
        ("04.2", "ambiguous", "pair `(clarify, verify)`"),
        ("05.1", "the team", "'no difference'"),  # lists the three options
        ("05.3", "chain", "'independent'"),  # lists the table's architectures
        ("06.3", 0.1, "a dict such as"),
        ("06.3", {"coupling": 2}, "coupling runs from 0 to 1"),
        ("07.2", 7, "one of the `agents` values [1, 4]"),
        ("09.3", "timeout", "'rate_limit'"),
        ("10.3", "cheap", "a number, dollars"),
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
    checked = re.findall(r'al\.ui\.exercises\.check\(\s*"(\d\d\.\d)"', "\n".join(code))
    mine = sorted(k for k in ANSWERS if k[:2] == path.name[:2])
    assert sorted(checked) == mine and len(mine) >= 3
    assert len({exercises.find(k).kind for k in mine}) >= 3  # of different kinds
    answers = [s for s in code if re.fullmatch(r"\w+ = \.\.\.  # .*", s.strip())]
    assert len(answers) == len(mine), "each exercise has one answer cell, `...` by default"
    assert "glossary.md#" in "\n".join(c.source for c in cells if c.cell_type == "markdown")
