import pytest

from agentlab.config import ConfigError, EpisodeConfig


@pytest.mark.parametrize(
    ("changes", "field", "allowed"),
    [
        ({"scenario": "moon"}, "scenario", "travel"),
        ({"tools": -1}, "tools", "from 4 to"),
        ({"tools": 3}, "tools", "from 4 to"),
        ({"tools": 10_000}, "tools", "from 4 to"),
        ({"memory": "infinite"}, "memory", "full, window, summary"),
        ({"model": "gpt5"}, "model", "sim"),
        ({"model": "sim:gpt-99"}, "model", "gpt-4o-mini"),
        ({"request": "trip-999"}, "request", "trip-001"),
        ({"seed": -2}, "seed", ">= 0"),
        ({"max_steps": 0}, "max_steps", ">= 1"),
        ({"window": 1}, "window", ">= 2"),
        ({"budget_usd": float("nan")}, "budget_usd", "a finite number of dollars > 0"),
        ({"budget_usd": float("inf")}, "budget_usd", "a finite number of dollars > 0"),
        ({"budget_usd": -0.5}, "budget_usd", "a finite number of dollars > 0"),
        ({"budget_usd": True}, "budget_usd", "a finite number of dollars > 0"),
        ({"budget_tokens": True}, "budget_tokens", "an integer >= 1"),
        ({"budget_tokens": 0}, "budget_tokens", "an integer >= 1"),
    ],
)
def test_bad_config_names_field_and_allowed_values(changes: dict, field: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as info:
        EpisodeConfig(**changes)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: got ")
    assert allowed in str(info.value)


def test_with_validates_and_rejects_unknown_fields() -> None:
    cfg = EpisodeConfig()
    assert cfg.with_(tools=32).tools == 32
    with pytest.raises(ConfigError, match="tools"):
        cfg.with_(tools=0)
    with pytest.raises(ConfigError, match="field: got 'colour'"):
        cfg.with_(colour="red")


def test_row_carries_every_field() -> None:
    row = EpisodeConfig(tools=16, seed=4).as_row()
    assert row["tools"] == 16 and row["seed"] == 4 and row["model"] == "sim:gpt-4o-mini"
