"""Checkpoints: where a person (or a simulated user) can correct an agent before it is too late.

Two LangGraph ``interrupt`` nodes join the agent loop when their policy is not "never":

* **clarify**, after the plan and before anything is done with it: the agent states the
  assumptions it is about to commit to and asks. Policies: "never", "always", or
  "ambiguous" (ask when an assumption's stated confidence leaves more ambiguity than
  ``ambiguity_threshold``). A correction ("By Washington I mean Washington State") goes
  into the conversation and the agent plans again.
* **verify**, after tool steps: the person checks the latest results. Policies: "never",
  "always" (after every tool step) or "every_k" (every ``verify_every`` tool steps). A
  correction of an assumption makes the agent plan again; "redo step N" reopens step N.

The run resumes with ``Command(resume=answer)``; with a durable checkpointer (SQLite) it
can resume in another process, after a kernel restart.

Introduced in notebook 04 (`04_checkpoints.ipynb`).
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.types import interrupt

from agentlab.answers import is_yes
from agentlab.config import CheckpointPolicy

MAX_QUESTIONS = 4  # a run never asks more than this many questions per checkpoint kind
_REDO = re.compile(r"redo step (\d+)", re.I)


def clarify_question(plan: dict[str, Any], policy: CheckpointPolicy) -> dict[str, Any] | None:
    """The clarification to ask about a plan under a policy, or None."""
    doubtful = [
        a
        for a in plan.get("assumptions", [])
        if policy.clarify == "always"
        or (
            a.get("alternatives")
            and 1 - float(a.get("confidence", 1.0)) > policy.ambiguity_threshold
        )
    ]
    if policy.clarify == "never" or not doubtful:
        return None
    lines = []
    for a in doubtful:
        others = (
            f" (other readings: {', '.join(a['alternatives'])})" if a.get("alternatives") else ""
        )
        lines.append(f"{a['slot']} = {a['value']}{others}")
    return {
        "checkpoint": "clarify",
        "question": "Before I start, I will assume: " + "; ".join(lines) + ". Is that right?",
        "assumptions": doubtful,
    }


def clarify_node(policy: CheckpointPolicy) -> Any:
    """A graph node that asks for clarification of the plan when the policy says so."""

    def clarify(state: dict[str, Any]) -> dict[str, Any]:
        asked = state.get("questions", 0)
        question = clarify_question(state.get("plan", {}), policy)
        if question is None or asked >= MAX_QUESTIONS or state.get("confirmed"):
            return {"replan": False}
        answer = str(interrupt(question))
        update: dict[str, Any] = {"questions": asked + 1, "replan": not is_yes(answer)}
        if is_yes(answer):
            return update | {"confirmed": True}
        return update | {"messages": [HumanMessage(answer, name="user")]}

    return clarify


def verify_due(state: dict[str, Any], policy: CheckpointPolicy) -> bool:
    """Whether the verification checkpoint should run now."""
    done = len(state.get("results", []))
    since = done - state.get("verified", 0)
    if policy.verify == "never" or since <= 0 or state.get("checks", 0) >= 4 * MAX_QUESTIONS:
        return False
    return policy.verify == "always" or since >= policy.verify_every


def verify_node(policy: CheckpointPolicy) -> Any:
    """A graph node that asks the person to check the latest tool results."""

    def verify(state: dict[str, Any]) -> dict[str, Any]:
        if not verify_due(state, policy):
            return {"replan": False}
        results = state.get("results", [])[state.get("verified", 0) :]
        shown = [r for r in results if r.get("step")]
        update: dict[str, Any] = {"verified": len(state.get("results", [])), "replan": False}
        if not shown:
            return update
        listing = "\n".join(f"step {r['step']} ({r['tool']}): {r['content'][:300]}" for r in shown)
        answer = str(
            interrupt(
                {
                    "checkpoint": "verify",
                    "question": "Please check these results before I go on:\n" + listing,
                    "results": shown,
                }
            )
        )
        update["checks"] = state.get("checks", 0) + 1
        if is_yes(answer):
            return update
        steps = [dict(s) for s in state.get("plan", {}).get("steps", [])]
        redo = [int(n) for n in _REDO.findall(answer)]
        for n in redo:
            if 1 <= n <= len(steps):
                steps[n - 1]["status"] = "pending"
        update["messages"] = [HumanMessage(answer, name="user")]
        if redo:
            return update | {"plan": {**state.get("plan", {}), "steps": steps}}
        return update | {"replan": True}

    return verify
