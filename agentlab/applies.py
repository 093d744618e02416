"""Which ``EpisodeConfig`` field each scenario and architecture reads: one table, one check.

A field is read everywhere unless ``APPLIES`` says where: by the scenarios whose episodes
read it, on which architectures (the single travel agent's memory, reflection and
checkpoints are its own: a travel team's members run without them) and, for a dependent
field, the values of the field it depends on (``window`` is read only with ``memory``
"window" or "summary"). A field that does not apply where a
configuration sends it must hold its default value; any other value is refused with a
``ConfigError`` naming the field, the default, where the field applies and the settings
that rule it out here, never silently ignored. A dataclass cannot tell "left at the
default" from "set to the default", so the default itself always passes.

The table states facts about the runner, the team runner and the team builder
(``tests/test_applies.py`` checks each one against a run: a field that applies changes the
episode; one that does not is refused); it imports none of them, so the configuration can
use it without importing upward.

Introduced with the configuration in notebook 00 (`00_quickstart.ipynb`); the team fields
in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from agentlab.errors import ConfigError

TRAVEL, RESEARCH = "travel", "research"
BOTH = (TRAVEL, RESEARCH)
ALONE = ("single",)  # the one-agent loop: memory and reflection are its own
# a travel agent's checkpoints: its own, or its team members'
CHECKED = ("single", "pipeline", "centralized", "hierarchical", "swarm")
CHECK_NOTE = (
    "the independent, decentralized and hybrid teams' members read the request at once, "
    "unasked: questions from all of them at once would reach the traveller"
)
SIZED = ("independent", "decentralized", "hybrid")  # team_size: how many members work
PLACED = ("pipeline", "centralized", "hierarchical", "swarm")  # agents follow the placement
# a member receives other members' reports through a bounded handoff
HANDED_OFF = ("pipeline", "centralized", "hierarchical", "swarm", "hybrid")
# travel's decentralized team too: its booker books from a bounded handoff of the peers' work
HANDED_OFF_TOO = ((TRAVEL, ("decentralized",)),)
DEBATING = ("decentralized",)  # peers revise their answers for debate_rounds rounds


@dataclass(frozen=True)
class Rule:
    """Where one field is read (a field without a rule is read everywhere)."""

    scenarios: tuple[str, ...]  # the scenarios whose episodes read it
    architectures: tuple[str, ...] = ()  # and only on these architectures (empty: on any)
    parent: str = ""  # a field that rules it in or out, e.g. "memory" for window
    values: tuple[Any, ...] = ()  # the parent's values under which it is read
    note: str = ""  # what the user should know beyond the table, said in the error
    or_with: str = ""  # a field that, set away from its default, makes it read anywhere
    # per scenario, more of the parent's values under which it is read there
    also: tuple[tuple[str, tuple[Any, ...]], ...] = ()


TEAM_NOTE = "a travel team's members run without memory settings or reflection"
APPLIES: dict[str, Rule] = {
    "memory": Rule((TRAVEL,), ALONE, note=TEAM_NOTE),
    "window": Rule((TRAVEL,), ALONE, "memory", ("window", "summary")),
    "memory_items": Rule((TRAVEL,), ALONE, note=TEAM_NOTE),
    "reflect": Rule(
        (TRAVEL,), ALONE, note="a team checks by its placement of 'check' or 'fact_check'"
    ),
    "max_reflections": Rule((TRAVEL,), ALONE, "reflect", (True,)),
    "clarify": Rule((TRAVEL,), CHECKED, note=CHECK_NOTE),
    "ambiguity_threshold": Rule((TRAVEL,), CHECKED, "clarify", ("ambiguous",)),
    "verify": Rule((TRAVEL,), CHECKED, note=CHECK_NOTE),
    "verify_every": Rule((TRAVEL,), CHECKED, "verify", ("every_k",)),
    "team_size": Rule(BOTH, (), "architecture", SIZED),
    "placement": Rule(BOTH, (), "architecture", PLACED),
    # an agent's sub-agents are handed off to as well
    "handoff_tokens": Rule(
        BOTH, (), "architecture", HANDED_OFF, or_with="sub_team", also=HANDED_OFF_TOO
    ),
    "debate_rounds": Rule(BOTH, (), "architecture", DEBATING),
    "aggregation": Rule(
        (RESEARCH,),
        (),
        "architecture",
        ("independent",),
        note="only the independent research team's aggregator votes or merges (a travel "
        "team's independent members each book a different part of the trip)",
    ),
    "sub_team": Rule(
        (RESEARCH,),
        (),
        "architecture",
        ALONE,
        note="the single agent is the one that grows vertically; a team's members own no "
        "sub-agents yet",
    ),
}


def applies(config: Any, name: str) -> bool:
    """Whether an episode of ``config`` reads the field ``name``.

    Example:
        >>> from agentlab.config import EpisodeConfig
        >>> applies(EpisodeConfig(memory="window"), "window"), applies(EpisodeConfig(), "window")
        (True, False)
    """
    rule = APPLIES.get(name)
    if rule is None:
        return True
    if rule.or_with and getattr(config, rule.or_with) != _default(config, rule.or_with):
        return True
    if config.scenario not in rule.scenarios:
        return False
    if rule.architectures and config.architecture not in rule.architectures:
        return False
    values = rule.values + dict(rule.also).get(config.scenario, ())
    return not rule.parent or getattr(config, rule.parent) in values


def _default(config: Any, name: str) -> Any:
    return next(f.default for f in fields(config) if f.name == name)


def _listed(values: tuple[Any, ...]) -> str:
    """``'a'``, ``'a' or 'b'``, ``'a', 'b' or 'c'``."""
    shown = [repr(v) for v in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def check_applies(config: Any) -> None:
    """Refuse a field set away from its default where the config's episode does not read it.

    Args:
        config: An ``EpisodeConfig`` whose values are each valid on their own.

    Raises:
        ConfigError: Naming the first such field (in field order), its default, where it
            applies, and the scenario (and the setting) that rule it out here.

    Example:
        >>> from agentlab.config import EpisodeConfig
        >>> try:
        ...     EpisodeConfig(window=4)
        ... except ConfigError as err:
        ...     print(err)  # doctest: +NORMALIZE_WHITESPACE
        window: got 4; allowed: the default 6; window applies only to scenario 'travel' as
        architecture 'single' with memory 'window' or 'summary' (here: scenario 'travel',
        memory 'full')
    """
    for f in fields(config):
        value = getattr(config, f.name)
        if value == f.default or applies(config, f.name):
            continue
        rule = APPLIES[f.name]
        where = f"scenario {_listed(rule.scenarios)}"
        if rule.architectures:
            where += f" as architecture {_listed(rule.architectures)}"
        if rule.parent:
            where += f" with {rule.parent} {_listed(rule.values)}"
        for scenario, more in rule.also:
            where += f" (on scenario {scenario!r} {_listed(more)} too)"
        if rule.or_with:
            where += f", or with {rule.or_with} set"
        here = [f"scenario {config.scenario!r}"]
        by_architecture = rule.parent == "architecture" or config.architecture != "single"
        if config.scenario == RESEARCH or by_architecture:
            here.append(f"architecture {config.architecture!r}")
        if rule.parent and rule.parent != "architecture" and config.scenario in rule.scenarios:
            here.append(f"{rule.parent} {getattr(config, rule.parent)!r}")
        note = f"; {rule.note}" if rule.note else ""
        allowed = f"the default {f.default!r}; {f.name} applies only to {where}{note}"
        raise ConfigError(f.name, value, f"{allowed} (here: {', '.join(here)})")
