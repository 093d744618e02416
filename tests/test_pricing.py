"""Prices: exact names and listed aliases, never a prefix; genai-prices as a labelled,
offline fallback; unpriced models cost NaN and refuse a dollar budget."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from uuid import uuid4

import genai_prices
import pytest
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult

import agentlab as al
from agentlab.config import ConfigError
from agentlab.measure.metrics import StepRecord, UnpricedBudget
from agentlab.measure.pricing import UNPRICED, call_cost, model_name, pricing, refuse_unpriced
from agentlab.sim.profiles import prices

FALLBACK = f"genai-prices {genai_prices.__version__}"


def test_exact_names_and_listed_aliases_use_the_lab_table() -> None:
    dated = pricing("gpt-4o-2024-08-06")
    assert dated is not None and dated.source == "agentlab table 2024-08-06"
    undated = pricing("gpt-4o")  # listed as an alias of the dated row
    assert undated is not None and undated.price == dated.price
    snapshot = pricing("gpt-4o-mini-2024-07-18")  # the dated name OpenAI reports
    assert snapshot is not None and snapshot.price == prices()["gpt-4o-mini"]
    assert snapshot.source == "agentlab table 2024-07-18"
    for spec in ("openai:gpt-4.1-2025-04-14", "openai-compatible:gpt-4.1", "sim:gpt-4.1"):
        found = pricing(spec)
        assert found is not None and found.price == prices()["gpt-4.1"], spec


def test_a_prefix_is_never_a_match() -> None:
    gpt4o = prices()["gpt-4o-2024-08-06"]
    for name in ("gpt-4", "gpt-4o-mini-x", "gpt-4.1-mini-2099-01-01", "gpt"):
        assert pricing(name, fallback=False, warn=False) is None, name
    older = pricing("gpt-4")  # a different, dearer model: genai-prices knows it
    assert older is not None and older.source == FALLBACK and older.price is None
    assert older.cost(1_000_000, 1_000_000) != gpt4o.cost(1_000_000, 1_000_000)
    assert model_name("llama3.1:8b") == "llama3.1:8b"  # a colon in a name is no prefix


def test_genai_prices_is_a_labelled_offline_fallback() -> None:
    # pytest-socket blocks the network: the bundled data answers, and no updater started
    cost, source = call_cost("gpt-4o-2024-05-13", 1_000_000, 1_000_000)  # not in our table
    assert source == FALLBACK and cost > 0 and not math.isnan(cost)
    assert genai_prices.wait_prices_updated_sync(timeout=0) is False  # no update task running


def test_an_unpriced_model_is_nan_with_a_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cost, source = call_cost("llama3.1:8b", 100, 10)
    assert math.isnan(cost) and source == UNPRICED
    assert "no price for model 'llama3.1:8b'" in str(caught[0].message)


def test_the_table_refuses_a_name_listed_twice(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(
        "model,input,cached_input,output,as_of,aliases,source\n"
        "a,1,,2,2025-01-01,b,x\n"
        "b,1,,2,2025-01-01,,x\n"
    )
    with pytest.raises(ValueError, match="'b' is listed twice"):
        prices(path)


def test_the_callback_labels_each_call_with_its_price_source() -> None:
    def record(reported: str) -> StepRecord:
        cb = al.measure.metrics.MetricsCallback()
        run = uuid4()
        cb.on_chat_model_start({}, [[AIMessage("hi")]], run_id=run)
        msg = AIMessage(
            "ok",
            usage_metadata={"input_tokens": 1000, "output_tokens": 10, "total_tokens": 1010},
            response_metadata={"model_name": reported},
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cb.on_llm_end(LLMResult(generations=[[ChatGeneration(message=msg)]]), run_id=run)
        return cb.records[0]

    assert record("gpt-4o-2024-08-06").price_source == "agentlab table 2024-08-06"
    fallback = record("gpt-4")
    assert fallback.price_source == FALLBACK and fallback.cost_usd > 0
    unpriced = record("my-local-model")
    assert unpriced.price_source == UNPRICED and math.isnan(unpriced.cost_usd)


def test_a_dollar_budget_refuses_an_unpriced_model() -> None:
    with pytest.raises(
        ConfigError, match=r"budget_usd.*'openai-compatible:llama3\.1'.*budget_tokens"
    ):
        al.EpisodeConfig(model="openai-compatible:llama3.1", budget_usd=1.0)
    al.EpisodeConfig(model="openai-compatible:llama3.1", budget_tokens=10_000)  # the way out
    al.EpisodeConfig(model="openai:gpt-4.1", budget_usd=1.0)  # priced: fine
    refuse_unpriced("budget_usd", 1.0, ["sim:gpt-4o", None, 3])  # no model string: skipped
    with pytest.raises(ConfigError, match="budget_usd"):
        refuse_unpriced("budget_usd", 1.0, ["sim:gpt-4o", "mystery"])


def test_a_dollar_budget_stops_an_episode_whose_reply_is_unpriced() -> None:
    # the configured model was priced, but the endpoint reports a name no source prices
    cb = al.measure.metrics.MetricsCallback(budget_usd=1.0)
    run = uuid4()
    cb.on_chat_model_start({}, [[AIMessage("hi")]], run_id=run)
    msg = AIMessage(
        "ok",
        usage_metadata={"input_tokens": 10, "output_tokens": 1, "total_tokens": 11},
        response_metadata={"model_name": "my-local-model"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(UnpricedBudget, match=r"budget_usd.*'my-local-model'.*budget_tokens"):
            cb.on_llm_end(LLMResult(generations=[[ChatGeneration(message=msg)]]), run_id=run)
