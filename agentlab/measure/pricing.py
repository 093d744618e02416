"""Pricing a model call: which price applies to a model name, and which source says so.

A model name as a provider reports it is priced, in this order:

1. ``sim:<profile>``: the price row the profile names (``data/model_profiles.toml``).
2. The lab's dated table (``data/prices.csv``): the exact name, or a name listed in a row's
   ``aliases`` (the dated snapshot a provider reports, ``gpt-4o-mini-2024-07-18``, is the
   row ``gpt-4o-mini``; the undated ``gpt-4o`` is the row ``gpt-4o-2024-08-06``). Never a
   prefix: ``gpt-4`` is not ``gpt-4o``.
3. genai-prices' bundled data (the ``genai-prices`` package), offline: its price updater,
   which downloads newer data, is never started.
4. Otherwise the model is unpriced: its cost is NaN, never $0, with a warning once.

Every priced call says where its price came from (``price_source``: ``"agentlab table
2024-07-18"``, ``"genai-prices 0.2.3"`` or ``"unpriced"``).

Introduced in notebook 00 (`00_quickstart.ipynb`); notebook 09 prices real models.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from agentlab.sim.profiles import Price, prices, profiles

UNPRICED = "unpriced"  # the price_source of a call no source could price
FALLBACK = "genai-prices"  # the fallback source, labelled with its version
PREFIXES = ("sim", "openai", "openai-compatible")  # the model-string kinds of agentlab.serve.models
# the models already said to be unpriced in this process: Python's own once-per-place memory
# of warnings is reset whenever the warning filters change, which LangChain and pydantic do
# on every model call, so a sweep would say it on every call
_SAID_UNPRICED: set[str] = set()


@dataclass(frozen=True)
class Pricing:
    """The price of one model's calls and its source.

    Example:
        >>> p = pricing("gpt-4o-mini-2024-07-18")
        >>> p.source, p.cost(1_000_000, 0)
        ('agentlab table 2024-07-18', 0.15)
    """

    model: str  # the model name priced, without an agentlab kind prefix
    source: str  # "agentlab table <as_of>" or "genai-prices <version>"
    price: Price | None = None  # the lab's row (None: priced by genai-prices, call by call)

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """Cost in USD of one call with these token counts."""
        if self.price is not None:
            return self.price.cost(input_tokens, output_tokens)
        return _fallback_cost(self.model, input_tokens, output_tokens)


def model_name(spec: str) -> str:
    """The provider's model name in a model string or reported name: ``openai:gpt-4o`` and
    ``gpt-4o`` give ``gpt-4o``; an unknown prefix stays (``llama3.1:8b`` is one name)."""
    kind, sep, rest = spec.partition(":")
    return rest if sep and kind in PREFIXES else spec


@cache
def _by_name() -> dict[str, Price]:
    """The lab's table by every name it answers to: each model and each of its aliases."""
    out: dict[str, Price] = {}
    for price in prices().values():
        out.update(dict.fromkeys((price.model, *price.aliases), price))
    return out


@cache
def _fallback() -> tuple[Any, str]:
    """genai-prices' bundled data (never a downloaded update) and the package's version."""
    import genai_prices
    from genai_prices.data import providers
    from genai_prices.data_snapshot import DataSnapshot

    return DataSnapshot(providers=providers, from_auto_update=False), genai_prices.__version__


def _fallback_cost(name: str, input_tokens: int, output_tokens: int) -> float:
    from genai_prices import Usage

    snapshot, _ = _fallback()
    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    return float(snapshot.calc(usage, name, None, None, None).total_price)


def fallback_pricing(name: str) -> Pricing | None:
    """The price genai-prices' bundled data gives a model name, or None if it has none."""
    snapshot, version = _fallback()
    try:
        snapshot.find_provider_model(name, None, None, None)
        _fallback_cost(name, 1, 1)  # a model it knows but cannot price by tokens is unpriced
    except (LookupError, ValueError):
        return None
    return Pricing(model=name, source=f"{FALLBACK} {version}")


@cache
def _lookup(spec: str, fallback: bool) -> Pricing | None:
    """The price of a model string or name, from the first source that has one."""
    kind, sep, profile = spec.partition(":")
    if sep and kind == "sim" and (profile or "gpt-4o-mini") in profiles():
        price = profiles()[profile or "gpt-4o-mini"].price
        return Pricing(model=price.model, source=price.source, price=price)
    name = model_name(spec)
    row = _by_name().get(name)
    if row is not None:
        return Pricing(model=row.model, source=row.source, price=row)
    return fallback_pricing(name) if fallback else None


def pricing(spec: str, *, fallback: bool = True, warn: bool = True) -> Pricing | None:
    """The price of a model's calls and its source, or None (unpriced) with a warning.

    Args:
        spec: A model name as reported (``gpt-4o-mini-2024-07-18``) or a model string
            (``sim:gpt-4o``, ``openai:gpt-4.1``).
        fallback: Ask genai-prices' bundled data when the lab's table has no entry.
        warn: Warn when no source has a price (once per model in a process).

    Returns:
        A ``Pricing``, or None when the model is unpriced (its cost is then NaN).

    Example:
        >>> pricing("sim:gpt-4o").source
        'agentlab table 2024-08-06'
        >>> pricing("gpt-4", fallback=False, warn=False) is None  # not gpt-4o's price
        True
    """
    found = _lookup(spec, fallback)
    if found is None and warn and spec not in _SAID_UNPRICED:
        _SAID_UNPRICED.add(spec)
        where = "data/prices.csv" + (f" nor {FALLBACK}" if fallback else "")
        warnings.warn(
            f"no price for model {spec!r} in {where}: its cost is NaN (shown as unpriced)",
            stacklevel=2,
        )
    return found


def call_cost(spec: str, input_tokens: int, output_tokens: int) -> tuple[float, str]:
    """Cost in USD of one call and its ``price_source`` (NaN and "unpriced" if none).

    Example:
        >>> call_cost("sim:gpt-4o-mini", 1_000_000, 0)
        (0.15, 'agentlab table 2024-07-18')
    """
    found = pricing(spec)
    if found is None:
        return math.nan, UNPRICED
    return found.cost(input_tokens, output_tokens), found.source


def refuse_unpriced(field: str, value: object, models: Iterable[object]) -> None:
    """Refuse a dollar budget that cannot apply: a model among ``models`` has no price.

    Args:
        field: The budget's name (``budget_usd``), for the message.
        value: The budget given.
        models: Model strings (anything else is skipped: a configuration without one).

    Raises:
        ConfigError: Naming the field, the unpriced model and what to use instead.

    Example:
        >>> refuse_unpriced("budget_usd", 1.0, ["sim:gpt-4o", "openai:gpt-4.1"])  # priced
    """
    from agentlab.errors import ConfigError

    for spec in dict.fromkeys(m for m in models if isinstance(m, str)):
        if pricing(spec, warn=False) is None:
            raise ConfigError(
                field,
                value,
                f"None: model {spec!r} has no price (data/prices.csv nor {FALLBACK}), so a "
                "dollar budget cannot apply; cap it with budget_tokens instead",
            )
