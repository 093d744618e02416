"""Measuring what a run did: the metrics callback and its step records, prices and costs,
provenance (what each artifact came from, what it tainted), reply failures, reliability
statistics and the published reference figures.
"""

from __future__ import annotations

from types import ModuleType

from agentlab.lazy import submodule


def __getattr__(name: str) -> ModuleType:
    """This layer's modules, imported on first use (``al.measure.<module>``)."""
    return submodule(__name__, name)
