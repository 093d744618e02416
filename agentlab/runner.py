"""Run episodes and turn their records into tidy tables: ``episodes`` and ``steps``.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
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
from agentlab.deadlines import (
    DEFAULT_EPISODE_DEADLINE_S,
    EpisodeDeadline,
    check_episode,
    check_seconds,
    episode_deadline,
)
from agentlab.durable import claim_thread, load_records, save_records
from agentlab.episode import (  # the tables' shapes; runner is where notebooks find them
    DECISION_NODES,
    Episode,
    Results,
)
from agentlab.errors import ConfigError
from agentlab.metrics import BudgetExceeded, MetricsCallback, StepRecord
from agentlab.models import check_model_string, make_model
from agentlab.provenance import trace
from agentlab.redact import error_text
from agentlab.replies import ReplyFailure
from agentlab.tracing import tracing_guarded
from agentlab.world import travel
from agentlab.world.travel_user import TravelUser


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

    Each combination is set at once, so the order of the axes does not matter. A
    combination that is refused (a value out of range, or a field its scenario, architecture
    or memory, clarify, verify or reflect setting does not read: ``agentlab.applies``) stops
    the grid with a ``ConfigError`` naming the field and the combination; none is dropped.
    A grid is a list: sweep a dependent field only where it applies, and add the lists,
    e.g. ``grid(memory="full") + grid(memory="window", window=[4, 8])``.

    Example:
        >>> len(grid(tools=[4, 32], seeds=range(3)))
        6
        >>> try:
        ...     grid(memory=["window", "full"], window=[4])
        ... except ConfigError as err:
        ...     print(err.field, "|", str(err).rsplit("; ", 1)[1])
        window | refused in the grid's combination memory='full', window=4
    """
    base = base or EpisodeConfig()
    options = {
        name: [values] if isinstance(values, str) or not isinstance(values, Iterable) else values
        for name, values in axes.items()
    }
    configs = []
    for combo in itertools.product(*options.values()):
        changes = dict(zip(options, combo, strict=True))
        try:
            config = base.with_(**changes)
        except ConfigError as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in changes.items())
            raise ConfigError(
                exc.field, exc.value, f"{exc.allowed}; refused in the grid's combination {shown}"
            ) from None
        configs.append(config)
    return [c.with_(seed=s) for c in configs for s in seeds]
