"""The worlds agents act in: travel (requests, bookings, the judge, the simulated
traveller), research (the corpus, questions, tools, the research team's capabilities), and
the tool catalogue that grows an agent's scope."""

from __future__ import annotations

from types import ModuleType

from agentlab.lazy import submodule


def __getattr__(name: str) -> ModuleType:
    """This layer's modules, imported on first use (``al.world.<module>``)."""
    return submodule(__name__, name)
