"""Bootstrap intervals over questions and seeds, and verdicts that wait for them
(``agentlab.measure.intervals``), on synthetic episodes tables with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agentlab.errors import ConfigError
from agentlab.measure import break_even as be
from agentlab.measure import intervals as iv
from agentlab.measure import reliability
from agentlab.measure import verdicts as vd


def _episodes(
    p: dict[str, float], *, questions: int = 40, seeds: int = 2, spread: float = 0.0, seed: int = 0
) -> pd.DataFrame:
    """Episodes of each group on the same questions: success with probability p[group],
    shifted per question by up to +-spread (hard and easy questions), and a cost."""
    rng = np.random.default_rng(seed)
    shift = rng.uniform(-spread, spread, questions)
    rows = []
    for group, rate in p.items():
        for q in range(questions):
            for s in range(seeds):
                ok = rng.random() < np.clip(rate + shift[q], 0, 1)
                cost = 0.01 * (1 + q % 3) * (2 if group == "b" else 1)
                rows.append(
                    {
                        "architecture": group,
                        "request_id": f"Q-{q:03d}",
                        "seed": s,
                        "success": ok,
                        "cost_usd": cost,
                    }
                )
    return pd.DataFrame(rows)


def test_a_known_difference_is_found_and_inside_its_interval() -> None:
    e = _episodes({"a": 0.9, "b": 0.5}, questions=60)
    c = vd.compare(e, "success", "architecture", "b", "a")
    assert c.order == "<", str(c)
    assert c.lo <= -0.4 <= c.hi, str(c)
    assert str(c).startswith("b < a (success, b - a: ")


def test_two_identical_groups_give_no_separation() -> None:
    e = _episodes({"a": 0.7}, questions=30)
    twin = pd.concat([e, e.assign(architecture="b")])
    c = vd.compare(twin, "success", "architecture", "a", "b")
    assert (c.estimate, c.lo, c.hi, c.order) == (0.0, 0.0, 0.0, None)
    assert "no separation at this sample" in str(c)


def test_groups_drawn_alike_rarely_separate() -> None:
    separated = [
        vd.compare(
            _episodes({"a": 0.6, "b": 0.6}, questions=30, spread=0.3, seed=k),
            "success",
            "architecture",
            "a",
            "b",
            resamples=500,
        ).order
        is not None
        for k in range(40)
    ]
    assert sum(separated) <= 6, f"{sum(separated)} of 40 null comparisons separated"


def test_the_interval_narrows_with_more_questions() -> None:
    width = {}
    for n in (20, 320):
        t = iv.bootstrap_ci(_episodes({"a": 0.6}, questions=n, seeds=1), "success")
        width[n] = float(t.hi.iloc[0] - t.lo.iloc[0])
    assert width[320] < 0.5 * width[20], width


def test_questions_are_the_unit_not_episodes() -> None:
    # each question decides its outcome: its seeds agree, so they add no information
    e = _episodes({"a": 0.5}, questions=20, seeds=1)
    e = pd.concat([e.assign(seed=s) for s in range(8)], ignore_index=True)
    by_question = iv.bootstrap_ci(e, "success")
    by_episode = iv.bootstrap_ci(e.assign(row=range(len(e))), "success", cluster=("row",))
    w_q = float(by_question.hi.iloc[0] - by_question.lo.iloc[0])
    w_e = float(by_episode.hi.iloc[0] - by_episode.lo.iloc[0])
    assert w_q > 2 * w_e, (w_q, w_e)


def test_seeded_resampling_is_reproducible() -> None:
    e = _episodes({"a": 0.7, "b": 0.5}, spread=0.2)
    first = iv.bootstrap_ci(e, "success", seed=3)
    pd.testing.assert_frame_equal(first, iv.bootstrap_ci(e, "success", seed=3))
    assert not first[["lo", "hi"]].equals(iv.bootstrap_ci(e, "success", seed=4)[["lo", "hi"]])


def test_the_table_has_a_row_per_group_with_its_counts() -> None:
    t = iv.bootstrap_ci(_episodes({"a": 0.8, "b": 0.4}, questions=10, seeds=3), "success")
    assert list(t.index) == ["a", "b"] and t.index.name == "architecture"
    assert list(t.columns) == ["estimate", "lo", "hi", "n", "questions", "undefined"]
    assert t.n.tolist() == [30, 30] and t.questions.tolist() == [10, 10]
    assert (t.lo <= t.estimate).all() and (t.estimate <= t.hi).all()


def test_cost_per_success_is_a_ratio_of_sums() -> None:
    e = _episodes({"a": 0.8, "b": 0.4})
    t = iv.bootstrap_ci(e, iv.COST_PER_SUCCESS)
    g = e.groupby("architecture")
    assert np.allclose(t.estimate, g.cost_usd.sum() / g.success.sum())
    c = vd.compare(e, iv.COST_PER_SUCCESS, "architecture", "b", "a", how="ratio")
    assert c.order == ">" and c.lo > 1, str(c)  # b pays twice as much for fewer successes
    assert " / " in str(c)


def test_error_amplification_is_the_reliability_definition_with_an_interval() -> None:
    e = _episodes({"single": 0.8, "independent": 0.4}, questions=60)
    t = iv.error_amplification(e)
    expected = reliability.error_amplification(e)
    assert np.allclose(t.estimate, expected.reindex(t.index))
    resampled = iv.bootstrap_ci(e, iv.FAILURE, relative_to="single")
    assert np.allclose(t.estimate, resampled.estimate)  # the same definition, resampled
    lo, hi = t["lo"].to_dict(), t["hi"].to_dict()
    assert (lo["single"], hi["single"]) == (1.0, 1.0)
    assert lo["independent"] > 1, t


def test_a_ratio_over_a_group_that_never_failed_is_undefined_not_zero() -> None:
    e = _episodes({"single": 1.0, "independent": 0.5}, questions=20)
    t = iv.error_amplification(e)
    assert np.isnan(t["estimate"].to_dict()["independent"])
    assert t["hi"].to_dict()["independent"] == np.inf


def test_a_function_of_the_rows_gives_what_the_column_gives() -> None:
    e = _episodes({"a": 0.7, "b": 0.5}, questions=12)
    fast = iv.bootstrap_ci(e, "success", resamples=200)

    def success(t: pd.DataFrame) -> float:
        return float(t.success.mean())

    slow = iv.bootstrap_ci(e, success, resamples=200)
    pd.testing.assert_frame_equal(fast, slow)
    assert "success, a - b" in str(vd.compare(e, success, "architecture", "a", "b", resamples=200))


def test_groups_of_several_columns() -> None:
    e = pd.concat(
        [
            _episodes({"a": 0.9, "b": 0.3}, seed=1).assign(tools=4),
            _episodes({"a": 0.3, "b": 0.9}, seed=2).assign(tools=80),
        ]
    )
    t = iv.bootstrap_ci(e, "success", ["tools", "architecture"])
    assert t.index.names == ["tools", "architecture"] and len(t) == 4
    assert vd.compare(e, "success", ["tools", "architecture"], (80, "b"), (4, "b")).order == ">"


def test_only_questions_run_both_ways_are_compared() -> None:
    e = _episodes({"a": 0.7, "b": 0.5}, questions=12)
    extra = e[e.architecture == "a"].assign(request_id=lambda t: t.request_id + "-x")
    c = vd.compare(pd.concat([e, extra]), "success", "architecture", "a", "b")
    assert c.questions == 12


def test_halves_are_disjoint_cover_the_questions_and_follow_the_seed() -> None:
    ids = [f"Q-{i:03d}" for i in range(1, 65)]
    first, second = vd.halves(ids + ids, seed=1)  # repeated ids count once
    assert len(first) == len(second) == 32 and not set(first) & set(second)
    assert sorted(map(str, first + second)) == ids
    assert vd.halves(ids, seed=1) == (first, second) != vd.halves(ids, seed=2)


def test_on_halves_compares_on_each_half() -> None:
    e = _episodes({"a": 0.95, "b": 0.3}, questions=40)
    one, two = vd.on_halves(e, "success", "architecture", "b", "a")
    assert one.questions == two.questions == 20
    assert one.order == two.order == "<", (str(one), str(two))


@pytest.mark.parametrize(
    ("call", "field", "allowed"),
    [
        (lambda e: iv.bootstrap_ci(e, "success", by="design"), "by", "a column of the table"),
        (lambda e: iv.bootstrap_ci(e, "sucess"), "metric", "success"),
        (lambda e: iv.bootstrap_ci(e, 3), "metric", "a column name, a Ratio"),  # type: ignore[arg-type]
        (lambda e: iv.bootstrap_ci(e, cluster=("question",)), "cluster", "request_id"),
        (lambda e: iv.bootstrap_ci(e, level=95), "level", "between 0 and 1"),
        (lambda e: iv.bootstrap_ci(e, relative_to="solo"), "relative_to", "a, b"),
        (lambda e: vd.compare(e, "success", "architecture", "a", "hybrid"), "b", "a, b"),
        (lambda e: vd.compare(e, "success", "architecture", "x", "b"), "a", "a, b"),
        (lambda e: vd.compare(e, "success", "architecture", "a", "a"), "b", "other than"),
        (lambda e: vd.compare(e, "success", "architecture", "a", "b", how="x"), "how", "ratio"),  # type: ignore[arg-type]
        (lambda e: iv.bootstrap_ci(e.head(6)), "frame", "at least 4 distinct request_id"),
        (lambda e: iv.bootstrap_ci(e.iloc[:0]), "frame", "non-empty"),
        (lambda e: vd.halves(["Q-1", "Q-2", "Q-3"]), "questions", "at least 8"),
    ],
)
def test_bad_input_names_the_argument_and_the_allowed_values(
    call: object, field: str, allowed: str
) -> None:
    e = _episodes({"a": 0.7, "b": 0.5}, questions=10)
    with pytest.raises(ConfigError) as info:
        call(e)  # type: ignore[operator]
    assert info.value.field == field
    assert allowed in info.value.allowed, info.value.allowed


def test_a_group_run_on_other_questions_is_not_paired() -> None:
    e = _episodes({"a": 0.7, "b": 0.5}, questions=10)
    e.loc[e.architecture == "b", "request_id"] += "-other"
    with pytest.raises(ConfigError, match="run both ways"):
        vd.compare(e, "success", "architecture", "a", "b")


# ---- the break-even price of a failure (``agentlab.measure.break_even``, notebook 04) ----


def _policies(questions: int = 40, seed: int = 0) -> pd.DataFrame:
    """Policy "off" succeeds half the time at no cost; "ask" 80% for 30 cents more ($1);
    "check" 80% for $1.20 more ($4); "worse" 20% for 10 cents more (never pays)."""
    rng = np.random.default_rng(seed)
    kinds = {"off": (0.5, 0.0), "ask": (0.8, 0.3), "check": (0.8, 1.2), "worse": (0.2, 0.1)}
    rows = [
        {"policy": p, "request_id": f"T-{q:03d}", "seed": 0, "usd": usd, "success": ok}
        for q in range(questions)
        for p, (rate, usd) in kinds.items()
        for ok in [rng.random() < rate]
    ]
    return pd.DataFrame(rows)


def test_break_even_is_extra_cost_over_success_gained_with_a_paired_interval() -> None:
    e = _policies(questions=200)
    t = be.break_even(e, "policy", "off", cost="usd")
    assert set(t.index) == {"ask", "check", "worse"}
    mean = e.groupby("policy")[["usd", "success"]].mean()
    gain = mean.success - mean.success["off"]
    assert t.loc["ask", "estimate"] == pytest.approx(0.3 / gain["ask"])
    assert t.loc["ask", "lo"] <= 1.0 <= t.loc["ask", "hi"], t.loc["ask"]
    assert t.loc["check", "lo"] <= 4.0 <= t.loc["check", "hi"], t.loc["check"]
    assert t.loc["worse", "estimate"] == t.loc["worse", "hi"] == np.inf  # no price makes it pay
    assert t.loc["worse", "never_pays"] > 0.9
    assert (t.questions == 200).all()


def test_a_policy_pays_sooner_only_when_the_paired_interval_says_so() -> None:
    e = _policies(questions=120)
    c = be.compare_break_even(e, "policy", "ask", "check", "off", cost="usd")
    assert c.order == "<", str(c)
    assert c.lo <= -3.0 <= c.hi, str(c)
    twin = pd.concat([e, e[e.policy == "ask"].assign(policy="ask again")])
    same = be.compare_break_even(twin, "policy", "ask", "ask again", "off", cost="usd")
    assert (same.estimate, same.order) == (0.0, None)


def test_break_even_of_several_columns_and_of_an_unpriced_cost() -> None:
    e = _policies(questions=20).assign(clarify=lambda t: t.policy, verify="never")
    t = be.break_even(e, ["clarify", "verify"], ("off", "never"), cost="usd")
    assert ("ask", "never") in t.index
    e.loc[e.index[0], "usd"] = np.nan  # unpriced: no break-even, never a free one
    t = be.break_even(e, "policy", "off", cost="usd")
    assert t.estimate.isna().all() and t.lo.isna().all()


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda e: be.break_even(e, "policy", "nobody", cost="usd"), "base"),
        (lambda e: be.break_even(e, "policy", "off", cost="dollars"), "metric"),
        (lambda e: be.compare_break_even(e, "policy", "ask", "nobody", "off", cost="usd"), "b"),
        (lambda e: be.compare_break_even(e, "policy", "ask", "ask", "off", cost="usd"), "b"),
    ],
)
def test_break_even_refuses_bad_input_naming_the_argument(call: object, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        call(_policies(questions=10))  # type: ignore[operator]
    assert info.value.field == field


def test_questions_for_plans_a_sample_that_separates_a_true_effect_about_as_often_as_asked() -> (
    None
):
    pilot = vd.compare(
        _episodes({"a": 0.5, "b": 0.7}, questions=30, seeds=1), "success", "architecture", "b", "a"
    )
    n = pilot.questions_for(0.2, power=0.8)
    assert 40 < n < 200, (n, str(pilot))
    separated = [
        vd.compare(
            _episodes({"a": 0.5, "b": 0.7}, questions=n, seeds=1, seed=k),
            "success",
            "architecture",
            "b",
            "a",
            resamples=400,
        ).order
        == ">"
        for k in range(1, 31)
    ]
    assert 0.6 <= sum(separated) / len(separated) <= 0.97, (n, sum(separated))


def test_questions_for_is_the_sample_whose_interval_just_reaches_the_effect() -> None:
    z = 1.959963984540054 + 0.8416212335729143  # a 95% interval, a power of 0.8
    c = vd.Comparison("a", "b", "success", "difference", 0.1, -0.1, 0.3, 50)
    assert c.questions_for(z * 0.2 / 1.959963984540054) == 50  # the spread at 50 questions
    assert c.questions_for(z * 0.1 / 1.959963984540054) == 200  # half the effect: 4x
    r = vd.Comparison("a", "b", "failure rate", "ratio", 1.0, 0.8, 1.25, 100)
    assert r.questions_for(1.17) == r.questions_for(1 / 1.17)  # symmetric on the log scale


@pytest.mark.parametrize(
    ("comparison", "effect", "power", "field"),
    [
        (vd.Comparison("a", "b", "m", "ratio", 1.0, 0.8, 1.2, 30), 1.0, 0.8, "effect"),
        (vd.Comparison("a", "b", "m", "ratio", 1.0, 0.8, 1.2, 30), -2.0, 0.8, "effect"),
        (vd.Comparison("a", "b", "m", "difference", 0.0, -1, 1, 30), 0.0, 0.8, "effect"),
        (vd.Comparison("a", "b", "m", "ratio", 1.0, 0.8, 1.2, 30), 1.2, 1.0, "power"),
        (vd.Comparison("a", "b", "m", "ratio", 1.0, 0.0, 1.2, 30), 1.2, 0.8, "comparison"),
    ],
)
def test_questions_for_refuses_what_it_cannot_plan_naming_the_argument(
    comparison: vd.Comparison, effect: float, power: float, field: str
) -> None:
    with pytest.raises(ConfigError) as err:
        comparison.questions_for(effect, power=power)
    assert err.value.field == field
