"""The scenario registry: what runs an episode of each scenario, and which request it takes.

``run_episode`` looks a config's scenario up here and hands it the episode; no runner
dispatches on a scenario's name. A scenario is its episode runner (world, graph and judge
together: ``agentlab.run.travel_runner``, ``agentlab.run.team_runner``), the id of the request a
config picks (so a sweep can key its store before running anything) and the run options
it honours beyond the model (checkpoints, resuming); ``run_episode`` refuses any other.

Introduced in notebook 00 (`00_quickstart.ipynb`); the research scenario in notebook 05.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agentlab.config import SCENARIOS, EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.run.episode import Episode
from agentlab.run.team_runner import question_id, run_team_episode
from agentlab.run.travel_runner import request_id, run_travel_episode
from agentlab.run.travel_team_runner import run_travel_team_episode


def run_travel(config: EpisodeConfig, **options: object) -> Episode:
    """A travel episode: the single agent (``run_travel_episode``), or a team of planner,
    booker and checker (``run_travel_team_episode``) for any other architecture."""
    if config.architecture == "single":
        return run_travel_episode(config, **options)  # type: ignore[arg-type]
    return run_travel_team_episode(config, **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scenario:
    """How episodes of one scenario run."""

    name: str  # the value of EpisodeConfig.scenario
    run: Callable[..., Episode]  # run(config, *, model=None, **options) -> Episode
    request_id: Callable[[EpisodeConfig], str]  # the request (question) a config picks
    options: tuple[str, ...] = ()  # run_episode options it honours beyond model and deadline
    team_options: tuple[str, ...] = ()  # the same, for an architecture other than "single"


REGISTRY: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "travel",
            run_travel,
            request_id,
            ("checkpointer", "thread_id", "answer", "stop_at_interrupt", "resume"),
            ("checkpointer", "thread_id", "answer", "stop_at_interrupt", "resume"),
        ),
        Scenario("research", run_team_episode, question_id, ("caps",), ("caps",)),
    )
}
assert tuple(REGISTRY) == SCENARIOS, "EpisodeConfig's scenarios and the registry must agree"


def scenario(name: str) -> Scenario:
    """The registered scenario ``name``.

    Raises:
        ConfigError: No such scenario.

    Example:
        >>> scenario("travel").options[0]
        'checkpointer'
    """
    if name not in REGISTRY:
        raise ConfigError("scenario", name, ", ".join(REGISTRY))
    return REGISTRY[name]
