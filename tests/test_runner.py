import itertools

import pandas as pd
import pytest

import agentlab as al
from agentlab.run.travel_runner import pick_request

WALL = ["wall_s"]


def _tables(seed: int, **kw) -> al.Results:  # type: ignore[no-untyped-def]
    return al.run_episodes(al.grid(tools=[4, 32], seeds=[seed, seed + 1], **kw), progress=False)


def test_same_seed_same_tables_other_seed_other_tables() -> None:
    a, b, c = _tables(0), _tables(0), _tables(5)
    pd.testing.assert_frame_equal(a.episodes.drop(columns=WALL), b.episodes.drop(columns=WALL))
    pd.testing.assert_frame_equal(a.steps.drop(columns=WALL), b.steps.drop(columns=WALL))
    assert not a.steps.drop(columns=[*WALL, "seed"]).equals(c.steps.drop(columns=[*WALL, "seed"]))


def test_tables_are_tidy_and_carry_the_configuration() -> None:
    r = _tables(0)
    e, s = r.episodes, r.steps
    assert len(e) == 4 and set(al.EpisodeConfig().as_row()) <= set(e.columns)
    for col in (
        "success",
        "cost_usd",
        "tokens_in",
        "tokens_out",
        "llm_calls",
        "decisions",
        "latency_s",
        "wall_s",
    ):
        assert col in e.columns
    assert (
        e.tokens_in
        == e[[f"tokens_in_{k}" for k in ("system", "tools", "memory", "history")]].sum(axis=1)
    ).all()
    llm = s[s.kind == "llm"]
    assert (llm.tokens_in > 0).all() and (llm.cost_usd > 0).all()
    per_episode = s.groupby("episode")[["cost_usd", "latency_s"]].sum()
    assert per_episode.cost_usd.values == pytest.approx(e.cost_usd.values)
    assert per_episode.latency_s.values == pytest.approx(e.latency_s.values)
    act = llm[llm.node == "act"]
    assert set(act.options) == {4, 32}
    assert set(s.correct.dropna().unique()) <= {True, False}


def test_virtual_clock_is_sequential_for_one_agent() -> None:
    s = al.run_episode(al.EpisodeConfig(seed=3)).step_rows()
    for before, after in itertools.pairwise(s):
        assert after["start_s"] == pytest.approx(before["start_s"] + before["latency_s"])


@pytest.mark.slow
def test_scope_makes_decisions_dearer_and_success_rarer() -> None:
    r = al.run_episodes(al.grid(tools=[4, 120], seeds=range(24)), progress=False)
    e = r.episodes.assign(per_decision=lambda d: d.cost_usd / d.decisions)
    g = e.groupby("tools")
    assert g.per_decision.mean()[120] > 3 * g.per_decision.mean()[4]
    assert g.success.mean()[120] < g.success.mean()[4]
    cps = r.cost_per_success().set_index("tools").cost_per_success_usd
    assert cps[120] / cps[4] > 120 / 4  # faster than the number of tools


def test_memory_items_cost_tokens_in_every_prompt() -> None:
    r = al.run_episodes(al.grid(memory_items=[0, 100], seeds=range(4)), progress=False)
    m = r.episodes.groupby("memory_items").tokens_in_memory.mean()
    assert m[100] > m[0] + 1000


def test_a_failing_model_is_an_episode_outcome_not_a_crash() -> None:
    class Broken(al.sim.model.SimChatModel):
        def _generate(self, *a, **k):  # type: ignore[no-untyped-def]
            raise TimeoutError("the model did not answer")

    ep = al.run_episode(al.EpisodeConfig(seed=0), model=Broken())
    assert ep.outcome.startswith("error: TimeoutError") and not ep.success
    assert ep.row()["outcome"] == ep.outcome
    assert ep.records and ep.records[0].status == "error"


def test_request_from_seed_cycles_through_requests() -> None:
    assert pick_request(al.EpisodeConfig(seed=0)).id == "trip-001"
    assert pick_request(al.EpisodeConfig(seed=1)).id == "trip-002"
    assert pick_request(al.EpisodeConfig(seed=1, request="trip-010")).id == "trip-010"


def test_budget_caps_stop_the_episode_cleanly() -> None:
    ep = al.run_episode(al.EpisodeConfig(seed=2, budget_tokens=3000))
    assert ep.outcome == "budget" and not ep.success
    assert ep.records and ep.row()["tokens_in"] + ep.row()["tokens_out"] > 3000
    cheap = al.run_episode(al.EpisodeConfig(seed=2, budget_usd=0.0001))
    assert cheap.outcome == "budget"


def test_grid_takes_a_single_string_as_one_value() -> None:
    configs = al.grid(model="sim:gpt-4o", seeds=[0, 1])
    assert [c.model for c in configs] == ["sim:gpt-4o"] * 2


def test_tool_correct_comes_from_the_models_own_tool_decision() -> None:
    s = al.run_episodes(al.grid(tools=[64], seeds=range(6)), progress=False).steps
    calls = s[(s.node == "act") & (s.decision != "answer")]
    assert calls.tool_correct.notna().all() and not calls.tool_correct.astype(bool).all()
