"""Totals keep an unpriced cost unpriced: NaN in every sum and mean, "unpriced" when shown."""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest

import agentlab as al
from agentlab.measure.costs import (
    UNKNOWN,
    cost_labels,
    show_costs,
    unpriced_models,
    usd_mean,
    usd_means,
    usd_per_success,
    usd_text,
    usd_total,
    usd_totals,
)
from agentlab.measure.pricing import UNPRICED
from agentlab.serve.server import serve_in_thread

NAN = math.nan
TABLE = "agentlab table 2024-07-18"


def _episodes() -> pd.DataFrame:
    return pd.DataFrame({
        "tools": [4, 4, 16, 16],
        "model": ["sim:gpt-4o-mini", "openai-compatible:llama3.1", *["sim:gpt-4o-mini"] * 2],
        "success": [True, True, True, False],
        "cost_usd": [0.25, NAN, 0.5, 0.25],
        "price_source": [TABLE, "unpriced", TABLE, TABLE],
    })  # fmt: skip


def test_a_total_over_an_unpriced_row_is_nan_never_a_partial_sum() -> None:
    e = _episodes()
    assert e["cost_usd"].sum() == 1.0  # what pandas does: the unpriced episode counts $0
    assert math.isnan(usd_total(e["cost_usd"])) and math.isnan(usd_mean(e["cost_usd"]))
    assert usd_total([]) == 0.0 and usd_total([0.25, 0.5]) == 0.75
    g = e.groupby("tools")
    assert usd_totals(g["cost_usd"]).tolist() == pytest.approx([NAN, 0.75], nan_ok=True)
    assert usd_means(g["cost_usd"]).tolist() == pytest.approx([NAN, 0.375], nan_ok=True)
    per = usd_per_success(g["cost_usd"], g["success"])
    assert per.tolist() == pytest.approx([NAN, 0.75], nan_ok=True)
    assert unpriced_models(e) == ["openai-compatible:llama3.1"]
    unknown = e.assign(price_source=TABLE)  # a NaN cost of a priced model: usage not reported
    assert unpriced_models(unknown) == [] and unpriced_models(e.drop(columns="price_source"))


def test_results_cost_per_success_keeps_unpriced_groups_unpriced() -> None:
    table = al.Results(_episodes(), pd.DataFrame()).cost_per_success("tools")
    row = table.set_index("tools")
    assert math.isnan(row.loc[4, "cost_usd"]) and math.isnan(row.loc[4, "cost_per_success_usd"])
    assert row.loc[16, "cost_per_success_usd"] == pytest.approx(0.75)
    shown = show_costs(table).set_index("tools")
    assert shown.loc[4, "cost_usd"] == UNPRICED and shown.loc[4, "cost_per_success_usd"] == UNPRICED
    assert shown.loc[16, "cost_usd"] == pytest.approx(0.75)


def test_show_costs_tells_unpriced_from_no_success() -> None:
    t = pd.DataFrame({"cost_usd": [NAN, 0.5], "cost_per_success_usd": [NAN, NAN],
                      "tainted_cost_usd": [NAN, 0.1], "latency_s": [NAN, 1.0]})  # fmt: skip
    shown = show_costs(t)
    assert shown["cost_usd"].tolist()[0] == UNPRICED
    assert shown["cost_per_success_usd"].tolist()[0] == UNPRICED
    assert math.isnan(shown["cost_per_success_usd"].tolist()[1])  # priced, nothing succeeded
    assert shown["tainted_cost_usd"].tolist()[0] == UNPRICED
    assert math.isnan(shown["latency_s"].tolist()[0])  # not money: left alone
    assert usd_text(NAN) == UNPRICED and usd_text(None) == UNPRICED
    rows = pd.DataFrame({"cost_usd": [NAN, NAN], "price_source": ["unpriced", TABLE]})
    assert show_costs(rows)["cost_usd"].tolist() == [UNPRICED, "unknown"]  # no usage reported
    assert usd_text(0.0123) == "$0.0123" and usd_text(0.0, 2) == "$0.00"


def test_unknown_costs_stay_unknown_when_price_source_is_not_printed() -> None:
    e = _episodes().assign(cost_usd=[NAN, NAN, NAN, 0.25])  # tools 16: one reply without usage
    shown = show_costs(e)[["tools", "cost_usd"]]  # labelled on the whole table, then selected
    assert shown["cost_usd"].tolist()[:3] == [UNKNOWN, UNPRICED, UNKNOWN]
    summary = al.Results(e, pd.DataFrame()).cost_per_success("tools")  # no price_source
    assert cost_labels(e, ["tools"]).tolist() == [UNPRICED, UNKNOWN]  # any unpriced row: unpriced
    groups = show_costs(summary, cost_labels(e, ["tools"])).set_index("tools")
    assert groups["cost_usd"].tolist() == [UNPRICED, UNKNOWN]


def test_an_episode_on_an_unpriced_endpoint_model_is_unpriced_in_every_table() -> None:
    # agentlab serve answers as "llama3.1": a name neither the lab's table nor genai-prices has
    config = al.EpisodeConfig(model="openai-compatible:llama3.1", seed=0, max_steps=4)
    # a dollar budget on a priced name, but the endpoint answers as an unpriced one
    budgeted = al.EpisodeConfig(model="openai-compatible:gpt-4o-mini", seed=0, budget_usd=1.0)
    with serve_in_thread(aliases={"llama3.1": "gpt-4o-mini"}) as url:
        model = al.make_model(config.model, base_url=url, seed=0, max_retries=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the "no price" warning
            ep = al.run_episode(config, model=model)
            stopped = al.run_episode(budgeted, model=model)
    assert stopped.outcome.startswith("error: UnpricedBudget: budget_usd cannot apply")
    assert "'llama3.1'" in stopped.outcome and not stopped.success
    row, steps = ep.row(), pd.DataFrame(ep.step_rows())
    assert row["llm_calls"] > 0 and row["tokens_in"] > 0  # it ran and spent tokens
    assert math.isnan(row["cost_usd"]) and row["price_source"] == UNPRICED
    llm = steps[steps["kind"] == "llm"]
    assert llm["cost_usd"].isna().all() and set(llm["price_source"]) == {UNPRICED}
    assert unpriced_models(steps) == ["llama3.1"]
    results = al.Results(pd.DataFrame([row]), steps.assign(episode=0))
    assert math.isnan(results.cost_per_success("tools")["cost_usd"].iloc[0])
