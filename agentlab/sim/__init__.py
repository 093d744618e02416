"""The simulated chat model: the lab's default model, its skills (travel, research, team
roles), its physics (how scope, context and coupling set a decision's accuracy), the model
profiles it imitates and the token counts it charges."""

from __future__ import annotations

from types import ModuleType

from agentlab.lazy import submodule


def __getattr__(name: str) -> ModuleType:
    """This layer's modules, imported on first use (``al.sim.<module>``)."""
    return submodule(__name__, name)
