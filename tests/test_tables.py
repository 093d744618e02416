"""Tables shown in the notebooks read in words: ``plot_base.readable`` labels columns with
their units, rounds numbers in their unit, and never changes the table it is given."""

from __future__ import annotations

import math

import pandas as pd

from agentlab.ui.plot_base import column_label, readable


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {"architecture": ["single", "centralized"], "success": [0.46875, 0.5],
         "success_lo": [0.30112, 0.33], "turns_x": [1.0, 2.2679], "coordination_pct": [0.0, 48.68],
         "latency_s": [15.7581, 18.41], "cost_per_success_usd": [0.0033081, math.nan],
         "tokens_in": [14931.583, 2004.8], "n": [48, 48], "odd_new_column": [1.23456, 2.0]}
    ).set_index("architecture")  # fmt: skip


def test_columns_in_words_with_units() -> None:
    shown = readable(_table())
    assert list(shown.columns) == [
        "success (share)", "success, 95% low (share)", "turns (x single agent)",
        "coordination (%)", "latency (s)", "cost per success (US$)", "input tokens", "n",
        "odd new column",
    ]  # fmt: skip
    assert shown.index.name == "architecture"


def test_numbers_rounded_in_their_unit() -> None:
    shown = readable(_table())
    assert shown["input tokens"].tolist() == [14932, 2005]
    assert shown["latency (s)"].tolist() == [15.8, 18.4]
    assert shown["coordination (%)"].tolist() == [0.0, 48.7]
    assert shown["success (share)"].tolist() == [0.469, 0.5]
    assert shown["cost per success (US$)"].iloc[0] == 0.00331  # 3 significant digits
    steps = pd.DataFrame({"cost_usd": [0.000162, 0.0123456], "latency_s": [1.0, 2.0]})
    assert readable(steps)["cost (US$)"].tolist() == [0.000162, 0.012346]
    assert math.isnan(shown["cost per success (US$)"].iloc[1])  # unpriced stays unknown
    assert readable(_table(), digits=1)["odd new column"].tolist() == [1.2, 2.0]


def test_input_is_not_changed() -> None:
    table = _table()
    before = table.copy()
    readable(table)
    pd.testing.assert_frame_equal(table, before)


def test_multiindex_and_index_names() -> None:
    wide = pd.DataFrame(
        [[0.4712, 0.466, 2.514]],
        index=pd.MultiIndex.from_tuples([(16, 2)], names=["tools_in_scope", "team_size"]),
        columns=pd.MultiIndex.from_tuples([("success", "lab"), ("success", "paper"),
                                           ("turns_x", "lab")], names=["measure", None]),
    )  # fmt: skip
    shown = readable(wide, digits=2)
    assert list(shown.index.names) == ["tools in scope", "members"]
    columns: list[object] = list(shown.columns)
    assert columns == [
        ("success (share)", "lab"),
        ("success (share)", "paper"),
        ("turns (x single agent)", "lab"),
    ]
    assert shown.iloc[0].tolist() == [0.47, 0.47, 2.51]


def test_labels_of_intervals_and_unknown_names() -> None:
    assert column_label("lo_pct") == "95% low (%)"
    assert column_label("hi") == "95% high"
    assert column_label("tokens_in_handoff") == "input tokens, handoff"
    assert column_label("already words") == "already words"
    assert column_label(3) == 3
    assert column_label("error_amplification") == "error amplification"
    assert column_label("llm_calls") == "LLM calls"
    assert column_label("successes_per_1k_tokens") == "successes per 1k tokens"


def test_a_rate_per_token_is_not_rounded_to_whole_tokens() -> None:
    rate = pd.DataFrame({"successes_per_1k_tokens": [0.0213], "coordination_tokens": [320.6]})
    assert readable(rate).iloc[0].tolist() == [0.021, 321]


def test_a_repeated_column_name_and_an_empty_table() -> None:
    twice = pd.DataFrame([[1.23456, 2.34567]], columns=["latency_s", "latency_s"])
    assert readable(twice).iloc[0].tolist() == [1.2, 2.3]
    assert list(readable(twice).columns) == ["latency (s)", "latency (s)"]
    empty = pd.DataFrame({"cost_usd": pd.Series([], dtype=float)})
    assert list(readable(empty).columns) == ["cost (US$)"]
