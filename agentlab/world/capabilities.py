"""Capabilities and where they live: embedded in a host agent, or an agent of their own.

A capability (refine the query, retrieve, rank and filter, synthesize, fact-check) is
data: the tools it needs, the instructions it adds, its *coupling* (the share of its host's
context it needs) and its *reuse* (how many agents call on it). ``Placement`` says, per
capability, whether it is its own agent or embedded in a named agent (or, for an optional
one, left out: ``none``); the team builder turns a placement into a team, and the physics
turns the team into measurements.

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
# the research procedure
ORDER = ("refine_query", "retrieve", "rank_filter", "synthesize", "fact_check")
NONE = "none"  # the placement of an optional capability that no agent carries
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
    optional: bool = False  # a team may go without it (placement "<name>=none")


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
            bool(v.get("optional", False)),
        )
        for name, v in sorted(raw.items(), key=lambda kv: order.index(kv[0]))
    }


def with_data(**changes: dict[str, float | int | str]) -> dict[str, Capability]:
    """The capabilities with some data changed: ``with_data(rank_filter={"coupling": 0.1})``."""
    caps = dict(capabilities())
    for name, fields in changes.items():
        if name not in caps:
            raise ConfigError("capability", name, ", ".join(caps))
        caps[name] = replace(caps[name], **fields)  # type: ignore[arg-type]
    return caps


def checked(caps: object) -> dict[str, Capability]:
    """``caps`` if they are capability data for the research assistant (``capabilities()``
    or ``with_data(...)``: every one of its capabilities, each a ``Capability``).

    Raises:
        ConfigError: Naming ``caps``, what they are, and what is allowed.
    """
    names = capabilities()
    if not isinstance(caps, dict) or not all(isinstance(c, Capability) for c in caps.values()):
        got = type(caps).__name__
    elif set(caps) != set(names):
        got = f"capability data for {', '.join(sorted(caps)) or 'none'}"
    else:
        return caps
    raise ConfigError(
        "caps",
        got,
        f"with_data(...): data for each of {', '.join(names)} (the research assistant's)",
    )


def parse_placement(text: str, caps: dict[str, Capability] | None = None) -> dict[str, str]:
    """Parse ``"fact_check=own,rank_filter=retriever"`` into ``{capability: "own" | host}``
    (or ``"none"``: no agent carries it, for an optional capability such as ``refine_query``).

    Args:
        text: The placement.
        caps: The capabilities it may name (default: the research assistant's).

    Raises:
        ConfigError: Naming the placement, and the capabilities and places allowed.

    Example:
        >>> parse_placement("fact_check=own")["fact_check"]
        'own'
        >>> parse_placement("check=booker", travel_capabilities())
        {'check': 'booker'}
        >>> parse_placement("refine_query=none")
        {'refine_query': 'none'}
    """
    caps = caps or capabilities()
    optional = [n for n, c in caps.items() if c.optional]
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, where = part.partition("=")
        if name not in caps:
            also = f" (or none, for {', '.join(optional)})" if optional else ""
            raise ConfigError(
                "placement",
                part,
                f"capability=own|<agent>{also}, capabilities: " + ", ".join(caps),
            )
        if not where or (where == NONE and not caps[name].optional):
            places = f"{name}=own or {name}=<host agent>"
            if caps[name].optional:
                places = f"{name}=own, {name}=<host agent> or {name}={NONE}"
            elif where == NONE and optional:
                places += f" ({name} is not optional; only {', '.join(optional)} may be {NONE})"
            raise ConfigError("placement", part, places)
        out[name] = where
    return out


def parse_sub_team(
    text: str, caps: dict[str, Capability] | None = None
) -> tuple[tuple[str, ...], ...]:
    """Parse ``"retrieve+rank_filter,fact_check"`` into the sub-agents an agent owns, each
    the capabilities it carries (``+`` joins the capabilities of one sub-agent; ``,``
    separates sub-agents; each capability at most once).

    Args:
        text: The sub-team (``EpisodeConfig.sub_team``).
        caps: The capabilities it may name (default: the research assistant's).

    Example:
        >>> parse_sub_team("retrieve+rank_filter,fact_check")
        (('retrieve', 'rank_filter'), ('fact_check',))
    """
    caps = caps or capabilities()
    allowed = (
        "sub-agents separated by ',', each its capabilities joined by '+' "
        f"(e.g. 'retrieve+rank_filter,fact_check'), each capability once, from: {', '.join(caps)}"
    )
    groups = tuple(
        tuple(c.strip() for c in part.split("+"))
        for part in filter(None, (p.strip() for p in text.split(",")))
    )
    named = [c for g in groups for c in g]
    if any(c not in caps for c in named) or len(set(named)) != len(named):
        raise ConfigError("sub_team", text, allowed)
    idle = [g for g in groups if not any(caps[c].tools for c in g)]
    if idle:  # nothing to ask it for: its owner would have no step to hand over
        raise ConfigError(
            "sub_team",
            text,
            f"{allowed}; a sub-agent needs a capability with tools, and "
            f"{'+'.join(idle[0])} has none (hand it over with one that has: "
            f"'{'+'.join(idle[0])}+retrieve')",
        )
    order = list(caps)
    return tuple(tuple(sorted(g, key=order.index)) for g in groups)
