"""An episode's artifacts as data: what each derives from, and what their taint counts.

``Artifact`` is one thing an episode produced (a plan, a tool call, a result, a memory
note, a review, an answer) with the artifacts it was derived from and whether it is wrong,
a root error or tainted; ``Provenance`` holds an episode's artifacts and answers questions
about them (a step's columns, the roots behind the outcome, which steps were repairs);
``episode_counts`` turns them into the ``episodes`` table's provenance columns. The words
(root error, tainted, escaped, absorbed, contained, prevented) are defined, and the
artifacts traced, in ``agentlab.measure.provenance``.

Introduced in notebook 03 (`03_failure_propagation.ipynb`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentlab.answers import is_yes
from agentlab.measure.metrics import StepRecord

DECISION_NODES = ("plan", "act", "reflect")  # LLM calls that decide something


@dataclass
class Artifact:
    """One thing an episode produced, and what it came from."""

    id: str  # "request", "plan#3", "call:<id>", "result:<id>", "note:<id>", "answer#9", ...
    # request, memory, plan, reading, handoff (one item a member was handed), tool_call,
    # tool_result, memory_note, answer, review, summary
    kind: str
    text: str  # its content, as passed along
    step: int | None  # the step record that produced it (None for inputs)
    derived_from: list[str] = field(default_factory=list)
    wrong: bool = False  # judged against the ground truth (decisions only)
    root: bool = False  # a root error: wrong with clean inputs
    tainted: bool = False  # a root error or derived from one
    withdrawn: bool = False  # a proposal a person corrected before it was committed
    branch: str = ""  # the parallel branch (team member) that produced it, "" if none


@dataclass
class Provenance:
    """The artifacts of one episode and the per-step and per-episode counts."""

    artifacts: dict[str, Artifact]
    outcome: list[str]  # the artifacts that make up the outcome (standing bookings, answer)
    by_step: dict[int, list[str]]  # step index -> artifact ids it produced
    plan_step: dict[str, int] = field(default_factory=dict)  # call artifact -> plan step served
    parts: set[str] = field(default_factory=set)  # members' answers a team combined

    def step_columns(self, step: int) -> dict[str, Any]:
        """The provenance columns of one step: artifacts, derived_from, tainted, root_error."""
        ids = self.by_step.get(step, [])
        arts = [self.artifacts[i] for i in ids]
        parents = sorted({p for a in arts for p in a.derived_from})
        return {
            "artifacts": ",".join(ids),
            "derived_from": ",".join(parents),
            "tainted": any(a.tainted for a in arts),
            "root_error": any(a.root for a in arts),
            "tainted_input": any(self.artifacts[p].tainted for p in parents),
        }

    def repairs(self, records: Sequence[StepRecord]) -> list[bool]:
        """Per step, whether it is repair work: done after a review flagged a problem or a
        person corrected the agent at a checkpoint."""
        out, repairing = [], False
        for r in records:
            out.append(repairing)
            if r.kind == "human" and not is_yes(r.decision):
                repairing = True
            for aid in self.by_step.get(r.index, []):
                art = self.artifacts[aid]
                if art.kind == "review" and json.loads(art.text or "{}").get("issues"):
                    repairing = True
        return out

    def roots_of(self, ids: Sequence[str], *, stop_at_right_parts: bool = False) -> set[str]:
        """The root errors among these artifacts and everything they derive from.

        With ``stop_at_right_parts``, the walk does not go behind a part of a combined answer
        that came out right: errors behind it were absorbed there (a team combining its
        members' answers passes on the wrong parts, not what the right ones recovered from).
        """
        seen: set[str] = set()
        stack = list(ids)
        while stack:
            a = stack.pop()
            if a not in seen:
                seen.add(a)
                stack.extend(
                    p
                    for p in self.artifacts[a].derived_from
                    if not stop_at_right_parts or p not in self.parts or self._wrong(p)
                )
        return {a for a in seen if self.artifacts[a].root}

    def _wrong(self, a: str) -> bool:
        """A wrong artifact, or a result of a wrong call."""
        art = self.artifacts[a]
        return art.wrong or any(self.artifacts[p].wrong for p in art.derived_from)

    def wrong_in_outcome(self) -> list[str]:
        """The outcome's artifacts that are wrong: a wrong answer, or a result of a wrong call."""
        return [a for a in self.outcome if self._wrong(a)]

    def escaped_roots(self) -> set[str]:
        """Root errors behind a wrong part of the outcome: they escaped into it."""
        return self.roots_of(self.wrong_in_outcome(), stop_at_right_parts=True)

    def absorbed_roots(self) -> set[str]:
        """Root errors that reached the outcome only through parts that came out right."""
        return self.roots_of(self.outcome) - self.escaped_roots()


def episode_counts(prov: Provenance, records: Sequence[StepRecord]) -> dict[str, Any]:
    """Per-episode provenance columns: root errors, taint, blast radius, waste, containment."""
    roots = [a for a in prov.artifacts.values() if a.root]
    escaped, absorbed = prov.escaped_roots(), prov.absorbed_roots()
    columns = [prov.step_columns(r.index) for r in records]
    tainted_steps = [r for r, c in zip(records, columns, strict=True) if c["tainted"]]
    consumers = [
        r
        for r, c in zip(records, columns, strict=True)
        if r.kind == "llm" and r.node in DECISION_NODES and c["tainted_input"]
    ]
    # execution errors (a wrong tool call or argument) in the work a review looked at, and
    # those it flagged by their plan step; a wrong assumption needs the person who asked
    reviewed = caught = 0
    for review in (a for a in prov.artifacts.values() if a.kind == "review"):
        verdict = json.loads(review.text or "{}")  # as the model wrote it: maybe not a Review
        issues = verdict.get("issues") if isinstance(verdict, dict) else None
        flagged = {i.get("step") for i in issues or [] if isinstance(i, dict)}
        for root in prov.roots_of(review.derived_from):
            if prov.artifacts[root].kind == "tool_call" and root in prov.plan_step:
                reviewed += 1
                caught += prov.plan_step[root] in flagged
    first_root = min((a.step for a in roots if a.step is not None), default=None)
    later = [
        r
        for r in records
        if first_root is not None
        and r.index > first_root
        and r.kind == "llm"
        and r.node in DECISION_NODES
    ]
    repair = prov.repairs(records)
    return {
        "repair_cost_usd": sum(
            (r.cost_usd for r, x in zip(records, repair, strict=True) if x), 0.0
        ),
        "repair_latency_s": sum(
            (r.latency_s for r, x in zip(records, repair, strict=True) if x), 0.0
        ),
        "root_errors": len(roots),
        "decisions_after_root": len(later),
        "tainted_artifacts": sum(a.tainted and not a.root for a in prov.artifacts.values()),
        "blast_radius": len(consumers),
        "tainted_tokens": sum(r.input_tokens + r.tokens_out for r in tainted_steps),
        "tainted_cost_usd": sum(r.cost_usd for r in tainted_steps),
        "tainted_latency_s": sum(r.latency_s for r in tainted_steps),
        "errors_contained": len(roots) - len(escaped) - len(absorbed),
        "errors_absorbed": len(absorbed),
        "errors_escaped": len(escaped),
        "errors_prevented": sum(a.withdrawn and a.wrong for a in prov.artifacts.values()),
        "execution_errors_reviewed": reviewed,
        "execution_errors_caught": caught,
    }
