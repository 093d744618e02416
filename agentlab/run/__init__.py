"""Running episodes: the scenario registry and each scenario's runner, the episode and its
tables, sweeps, the store, backends (processes, Ray), durable checkpoints, runs against an
endpoint and their recordings.
"""

from __future__ import annotations

from types import ModuleType

from agentlab.lazy import submodule


def __getattr__(name: str) -> ModuleType:
    """This layer's modules, imported on first use (``al.run.<module>``)."""
    return submodule(__name__, name)
