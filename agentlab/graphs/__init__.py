"""The LangGraph graphs: one agent (plan -> act -> tools -> remember -> reflect), its
checkpoints, structured output, and teams of agents in every architecture (a member with a
node of its own is a subgraph of the team).
"""

from __future__ import annotations

from types import ModuleType

from agentlab.lazy import submodule


def __getattr__(name: str) -> ModuleType:
    """This layer's modules, imported on first use (``al.graphs.<module>``)."""
    return submodule(__name__, name)
