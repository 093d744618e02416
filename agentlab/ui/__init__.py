"""What a learner sees: plotly plots, ipywidgets, the placement explorer, graph drawings, and
the LangGraph Studio entry points.
"""

from __future__ import annotations

from types import ModuleType

from agentlab.lazy import submodule


def __getattr__(name: str) -> ModuleType:
    """This layer's modules, imported on first use (``al.ui.<module>``)."""
    return submodule(__name__, name)
