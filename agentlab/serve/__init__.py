"""Models behind an endpoint: making a model from one string, ChatOpenAI as the lab uses it,
the wire format, the local OpenAI-compatible server and its faults, deadlines and tracing.
"""

from __future__ import annotations

from types import ModuleType

from agentlab.lazy import submodule


def __getattr__(name: str) -> ModuleType:
    """This layer's modules, imported on first use (``al.serve.<module>``)."""
    return submodule(__name__, name)
