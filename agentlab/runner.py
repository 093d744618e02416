"""Run episodes and turn their records into tidy tables: ``episodes`` and ``steps``.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Checkpointer, Command
from tqdm.auto import tqdm

from agentlab.agent import build_agent
from agentlab.config import EpisodeConfig
from agentlab.costs import usd_totals
from agentlab.deadlines import (
    DEFAULT_EPISODE_DEADLINE_S,
    EpisodeDeadline,
    check_episode,
    check_seconds,
    episode_deadline,
)
from agentlab.durable import claim_thread, load_records, save_records
from agentlab.metrics import BudgetExceeded, MetricsCallback, StepRecord, critical_path
from agentlab.models import check_model_string, make_model
from agentlab.provenance import Provenance, episode_counts, trace
from agentlab.redact import error_text
from agentlab.replies import ReplyFailure
from agentlab.sim.prompt import COMPONENTS
from agentlab.tracing import tracing_guarded
from agentlab.world import travel
from agentlab.world.travel_user import TravelUser

DECISION_NODES = ("plan", "act", "reflect")  # an agent's own LLM calls that decide something
NOT_DECISIONS = ("remember",)  # LLM calls that decide nothing (memory summaries)
# LLM calls that coordinate a team: routing, team leads, peer handoffs, aggregation, debate
COORDINATION_NODES = ("coordinator", "research_lead", "analysis_lead", "aggregate", "member")


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


def pick_request(config: EpisodeConfig) -> travel.TravelRequest:
    """The config's request, or the seed's: ``request_ids()[seed % n]`` (seed 0 is trip-001)."""
    ids = travel.request_ids()
    return travel.requests()[config.request or ids[config.seed % len(ids)]]


def _judge(
    req: travel.TravelRequest, records: list[StepRecord], success: bool
) -> list[bool | None]:
    out: list[bool | None] = []
    for r in records:
        m = r.message
        if r.kind != "llm" or not isinstance(m, AIMessage) or r.node not in DECISION_NODES:
            out.append(None)
        elif r.node == "plan":
            args = m.tool_calls[0]["args"] if m.tool_calls else {}
            out.append(travel.judge_plan(req, args))
        elif r.node == "reflect":
            args = m.tool_calls[0]["args"] if m.tool_calls else {}
            flagged = bool(args.get("issues")) and not args.get("ok", True)
            out.append(flagged != success if r is records[-1] or not flagged else True)
        elif m.tool_calls:
            out.append(all(travel.judge_call(req, c["name"], c["args"]) for c in m.tool_calls))
        else:
            out.append(success)
    return out


def _deadline(config: EpisodeConfig, deadline_s: float | Literal["auto"] | None) -> float | None:
    """An episode's deadline in seconds: ``"auto"`` is the default of a real model, none for
    the simulated one."""
    if deadline_s == "auto":
        real = check_model_string(config.model)[0] != "sim"
        return DEFAULT_EPISODE_DEADLINE_S if real else None
    return check_seconds("deadline_s", deadline_s)


@tracing_guarded
def run_episode(
    config: EpisodeConfig,
    *,
    model: BaseChatModel | None = None,
    checkpointer: Checkpointer = None,
    thread_id: str | None = None,
    answer: Callable[[dict[str, Any]], str] | None = None,
    stop_at_interrupt: bool = False,
    resume: str | None = None,
    deadline_s: float | Literal["auto"] | None = "auto",
) -> Episode:
    """Run one episode of the single agent and record everything it did.

    A failing model call, tool or graph step ends the episode with outcome
    ``"error: <reason>"``; it never raises. When a checkpoint interrupts the run, the
    simulated traveller (``TravelUser``) answers, or ``answer`` does; with
    ``stop_at_interrupt`` the episode stops instead (outcome ``"interrupted"``, question in
    ``Episode.pending``) and ``resume=`` continues it later, in this process or another
    one when the checkpointer is durable (``agentlab.durable.sqlite_checkpointer``).

    Args:
        config: What to run.
        model: A ready model to use instead of ``make_model(config.model, seed=config.seed)``.
        checkpointer: A LangGraph checkpointer (default: in memory when checkpoints are on).
        thread_id: The run's thread in the checkpointer (default: from request and seed).
            A SQLite checkpointer refuses (``ConfigError``) a thread that another
            configuration started.
        answer: Answers checkpoint questions (default: the simulated traveller).
        stop_at_interrupt: Stop at the first question instead of answering it.
        resume: The answer to the question a stopped run is waiting on.
        deadline_s: Wall-clock seconds the episode may take; past them it stops with
            outcome ``"deadline"``, keeping its steps (``agentlab.deadlines``). ``"auto"``:
            ``DEFAULT_EPISODE_DEADLINE_S`` for a real model, none for the simulated one
            (its time is virtual). None: no deadline.

    Returns:
        The ``Episode``: call ``.row()`` and ``.step_rows()`` for the tables.

    Example:
        >>> import agentlab as al
        >>> ep = al.run_episode(al.EpisodeConfig(seed=0))
        >>> ep.request.id
        'trip-001'
    """
    if config.scenario == "research":
        from agentlab.team_runner import run_team_episode

        with episode_deadline(_deadline(config, deadline_s)):  # bounds the team's calls
            return run_team_episode(config, model=model)
    req = pick_request(config)
    user = TravelUser(req, seed=config.seed)
    policy = config.checkpoints
    if checkpointer is None and (policy.active or resume is not None):
        checkpointer = InMemorySaver()
    thread = thread_id or f"{req.id}-seed{config.seed}"
    claim_thread(checkpointer, thread, config)  # a SQLite file refuses another config's thread
    graph = build_agent(
        model=model or make_model(config.model, seed=config.seed),
        tools=travel.travel_tools(config.tools),
        instructions=travel.INSTRUCTIONS,
        digest=travel.digest,
        memory=config.memory,
        window=config.window,
        reflect=config.reflect,
        max_reflections=config.max_reflections,
        max_steps=config.max_steps,
        checkpoints=policy,
        checkpointer=checkpointer,
    )
    callback = MetricsCallback(
        load_records(checkpointer, thread) if resume is not None else None,
        budget_tokens=config.budget_tokens,
        budget_usd=config.budget_usd,
    )
    run_config: RunnableConfig = {
        "callbacks": [callback],
        "recursion_limit": 6 * config.max_steps + 40,
        "configurable": {"thread_id": thread},
    }
    state: dict[str, Any] = {}
    if resume is not None:  # the person's answer to the question the run stopped on
        waiting = graph.get_state(run_config).interrupts
        if not waiting:
            raise ValueError(f"resume: thread {thread!r} is not waiting on a question")
        asked_at = str(waiting[0].value.get("checkpoint"))
        callback.add_human(checkpoint=asked_at, answer=resume, seconds=user.response_s)
    step: Any = (
        Command(resume=resume)
        if resume is not None
        else {
            "messages": [HumanMessage(req.text)],
            "memory": travel.past_trip_notes(config.memory_items),
        }
    )
    limit = _deadline(config, deadline_s)
    start = time.perf_counter()
    outcome, pending = "", None
    try:
        with episode_deadline(limit):  # bounds every call made within the episode, too
            while True:
                for values in graph.stream(step, config=run_config, stream_mode="values"):
                    # the last state survives a failure mid-episode
                    state = {k: v for k, v in values.items() if k != "__interrupt__"}
                    check_episode()  # past the deadline: stop between steps, keep them
                asked = graph.get_state(run_config).interrupts if checkpointer is not None else ()
                if not asked:
                    break
                pending = asked[0].value
                if stop_at_interrupt:
                    outcome = "interrupted"
                    break
                reply = (answer or user.answer)(pending)
                callback.add_human(
                    checkpoint=str(pending.get("checkpoint")), answer=reply, seconds=user.response_s
                )
                step, pending = Command(resume=reply), None
    except BudgetExceeded:
        outcome = "budget"
    except (EpisodeDeadline, ReplyFailure) as exc:  # a deadline, or a reply that is no decision
        outcome = exc.outcome
    except Exception as exc:  # an episode's failure is its outcome, never the sweep's end
        outcome = f"error: {error_text(exc)}"  # redacted: a provider may echo the key
    wall = time.perf_counter() - start
    if not outcome:
        outcome = state.get("outcome") or "answered"
    ok = outcome == "answered" and travel.success(req, state.get("messages", []))
    records = callback.records
    save_records(checkpointer, thread, records)
    correct = _judge(req, records, ok)
    long_term = travel.past_trip_notes(config.memory_items)
    prov = trace(
        records,
        correct,
        state.get("messages", []),
        long_term_memory=long_term,
        notes=state.get("memory", [])[len(long_term) :],
        results=state.get("results", []),
    )
    for r in records:
        r.message = None  # traced and judged: the state keeps the messages
    itinerary = travel.Itinerary.from_messages(state.get("messages", []))
    extra = {
        "ambiguous": req.ambiguous,
        "booked_usd": itinerary.total_usd,
        "trip_budget_usd": req.budget_usd,
    }
    return Episode(config, req, state, records, outcome, ok, wall, correct, prov, pending, extra)


@dataclass
class Results:
    """The tidy tables of a set of episodes."""

    episodes: pd.DataFrame  # one row per episode, with its configuration
    steps: pd.DataFrame  # one row per LLM call or tool call

    def cost_per_success(self, by: str | Sequence[str] = "tools") -> pd.DataFrame:
        """Total cost over successful outcomes, per group (NaN where nothing succeeded, and
        where an episode is unpriced: its total is unknown, never $0)."""
        g = self.episodes.groupby([by] if isinstance(by, str) else list(by))
        out = pd.DataFrame({"cost_usd": usd_totals(g["cost_usd"]), "successes": g["success"].sum()})
        out["cost_per_success_usd"] = out["cost_usd"] / out["successes"].where(out["successes"] > 0)
        return out.reset_index()


def run_episodes(
    configs: Iterable[EpisodeConfig], *, progress: bool = True, model: BaseChatModel | None = None
) -> Results:
    """Run many episodes in this process and return their tables.

    Args:
        configs: The episodes to run (e.g. from ``grid``).
        progress: Show a progress bar (works in JupyterLab and terminals).
        model: A ready model for every episode (default: each config's own).

    Returns:
        ``Results`` with ``episodes`` and ``steps`` DataFrames.
    """
    configs = list(configs)
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for i, cfg in enumerate(tqdm(configs, disable=not progress, desc="episodes")):
        ep = run_episode(cfg, model=model)
        rows.append({"episode": i, **ep.row()})
        steps.extend({"episode": i, **s} for s in ep.step_rows())
    return Results(pd.DataFrame(rows), pd.DataFrame(steps))


def grid(
    base: EpisodeConfig | None = None, *, seeds: Iterable[int] = (0,), **axes: Iterable[Any]
) -> list[EpisodeConfig]:
    """Every combination of the given field values, times the seeds.

    Example:
        >>> len(grid(tools=[4, 32], seeds=range(3)))
        6
    """
    base = base or EpisodeConfig()
    configs = [base]
    for name, values in axes.items():
        options = (
            [values] if isinstance(values, str) or not isinstance(values, Iterable) else values
        )
        configs = [c.with_(**{name: v}) for c in configs for v in options]
    return [c.with_(seed=s) for c in configs for s in seeds]
