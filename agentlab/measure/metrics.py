"""Metrics: every LLM call and tool call of an episode, gathered by a LangChain callback.

``MetricsCallback`` records one ``StepRecord`` per LLM call and per tool call (tokens by
component, cost from the dated price table, modeled latency on a virtual clock, options
in scope, the decisions made). Records are small dataclasses that add up; they become
pandas tables (``steps``, ``episodes``) only at the edge, in ``agentlab.run.runner``.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolCall, ToolMessage
from langchain_core.outputs import LLMResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from agentlab.measure.budgets import BudgetExceeded as BudgetExceeded  # re-exported
from agentlab.measure.budgets import Spend
from agentlab.measure.budgets import UnpricedBudget as UnpricedBudget
from agentlab.measure.pricing import UNPRICED, Pricing, call_cost, pricing
from agentlab.measure.replies import ReplyFailure, cost_unknown, failure, usage_missing
from agentlab.sim.prompt import COMPONENTS, HANDOFF_NAME, text_of, tokens_by_component

DEFAULT_TOOL_LATENCY_S = 0.5  # assumed: a tool with no latency in its metadata


@dataclass
class StepRecord:
    """One LLM call or tool call."""

    index: int  # order in the episode
    kind: str  # "llm" or "tool"
    agent: str  # the agent that acted
    node: str  # the graph node it ran in
    name: str  # model name, or tool name
    tokens_in: dict[str, float] = field(default_factory=dict)  # by component (llm only; NaN:
    tokens_out: float = 0  # ... unknown, the reply reported no usage)
    cost_usd: float = 0.0  # NaN when no source prices the model ("unpriced"), never 0
    price_source: str = ""  # e.g. "agentlab table 2024-07-18", "genai-prices 0.2.3", "unpriced"
    latency_s: float = 0.0  # modeled seconds (virtual clock)
    wall_s: float = 0.0  # real seconds
    options: int = 0  # alternatives in scope (tools bound, for an act call)
    decision: str = ""  # what was decided: the tools called, "answer", "Plan", ...
    status: str = "ok"  # "ok" or "error"
    decisions: list[dict[str, Any]] = field(default_factory=list)  # sim's drawn decisions
    message: BaseMessage | None = None  # the output (traced and judged, then dropped)
    start_s: float = 0.0  # virtual-clock time the step started
    stage: int | None = None  # a parallel stage of a team (None: sequential)
    branch: str = ""  # the parallel branch within the stage
    usage_missing: bool = False  # the reply reported no token usage: tokens and cost are NaN
    handoff: str = ""  # the handoff this call read (a team member's, a sub-agent's), if any
    # the messages the call read (traced, then dropped, like ``message``); None: not known
    prompt: list[BaseMessage] | None = field(default=None, repr=False, compare=False)

    @property
    def input_tokens(self) -> float:
        """All input tokens (NaN when the reply reported no usage)."""
        return sum(self.tokens_in.values())


def _where(metadata: dict[str, Any]) -> dict[str, Any]:
    """The parallel stage and branch a step ran in (set by team graphs in the metadata)."""
    stage = metadata.get("stage")
    return {
        "stage": int(stage) if stage is not None else None,
        "branch": str(metadata.get("branch", "")),
    }


def in_order(records: list[StepRecord]) -> list[StepRecord]:
    """Records in a reproducible order: within a parallel stage, branch by branch (threads
    finish in any order), each branch's steps in their own order; indexes renumbered."""
    out: list[StepRecord] = []
    run: list[StepRecord] = []
    for r in [*records, None]:
        if r is not None and r.stage is not None and (not run or run[0].stage == r.stage):
            run.append(r)
            continue
        out.extend(sorted(run, key=lambda x: x.branch))  # stable: keeps each branch's order
        run = [r] if r is not None and r.stage is not None else []
        if r is not None and r.stage is None:
            out.append(r)
    for i, r in enumerate(out):
        r.index = i
    return out


def critical_path(records: list[StepRecord]) -> float:
    """Modeled seconds of an episode: sequential steps add up; the branches of a parallel
    stage cost their longest branch, not their sum."""
    total, stages = 0.0, dict[int, dict[str, float]]()
    for r in records:
        if r.stage is None:
            total += r.latency_s
        else:
            stages.setdefault(r.stage, {}).setdefault(r.branch, 0.0)
            stages[r.stage][r.branch] += r.latency_s
    return total + sum(max(branches.values()) for branches in stages.values())


def price_for(model_name: str) -> Pricing | None:
    """The price of a model name and its source (``sim:gpt-4o`` -> gpt-4o's profile price;
    exact names and listed aliases, never a prefix), or None with a warning: see
    ``agentlab.measure.pricing``."""
    return pricing(model_name)


