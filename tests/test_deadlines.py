"""Deadlines: a call past its wall-clock deadline fails with its reason; an episode past
its own stops with outcome "deadline" and keeps what it computed. Bad values are refused."""

from __future__ import annotations

import math
import threading

import pandas as pd
import pytest
from faulty_endpoint import FaultyEndpoint

import agentlab as al
from agentlab.config import ConfigError
from agentlab.measure.replies import ReplyFailure
from agentlab.run.remote import run_remote
from agentlab.serve.deadlines import call_within, episode_deadline, episode_left
from agentlab.serve.models import make_model

SERVED = al.EpisodeConfig(model="openai-compatible:gpt-4o-mini", reflect=False, max_steps=4)


@pytest.mark.parametrize("bad", [0, -1.0, math.inf, math.nan, "10", True])
def test_a_bad_deadline_is_refused_by_name(bad: object) -> None:
    with pytest.raises(ConfigError, match="deadline_s: got"):
        al.run_episode(al.EpisodeConfig(), deadline_s=bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="call_deadline_s: got"):
        run_remote([SERVED], base_url="http://127.0.0.1:9/v1", call_deadline_s=bad)  # type: ignore[arg-type]


def test_the_episode_deadline_holds_only_within_its_block() -> None:
    assert episode_left() is None
    with episode_deadline(30):
        left = episode_left()
        assert left is not None and 0 < left <= 30
        assert call_within(lambda: episode_left(), None) == pytest.approx(left, abs=5)
    assert episode_left() is None  # never leaks into the next episode


@pytest.mark.slow
def test_a_call_past_its_deadline_fails_with_its_reason() -> None:
    with FaultyEndpoint(script=[None, "hang"]) as endpoint:  # the plan, then an act that hangs
        res = run_remote(
            [SERVED], base_url=endpoint.url, timeout=30, call_deadline_s=5, deadline_s=None
        )  # the act hangs until the endpoint stops: past any deadline, however busy the machine
    row = res.episodes.iloc[0]
    assert row["outcome"] == "error: call_deadline" and not row["success"]
    assert res.steps["status"].tolist() == ["ok", "error"]  # the plan is kept


@pytest.mark.slow
@pytest.mark.parametrize("streaming", [False, True])
def test_a_call_given_up_on_sends_no_retry(streaming: bool) -> None:
    # the request hangs past the call's deadline, then its connection drops: the client's
    # own retry would be a second request, billed after the lab reported the call failed
    with FaultyEndpoint(script=["hang"]) as endpoint:
        model = make_model(
            "openai-compatible:gpt-4o-mini",
            base_url=endpoint.url,
            timeout=10,
            max_retries=2,
            call_deadline_s=2,  # past the request's start on a busy machine (else none is sent)
            streaming=streaming,
        )
        with pytest.raises(ReplyFailure, match="call_deadline"):
            model.invoke("Plan a trip to Austin.")
        endpoint.released.set()  # the connection drops only once the lab gave up on the call
        for thread in threading.enumerate():
            if thread.name == "agentlab-call":
                thread.join(timeout=20)  # the abandoned call ends at its client's timeout
        assert sum(endpoint.counts.values()) == 1, endpoint.counts


@pytest.mark.slow
@pytest.mark.parametrize("streaming", [False, True])
def test_an_episode_past_its_deadline_stops_and_keeps_its_steps(streaming: bool) -> None:
    with FaultyEndpoint(script=[None, "hang"]) as endpoint:
        res = run_remote(
            [SERVED],
            base_url=endpoint.url,
            timeout=30,
            call_deadline_s=30,
            deadline_s=5.0,  # the first call ends within it, on a busy machine too; the
            # second hangs until the endpoint stops, so the deadline always comes first
            streaming=streaming,
        )
    row = res.episodes.iloc[0]
    assert row["outcome"] == "deadline" and not row["success"]
    assert row["llm_calls"] == 2 and res.steps["status"].tolist() == ["ok", "error"]
    assert res.steps["cost_usd"].iloc[0] > 0  # what the plan spent is kept
    # the abandoned call reached the endpoint, which may bill it: unknown, not $0
    assert row["usage_missing"] == 1 and pd.isna(row["cost_usd"])


def test_a_simulated_episode_past_its_deadline_is_a_row() -> None:
    ep = al.run_episode(al.EpisodeConfig(), deadline_s=1e-9)
    assert ep.outcome == "deadline" and not ep.success
    assert ep.row()["outcome"] == "deadline"
    full = al.run_episode(al.EpisodeConfig())  # no deadline by default: its time is virtual
    assert full.outcome == "answered"


def test_a_research_episode_past_its_deadline_stops_too() -> None:
    ep = al.run_episode(al.EpisodeConfig(scenario="research"), deadline_s=1e-9)
    assert ep.outcome == "deadline" and not ep.success


def test_models_share_one_hooked_client_and_a_proxy_still_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one = make_model("openai-compatible:gpt-4o-mini", base_url="http://127.0.0.1:9/v1")
    two = make_model("openai-compatible:gpt-4o-mini", base_url="http://127.0.0.1:9/v1", seed=3)
    assert one.http_client is two.http_client  # type: ignore[attr-defined]  # pooled
    monkeypatch.setenv("OPENAI_PROXY", "http://127.0.0.1:3128")
    proxied = make_model("openai-compatible:gpt-4o-mini", base_url="http://127.0.0.1:9/v1")
    assert proxied.http_client is not one.http_client  # type: ignore[attr-defined]
    assert proxied.http_async_client is not None  # type: ignore[attr-defined]  # proxied too
    hooks = proxied.http_client.event_hooks["request"]  # type: ignore[attr-defined]
    assert [h.__name__ for h in hooks] == ["refuse_if_abandoned"]
