"""The lab's graphs for LangGraph Studio (``langgraph dev``), on the simulated model.

``langgraph.json`` at the repository root names the graphs below, so ``langgraph dev``
(from ``pip install "langgraph-cli[inmem]"``, not a dependency of the lab) serves them
offline: the travel agent of notebooks 01-04 and its teams of notebook 05 (planner,
booker, checker), and the research assistant as a single agent, each as every team
architecture of notebooks 05-08. Send a message with a travel request or a research
question; the Studio draws the graph and steps through it. The Studio's server
brings its own checkpointer, so the graphs are compiled without one.

Introduced in the README.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph.state import CompiledStateGraph

from agentlab.config import EpisodeConfig
from agentlab.graphs.agent import build_agent
from agentlab.graphs.team import build_team
from agentlab.run.team_runner import team_for
from agentlab.run.travel_team_runner import travel_team_for
from agentlab.serve.models import make_model
from agentlab.world import travel

Graph = CompiledStateGraph[Any, Any, Any, Any]
STUDIO_TOOLS = 16  # tools in the travel agent's scope: the four it needs and twelve others


def travel_graph(*, tools: int = STUDIO_TOOLS, seed: int = 0) -> Graph:
    """The single travel agent (plan, act, tools, remember, reflect) on the simulated model.

    Example:
        >>> "reflect" in travel_graph().get_graph().nodes
        True
    """
    return build_agent(
        model=make_model("sim", seed=seed),
        tools=travel.travel_tools(tools),
        instructions=travel.INSTRUCTIONS,
        digest=travel.digest,
    )


def research_graph(architecture: str, *, seed: int = 0) -> Graph:
    """The research assistant as one of ``ARCHITECTURES`` on the simulated model.

    Example:
        >>> "coordinator" in research_graph("centralized").get_graph().nodes
        True
    """
    spec = team_for(EpisodeConfig(scenario="research", architecture=architecture))
    return build_team(spec, model=make_model("sim", seed=seed))


def travel_team_graph(architecture: str, *, seed: int = 0) -> Graph:
    """The travel task as a team (one of ``TEAMS``) on the simulated model.

    Example:
        >>> "checker" in travel_team_graph("pipeline").get_graph().nodes
        True
    """
    spec = travel_team_for(EpisodeConfig(architecture=architecture))
    return build_team(spec, model=make_model("sim", seed=seed))


# The names langgraph.json points at: one module attribute per graph.
travel_agent = travel_graph()
travel_pipeline = travel_team_graph("pipeline")
travel_centralized = travel_team_graph("centralized")
travel_hierarchical = travel_team_graph("hierarchical")
travel_swarm = travel_team_graph("swarm")
travel_independent = travel_team_graph("independent")
travel_decentralized = travel_team_graph("decentralized")
travel_hybrid = travel_team_graph("hybrid")
research_single = research_graph("single")
research_pipeline = research_graph("pipeline")
research_centralized = research_graph("centralized")
research_hierarchical = research_graph("hierarchical")
research_swarm = research_graph("swarm")
research_independent = research_graph("independent")
research_decentralized = research_graph("decentralized")
research_hybrid = research_graph("hybrid")

GRAPHS: dict[str, Graph] = {
    "travel_agent": travel_agent,
    "travel_pipeline": travel_pipeline,
    "travel_centralized": travel_centralized,
    "travel_hierarchical": travel_hierarchical,
    "travel_swarm": travel_swarm,
    "travel_independent": travel_independent,
    "travel_decentralized": travel_decentralized,
    "travel_hybrid": travel_hybrid,
    "research_single": research_single,
    "research_pipeline": research_pipeline,
    "research_centralized": research_centralized,
    "research_hierarchical": research_hierarchical,
    "research_swarm": research_swarm,
    "research_independent": research_independent,
    "research_decentralized": research_decentralized,
    "research_hybrid": research_hybrid,
}
