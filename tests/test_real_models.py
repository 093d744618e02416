"""Real-model episodes against a hostile endpoint: 200 episodes through the suite's faulty
endpoint (missing usage, truncation, unterminated and cut streams, garbage, 500s, hangs,
a key echoed back), and every one of them is a row with a reason; the totals match the
rows; the key is nowhere in them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from faulty_endpoint import FAULTS, FaultyEndpoint

import agentlab as al
from agentlab.run.remote import run_remote

CANARY = "sk-canary-4d7f1b2e9a0c6e85"  # the key the endpoint echoes back in its 401s
REASONS = {  # a fault, and the outcome it leaves when it ends an episode
    "length": "error: truncated",
    "unterminated": "error: unterminated_stream",
    "garbage": "error: unreadable_reply",
    "hang": "error: call_deadline",
    "echo_key": "error: OpenAIAuthenticationError",
}


@pytest.mark.slow
def test_a_sweep_through_a_faulty_endpoint_loses_nothing_and_miscounts_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENTLAB_API_KEY", CANARY)
    # two LLM calls an episode (plan, act), each of which meets a fault 24% of the time
    config = al.EpisodeConfig(model="openai-compatible:gpt-4o-mini", reflect=False, max_steps=2)
    configs = al.grid(config, seeds=range(200))
    with FaultyEndpoint(dict.fromkeys(FAULTS, 0.03), seed=3) as endpoint:
        res = run_remote(
            configs,
            base_url=endpoint.url,
            streaming=True,
            timeout=5,
            max_retries=1,
            call_deadline_s=0.5,
            workers=4,
        )
    e, s = res.episodes, res.steps
    assert set(endpoint.counts) == {"ok", *FAULTS}  # every fault was met

    # every episode is a row, in order, with a reason
    assert len(e) == 200 and e["seed"].tolist() == list(range(200))
    assert e["episode"].tolist() == list(range(200))
    ended = e["outcome"].isin(["answered", "step_limit"])
    failed = e["outcome"].str.match(r"error: \S")
    assert (ended | failed).all(), e.loc[~(ended | failed), "outcome"].unique()
    assert not e.loc[failed, "success"].any()
    for fault, reason in REASONS.items():
        assert e["outcome"].str.startswith(reason).any(), fault
    # cut streams and 500s are retried: most episodes that met one went on
    assert e["outcome"].str.contains("broken_stream").sum() < endpoint.counts["cut"]
    assert e["outcome"].str.contains("500").sum() < endpoint.counts["server_error"]

    # no broken reply counted as a good one
    llm = s[s["kind"] == "llm"]
    assert llm.loc[llm["episode"].isin(e.loc[ended, "episode"]), "status"].eq("ok").all()
    assert e.loc[e["usage_missing"] > 0, "outcome"].isin(["answered", "step_limit"]).any()

    # the totals match the rows (NaN where a reply reported no usage: unknown, never 0)
    by = llm.groupby("episode")
    totals = pd.DataFrame(
        {
            "llm_calls": by.size(),
            "usage_missing": by["usage_missing"].sum(),
            "tokens_in": by["tokens_in"].sum(min_count=1, skipna=False),
            "tokens_out": by["tokens_out"].sum(min_count=1, skipna=False),
            "cost_usd": by["cost_usd"].sum(min_count=1, skipna=False),
        }
    ).reindex(e["episode"])
    assert e["llm_calls"].gt(0).all()  # every episode made its first call, at least
    for column in totals:  # NaN matches NaN: an unknown total is unknown in both tables
        np.testing.assert_allclose(e[column], totals[column].to_numpy(), err_msg=column)
    unknown = e["usage_missing"] > 0
    assert unknown.sum() > 0 and e["cost_usd"].isna().eq(unknown).all()
    assert e.loc[~unknown, "tokens_in"].notna().all()
    # unknown: replies without usage, and cut, garbled or unfinished replies that may be billed
    billed_unread = sum(endpoint.counts[f] for f in ("unterminated", "cut", "garbage", "hang"))
    assert 0 < e["usage_missing"].sum() <= endpoint.counts["no_usage"] + billed_unread

    # the echoed key reached no cell of either table
    for table in (e, s):
        assert not table.astype(str).apply(lambda c: c.str.contains(CANARY)).any().any()
