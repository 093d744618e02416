"""A team's description: its topology (``TeamSpec``) and its agents (``AgentSpec``), below
the modules that build and run teams (``agentlab.graphs.team``, ``agentlab.graphs.team_parallel``).

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

from dataclasses import dataclass

from agentlab.config import Architecture

Topology = Architecture


@dataclass(frozen=True)
class AgentSpec:
    """One agent of a team."""

    name: str
    capabilities: tuple[str, ...]  # what it carries (data/<world>/capabilities.toml)
    # sub-agents it owns (vertical scaling): each one tool of its own (agentlab.graphs.sub_agents)
    sub_agents: tuple[AgentSpec, ...] = ()


@dataclass(frozen=True)
class TeamSpec:
    """A team: its topology and agents.

    Example:
        >>> from agentlab.world.capabilities import ORDER
        >>> TeamSpec("single", (AgentSpec("solo", ORDER),)).topology
        'single'
    """

    topology: Topology
    agents: tuple[AgentSpec, ...]
    handoff_tokens: int = 300  # handoff budget, measured against what the receiver needs
    rounds: int = 1  # debate rounds (decentralized)
    # how an independent team's aggregator combines a part's answers: "vote" or "synthesis"
    aggregation: str = "vote"
    distractors: int = 0  # catalogue tools in the system's scope, shared out by capability
    world: str = "research"  # the scenario it works in: "research" or "travel" (team_world)
