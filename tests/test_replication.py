"""Do the verdicts the notebooks teach replicate? Each is measured on two disjoint halves of
the research world's 224 questions (``intervals.halves``, split seed 0: 112 each), with a paired
bootstrap interval over the questions (``intervals.compare``), and must state the same
order on both halves. The travel verdicts (notebook 04's checkpoint break-even, notebook
05's travel team against the single agent) likewise, on two halves of the travel world's 72
requests: 36 a half, the fewest that give a meaningful interval (on halves of 24 requests
neither the break-even order nor the 64-tool gain separates on both, whichever the split).

A verdict the lab does not replicate is marked ``xfail(strict=True)`` with the intervals it
measured in the reason: an honest record, which turns into a failure (XPASS) the day the
lab starts replicating it, so the mark must then go. The simulator and the data are not
tuned here to make a verdict hold.

The runs are the notebooks': seed n asks question n + 1, one seed per question, the
default profile (notebooks 05-08); for the travel team, seed n asks request n + 1 (notebook
05); for the checkpoint policies, every request with seed 0, a person's time at $40 an hour
(notebook 04).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd
import pytest
from conftest import every_question, shared

import agentlab as al
from agentlab.measure import break_even as be
from agentlab.measure import intervals as iv
from agentlab.measure import verdicts as vd
from agentlab.world import research, travel

pytestmark = pytest.mark.slow

BASE = al.EpisodeConfig(scenario="research", architecture="centralized")
QUESTIONS = range(len(research.question_ids()))  # seed n asks question n + 1
DESIGNS = {
    "single": BASE.with_(architecture="single"),
    "centralized": BASE,  # a dedicated checker, rank-and-filter in the retriever (3 agents)
    "independent": BASE.with_(architecture="independent"),  # members of a part vote
    # Kim et al.'s: every member's finding merged, none compared (synthesis-only)
    "independent, synthesis": BASE.with_(architecture="independent", aggregation="synthesis"),
    "embedded checker": BASE.with_(placement="fact_check=analyst,rank_filter=retriever"),
    "dedicated ranker": BASE.with_(placement="fact_check=own,rank_filter=own"),  # 4 agents
    "single, 80 tools": BASE.with_(architecture="single", tools=80),
    "centralized, 80 tools": BASE.with_(tools=80),
}
PER_TOKEN = iv.Ratio("success", "tokens", "successes per token")


@cache
def _runs(design: str) -> pd.DataFrame:
    e = every_question(DESIGNS[design])  # seed n asks question n + 1, each question once
    assert len(e) == len(QUESTIONS)
    return e.assign(design=design, tokens=e.tokens_in + e.tokens_out)


def _halves(metric: iv.Metric, a: str, b: str, how: str) -> tuple[vd.Comparison, ...]:
    e = pd.concat([_runs(a), _runs(b)], ignore_index=True)
    return vd.on_halves(e, metric, "design", a, b, how=how)


def _xfail(reason: str) -> Any:
    return pytest.mark.xfail(strict=True, reason=f"does not replicate: {reason}")


# (notebook: verdict, metric, a, b, difference or ratio, the order taught: "<", ">" or None
# for "no separation")
VERDICTS = [
    pytest.param(
        "tokens", "centralized", "single", "ratio", ">", id="05/08 centralized spends more tokens"
    ),
    pytest.param(
        "tokens",
        "independent",
        "single",
        "ratio",
        ">",
        id="05/08 independent spends more tokens",
    ),
    pytest.param(
        "llm_calls", "centralized", "single", "ratio", ">", id="08 centralized takes more turns"
    ),
    pytest.param(
        "llm_calls", "independent", "single", "ratio", ">", id="08 independent takes more turns"
    ),
    pytest.param(
        PER_TOKEN, "centralized", "single", "ratio", "<", id="08 single beats centralized per token"
    ),
    pytest.param(
        PER_TOKEN,
        "independent",
        "single",
        "ratio",
        "<",
        id="08 single beats independent per token",
    ),
    pytest.param(
        "coordination_tokens",
        "independent",
        "centralized",
        "difference",
        "<",
        id="05/08 independent coordinates less than centralized",
    ),
    pytest.param(
        iv.FAILURE,
        "independent",
        "single",
        "ratio",
        ">",
        id="05/08 independent amplifies errors (fails more than single)",
        marks=_xfail("failure rate independent / single 1.16 [0.945, 1.42]; 1 [0.831, 1.2]"),
    ),
    pytest.param(
        iv.FAILURE,
        "independent",
        "centralized",
        "ratio",
        ">",
        id="08 independent fails more than centralized",
        marks=_xfail(
            "failure rate independent / centralized 0.934 [0.779, 1.11]; 1.09 [0.891, 1.33]"
        ),
    ),
    pytest.param(
        iv.FAILURE,
        "independent, synthesis",
        "centralized",
        "ratio",
        ">",
        id="08 synthesis-only independent fails more than centralized",
        marks=_xfail(
            "failure rate independent, synthesis / centralized 0.984 [0.806, 1.2]; "
            "1.06 [0.841, 1.31]"
        ),
    ),
    pytest.param(
        iv.FAILURE,
        "independent, synthesis",
        "single",
        "ratio",
        ">",
        id="08 synthesis-only independent amplifies errors (fails more than single)",
        marks=_xfail(
            "failure rate independent, synthesis / single 1.22 [0.982, 1.57]; 0.966 [0.778, 1.2]"
        ),
    ),
    pytest.param(
        iv.FAILURE,
        "independent, synthesis",
        "independent",
        "ratio",
        ">",
        id="08 merging without a vote fails more than voting",
        marks=_xfail(
            "failure rate independent, synthesis / independent 1.05 [0.907, 1.24]; "
            "0.966 [0.818, 1.14]"
        ),
    ),
    pytest.param(
        "success",
        "independent",
        "single",
        "difference",
        "<",
        id="05/08 independent succeeds least (below single)",
        marks=_xfail(
            "success independent - single -0.0714 [-0.161, +0.0268]; +0 [-0.0982, +0.0893]"
        ),
    ),
    pytest.param(
        iv.COST_PER_SUCCESS,
        "centralized",
        "embedded checker",
        "ratio",
        "<",
        id="06 dedicated checker costs less per success",
    ),
    pytest.param(
        "errors_escaped",
        "centralized",
        "embedded checker",
        "difference",
        "<",
        id="06 dedicated checker lets fewer errors escape",
    ),
    pytest.param(
        iv.COST_PER_SUCCESS,
        "centralized",
        "dedicated ranker",
        "ratio",
        "<",
        id="06 embedded ranker costs less per success",
        marks=_xfail(
            "cost per success centralized / dedicated ranker 1.09 [0.79, 1.47]; "
            "0.704 [0.476, 0.956]"
        ),
    ),
    pytest.param(
        "errors_escaped",
        "centralized",
        "dedicated ranker",
        "difference",
        "<",
        id="06 embedded ranker lets fewer errors escape",
        marks=_xfail(
            "errors escaped centralized - dedicated ranker -0.116 [-0.241, +0.00893]; "
            "-0.295 [-0.411, -0.179]"
        ),
    ),
    pytest.param(
        "success",
        "centralized",
        "dedicated ranker",
        "difference",
        ">",
        id="07 moving the ranker out (3 to 4 agents) costs right answers",
    ),
    pytest.param(
        "success",
        "centralized",
        "single",
        "difference",
        "<",
        id="08 at narrow scope a team answers fewer right than single",
        marks=_xfail(
            "success centralized - single at 4 tools -0.107 [-0.205, -0.00893]; "
            "+0.0446 [-0.0714, +0.161]"
        ),
    ),
    pytest.param(
        "llm_calls",
        "single, 80 tools",
        "single",
        "ratio",
        ">",
        id="08 scope costs the single agent calls",
    ),
    pytest.param(
        "success",
        "centralized, 80 tools",
        "single, 80 tools",
        "difference",
        None,
        id="08 no crossover at 80 tools (team and single not separated)",
    ),
]


@pytest.mark.parametrize(("metric", "a", "b", "how", "order"), VERDICTS)
def test_a_taught_verdict_holds_on_both_halves_of_the_questions(
    metric: iv.Metric, a: str, b: str, how: str, order: str | None
) -> None:
    first, second = _halves(metric, a, b, how)
    assert first.questions == second.questions == len(QUESTIONS) // 2
    assert (first.order, second.order) == (order, order), f"{first}\n{second}"


@pytest.mark.parametrize("team", ["independent", "independent, synthesis"])
def test_the_papers_own_failure_ratio_needs_more_questions_than_the_world_holds(
    team: str,
) -> None:
    """Notebook 08, "Too few questions for the paper's difference": on the lab's definition
    (failure rate over failure rate) Kim et al.'s own success column puts independent over
    centralized at 1.17 (their 17.2 is another measure). With the lab's own failure rates and
    the spread it measures on each half, a true ratio that size would need more questions
    than the world's 224 to separate four times in five: an interval that holds 1 at this
    size says little of the mechanism behind the strict xfails above."""
    paper = al.measure.reference.reference("kim2025_architectures").set_index("architecture")
    failure = 1 - paper.success
    effect = failure["independent"] / failure["centralized"]
    assert round(effect, 2) == 1.17 and paper.error_amplification["independent"] == 17.2
    for half in _halves(iv.FAILURE, team, "centralized", "ratio"):
        assert half.order is None, half  # if it separated, the xfail above would XPASS
        assert half.questions_for(effect) > len(QUESTIONS), half


# ---- the travel world: notebook 05's team against the single agent, notebook 04's policies

TRIPS = range(len(travel.request_ids()))  # seed n asks request n + 1 (notebook 05)
POLICY, NONE = ["clarify", "verify"], ("never", "never")  # notebook 04's policies
CLARIFY, CHECK_ALL = ("ambiguous", "never"), ("never", "always")
HUMAN_USD_PER_HOUR = 40  # notebook 04's price of a person's time


@cache
def _trips(architecture: str, tools: int) -> pd.DataFrame:
    configs = al.grid(architecture=[architecture], tools=[tools], seeds=TRIPS)
    return shared(
        f"replication trips {architecture} {tools}",
        lambda: al.run_episodes(configs, progress=False).episodes,
    )


@cache
def _policies() -> pd.DataFrame:
    """No checkpoint, clarifying when in doubt and checking every result, every request."""
    configs = [
        c
        for clarify, verify in (NONE, CLARIFY, CHECK_ALL)
        for c in al.grid(
            request=travel.request_ids(), clarify=[clarify], verify=[verify], verify_every=[3]
        )
    ]
    e = shared("replication policies", lambda: al.run_episodes(configs, progress=False).episodes)
    return e.assign(usd=e.cost_usd + e.human_s / 3600 * HUMAN_USD_PER_HOUR)


# (tools, metric, difference or ratio, the order taught of centralized against single)
TRAVEL_VERDICTS = [
    pytest.param(
        64,
        "success",
        "difference",
        ">",
        id="05 at 64 tools the travel team succeeds more often than the single agent",
        marks=_xfail(
            "success centralized - single at 64 tools +0.25 [+0.0278, +0.444]; +0.194 [+0, +0.389]"
        ),
    ),
    pytest.param(
        64,
        "tokens_in",
        "ratio",
        "<",
        id="05 at 64 tools the travel team reads fewer input tokens",
    ),
    pytest.param(
        4,
        "success",
        "difference",
        None,
        id="05 at 4 tools travel team and single agent not separated",
    ),
]


@pytest.mark.parametrize(("tools", "metric", "how", "order"), TRAVEL_VERDICTS)
def test_a_taught_travel_verdict_holds_on_both_halves_of_the_trips(
    tools: int, metric: str, how: str, order: str | None
) -> None:
    e = pd.concat([_trips("centralized", tools), _trips("single", tools)], ignore_index=True)
    first, second = vd.on_halves(e, metric, "architecture", "centralized", "single", how=how)
    assert first.questions == second.questions == len(TRIPS) // 2
    assert (first.order, second.order) == (order, order), f"{first}\n{second}"


def test_clarifying_succeeds_more_often_than_no_checkpoint_on_both_halves() -> None:
    first, second = vd.on_halves(_policies(), "success", POLICY, CLARIFY, NONE)
    assert first.questions == second.questions == len(TRIPS) // 2
    assert (first.order, second.order) == (">", ">"), f"{first}\n{second}"


def test_clarifying_pays_sooner_than_checking_every_result_on_both_halves() -> None:
    e = _policies()
    first, second = (
        be.compare_break_even(
            e[e.request_id.isin(half)], POLICY, CLARIFY, CHECK_ALL, NONE, cost="usd"
        )
        for half in vd.halves(e.request_id.tolist())
    )
    assert first.questions == second.questions == len(TRIPS) // 2
    assert (first.order, second.order) == ("<", "<"), f"{first}\n{second}"