def _repaired(message: AIMessage) -> AIMessage:
    """Unparseable tool calls (a real model's broken JSON) as calls with no arguments, as the
    agent runs them: the decision is recorded, and judged wrong, not taken for an answer."""
    if not message.invalid_tool_calls:
        return message
    broken: list[ToolCall] = [
        ToolCall(name=b.get("name") or "unknown_tool", args={}, id=b.get("id") or f"bad-{i}")
        for i, b in enumerate(message.invalid_tool_calls)
    ]
    update = {"tool_calls": [*message.tool_calls, *broken], "invalid_tool_calls": []}
    return message.model_copy(update=update)


class MetricsCallback(BaseCallbackHandler):
    """Collects ``StepRecord``s from LangChain callbacks, for one episode.

    Example:
        >>> import agentlab as al
        >>> cb = al.measure.metrics.MetricsCallback()
        >>> _ = al.make_model("sim").invoke("Hi", config={"callbacks": [cb]})
        >>> cb.records[0].kind
        'llm'
    """

    raise_error = True  # a BudgetExceeded raised here must stop the run
    # it records model and tool calls only: LangChain then skips it for the start and end
    # of every other runnable (graph nodes, channel writes, parsers), dozens per episode
    ignore_chain = True

    def __init__(
        self,
        records: list[StepRecord] | None = None,
        *,
        budget_tokens: int | None = None,
        budget_usd: float | None = None,
    ) -> None:
        self.records: list[StepRecord] = list(records or [])  # earlier steps of a resumed run
        self._open: dict[UUID, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._clock = critical_path(self.records)
        # running totals; a resumed step of unknown usage counts nothing (no estimate is kept)
        known = [r for r in self.records if not r.usage_missing]
        self.spend = Spend(
            sum(r.input_tokens + r.tokens_out for r in known),
            sum((r.cost_usd for r in known), 0.0),  # NaN: something unpriced
            budget_tokens=budget_tokens,
            budget_usd=budget_usd,
        )
        self.spend.unpriced = next((r.name for r in known if r.price_source == UNPRICED), "?")
        self._stage_start: dict[int, float] = {}
        self._branch_clock: dict[tuple[int, str], float] = {}

    def add_human(self, *, checkpoint: str, answer: str, seconds: float) -> None:
        """Record a person's answer at a checkpoint (its time counts on the virtual clock)."""
        self._add(
            StepRecord(
                index=0,
                kind="human",
                agent="user",
                node=checkpoint,
                name="user",
                latency_s=seconds,
                decision=answer[:80],
                message=HumanMessage(answer, name="user"),
            )
        )

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        invocation_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Remember what was sent, to split the tokens by component later; stop first when
        the episode is past its budget (``Spend.before_call``)."""
        with self._lock:
            self.spend.before_call(stage=_where(metadata or {})["stage"])
        params = invocation_params or kwargs.get("invocation_params") or {}
        tools = [  # converting a tool already in OpenAI form gives it back as it is
            t if isinstance(t, dict) and t.get("type") == "function" else convert_to_openai_tool(t)
            for t in params.get("tools") or []
        ]
        self._open[run_id] = {
            "t": time.perf_counter(),
            "metadata": metadata or {},
            "messages": messages[0] if messages else [],
            "tools": tools,
            "handoff": next(
                (
                    text_of(m)
                    for m in reversed(messages[0] if messages else [])
                    if m.name == HANDOFF_NAME
                ),
                "",
            ),
        }

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Record one LLM call."""
        start = self._open.pop(run_id, None)
        if start is None or not response.generations or not response.generations[0]:
            return
        gen = response.generations[0][0]
        message = getattr(gen, "message", None)
        if not isinstance(message, AIMessage):
            return
        message = _repaired(message)
        meta = message.response_metadata or {}
        sim = meta.get("agentlab", {})
        usage: dict[str, Any] = dict(message.usage_metadata or {})
        wall = time.perf_counter() - start["t"]
        if "input_tokens_by_component" in sim:
            tokens_in = dict(sim["input_tokens_by_component"])
        else:  # a real model: split the provider's count in the proportions of our estimate
            estimate = tokens_by_component(start["messages"], start["tools"])
            total = usage.get("input_tokens") or sum(estimate.values())
            scale = total / max(sum(estimate.values()), 1)
            tokens_in = {k: round(v * scale) for k, v in estimate.items()}
            tokens_in["history"] += total - sum(tokens_in.values())
        out: float = int(usage.get("output_tokens", 0))
        missing, failed = usage_missing(message), failure(message)
        if missing:  # the budgets count the lab's estimate; the tables say unknown
            out = sum(tokens_by_component([message], []).values())
        model_name = str(meta.get("model_name") or meta.get("model") or "unknown")
        cost, source = call_cost(model_name, sum(tokens_in.values()), int(out))
        counted: dict[str, float] = {k: int(tokens_in.get(k, 0)) for k in COMPONENTS}
        charge = (sum(counted.values()) + out, cost)
        if missing:
            counted, out, cost = dict.fromkeys(COMPONENTS, math.nan), math.nan, math.nan
        calls = [c["name"] for c in message.tool_calls]
        self._add(
            StepRecord(
                index=0,
                kind="llm",
                agent=str(start["metadata"].get("agent", "agent")),
                **_where(start["metadata"]),
                node=str(start["metadata"].get("langgraph_node", "")),
                name=model_name,
                tokens_in=counted,
                tokens_out=out,
                cost_usd=cost,
                price_source=source,
                latency_s=float(sim.get("latency_s", wall)),
                wall_s=wall,
                options=len(start["tools"]),
                decision=",".join(calls) if calls else "answer",
                status="error" if failed else "ok",
                decisions=list(sim.get("decisions", [])),
                message=message,
                usage_missing=missing,
                handoff=start["handoff"],
                prompt=list(start["messages"]),
            ),
            charge,
        )
        if failed:  # recorded with what it spent; the episode ends with its reason
            raise ReplyFailure(failed)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Record a failed LLM call: $0 when the endpoint refused it, unknown tokens and
        cost (NaN, ``usage_missing``) when it may have billed a reply the lab could not read."""
        start = self._open.pop(run_id, None) or {"t": time.perf_counter(), "metadata": {}}
        unknown = cost_unknown(error)
        self._add(
            StepRecord(
                index=0,
                kind="llm",
                agent=str(start["metadata"].get("agent", "agent")),
                **_where(start["metadata"]),
                node=str(start["metadata"].get("langgraph_node", "")),
                name="error",
                tokens_in=dict.fromkeys(COMPONENTS, math.nan) if unknown else {},
                tokens_out=math.nan if unknown else 0,
                cost_usd=math.nan if unknown else 0.0,
                wall_s=time.perf_counter() - start["t"],
                status="error",
                decision=type(error).__name__,
                usage_missing=unknown,
            ),
            (0, 0.0),  # the budgets count what is known; the failure ends the episode anyway
        )

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Remember the tool's name and modeled latency."""
        self._open[run_id] = {
            "t": time.perf_counter(),
            "metadata": metadata or {},
            "name": serialized.get("name") or kwargs.get("name") or "tool",
        }

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Record one tool call."""
        status = "error" if isinstance(output, ToolMessage) and output.status == "error" else "ok"
        self._tool(
            run_id, status=status, message=output if isinstance(output, ToolMessage) else None
        )

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Record a failed tool call."""
        self._tool(run_id, status="error")

    def _tool(self, run_id: UUID, *, status: str, message: ToolMessage | None = None) -> None:
        start = self._open.pop(run_id, None)
        if start is None:
            return
        meta = start["metadata"]
        self._add(
            StepRecord(
                index=0,
                kind="tool",
                agent=str(meta.get("agent", "agent")),
                **_where(meta),
                node=str(meta.get("langgraph_node", "")),
                name=str(start["name"]),
                latency_s=float(meta.get("latency_s", DEFAULT_TOOL_LATENCY_S)),
                wall_s=time.perf_counter() - start["t"],
                decision=str(start["name"]),
                status=status,
                message=message,
            )
        )

    def _add(self, record: StepRecord, charge: tuple[float, float] | None = None) -> None:
        """Append a record and check the budgets; ``charge`` is the (tokens, dollars) they
        count when not the record's own (an estimate, for a reply of unknown usage)."""
        own = (record.input_tokens + record.tokens_out, record.cost_usd)
        tokens_spent, usd_spent = charge or own
        with self._lock:
            record.index = len(self.records)
            if record.stage is None:
                record.start_s = self._clock
                self._clock += record.latency_s
            else:  # a parallel branch: its own clock from the start of its stage
                begun = self._stage_start.setdefault(record.stage, self._clock)
                key = (record.stage, record.branch)
                record.start_s = begun + self._branch_clock.get(key, 0.0)
                self._branch_clock[key] = self._branch_clock.get(key, 0.0) + record.latency_s
                self._clock = max(self._clock, begun + self._branch_clock[key])
            self.records.append(record)
            # past a budget, raises (the record kept); a parallel stage's branch does not
            self.spend.add(tokens_spent, usd_spent, stage=record.stage, model=record.name)
