"""Capabilities as data, their placement, and the agents a placement makes."""

from __future__ import annotations

import pytest

import agentlab as al
from agentlab.run.team_runner import placed_agents
from agentlab.world import capabilities as c
from agentlab.world.research import RESEARCH_TOOLS


def _agents(placement: str, caps: dict[str, c.Capability] | None = None) -> dict[str, tuple]:
    specs = placed_agents(c.parse_placement(placement), caps or c.capabilities())
    return {a.name: a.capabilities for a in specs}


def test_capabilities_load_in_procedure_order() -> None:
    caps = c.capabilities()
    assert tuple(caps) == c.ORDER
    for name, cap in caps.items():
        assert cap.name == name
        assert set(cap.tools + cap.own_tools) <= set(RESEARCH_TOOLS)
        assert cap.tools or cap.name == "refine_query"  # it writes queries: it calls no tool
        assert 0 < cap.coupling <= 1
        assert cap.reuse >= 1
        assert cap.instructions


def test_the_data_states_the_two_textbook_cases() -> None:
    caps = c.capabilities()
    assert caps["fact_check"].coupling < caps["rank_filter"].coupling
    assert caps["fact_check"].reuse > caps["rank_filter"].reuse


def test_with_data_changes_a_copy_only() -> None:
    changed = c.with_data(rank_filter={"coupling": 0.1, "reuse": 3})
    assert (changed["rank_filter"].coupling, changed["rank_filter"].reuse) == (0.1, 3)
    assert changed["fact_check"] == c.capabilities()["fact_check"]
    assert c.capabilities()["rank_filter"].coupling == 0.9  # the cached data is untouched
    assert c.with_data() == c.capabilities()


def test_with_data_names_an_unknown_capability() -> None:
    with pytest.raises(al.ConfigError) as err:
        c.with_data(ranking={"coupling": 0.1})
    assert err.value.field == "capability"
    assert err.value.value == "ranking"
    assert all(name in err.value.allowed for name in c.ORDER)


def test_parse_placement() -> None:
    assert c.parse_placement("") == {}
    assert c.parse_placement("fact_check=own, rank_filter=retriever") == {
        "fact_check": "own",
        "rank_filter": "retriever",
    }


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("magic=own", ["capability=own|<agent>", *c.ORDER]),
        ("fact_check", ["fact_check=own", "fact_check=<host agent>"]),
        ("fact_check=own,rank_filter", ["rank_filter=own"]),
    ],
)
def test_placement_errors_name_the_field_and_allowed_values(text: str, allowed: list[str]) -> None:
    with pytest.raises(al.ConfigError) as err:
        c.parse_placement(text)
    assert err.value.field == "placement"
    assert all(a in err.value.allowed for a in allowed), err.value.allowed
    assert str(err.value).startswith("placement: got")


def test_episode_config_checks_the_placement() -> None:
    with pytest.raises(al.ConfigError, match="placement"):
        al.EpisodeConfig(scenario="research", placement="magic=own")


def test_default_placement() -> None:
    assert _agents("") == {
        "retriever": ("refine_query", "retrieve", "rank_filter"),
        "analyst": ("synthesize",),
        "checker": ("fact_check",),
    }


def test_every_capability_its_own_agent() -> None:
    own = ",".join(f"{name}=own" for name in c.ORDER)
    assert _agents(own) == {
        "refiner": ("refine_query",),
        "retriever": ("retrieve",),
        "ranker": ("rank_filter",),
        "analyst": ("synthesize",),
        "checker": ("fact_check",),
    }


def test_embedded_capability_is_carried_by_as_many_agents_as_reuse_says() -> None:
    # fact_check has reuse 3: embedded in the analyst, every working agent carries it
    agents = _agents("fact_check=analyst")
    assert agents == {
        "retriever": ("refine_query", "retrieve", "rank_filter", "fact_check"),
        "analyst": ("synthesize", "fact_check"),
    }
    once = c.with_data(fact_check={"reuse": 1})
    assert "fact_check" not in _agents("fact_check=analyst", once)["retriever"]


def test_reuse_is_data_not_code() -> None:
    reused = c.with_data(rank_filter={"reuse": 3})
    agents = _agents("", reused)
    assert [name for name, caps in agents.items() if "rank_filter" in caps] == [
        "retriever",
        "analyst",
        "checker",
    ]
    assert _agents("rank_filter=own", reused)["ranker"] == ("rank_filter",)  # its own: once


def test_a_capability_can_move_to_any_named_host() -> None:
    agents = _agents("synthesize=retriever,fact_check=own")
    assert agents["retriever"] == ("refine_query", "retrieve", "rank_filter", "synthesize")
    assert "analyst" not in agents


def test_refine_query_can_be_its_own_agent_embedded_elsewhere_or_left_out() -> None:
    assert list(_agents("refine_query=own")) == ["refiner", "retriever", "analyst", "checker"]
    assert _agents("refine_query=analyst")["analyst"] == ("refine_query", "synthesize")
    none = _agents("refine_query=none")
    assert none["retriever"] == ("retrieve", "rank_filter")
    assert all("refine_query" not in caps for caps in none.values())


@pytest.mark.parametrize("text", ["fact_check=none", "retrieve=none", "refine_query"])
def test_only_an_optional_capability_may_be_left_out(text: str) -> None:
    with pytest.raises(al.ConfigError) as err:
        al.EpisodeConfig(scenario="research", architecture="pipeline", placement=text)
    assert err.value.field == "placement" and err.value.value == text
    assert "refine_query" in err.value.allowed  # it names the capability that may be none
    assert c.parse_placement("refine_query=none") == {"refine_query": "none"}
