"""Every ``EpisodeConfig`` field x scenario x architecture: the field changes the run, or
it is refused with an error naming it (``agentlab.applies`` is the table; these tests hold
the table to what the runner, the team runner and the team builder do)."""

from __future__ import annotations

import copy
import dataclasses
from functools import cache
from typing import Any

import pytest

import agentlab as al
from agentlab.applies import APPLIES, applies
from agentlab.config import (
    ARCHITECTURES,
    SCENARIOS,
    TRAVEL_ARCHITECTURES,
    ConfigError,
    EpisodeConfig,
)

FIELDS = tuple(f.name for f in dataclasses.fields(EpisodeConfig))
SEEDS = (0, 1)  # a field that applies changes the run on at least one of these seeds
REQUESTS = {"travel": "trip-004", "research": "Q-005"}  # not what seed 0 or 1 picks
PLACEMENTS = {"travel": "check=booker", "research": "fact_check=analyst"}  # moves one
ON = {"travel": TRAVEL_ARCHITECTURES, "research": ARCHITECTURES}  # what each scenario runs as
# per field: a valid value other than its default, and the settings under which it is read
CHANGES: dict[str, tuple[Any, dict[str, Any]]] = {
    "request": (None, {}),  # per scenario: REQUESTS
    "tools": (12, {}),
    "memory": ("window", {}),
    "window": (3, {"memory": "window"}),
    "memory_items": (100, {}),
    "reflect": (False, {}),
    "max_reflections": (0, {}),
    "max_steps": (3, {}),
    "clarify": ("always", {}),
    "ambiguity_threshold": (0.9, {"clarify": "ambiguous"}),
    "verify": ("always", {}),
    "verify_every": (1, {"verify": "every_k"}),
    "budget_tokens": (3000, {}),
    "budget_usd": (0.0005, {}),
    "team_size": (2, {}),  # fewer members than a trip has parts, or than research's default
    "placement": (None, {}),  # per scenario: PLACEMENTS
    "handoff_tokens": (20, {}),
    "sub_team": ("fact_check", {}),  # a checker sub-agent of the single researcher
    "debate_rounds": (2, {}),
    "aggregation": ("synthesis", {}),
    "model": ("sim:gpt-4o", {}),
    "seed": (None, {}),  # the other seed
}
# a dependent field is walked under its parent's default and these settings too
ALSO: dict[str, dict[str, Any]] = {
    "window": {"memory": "summary"},  # summary keeps a window too: read
    "max_reflections": {"reflect": False},  # no review: ruled out
    "ambiguity_threshold": {"clarify": "always"},  # asks about every assumption: ruled out
    "verify_every": {"verify": "always"},  # after every tool step: ruled out
    "handoff_tokens": {"sub_team": "fact_check"},  # the single agent hands off to its own
}
WALKED = tuple(f for f in FIELDS if f not in ("scenario", "architecture"))  # see below


