"""The scenario registry: every scenario of EpisodeConfig is registered, run_episode finds
its runner there, the request id it gives is the one the episode works on, and a run
option the scenario does not honour is refused by name instead of ignored."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver

import agentlab as al
from agentlab.config import SCENARIOS
from agentlab.errors import ConfigError
from agentlab.run.scenarios import REGISTRY, scenario


def test_every_scenario_is_registered() -> None:
    assert tuple(REGISTRY) == SCENARIOS
    with pytest.raises(ConfigError, match="scenario: got 'moon'; allowed: travel, research"):
        scenario("moon")


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("seed", [0, 7])
def test_the_request_id_is_the_one_the_episode_works_on(name: str, seed: int) -> None:
    config = al.EpisodeConfig(scenario=name, seed=seed, max_steps=3)
    assert scenario(name).request_id(config) == al.run_episode(config).request.id


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("checkpointer", InMemorySaver()),
        ("thread_id", "t-1"),
        ("answer", lambda question: "yes"),
        ("stop_at_interrupt", True),
        ("resume", "yes"),
    ],
)
def test_a_run_option_the_research_scenario_does_not_honour_is_refused(
    option: str, value: object
) -> None:
    config = al.EpisodeConfig(scenario="research")
    with pytest.raises(ConfigError, match=f"^{option}: got .*scenario 'research' runs with none"):
        al.run_episode(config, **{option: value})  # type: ignore[arg-type]
    assert set(scenario("travel").options) >= {option}  # travel honours every one of them


def test_the_team_runner_refuses_a_travel_config() -> None:
    # its fields were checked as travel ones: memory, reflect and clarify apply there only
    config = al.EpisodeConfig(memory="window", reflect=False, clarify="always")
    with pytest.raises(ConfigError, match=r"^scenario: got 'travel'"):
        al.run.team_runner.run_team_episode(config)
