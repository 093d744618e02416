"""Tests for agentlab.measure.reliability: pass^k and chain survival on hand-made tables."""

from __future__ import annotations

from math import comb

import pandas as pd
import pytest

from agentlab.measure.reliability import chain_survival, pass_hat_k


def test_pass_hat_k_doctest_numbers() -> None:
    df = pd.DataFrame({"request_id": ["a"] * 4 + ["b"] * 4, "success": [1, 1, 1, 1, 0, 0, 1, 0]})
    out = pass_hat_k(df, ks=(1, 2, 4))
    assert out["k"].tolist() == [1, 2, 4]
    # a: 4 of 4 -> 1 for every k; b: 1 of 4 -> 1/4, then C(1, k) = 0
    assert out["pass_k"].tolist() == pytest.approx([0.625, 0.5, 0.5])
    assert out["constant_p"].tolist() == pytest.approx([0.625, 0.625**2, 0.625**4])


def test_pass_hat_k_is_unbiased_per_task_then_averaged() -> None:
    df = pd.DataFrame({"task": ["x"] * 4 + ["y"] * 3, "success": [1, 1, 0, 0, 1, 1, 1]})
    out = pass_hat_k(df, ks=(2, 3), task="task").set_index("k")["pass_k"]
    assert out[2] == pytest.approx((comb(2, 2) / comb(4, 2) + 1) / 2)  # (1/6 + 1) / 2
    assert out[3] == pytest.approx((0 + 1) / 2)


def test_pass_hat_k_falls_slower_than_constant_p_when_tasks_differ() -> None:
    df = pd.DataFrame({"request_id": [t for t in "abcd" for _ in range(8)],
                       "success": [1] * 8 + [1] * 8 + [0] * 8 + [1, 0] * 4})  # fmt: skip
    out = pass_hat_k(df, ks=(1, 8))
    assert out["pass_k"].iloc[0] == pytest.approx(out["constant_p"].iloc[0])  # same at k=1
    assert out["pass_k"].iloc[1] == pytest.approx(0.5)  # a and b always; c and d never all 8
    assert out["constant_p"].iloc[1] == pytest.approx(0.625**8)  # 0.02: far below


def test_pass_hat_k_rejects_k_above_the_trials() -> None:
    df = pd.DataFrame({"request_id": ["a", "a", "b", "b"], "success": [1, 0, 1, 1]})
    with pytest.raises(ValueError, match="k=3 exceeds the trials per task"):
        pass_hat_k(df, ks=(1, 3))


def _steps(chains: dict[int, list[bool]]) -> pd.DataFrame:
    rows = []
    for ep, chain in chains.items():
        for ok in chain:
            rows.append({"episode": ep, "kind": "llm", "node": "act", "correct": ok})
            rows.append({"episode": ep, "kind": "tool", "node": "tools", "correct": None})
        rows.append({"episode": ep, "kind": "llm", "node": "summarize", "correct": False})
    return pd.DataFrame(rows)


def test_chain_survival_on_a_hand_made_table() -> None:
    out = chain_survival(_steps({0: [True, True, False], 1: [True, True, True, True]}))
    assert out["k"].tolist() == [1, 2, 3, 4]  # stops where no episode is long enough
    assert out["episodes"].tolist() == [2, 2, 2, 1]
    assert out["intact"].tolist() == pytest.approx([1.0, 1.0, 0.5, 1.0])
    p = 6 / 7  # right decisions over all decisions; tools and summaries do not count
    assert out["independent"].tolist() == pytest.approx([p, p**2, p**3, p**4])


def test_chain_survival_respects_max_k() -> None:
    out = chain_survival(_steps({0: [True] * 6}), max_k=3)
    assert out["k"].tolist() == [1, 2, 3] and out["intact"].eq(1.0).all()
