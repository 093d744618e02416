"""agentlab: measure what scaling an AI agent does to cost, latency and propagated errors.

The names a notebook needs; everything else lives in its own module, in the package's
layers (``agentlab.graphs``, ``agentlab.run``, ...). Every name is imported on first use
(``al.run_episode``, ``al.PlacementExplorer``, ...), so ``import agentlab`` loads neither
LangChain nor pandas: a kernel, a worker or ``agentlab --help`` pays for what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentlab.config import ConfigError, EpisodeConfig
    from agentlab.graphs.agent import build_agent
    from agentlab.graphs.agent_state import render_plan
    from agentlab.graphs.team import build_team
    from agentlab.measure.metrics import MetricsCallback
    from agentlab.run.remote import run_remote
    from agentlab.run.runner import Results, grid, run_episode, run_episodes
    from agentlab.run.sweep import load_sweep, run_sweep
    from agentlab.run.team_runner import run_team_episode
    from agentlab.serve.models import make_model
    from agentlab.serve.server import serve_in_thread
    from agentlab.sim.model import SimChatModel
    from agentlab.sim.profiles import get_profile, profiles
    from agentlab.ui.draw import mermaid, show_graph
    from agentlab.ui.explorer import PlacementExplorer, RunStepper
    from agentlab.ui.widgets import CheckpointWidget
    from agentlab.world.travel import requests, travel_tools

_LAZY = {  # every public name, and the module it is imported from on first use
    "CheckpointWidget": "agentlab.ui.widgets",
    "ConfigError": "agentlab.config",
    "EpisodeConfig": "agentlab.config",
    "MetricsCallback": "agentlab.measure.metrics",
    "PlacementExplorer": "agentlab.ui.explorer",
    "Results": "agentlab.run.runner",
    "RunStepper": "agentlab.ui.explorer",
    "SimChatModel": "agentlab.sim.model",
    "build_agent": "agentlab.graphs.agent",
    "build_team": "agentlab.graphs.team",
    "get_profile": "agentlab.sim.profiles",
    "grid": "agentlab.run.runner",
    "load_sweep": "agentlab.run.sweep",
    "make_model": "agentlab.serve.models",
    "mermaid": "agentlab.ui.draw",
    "profiles": "agentlab.sim.profiles",
    "render_plan": "agentlab.graphs.agent_state",
    "requests": "agentlab.world.travel",
    "run_episode": "agentlab.run.runner",
    "run_episodes": "agentlab.run.runner",
    "run_remote": "agentlab.run.remote",
    "run_sweep": "agentlab.run.sweep",
    "run_team_episode": "agentlab.run.team_runner",
    "serve_in_thread": "agentlab.serve.server",
    "show_graph": "agentlab.ui.draw",
    "travel_tools": "agentlab.world.travel",
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
