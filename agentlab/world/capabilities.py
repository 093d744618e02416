"""Capabilities and where they live: embedded in a host agent, or an agent of their own.

A capability (retrieve, rank and filter, synthesize, fact-check) is data: the tools it
needs, the instructions it adds, its *coupling* (the share of its host's context it needs)
and its *reuse* (how many agents call on it). ``Placement`` says, per capability, whether
it is its own agent or embedded in a named agent; the team builder turns a placement into a
team, and the physics turns the team into measurements.

Introduced in notebook 06 (`06_capability_placement.ipynb`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from agentlab.data import data_path
from agentlab.errors import ConfigError

CAPABILITIES_FILE = data_path("research", "capabilities.toml")
ORDER = ("retrieve", "rank_filter", "synthesize", "fact_check")  # the research procedure
TRAVEL_CAPABILITIES_FILE = data_path("travel", "capabilities.toml")
TRAVEL_ORDER = ("search", "book", "check")  # the travel procedure, as a team splits it


@dataclass(frozen=True)
class Capability:
    """One capability of the research assistant."""

    name: str
    tools: tuple[str, ...]  # tools it needs
    instructions: str  # what it adds to the prompt of whoever carries it
    coupling: float  # share of the host's context it needs, 0 to 1
    reuse: int  # agents of the system that call on it
    own_tools: tuple[str, ...] = ()  # extra tools when it is an agent of its own


@cache
def capabilities(path: Path | None = None) -> dict[str, Capability]:
    """The capabilities defined in ``data/research/capabilities.toml``, in procedure order."""
    return _load(path or CAPABILITIES_FILE, ORDER)


@cache
def travel_capabilities() -> dict[str, Capability]:
    """The travel agent's capabilities (``data/travel/capabilities.toml``), in order."""
    return _load(TRAVEL_CAPABILITIES_FILE, TRAVEL_ORDER)


def _load(path: Path, order: tuple[str, ...]) -> dict[str, Capability]:
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    return {
        name: Capability(
            name,
            tuple(v["tools"]),
            v["instructions"],
            float(v["coupling"]),
            int(v["reuse"]),
            tuple(v.get("own_tools", ())),
        )
        for name, v in sorted(raw.items(), key=lambda kv: order.index(kv[0]))
    }


def with_data(**changes: dict[str, float | int]) -> dict[str, Capability]:
    """The capabilities with some data changed: ``with_data(rank_filter={"coupling": 0.1})``."""
    caps = dict(capabilities())
    for name, fields in changes.items():
        if name not in caps:
            raise ConfigError("capability", name, ", ".join(caps))
        caps[name] = replace(caps[name], **fields)  # type: ignore[arg-type]
    return caps


def parse_placement(text: str, caps: dict[str, Capability] | None = None) -> dict[str, str]:
    """Parse ``"fact_check=own,rank_filter=retriever"`` into ``{capability: "own" | host}``.

    Args:
        text: The placement.
        caps: The capabilities it may name (default: the research assistant's).

    Example:
        >>> parse_placement("fact_check=own")["fact_check"]
        'own'
        >>> parse_placement("check=booker", travel_capabilities())
        {'check': 'booker'}
    """
    caps = caps or capabilities()
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, where = part.partition("=")
        if name not in caps:
            raise ConfigError(
                "placement",
                part,
                "capability=own|<agent>, capabilities: " + ", ".join(caps),
            )
        if not where:
            raise ConfigError("placement", part, f"{name}=own or {name}=<host agent>")
        out[name] = where
    return out
