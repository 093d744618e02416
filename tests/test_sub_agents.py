"""An agent that owns sub-agents (vertical scaling by delegation): ``sub_team`` on the single
research agent, ``AgentSpec.sub_agents``, the ``ask_*`` tools (``agentlab.graphs.sub_agents``)."""

from __future__ import annotations

from functools import cache

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

import agentlab as al
from agentlab.graphs.handoffs import HANDOFF, answer_of, report_items
from agentlab.graphs.sub_agents import ask_name, delegation_tool
from agentlab.graphs.team import AgentSpec, TeamSpec, build_team
from agentlab.run.team_runner import team_for
from agentlab.world.capabilities import ORDER
from agentlab.world.catalogue import catalogue_size, catalogue_tools

SEEDS = range(12)


def _config(sub_team: str = "", **fields: object) -> al.EpisodeConfig:
    return al.EpisodeConfig(scenario="research", sub_team=sub_team, **fields)  # type: ignore[arg-type]


@cache
def _runs(sub_team: str) -> al.Results:
    return al.run_episodes([_config(sub_team, seed=s) for s in SEEDS], progress=False)


def test_the_single_agent_hands_its_sub_team_to_sub_agents_it_owns() -> None:
    (owner,) = team_for(_config("retrieve+rank_filter,fact_check")).agents
    handed = ("retrieve", "rank_filter", "fact_check")
    assert owner.capabilities == tuple(c for c in ORDER if c not in handed)
    assert [(s.name, s.capabilities) for s in owner.sub_agents] == [
        ("researcher_retriever", ("retrieve", "rank_filter")),
        ("researcher_checker", ("fact_check",)),
    ]
    (plain,) = team_for(_config()).agents
    assert plain.sub_agents == () and plain.capabilities == ORDER


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"sub_team": "bogus"}, "sub_team"),
        ({"sub_team": "fact_check,fact_check"}, "sub_team"),  # one capability, two sub-agents
        ({"sub_team": "refine_query"}, "sub_team"),  # no tools: nothing to be asked for
        ({"sub_team": "fact_check", "architecture": "centralized"}, "sub_team"),
        ({"sub_team": "fact_check", "scenario": "travel"}, "sub_team"),
        ({"handoff_tokens": 50}, "handoff_tokens"),  # a single agent without sub-agents
    ],
)
def test_a_sub_team_where_none_can_be_owned_is_refused_by_name(
    fields: dict[str, object], named: str
) -> None:
    scenario = fields.pop("scenario", "research")
    with pytest.raises(al.ConfigError) as err:
        al.EpisodeConfig(scenario=scenario, **fields)  # type: ignore[arg-type]
    assert err.value.field == named
    assert "sub_team" in str(err.value)


def test_an_ask_tool_shows_the_model_only_the_task() -> None:
    graph = build_team(
        TeamSpec("single", (AgentSpec("r", ("fact_check",)),)), model=al.make_model()
    )
    tool = delegation_tool(
        "r", ("fact_check",), "- check", graph, items_of=lambda m: [], coupling=0.1, budget=300
    )
    assert tool.name == ask_name(("fact_check",)) == "ask_fact_check"
    assert set(tool.tool_call_schema.model_json_schema()["properties"]) == {"task"}


def test_no_catalogue_tool_passes_for_a_sub_agents_tool() -> None:
    names = [t.name for t in catalogue_tools(catalogue_size())]
    assert not [n for n in names if n.startswith("ask_")]


def test_a_sub_agents_work_is_metered_under_its_own_name() -> None:
    steps = _runs("retrieve+rank_filter,fact_check").steps
    calls = steps.groupby("agent").size()
    assert set(calls.index) == {"researcher", "researcher_retriever", "researcher_checker"}
    owner = steps[steps.agent == "researcher"]
    # the owner calls no search or filter itself: its sub-agent does
    assert owner.tokens_in.sum() < _runs("").steps.tokens_in.sum()


def test_the_checker_sub_agent_reads_a_bounded_handoff_of_the_owners_work() -> None:
    steps = _runs("fact_check").steps
    checker = steps[(steps.agent == "researcher_checker") & (steps.node == "act")]
    owner_tools = steps[(steps.agent == "researcher") & (steps.node == "tools")]
    worked = checker.apply(  # the owner had used a tool before it asked: work to hand over
        lambda c: ((owner_tools.episode == c.episode) & (owner_tools.step < c.step)).any(), axis=1
    )
    assert worked.any() and (checker[worked].tokens_in_handoff > 0).all()
    assert (checker[~worked].tokens_in_handoff == 0).all()  # asked out of turn: nothing yet
    tight = al.run_episodes(
        [_config("fact_check", seed=s, handoff_tokens=30) for s in SEEDS], progress=False
    ).steps
    tight_checker = tight[(tight.agent == "researcher_checker") & (tight.node == "act")]
    assert tight_checker.tokens_in_handoff.mean() < checker.tokens_in_handoff.mean()


def test_the_owner_pays_for_the_sub_agents_it_owns() -> None:
    plain, owned = _runs("").episodes, _runs("retrieve+rank_filter,fact_check").episodes
    assert (owned.coordination_tokens > 0).all() and (plain.coordination_tokens == 0).all()
    assert owned.tokens_in.sum() > plain.tokens_in.sum()


def test_an_owner_of_everything_still_answers() -> None:
    runs = _runs("retrieve+rank_filter+synthesize+fact_check")
    e, steps = runs.episodes, runs.steps
    owner = steps[(steps.agent == "researcher") & (steps.node == "tools")]
    # it does none of the work itself: one sub-agent, asked once, does it all
    assert list(owner.name) == [
        ask_name(("retrieve", "rank_filter", "synthesize", "fact_check"))
    ] * len(e)
    # and the answers come back through the handoff (how often they are right, against one
    # agent alone, is a measured verdict, not a property of the plumbing)
    assert (e.outcome == "answered").mean() >= 0.9 and e.success.any()


def test_a_sub_agents_correction_is_the_owners_answer() -> None:
    own = ToolMessage('{"answer": "1431", "evidence": ["D-1"]}', tool_call_id="1")
    own.name = "submit_answer"
    said = ToolMessage(
        "researcher_checker reports:\n[claims] x\n[answer] 1518 | evidence D-2", tool_call_id="2"
    )
    said.name = "ask_fact_check"
    assert answer_of([own, said]) == "1518"
    assert answer_of([said, own]) == "1431"  # its own later answer stands
    assert report_items([HumanMessage("[kept] no", name=HANDOFF), said]) == [
        "[claims] x",
        "[answer] 1518 | evidence D-2",
    ]
