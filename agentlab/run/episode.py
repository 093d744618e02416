"""An episode and its rows: ``Episode`` (one run, its records, its row and step rows).
The tidy tables of many are ``agentlab.run.results.Results``.

Every scenario's runner returns an ``Episode``; this module sits below them all, so a
scenario's runner and the generic one never import each other. Notebooks reach these names
through ``agentlab`` (or ``agentlab.run.runner``).

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentlab.config import EpisodeConfig
from agentlab.measure.artifacts import Provenance, episode_counts
from agentlab.measure.metrics import BudgetExceeded, StepRecord, critical_path
from agentlab.measure.replies import ReplyFailure
from agentlab.redact import error_text
from agentlab.serve.deadlines import EpisodeDeadline
from agentlab.sim.prompt import COMPONENTS

DECISION_NODES = ("plan", "act", "reflect")  # an agent's own LLM calls that decide something
NOT_DECISIONS = ("remember",)  # LLM calls that decide nothing (memory summaries)
# LLM calls that coordinate a team: routing, team leads, peer handoffs, aggregation, debate
COORDINATION_NODES = (
    "coordinator",
    "research_lead",
    "analysis_lead",
    "split",  # the independent team's division of the question: work about the work
    "aggregate",
    "member",
)


def outcome_of(exc: Exception) -> str:
    """The outcome of an episode that ``exc`` ended: ``"budget"``, ``"deadline"``, a reply
    that is no decision (``"error: truncated"``, ...), or ``"error: <reason>"`` for any
    other failure, redacted (a provider may echo the key). An episode's failure is its
    outcome, never the sweep's end.

    Example:
        >>> outcome_of(ValueError("boom"))
        'error: ValueError: boom'
    """
    if isinstance(exc, BudgetExceeded):
        return "budget"
    if isinstance(exc, EpisodeDeadline | ReplyFailure):  # a deadline, or no decision
        return exc.outcome
    return f"error: {error_text(exc)}"


@dataclass
class Episode:
    """One run: its configuration, request, final state and step records."""

    config: EpisodeConfig
    request: Any  # the task: a TravelRequest or a research Question (has .id)
    state: dict[str, Any]
    records: list[StepRecord]
    outcome: str  # "answered", "step_limit" or "error: <reason>"
    success: bool
    wall_s: float
    correct: list[bool | None] = field(default_factory=list)  # per record, vs ground truth
    provenance: Provenance | None = None  # what each artifact came from, what was tainted
    pending: dict[str, Any] | None = None  # the question a stopped episode waits on
    extra: dict[str, Any] = field(default_factory=dict)  # the scenario's own columns

    def row(self) -> dict[str, Any]:
        """The ``episodes`` row."""
        llm = [r for r in self.records if r.kind == "llm"]
        decisions = [r for r in llm if r.node not in NOT_DECISIONS]
        deciding = {id(r) for r in decisions}  # records are told apart by identity (and index)
        judged = [
            c
            for r, c in zip(self.records, self.correct, strict=True)
            if id(r) in deciding and c is not None
        ]
        coordination = [
            r for r in llm if r.node in COORDINATION_NODES or r.node.endswith("_handoff")
        ]
        coordinating = {id(r) for r in coordination}
        return {
            **self.config.as_row(),
            "request_id": self.request.id,
            "success": self.success,
            "outcome": self.outcome,
            "cost_usd": sum((r.cost_usd for r in self.records), 0.0),  # NaN if one is unpriced
            "price_source": "; ".join(sorted({r.price_source for r in llm if r.price_source})),
            "tokens_in": sum(r.input_tokens for r in llm),
            **{f"tokens_in_{k}": sum(r.tokens_in.get(k, 0) for r in llm) for k in COMPONENTS},
            "tokens_out": sum(r.tokens_out for r in llm),
            "usage_missing": sum(r.usage_missing for r in llm),  # replies of unknown tokens
            "llm_calls": len(llm),
            "tool_calls": sum(r.kind == "tool" for r in self.records),
            "tool_errors": sum(r.kind == "tool" and r.status == "error" for r in self.records),
            "decisions": len(decisions),
            "wrong_decisions": sum(not c for c in judged),
            "latency_s": critical_path(self.records),
            "coordination_tokens": sum(r.input_tokens + r.tokens_out for r in coordination)
            + sum(r.tokens_in.get("handoff", 0) for r in llm if id(r) not in coordinating),
            "agents": len({r.agent for r in llm}),
            "wall_s": self.wall_s,
            "questions": sum(r.kind == "human" for r in self.records),
            "human_s": sum((r.latency_s for r in self.records if r.kind == "human"), 0.0),
            **self.extra,
            **(episode_counts(self.provenance, self.records) if self.provenance else {}),
        }

    def step_rows(self) -> list[dict[str, Any]]:
        """The ``steps`` rows."""
        rows = []
        repair = (
            self.provenance.repairs(self.records)
            if self.provenance
            else [False] * len(self.records)
        )
        for r, c, fix in zip(self.records, self.correct, repair, strict=True):
            rows.append(
                {
                    "seed": self.config.seed,
                    "request_id": self.request.id,
                    "tools_in_scope": self.config.tools,
                    "step": r.index,
                    "kind": r.kind,
                    "agent": r.agent,
                    "node": r.node,
                    "name": r.name,
                    "decision": r.decision,
                    **{f"tokens_in_{k}": r.tokens_in.get(k, 0) for k in COMPONENTS},
                    "tokens_in": r.input_tokens,
                    "tokens_out": r.tokens_out,
                    "usage_missing": r.usage_missing,  # tokens and cost unknown (NaN)
                    "cost_usd": r.cost_usd,
                    "price_source": r.price_source,
                    "latency_s": r.latency_s,
                    "start_s": r.start_s,
                    "wall_s": r.wall_s,
                    "options": r.options,
                    "status": r.status,
                    "correct": c,
                    "tool_correct": next(
                        (bool(d["correct"]) for d in r.decisions if d.get("kind") == "tool"), None
                    ),
                    "repair": fix,
                    **(self.provenance.step_columns(r.index) if self.provenance else {}),
                }
            )
        return rows
