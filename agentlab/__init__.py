"""agentlab: measure what scaling an AI agent does to cost, latency and propagated errors.

The public face is a dozen names, what a notebook reaches for first::

    import agentlab as al
    config = al.EpisodeConfig(tools=16, seed=3)      # one episode's settings (al.ConfigError)
    episode = al.run_episode(config)                 # run one; al.run_episodes(al.grid(...)):
    runs = al.run_episodes(al.grid(config, tools=[4, 64], seeds=range(5)))  # many (al.Results)
    al.run_sweep(configs, store="runs/scope")        # many, durably; al.load_sweep reads it
    model = al.make_model("sim:gpt-4o")              # a model from one string
    al.show_graph(al.build_agent(...))               # the graphs: build_agent, build_team

and the package's layers, each a namespace whose modules load on first use:
``al.world`` (travel, research), ``al.sim`` (the simulated model and its physics),
``al.measure`` (metrics, costs, provenance, reference figures), ``al.graphs`` (agent and
team graphs), ``al.serve`` (models behind endpoints, the local server), ``al.run``
(episodes, sweeps, stores, recordings) and ``al.ui`` (plots, widgets, the explorer), e.g.
``al.ui.plots.success_and_cost(runs.episodes)`` or ``al.world.travel.request_ids()``.

Nothing heavy is imported until used, so ``import agentlab`` loads neither LangChain nor
pandas: a kernel, a worker or ``agentlab --help`` pays for what it uses.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentlab import graphs, measure, run, serve, sim, ui, world
    from agentlab.config import ConfigError, EpisodeConfig
    from agentlab.graphs.agent import build_agent
    from agentlab.graphs.team import build_team
    from agentlab.run.runner import Results, grid, run_episode, run_episodes
    from agentlab.run.sweep import load_sweep, run_sweep
    from agentlab.serve.models import make_model
    from agentlab.ui.draw import show_graph

_LAZY = {  # the public names, and the module each is imported from on first use
    "ConfigError": "agentlab.config",
    "EpisodeConfig": "agentlab.config",
    "Results": "agentlab.run.runner",
    "build_agent": "agentlab.graphs.agent",
    "build_team": "agentlab.graphs.team",
    "grid": "agentlab.run.runner",
    "load_sweep": "agentlab.run.sweep",
    "make_model": "agentlab.serve.models",
    "run_episode": "agentlab.run.runner",
    "run_episodes": "agentlab.run.runner",
    "run_sweep": "agentlab.run.sweep",
    "show_graph": "agentlab.ui.draw",
}
_LAYERS = ("graphs", "measure", "run", "serve", "sim", "ui", "world")  # the namespaces
# names the face had before it shrank to a dozen, and where each lives now; they still
# resolve, with a DeprecationWarning naming the new home
_MOVED = {
    "CheckpointWidget": "agentlab.ui.widgets",
    "MetricsCallback": "agentlab.measure.metrics",
    "PlacementExplorer": "agentlab.ui.explorer",
    "RunStepper": "agentlab.ui.explorer",
    "SimChatModel": "agentlab.sim.model",
    "get_profile": "agentlab.sim.profiles",
    "mermaid": "agentlab.ui.draw",
    "profiles": "agentlab.sim.profiles",
    "render_plan": "agentlab.graphs.agent_state",
    "requests": "agentlab.world.travel",
    "run_remote": "agentlab.run.remote",
    "run_team_episode": "agentlab.run.team_runner",
    "serve_in_thread": "agentlab.serve.server",
    "travel_tools": "agentlab.world.travel",
}


def __getattr__(name: str) -> Any:
    """The public names and the layers, imported on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _LAYERS:
        value = importlib.import_module(f"agentlab.{name}")
    elif name in _MOVED:
        home = _MOVED[name]
        warnings.warn(
            f"agentlab.{name} has moved: use {home}.{name} (al.{home[9:]}.{name})",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(home), name)  # not cached: it warns each time
    else:
        raise AttributeError(f"module 'agentlab' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public face only (what tab completion offers)."""
    return sorted(__all__)


__all__ = [
    "ConfigError",
    "EpisodeConfig",
    "Results",
    "build_agent",
    "build_team",
    "graphs",
    "grid",
    "load_sweep",
    "make_model",
    "measure",
    "run",
    "run_episode",
    "run_episodes",
    "run_sweep",
    "serve",
    "show_graph",
    "sim",
    "ui",
    "world",
]
