"""The placement explorer's team panel: a design's team as a table of its agents (their
capabilities and tools in scope) and as a Mermaid diagram of its LangGraph graph, each
made once and kept (the explorer's background thread makes them ahead of the clicks).

Introduced in notebook 06 (`06_capability_placement.ipynb`), with the explorer.
"""

from __future__ import annotations

import html
from typing import Any

from agentlab.config import EpisodeConfig
from agentlab.graphs.team import TeamSpec, agent_tools, build_team
from agentlab.run.team_runner import team_for
from agentlab.serve.models import make_model
from agentlab.ui.draw import mermaid
from agentlab.ui.explorer_controls import LABELS
from agentlab.world.capabilities import Capability


class TeamViews:
    """Each design's team, agents table and Mermaid text, made once.

    Example:
        >>> views = TeamViews("sim:gpt-4o-mini")
        >>> spec, table, diagram = views.of(EpisodeConfig(scenario="research"))
        >>> spec.topology, "researcher" in table, "graph TD" in diagram
        ('single', True, True)
    """

    def __init__(self, model: str, caps: dict[str, Capability] | None = None) -> None:
        self.model, self.caps = model, caps
        self._tables: dict[Any, str] = {}  # a team and its scope -> its agents table
        self._diagrams: dict[Any, str] = {}  # a team -> its Mermaid text

    def of(self, config: EpisodeConfig) -> tuple[TeamSpec, str, str]:
        """A design's team, its agents table (HTML) and its Mermaid text."""
        spec = team_for(config, self.caps)
        team, scoped = (spec.topology, spec.agents), (spec.topology, spec.agents, spec.distractors)
        if scoped not in self._tables:
            rows = "".join(
                f"<tr><td><b>{html.escape(a.name)}</b></td>"
                f"<td>{html.escape(', '.join(LABELS[c] for c in a.capabilities))}</td>"
                f"<td style='text-align:right'>{len(agent_tools(a, spec, self.caps))} tools</td>"
                "</tr>"
                for a in spec.agents
            )
            self._tables[scoped] = (
                f"<b>{spec.topology}</b>: {len(spec.agents)} agents"
                f"<table style='border-collapse:collapse'>{rows}</table>"
            )
        if team not in self._diagrams:
            graph = build_team(spec, model=make_model(self.model, seed=0), caps=self.caps)
            self._diagrams[team] = mermaid(graph)
        return spec, self._tables[scoped], self._diagrams[team]
