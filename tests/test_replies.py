"""Replies classified: a reply without usage is unknown (NaN), not 0; a truncated reply, an
unterminated or broken stream and an unreadable body are failed decisions with their own
outcome, never an answer. Run end to end through the suite's own faulty endpoint."""

from __future__ import annotations

import math
from typing import Any
from uuid import uuid4

import pandas as pd
import pytest
from faulty_endpoint import FaultyEndpoint
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, LLMResult

import agentlab as al
from agentlab.measure.metrics import MetricsCallback
from agentlab.measure.replies import ReplyFailure, failure, usage_missing
from agentlab.run.remote import run_remote

SERVED = al.EpisodeConfig(model="openai-compatible:gpt-4o-mini", reflect=False, max_steps=4)
ERRORS = ("error: truncated", "error: unterminated_stream", "error: unreadable_reply")


def _one(fault: str | None = None, *, streaming: bool, **options: Any) -> tuple[al.Results, Any]:
    """One episode through an endpoint whose every request meets ``fault``."""
    endpoint_options = {k: options.pop(k) for k in ("attempts", "script") if k in options}
    with FaultyEndpoint({fault: 1.0} if fault else {}, **endpoint_options) as endpoint:
        res = run_remote([SERVED], base_url=endpoint.url, streaming=streaming, **options)
    return res, endpoint


def _record(message: AIMessage) -> al.measure.metrics.MetricsCallback:
    callback = al.measure.metrics.MetricsCallback()
    run = uuid4()
    callback.on_chat_model_start({}, [[]], run_id=run)
    callback.on_llm_end(LLMResult(generations=[[ChatGeneration(message=message)]]), run_id=run)
    return callback


def test_a_reply_is_classified_by_its_usage_and_its_finish() -> None:
    usage = {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}
    good = AIMessage("Paris.", usage_metadata=usage, response_metadata={"finish_reason": "stop"})
    assert not usage_missing(good) and failure(good) is None
    assert usage_missing(AIMessage("Paris."))
    cut = good.model_copy(update={"response_metadata": {"finish_reason": "length"}})
    assert failure(cut) == "truncated"
    with pytest.raises(ReplyFailure) as raised:
        raise ReplyFailure("unparseable_review", "no JSON")
    assert raised.value.outcome == "error: unparseable_review"


def test_the_metrics_record_unknown_usage_as_nan_and_a_cut_reply_as_spent() -> None:
    meta = {"model_name": "gpt-4o-mini", "finish_reason": "stop"}
    (unknown,) = _record(AIMessage("Paris.", response_metadata=meta)).records
    assert unknown.usage_missing and unknown.status == "ok"
    assert math.isnan(unknown.input_tokens) and math.isnan(unknown.tokens_out)
    assert math.isnan(unknown.cost_usd)  # unknown, never $0

    usage = {"input_tokens": 50, "output_tokens": 9, "total_tokens": 59}
    cut = AIMessage(
        "Paris is", usage_metadata=usage, response_metadata={**meta, "finish_reason": "length"}
    )
    callback = al.measure.metrics.MetricsCallback()
    run = uuid4()
    callback.on_chat_model_start({}, [[]], run_id=run)
    with pytest.raises(ReplyFailure, match="truncated"):
        callback.on_llm_end(LLMResult(generations=[[ChatGeneration(message=cut)]]), run_id=run)
    (record,) = callback.records  # recorded before the episode ends: what it spent counts
    assert record.status == "error" and record.input_tokens == 50 and record.tokens_out == 9
    assert record.cost_usd > 0 and not record.usage_missing


@pytest.mark.parametrize("streaming", [False, True])
def test_replies_without_usage_make_an_episode_of_unknown_cost(streaming: bool) -> None:
    res, endpoint = _one("no_usage", streaming=streaming)
    row = res.episodes.iloc[0]
    assert endpoint.counts["no_usage"] == row["llm_calls"] > 0
    assert row["outcome"] in ("answered", "step_limit")  # the answers themselves were fine
    assert row["usage_missing"] == row["llm_calls"]
    assert math.isnan(row["cost_usd"]) and math.isnan(row["tokens_in"])  # never $0
    assert math.isnan(row["tokens_out"])
    llm = res.steps.query("kind == 'llm'")
    assert llm["usage_missing"].all() and llm["tokens_in"].isna().all()


