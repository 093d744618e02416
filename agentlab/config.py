"""One episode's configuration: a dataclass whose fields a sweep varies and every row carries.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, Literal, get_args

from agentlab.applies import check_applies
from agentlab.errors import ConfigError

SCENARIOS = ("travel", "research")
ClarifyPolicy = Literal["never", "always", "ambiguous"]
VerifyPolicy = Literal["never", "always", "every_k"]
CLARIFY_POLICIES = ("never", "always", "ambiguous")
VERIFY_POLICIES = ("never", "always", "every_k")

Architecture = Literal[
    "single",
    "pipeline",
    "centralized",
    "hierarchical",
    "swarm",
    "independent",
    "decentralized",
    "hybrid",
]
ARCHITECTURES: tuple[str, ...] = get_args(Architecture)
# the travel task's: the single agent, and teams of planner, booker and checker (notebook 05)
TRAVEL_ARCHITECTURES = ARCHITECTURES
MEMORY_POLICIES = ("full", "window", "summary")
# how an independent research team combines the members that answered the same part
AGGREGATIONS = ("vote", "synthesis")
MemoryPolicy = Literal["full", "window", "summary"]


def check_budgets(usd: Any, tokens: Any, *, unset: str = "None") -> None:
    """Refuse a budget that could never apply (NaN, inf, <= 0, a bool): the one check of an
    episode's and a sweep's ``budget_usd`` and ``budget_tokens``.

    Args:
        usd: ``budget_usd``: None, or a finite number of dollars > 0.
        tokens: ``budget_tokens``: None, or an integer >= 1.
        unset: How the message names "no budget" (``"None"``; ``"no key"`` in a sweep file).

    Raises:
        ConfigError: Naming the field, the value given and the values allowed.

    Example:
        >>> check_budgets(0.5, 10_000)  # both can apply: nothing to say
        >>> try:
        ...     check_budgets(float("nan"), None)
        ... except ConfigError as err:
        ...     print(err.field, err.value)
        budget_usd nan
    """
    if usd is not None and (
        not isinstance(usd, int | float) or isinstance(usd, bool) or not 0 < usd < math.inf
    ):  # NaN fails 0 < usd: a cap nothing exceeds would never apply
        raise ConfigError("budget_usd", usd, f"a finite number of dollars > 0, or {unset}")
    if tokens is not None and (
        not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 1
    ):
        raise ConfigError("budget_tokens", tokens, f"an integer >= 1, or {unset}")


@dataclass(frozen=True)
class CheckpointPolicy:
    """When the agent stops to ask."""

    clarify: ClarifyPolicy = "never"  # before committing its plan's assumptions
    ambiguity_threshold: float = 0.2  # "ambiguous": ask when 1 - confidence exceeds this
    verify: VerifyPolicy = "never"  # after tool steps
    verify_every: int = 3  # "every_k": tool steps between two verifications

    @property
    def active(self) -> bool:
        """Whether any checkpoint can interrupt the run."""
        return self.clarify != "never" or self.verify != "never"


@dataclass(frozen=True)
class EpisodeConfig:
    """Everything that defines one episode. Same config, same seed: same tables.

    Example:
        >>> EpisodeConfig(tools=32, seed=3).tools
        32
    """

    scenario: str = "travel"  # the world and its requests; one of SCENARIOS
    request: str | None = None  # a request id (e.g. "trip-001"); None picks one from the seed
    tools: int = 4  # tools in scope: the scenario's core tools plus catalogue distractors
    memory: MemoryPolicy = "full"  # history in each prompt: full, a window, or a summary
    window: int = 6  # messages kept verbatim by the window and summary policies
    memory_items: int = 0  # long-term memory notes (past trips) loaded into every prompt
    reflect: bool = True  # review the answer before finishing, and repair what it catches
    max_reflections: int = 1  # reviews allowed per episode
    max_steps: int = 30  # LLM calls allowed per episode before it stops as "step_limit"
    clarify: ClarifyPolicy = "never"  # ask before committing assumptions: never, always, ambiguous
    ambiguity_threshold: float = 0.2  # "ambiguous": ask when 1 - confidence exceeds this
    verify: VerifyPolicy = "never"  # a person checks results: never, always, every_k tool steps
    verify_every: int = 3  # "every_k": tool steps between verifications
    budget_tokens: int | None = None  # stop the episode (outcome "budget") past this many tokens
    # stop the episode (outcome "budget") past this many dollars; refused for an unpriced model
    budget_usd: float | None = None
    # one agent, or the team's topology: one of ARCHITECTURES (travel: TRAVEL_ARCHITECTURES)
    architecture: str = "single"
    team_size: int = 3  # agents of independent teams, peers of decentralized and hybrid ones
    # where capabilities live, e.g. "fact_check=own" (research), "check=booker" (travel)
    placement: str = ""
    handoff_tokens: int = 300  # handoff budget; a receiver sees budget/(coupling*context)
    # research, one agent: capabilities it hands to sub-agents of its own (vertical scaling),
    # e.g. "fact_check" or "retrieve+rank_filter,fact_check" ('+' joins one sub-agent's)
    sub_team: str = ""
    debate_rounds: int = 1  # rounds of the decentralized team's debate
    # the independent research team's aggregator: "vote" (the value most members of a part
    # reported) or "synthesis" (every member's finding merged, none compared: Kim et al.'s)
    aggregation: str = "vote"
    model: str = (
        "sim:gpt-4o-mini"  # "sim[:profile]", "openai:<model>" or "openai-compatible:<model>"
    )
    seed: int = 0  # seeds the simulated model (and the request when request is None)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``ConfigError`` naming the first invalid field: a value no episode could
        take, or a field set away from its default where this scenario and architecture do
        not read it (``agentlab.applies``)."""
        from agentlab.model_names import check_model_string

        # the worlds' ids and sizes, not their tools: a sweep's process validates its grid
        # without loading LangChain (its workers run the episodes)
        from agentlab.world.catalogue import CORE_TOOL_NAMES, catalogue_size
        from agentlab.world.travel_requests import request_ids

        if self.scenario not in SCENARIOS:
            raise ConfigError("scenario", self.scenario, ", ".join(SCENARIOS))
        if (
            self.request is not None
            and self.scenario == "travel"
            and self.request not in request_ids()
        ):
            raise ConfigError("request", self.request, "a request id such as 'trip-001', or None")
        from agentlab.world.capabilities import (
            parse_placement,
            parse_sub_team,
            travel_capabilities,
        )

        if self.scenario == "research":
            from agentlab.world.research_truth import question_ids

            if self.request is not None and self.request not in question_ids():
                raise ConfigError("request", self.request, "a question id such as 'Q-001', or None")
            if self.architecture not in ARCHITECTURES:
                raise ConfigError("architecture", self.architecture, ", ".join(ARCHITECTURES))
            parse_placement(self.placement)
            parse_sub_team(self.sub_team)
        elif self.architecture not in TRAVEL_ARCHITECTURES:
            raise ConfigError(
                "architecture",
                self.architecture,
                f"for scenario 'travel': {', '.join(TRAVEL_ARCHITECTURES)}",
            )
        else:
            parse_placement(self.placement, travel_capabilities())
        if not isinstance(self.team_size, int) or not 1 <= self.team_size <= 12:
            raise ConfigError("team_size", self.team_size, "an integer from 1 to 12")
        if not isinstance(self.debate_rounds, int) or self.debate_rounds < 0:
            raise ConfigError("debate_rounds", self.debate_rounds, "an integer >= 0")
        if not isinstance(self.handoff_tokens, int) or self.handoff_tokens < 10:
            raise ConfigError("handoff_tokens", self.handoff_tokens, "an integer >= 10")
        lo, hi = len(CORE_TOOL_NAMES), len(CORE_TOOL_NAMES) + catalogue_size()
        if not isinstance(self.tools, int) or not lo <= self.tools <= hi:
            raise ConfigError("tools", self.tools, f"an integer from {lo} to {hi}")
        if self.aggregation not in AGGREGATIONS:
            raise ConfigError("aggregation", self.aggregation, ", ".join(AGGREGATIONS))
        if self.memory not in MEMORY_POLICIES:
            raise ConfigError("memory", self.memory, ", ".join(MEMORY_POLICIES))
        for name, low in (("window", 2), ("memory_items", 0), ("max_reflections", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < low:
                raise ConfigError(name, value, f"an integer >= {low}")
        if not isinstance(self.max_steps, int) or self.max_steps < 1:
            raise ConfigError("max_steps", self.max_steps, "an integer >= 1")
        if self.clarify not in CLARIFY_POLICIES:
            raise ConfigError("clarify", self.clarify, ", ".join(CLARIFY_POLICIES))
        if self.verify not in VERIFY_POLICIES:
            raise ConfigError("verify", self.verify, ", ".join(VERIFY_POLICIES))
        if not isinstance(self.reflect, bool):
            raise ConfigError("reflect", self.reflect, "True or False")
        if (
            not isinstance(self.ambiguity_threshold, int | float)
            or not 0 <= self.ambiguity_threshold <= 1
        ):
            raise ConfigError(
                "ambiguity_threshold", self.ambiguity_threshold, "a number from 0 to 1"
            )
        if not isinstance(self.verify_every, int) or self.verify_every < 1:
            raise ConfigError("verify_every", self.verify_every, "an integer >= 1")
        check_budgets(self.budget_usd, self.budget_tokens)
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError("seed", self.seed, "an integer >= 0")
        check_model_string(self.model)
        if self.budget_usd is not None:  # a dollar budget needs a price to count against
            from agentlab.measure.pricing import refuse_unpriced

            refuse_unpriced("budget_usd", self.budget_usd, [self.model])
        check_applies(self)  # a field this scenario and architecture do not read: its default

    @property
    def checkpoints(self) -> CheckpointPolicy:
        """The checkpoint policy these fields describe."""
        return CheckpointPolicy(
            self.clarify, self.ambiguity_threshold, self.verify, self.verify_every
        )

    def as_row(self) -> dict[str, Any]:
        """The configuration as columns of a results row (every field is a scalar, so this
        is ``dataclasses.asdict`` without its deep copies)."""
        return {name: getattr(self, name) for name in _FIELDS}

    def with_(self, **changes: Any) -> EpisodeConfig:
        """A copy with some fields changed (validated)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            allowed = ", ".join(f.name for f in fields(self))
            raise ConfigError("field", sorted(unknown)[0], allowed)
        return replace(self, **changes)


_FIELDS = tuple(f.name for f in fields(EpisodeConfig))
