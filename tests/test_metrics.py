import math
import warnings

import pytest
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult

import agentlab as al
from agentlab.measure.metrics import price_for


def test_callback_records_llm_calls_with_components() -> None:
    cb = al.measure.metrics.MetricsCallback()
    model = al.make_model("sim:gpt-4o").bind_tools(al.world.travel.travel_tools(8))
    model.invoke("Hello there", config={"callbacks": [cb], "metadata": {"agent": "solo"}})
    (rec,) = cb.records
    assert rec.kind == "llm" and rec.agent == "solo" and rec.options == 8
    assert rec.tokens_in["tools"] > rec.tokens_in["history"] > 0
    assert rec.cost_usd == pytest.approx(
        price_for("sim:gpt-4o").cost(rec.input_tokens, rec.tokens_out)
    )  # type: ignore[union-attr]


def test_real_model_tokens_are_split_in_proportion() -> None:
    cb = al.measure.metrics.MetricsCallback()
    from uuid import uuid4

    from langchain_core.messages import SystemMessage

    run = uuid4()
    cb.on_chat_model_start(
        {}, [[SystemMessage("be brief"), AIMessage("hi")]], run_id=run, invocation_params={}
    )
    msg = AIMessage(
        "ok",
        usage_metadata={"input_tokens": 100, "output_tokens": 5, "total_tokens": 105},
        response_metadata={"model_name": "gpt-4o-mini-2024-07-18"},
    )
    cb.on_llm_end(LLMResult(generations=[[ChatGeneration(message=msg)]]), run_id=run)
    (rec,) = cb.records
    assert rec.input_tokens == 100 and rec.tokens_out == 5
    assert rec.cost_usd == pytest.approx((100 * 0.15 + 5 * 0.6) / 1e6)


def test_unknown_price_warns_once_and_is_nan_not_zero() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert price_for("mystery-model") is None
        assert price_for("mystery-model") is None  # said already, in this process
    assert len(caught) == 1 and "no price for model 'mystery-model'" in str(caught[0].message)
    cb = al.measure.metrics.MetricsCallback()
    from uuid import uuid4

    run = uuid4()
    cb.on_chat_model_start({}, [[AIMessage("hi")]], run_id=run)
    msg = AIMessage(
        "ok",
        usage_metadata={"input_tokens": 10, "output_tokens": 1, "total_tokens": 11},
        response_metadata={"model_name": "another-mystery-model"},
    )
    with pytest.warns(UserWarning, match="no price for model 'another-mystery-model'"):
        cb.on_llm_end(LLMResult(generations=[[ChatGeneration(message=msg)]]), run_id=run)
    assert math.isnan(cb.records[0].cost_usd)


def test_tool_records_use_modeled_latency() -> None:
    ep = al.run_episode(al.EpisodeConfig(seed=2))
    tools = [r for r in ep.records if r.kind == "tool"]
    assert tools and all(
        r.latency_s in (0.8, 1.2) or r.name not in ("book_offer", "search_hotels") for r in tools
    )
    assert {r.node for r in tools} == {"tools"}