def _cases() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(scenario, architecture, field, settings) for every field on every architecture of
    every scenario."""
    out: list[tuple[str, str, str, dict[str, Any]]] = []
    for scenario in SCENARIOS:
        for arch in ON[scenario]:
            for name in WALKED:
                settings = [CHANGES[name][1], {}, *([ALSO[name]] if name in ALSO else [])]
                for extra in settings:
                    try:  # a parent setting the scenario refuses itself: the defaults
                        EpisodeConfig(scenario=scenario, architecture=arch, **extra)
                    except ConfigError:
                        extra = {}
                    if (scenario, arch, name, extra) not in out:
                        out.append((scenario, arch, name, extra))
    return out


def _did(ep: Any) -> tuple[str, str]:
    """What an episode did: its row and its steps, less the columns that echo the config."""
    row = {k: v for k, v in ep.row().items() if k not in FIELDS and k != "wall_s"}
    steps = [
        {k: v for k, v in s.items() if k not in ("wall_s", "seed", "tools_in_scope")}
        for s in ep.step_rows()
    ]
    return repr(row), repr(steps)  # repr: a NaN equals a NaN


@cache
def _run(config: EpisodeConfig) -> tuple[str, str]:
    return _did(al.run_episode(config))


def _changed(base: EpisodeConfig, name: str, value: Any) -> bool:
    """Whether the field set to ``value`` changes the episode on one of ``SEEDS``."""
    for seed in SEEDS:
        before = base.with_(seed=seed)
        after = before.with_(**{name: seed + 1 if name == "seed" else value})
        if _run(before) != _run(after):
            return True
    return False


def _ignored(base: EpisodeConfig, name: str, value: Any) -> bool:
    """Whether the runner ignores the field (set behind validation's back): the episode is
    the same as the default's, so refusing the field hides nothing (checked on one seed)."""
    unchecked = copy.copy(base)
    object.__setattr__(unchecked, name, value)  # a test-only way past __post_init__
    return _run(unchecked) == _run(base)


def _refusal(config: EpisodeConfig, name: str, value: Any) -> str:
    with pytest.raises(ConfigError) as err:
        config.with_(**{name: value})
    assert err.value.field == name and err.value.value == value
    message = str(err.value)
    assert message.startswith(f"{name}: got {value!r}; allowed: "), message
    assert f"scenario {config.scenario!r}" in message, message
    return message


@pytest.mark.parametrize(
    ("scenario", "architecture", "name", "settings"),
    _cases(),
    ids=lambda v: (
        (",".join(f"{k}={x}" for k, x in v.items()) or "defaults")
        if isinstance(v, dict)
        else str(v)
    ),
)
def test_a_field_changes_the_run_or_is_refused(
    scenario: str, architecture: str, name: str, settings: dict[str, Any]
) -> None:
    base = EpisodeConfig(scenario=scenario, architecture=architecture, **settings)
    value = {"request": REQUESTS, "placement": PLACEMENTS}.get(name, {}).get(
        scenario, CHANGES[name][0]
    )
    if applies(base, name):
        assert _changed(base, name, value), f"{name}={value!r} changed nothing"
        return
    message = _refusal(base, name, value)
    assert _ignored(base, name, value), f"{name}={value!r} is refused but changes the run"
    default = getattr(EpisodeConfig(), name)
    assert f"the default {default!r}; {name} applies only to scenario" in message, message
    if scenario == "research" or architecture != "single":
        assert f"architecture {architecture!r}" in message, message
    rule = APPLIES[name]
    if scenario in rule.scenarios and rule.parent:  # the setting that rules it out here
        assert f"{rule.parent} {getattr(base, rule.parent)!r}" in message, message


def test_travel_runs_on_every_architecture_and_refuses_others_by_name() -> None:
    assert ON["travel"] == ARCHITECTURES
    with pytest.raises(ConfigError) as err:
        EpisodeConfig(architecture="bogus")
    message = str(err.value)
    assert message.startswith("architecture: got 'bogus'; allowed: for scenario 'travel'")
    assert ", ".join(ARCHITECTURES) in message


def test_the_travel_debate_reads_the_handoff_budget_and_research_s_does_not() -> None:
    """handoff_tokens: read by travel's decentralized team (its booker's handoff), refused
    on research's (its peers hand nothing off), and the refusal says where it applies."""
    assert applies(EpisodeConfig(architecture="decentralized", handoff_tokens=20), "handoff_tokens")
    with pytest.raises(ConfigError) as err:
        EpisodeConfig(scenario="research", architecture="decentralized", handoff_tokens=20)
    assert "(on scenario 'travel' 'decentralized' too)" in str(err.value)
    assert "(here: scenario 'research', architecture 'decentralized')" in str(err.value)


@pytest.mark.parametrize("architecture", TRAVEL_ARCHITECTURES[1:])
def test_every_travel_team_changes_the_run(architecture: str) -> None:
    assert _changed(EpisodeConfig(), "architecture", architecture)


@pytest.mark.parametrize("architecture", [a for a in ARCHITECTURES if a != "single"])
def test_every_research_architecture_changes_the_run(architecture: str) -> None:
    single = EpisodeConfig(scenario="research")
    assert _changed(single, "architecture", architecture)
    with pytest.raises(ConfigError, match="architecture: got 'bogus'; allowed: single, pipeline"):
        single.with_(architecture="bogus")


def test_the_scenario_changes_the_run() -> None:
    assert _changed(EpisodeConfig(), "scenario", "research")


def test_the_table_names_fields_and_parents_that_exist() -> None:
    assert set(APPLIES) <= set(FIELDS) and set(CHANGES) == set(WALKED)
    for rule in APPLIES.values():
        assert set(rule.scenarios) <= set(SCENARIOS)
        if rule.parent:
            assert rule.parent in FIELDS and rule.values
    for name, (value, _) in CHANGES.items():  # the walk really moves each field
        assert value is None or value != getattr(EpisodeConfig(), name), name


def test_the_defaults_always_pass() -> None:
    for scenario in SCENARIOS:
        for arch in ON[scenario]:
            EpisodeConfig(scenario=scenario, architecture=arch)  # nothing refused


def test_a_grid_names_the_refused_combination() -> None:
    with pytest.raises(ConfigError) as err:
        al.grid(memory=["window", "summary", "full"], window=[4, 8])
    assert err.value.field == "window"
    assert str(err.value).endswith("refused in the grid's combination memory='full', window=4")
    assert "(here: scenario 'travel', memory 'full')" in str(err.value)
    # the axes' order does not matter: each combination is set at once
    ok = al.grid(window=[4, 8], memory=["window", "summary"], seeds=range(2))
    assert len(ok) == 8 and {c.window for c in ok} == {4, 8}
    both = al.grid(memory="full") + al.grid(memory="window", window=[4, 8])
    assert [(c.memory, c.window) for c in both] == [("full", 6), ("window", 4), ("window", 8)]
    with pytest.raises(ConfigError, match=r"team_size: got 2; .*architecture 'centralized'"):
        al.grid(
            EpisodeConfig(scenario="research"),
            architecture=["independent", "centralized"],
            team_size=[2],
        )
