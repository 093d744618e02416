"""Model profiles and the dated price table: what a model costs, how fast and how good it is.

Profiles live in ``data/model_profiles.toml`` (every value with its source or "assumed"),
prices in ``data/prices.csv`` (with the date they were announced). Both are read once.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

from agentlab.data import data_path
from agentlab.errors import ConfigError

DATA_DIR = data_path()
TABLE_SOURCE = "agentlab table"  # the label of a price from data/prices.csv (with its date)


@dataclass(frozen=True)
class Price:
    """List price of a model in USD per one million tokens, as of a date."""

    model: str  # the provider's model name
    input: float  # USD per 1M input tokens
    output: float  # USD per 1M output tokens
    cached_input: float | None  # USD per 1M cached input tokens, when published
    as_of: str  # the date the price was announced (prices change)
    aliases: tuple[str, ...] = ()  # other names of exactly this model, e.g. its dated snapshot

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """Cost in USD of one call with these token counts."""
        return (input_tokens * self.input + output_tokens * self.output) / 1_000_000

    @property
    def source(self) -> str:
        """Where the price comes from, as the ``price_source`` column says it."""
        return f"{TABLE_SOURCE} {self.as_of}"


@dataclass(frozen=True)
class ModelProfile:
    """The physics of one simulated model; see ``data/model_profiles.toml`` for sources."""

    name: str  # profile name, after a real model, e.g. "gpt-4o-mini"
    price: Price  # dated list price
    ttft_s: float  # seconds to first token of a short prompt
    prefill_s_per_token: float  # extra seconds to first token per input token
    decode_tokens_per_s: float  # output tokens per second
    base_accuracy: float  # p(correct) of a decision with one option and no context
    context_scale_tokens: float  # context length over which accuracy falls by a factor e
    options_half: float  # options in scope at which the options factor is one half
    options_slope: float  # steepness of the options factor
    self_conditioning: float  # relative drop in accuracy per error already in context
    reflection_catch: float  # p(an independent review catches a visible error), no context
    self_review_discount: float  # relative drop in catching when reviewing one's own work
    # how far a fact's place in a long prompt moves its use around the average (0: not at all)
    position_depth: float = 0.5
    position_half_tokens: float = 16000  # prompt length at which half that depth applies
    # every decision is right with this probability, whatever the prompt (None: the physics)
    flat_accuracy: float | None = None

    def __post_init__(self) -> None:
        flat = self.flat_accuracy
        if flat is not None and (
            not isinstance(flat, int | float) or isinstance(flat, bool) or not 0 < flat <= 1
        ):
            raise ConfigError(
                "flat_accuracy", flat, "a probability in (0, 1], or None (the physics decides)"
            )


@cache
def prices(path: Path | None = None) -> dict[str, Price]:
    """The dated price table, by model name (one row per model; aliases stay in their row).

    Args:
        path: A CSV with columns model, input, cached_input, output, as_of and aliases
            (space-separated other names of the same model at the same price, e.g. the dated
            snapshot a provider reports; default ``data/prices.csv``).

    Returns:
        A dict from model name to ``Price``.

    Raises:
        ValueError: A name (model or alias) listed twice.
    """
    with open(path or DATA_DIR / "prices.csv", newline="") as f:
        rows = [
            Price(
                model=row["model"],
                input=float(row["input"]),
                output=float(row["output"]),
                cached_input=float(row["cached_input"]) if row["cached_input"] else None,
                as_of=row["as_of"],
                aliases=tuple((row.get("aliases") or "").split()),
            )
            for row in csv.DictReader(f)
        ]
    seen: set[str] = set()
    for price in rows:
        for name in (price.model, *price.aliases):
            if name in seen:
                raise ValueError(f"prices: {name!r} is listed twice (as a model or an alias)")
            seen.add(name)
    return {price.model: price for price in rows}


@cache
def profiles(path: Path | None = None) -> dict[str, ModelProfile]:
    """All simulated-model profiles, by name.

    Args:
        path: A TOML file with a ``[defaults]`` table and one ``[models."name"]`` table each
            (default ``data/model_profiles.toml``).

    Returns:
        A dict from profile name to ``ModelProfile``.

    Example:
        >>> profiles()["gpt-4o"].price.input
        2.5
    """
    with open(path or DATA_DIR / "model_profiles.toml", "rb") as f:
        raw = tomllib.load(f)
    table = prices()
    names = {f.name for f in fields(ModelProfile)} - {"name", "price"}
    out = {}
    for name, values in raw["models"].items():
        merged = {**raw.get("defaults", {}), **values}
        unknown = set(merged) - names - {"price"}
        if unknown:
            raise ValueError(f"model profile {name!r}: unknown parameters {sorted(unknown)}")
        out[name] = ModelProfile(
            name=name,
            price=table[merged.pop("price")],
            **{k: float(v) for k, v in merged.items()},
        )
    return out


def get_profile(name: str, **fields_: Any) -> ModelProfile:
    """Look up one profile by name, with a clear error listing the known ones.

    Args:
        name: A profile of ``data/model_profiles.toml``, e.g. ``"gpt-4o-mini"``.
        **fields_: Profile fields to change (validated), e.g. ``flat_accuracy=0.8``: every
            decision right with probability 0.8, whatever its prompt (notebook 03).

    Returns:
        The profile, with the fields changed.

    Raises:
        ValueError: An unknown profile; ``ConfigError`` (a ``ValueError``): an unknown
            field or a value out of its range.

    Example:
        >>> get_profile("gpt-4o", flat_accuracy=0.8).flat_accuracy
        0.8
    """
    table = profiles()
    if name not in table:
        raise ValueError(f"model profile: unknown {name!r}; allowed: {', '.join(sorted(table))}")
    unknown = set(fields_) - {f.name for f in fields(ModelProfile)} | ({"name"} & set(fields_))
    if unknown:
        allowed = ", ".join(f.name for f in fields(ModelProfile) if f.name != "name")
        raise ConfigError("profile field", sorted(unknown)[0], allowed)
    return replace(table[name], **fields_) if fields_ else table[name]
