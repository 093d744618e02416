"""langgraph.json names graphs that LangGraph Studio (``langgraph dev``) can load and run.

Each graph is loaded as ``langgraph dev`` loads it, from the file path and attribute the
JSON names, offline; one travel and one team graph are invoked.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.pregel import Pregel

from agentlab.config import ARCHITECTURES, TRAVEL_ARCHITECTURES
from agentlab.world import research, travel


def _graphs(repo_root: Path) -> dict[str, Any]:
    spec = json.loads((repo_root / "langgraph.json").read_text())
    assert spec["dependencies"] == ["."]
    loaded: dict[str, Any] = {}
    modules: dict[str, Any] = {}
    for name, target in spec["graphs"].items():
        path, attr = target.split(":")
        if path not in modules:
            module_spec = importlib.util.spec_from_file_location("studio_graphs", repo_root / path)
            assert module_spec is not None and module_spec.loader is not None
            modules[path] = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(modules[path])
        loaded[name] = getattr(modules[path], attr)
    return loaded


@pytest.fixture(scope="module")
def graphs(repo_root: Path) -> dict[str, Any]:
    return _graphs(repo_root)


def test_every_architecture_and_the_travel_agent_are_served(graphs: dict[str, Any]) -> None:
    travel_teams = {f"travel_{a}" for a in TRAVEL_ARCHITECTURES[1:]}
    assert set(graphs) == {"travel_agent"} | travel_teams | {f"research_{a}" for a in ARCHITECTURES}
    for name, graph in graphs.items():
        assert isinstance(graph, Pregel), name
        assert graph.checkpointer is None, f"{name}: the Studio brings its own checkpointer"
        assert len(graph.get_graph().nodes) > 2, name


def test_the_travel_agent_answers_a_request(graphs: dict[str, Any]) -> None:
    request = travel.requests()["trip-001"]
    state = graphs["travel_agent"].invoke({"messages": [HumanMessage(request.text)]})
    assert state["messages"][-1].type == "ai"
    assert state["messages"][-1].content


def test_a_team_answers_a_question(graphs: dict[str, Any]) -> None:
    question = next(iter(research.questions().values()))
    state = graphs["research_centralized"].invoke(
        {"messages": [HumanMessage(question.text)]}, {"recursion_limit": 200}
    )
    assert state["final"]


def test_a_travel_team_books_a_trip(graphs: dict[str, Any]) -> None:
    request = travel.requests()["trip-002"]
    state = graphs["travel_centralized"].invoke(
        {"messages": [HumanMessage(request.text)]}, {"recursion_limit": 400}
    )
    assert state["final"] and travel.Itinerary.from_messages(state["results"]).bookings
