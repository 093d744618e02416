"""What one agent knows and reads: its state, its plan and review, and its prompts' parts.

``AgentState`` is the whole of an agent's state (messages, plan, memory, summary, counters);
``Plan`` and ``Review`` are the structured replies of the plan and reflect calls, and
``AgentModels`` the calls one run makes on its model; the role prompts (``PLANNER``,
``ACTOR``, ``REVIEWER``, ``SUMMARIZER``) and ``render_plan`` are what each call reads, and
``history_of`` and ``window_of`` pick the messages a prompt keeps.
The graph that runs on them is built by ``agentlab.graphs.agent``.

Introduced in notebook 01 (`01_agent_loop.ipynb`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Annotated, Any, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langgraph.graph.message import add_messages
from pydantic import BaseModel, Field

from agentlab.graphs.structured import Structured

PLANNER = (
    "Make a plan for the user's request before acting. State the assumptions you commit to "
    "(for example which place a name means) and list the steps, one tool call each, using "
    "only the tools named in the instructions."
)
ACTOR = (
    "Carry out the plan one step at a time with the tools. Start each message with the step "
    'it serves ("Step N: ..."). When every step is done, answer with a summary of the '
    "results and stop calling tools."
)
REVIEWER = (
    "Review the work above against the user's request. List each problem with the number "
    "of every plan step that must be redone to fix it; say ok when there is none."
)
SUMMARIZER = (
    "Summarize the conversation so far for your own memory: keep step numbers, ids, "
    "prices, bookings and errors; drop everything else."
)


class Assumption(BaseModel):
    """One assumption the plan commits to."""

    slot: str = Field(description="what is assumed, e.g. 'destination'")
    value: str = Field(description="the value committed to")
    alternatives: list[str] = Field(default_factory=list, description="other readings")
    confidence: float = Field(default=1.0, ge=0, le=1, description="how sure you are, 0 to 1")


class PlanStep(BaseModel):
    """One step of a plan: one tool call."""

    tool: str = Field(description="the tool that carries out the step")
    action: str = Field(description="what the step does")


class Plan(BaseModel):
    """The agent's plan: its assumptions and its steps."""

    assumptions: list[Assumption] = Field(default_factory=list)
    steps: list[PlanStep] = Field(default_factory=list)


class Issue(BaseModel):
    """A problem found by a review."""

    step: int = Field(description="number of a plan step to redo")
    problem: str


class Review(BaseModel):
    """The verdict of a review."""

    ok: bool = Field(description="true when nothing needs fixing")
    issues: list[Issue] = Field(default_factory=list)


class AgentState(TypedDict, total=False):
    """The whole of what the agent knows; nothing lives outside it."""

    messages: Annotated[list[AnyMessage], add_messages]
    plan: dict[str, Any]  # Plan as a dict; each step also has "status": "pending" | "done"
    memory: list[str]  # notes written by the remember node (and long-term notes)
    summary: str  # summary of the history that fell out of the window ("summary" policy)
    summarized: int  # how many history messages the summary covers
    llm_calls: int
    reflections: int
    outcome: str  # "answered", "step_limit"
    results: list[dict[str, Any]]  # every tool result: {"step", "tool", "content", "call_id"}
    questions: int  # clarifications asked
    checks: int  # verifications asked
    verified: int  # results already shown to a verifier
    confirmed: bool  # the person confirmed the plan's assumptions
    replan: bool  # a checkpoint asked to plan again


def render_plan(plan: dict[str, Any]) -> str:
    """The plan as the actor and the reviewer read it, with each step's status."""
    assumptions = "; ".join(f"{a['slot']} = {a['value']}" for a in plan.get("assumptions", []))
    lines = [f"Assumptions: {assumptions}", "Plan:"]
    first_pending = True
    for i, step in enumerate(plan.get("steps", []), 1):
        status = "done" if step.get("status") == "done" else " "
        if status == " " and first_pending:
            status, first_pending = "next", False
        lines.append(f"{i}. [{status}] {step['tool']}: {step['action']}")
    return "\n".join(lines)


def history_of(state: AgentState) -> list[AnyMessage]:
    """The conversation after the request (every message but the first)."""
    return list(state["messages"][1:])


def window_of(history: list[AnyMessage], size: int) -> list[AnyMessage]:
    """The last ``size`` messages of the history, never starting with a tool result."""
    kept = history[-size:] if size else []
    while kept and isinstance(kept[0], ToolMessage):  # never split a call from its result
        kept = kept[1:]
    return kept


class AgentModels:
    """The model's runnables one agent calls, made for one run's model, each on first use.

    A run finds them in ``config["configurable"]``, under a key starting with ``__``:
    LangGraph copies no such key into checkpoint or tracing metadata; what shows a run's whole
    config (``stream_mode="debug"`` or ``"checkpoints"`` events, ``get_state`` before the
    first checkpoint) shows this object by its repr, which names no model setting.
    """

    def __init__(self, model: BaseChatModel, tools: Sequence[BaseTool], name: str) -> None:
        self.name = name
        self._model = model
        self._tools = list(tools)

    @cached_property
    def tagged(self) -> Runnable[Any, AIMessage]:
        return self._model.with_config(metadata={"agent": self.name})

    @cached_property
    def actor(self) -> Runnable[Any, AIMessage]:
        bound = self._model.bind_tools(self._tools)
        return bound.with_config(metadata={"agent": self.name})

    @cached_property
    def planner(self) -> Structured[Plan]:
        return Structured(self._model, Plan, metadata={"agent": self.name})

    @cached_property
    def reviewer(self) -> Structured[Review]:
        return Structured(self._model, Review, metadata={"agent": self.name})

    def __repr__(self) -> str:  # a logged config shows no model settings
        return f"<models of agent {self.name!r}>"
