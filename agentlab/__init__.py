"""agentlab: measure what scaling an AI agent does to cost, latency and propagated errors.

The names a notebook needs; everything else lives in its own module.
"""

from agentlab.agent import build_agent, render_plan
from agentlab.config import ConfigError, EpisodeConfig
from agentlab.draw import mermaid, show_graph
from agentlab.metrics import MetricsCallback
from agentlab.models import make_model
from agentlab.profiles import get_profile, profiles
from agentlab.runner import Results, grid, run_episode, run_episodes
from agentlab.sim.model import SimChatModel
from agentlab.world.travel import requests, travel_tools

__all__ = [
    "ConfigError",
    "EpisodeConfig",
    "MetricsCallback",
    "Results",
    "SimChatModel",
    "build_agent",
    "get_profile",
    "grid",
    "make_model",
    "mermaid",
    "profiles",
    "render_plan",
    "requests",
    "run_episode",
    "run_episodes",
    "show_graph",
    "travel_tools",
]
