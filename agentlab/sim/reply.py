"""What the simulated model answers: text, tool calls, and the decisions behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentlab.sim.physics import Decision


@dataclass
class Reply:
    """One simulated answer before it becomes an ``AIMessage``."""

    content: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {"name", "args"}
    decisions: list[Decision] = field(default_factory=list)
    skill: str = "generic"  # which behaviour produced it