def test_a_token_budget_still_applies_when_usage_is_missing() -> None:
    config = SERVED.with_(budget_tokens=500, max_steps=30)
    with FaultyEndpoint({"no_usage": 1.0}) as endpoint:
        res = run_remote([config], base_url=endpoint.url)
    assert res.episodes["outcome"].iloc[0] == "budget"  # counted by the lab's estimate


@pytest.mark.parametrize(
    ("fault", "streaming", "outcome"),
    [
        ("length", False, "error: truncated"),
        ("length", True, "error: truncated"),
        ("unterminated", True, "error: unterminated_stream"),
        ("garbage", False, "error: unreadable_reply"),
        ("garbage", True, "error: unreadable_reply"),
    ],
)
def test_a_reply_that_is_no_decision_ends_the_episode_with_its_reason(
    fault: str, streaming: bool, outcome: str
) -> None:
    res, endpoint = _one(fault, streaming=streaming, max_retries=0)
    row = res.episodes.iloc[0]
    assert endpoint.counts[fault] == 1  # the first call met it, and nothing ran after it
    assert row["outcome"] == outcome and not row["success"]
    (step,) = res.steps.to_dict("records")
    assert step["kind"] == "llm" and step["status"] == "error"
    if fault != "garbage":  # a reply that arrived: what it spent is counted, not dropped
        assert step["tokens_in"] > 0 and step["cost_usd"] > 0


def test_a_stream_cut_midway_is_sent_again() -> None:
    res, endpoint = _one("cut", streaming=True, attempts=(0,), max_retries=1)
    row = res.episodes.iloc[0]
    assert endpoint.counts["cut"] >= 1  # each body was cut the first time it was sent
    assert row["outcome"] in ("answered", "step_limit")
    assert res.steps.query("kind == 'llm'")["status"].eq("ok").all()


def test_a_stream_cut_every_time_is_a_broken_stream() -> None:
    res, endpoint = _one("cut", streaming=True, max_retries=2)
    assert endpoint.counts["cut"] == 3  # the first sending and two retries
    assert res.episodes["outcome"].iloc[0] == "error: broken_stream"


def test_failed_replies_are_rows_that_add_up() -> None:
    script = ["no_usage", "length"]  # the plan has unknown usage; the first act is cut
    res, _ = _one(streaming=True, script=script)
    row = res.episodes.iloc[0]
    assert row["outcome"] == "error: truncated" and row["usage_missing"] == 1
    steps = res.steps
    assert row["llm_calls"] == len(steps) == 2
    assert math.isnan(row["cost_usd"])  # one step of unknown cost: the total is unknown
    assert steps["cost_usd"].iloc[1] > 0  # ... though the cut reply's own is known
    assert pd.isna(steps["tokens_in"].iloc[0]) and steps["tokens_in"].iloc[1] > 0


@pytest.mark.parametrize(
    ("error", "unknown"),
    [
        (ReplyFailure("broken_stream"), True),
        (ReplyFailure("call_deadline"), True),
        (TimeoutError("read timed out"), True),
        (ReplyFailure("unparseable_plan"), False),
        (PermissionError("401 unauthorized"), False),
    ],
)
def test_a_failed_call_that_may_have_been_billed_costs_unknown_not_zero(
    error: BaseException, unknown: bool
) -> None:
    callback = MetricsCallback()
    run = uuid4()
    callback.on_chat_model_start({}, [[HumanMessage("hi")]], run_id=run, metadata={})
    callback.on_llm_error(error, run_id=run)
    (record,) = callback.records
    assert record.status == "error" and record.usage_missing is unknown
    assert math.isnan(record.cost_usd) is unknown
    assert record.cost_usd == 0.0 or unknown
