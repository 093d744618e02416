import re
from pathlib import Path

import pytest

from agentlab.sim.profiles import DATA_DIR, get_profile, prices, profiles


def test_every_profile_has_a_dated_price() -> None:
    for p in profiles().values():
        assert p.price.input > 0 and p.price.output > 0
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.price.as_of)
        assert 0 < p.base_accuracy <= 1 and 0 < p.reflection_catch <= 1


def test_every_parameter_says_where_it_comes_from() -> None:
    text = Path(DATA_DIR / "model_profiles.toml").read_text()
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            assert "#" in line, f"no source or 'assumed' next to: {line}"


def test_price_cost() -> None:
    assert prices()["gpt-4o-mini"].cost(1_000_000, 1_000_000) == pytest.approx(0.75)


def test_unknown_profile_lists_known_ones() -> None:
    with pytest.raises(ValueError, match="gpt-4o-mini"):
        get_profile("gpt-5")
