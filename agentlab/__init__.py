"""agentlab: measure what scaling an AI agent does to cost, latency and propagated errors.

The names a notebook needs; everything else lives in its own module. The widgets, teams,
sweeps and the local server are imported on first use (``al.run_sweep``,
``al.PlacementExplorer``, ...), so ``import agentlab`` stays quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentlab.agent import build_agent
from agentlab.agent_state import render_plan
from agentlab.config import ConfigError, EpisodeConfig
from agentlab.draw import mermaid, show_graph
from agentlab.metrics import MetricsCallback
from agentlab.models import make_model
from agentlab.profiles import get_profile, profiles
from agentlab.runner import Results, grid, run_episode, run_episodes
from agentlab.sim.model import SimChatModel
from agentlab.world.travel import requests, travel_tools

if TYPE_CHECKING:
    from agentlab.explorer import PlacementExplorer, RunStepper
    from agentlab.remote import run_remote
    from agentlab.server import serve_in_thread
    from agentlab.sweep import load_sweep, run_sweep
    from agentlab.team import build_team
    from agentlab.team_runner import run_team_episode
    from agentlab.widgets import CheckpointWidget

_LAZY = {
    "CheckpointWidget": "agentlab.widgets",
    "PlacementExplorer": "agentlab.explorer",
    "RunStepper": "agentlab.explorer",
    "build_team": "agentlab.team",
    "load_sweep": "agentlab.sweep",
    "run_remote": "agentlab.remote",
    "run_sweep": "agentlab.sweep",
    "run_team_episode": "agentlab.team_runner",
    "serve_in_thread": "agentlab.server",
}


def __getattr__(name: str) -> Any:
    """The names of ``_LAZY``, imported from their module on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'agentlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "CheckpointWidget",
    "ConfigError",
    "EpisodeConfig",
    "MetricsCallback",
    "PlacementExplorer",
    "Results",
    "RunStepper",
    "SimChatModel",
    "build_agent",
    "build_team",
    "get_profile",
    "grid",
    "load_sweep",
    "make_model",
    "mermaid",
    "profiles",
    "render_plan",
    "requests",
    "run_episode",
    "run_episodes",
    "run_remote",
    "run_sweep",
    "run_team_episode",
    "serve_in_thread",
    "show_graph",
    "travel_tools",
]
