"""The travel scenario's episode: one travel agent, a simulated traveller, the judge.

``run_travel_episode`` builds the agent of ``agentlab.graphs.agent`` with the travel world's tools
and instructions, runs one request (the traveller answers its checkpoints, or the run stops
at one and resumes later), judges every decision and traces its provenance. The runner
finds it through the scenario registry (``agentlab.run.scenarios``); call ``run_episode``.

Introduced in notebook 00 (`00_quickstart.ipynb`); checkpoints in notebook 04.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Checkpointer, Command

from agentlab.config import EpisodeConfig
from agentlab.graphs.agent import build_agent
from agentlab.measure.metrics import MetricsCallback, StepRecord
from agentlab.measure.provenance import trace
from agentlab.run.durable import claim_thread, load_records, save_records
from agentlab.run.episode import DECISION_NODES, Episode, outcome_of
from agentlab.serve.deadlines import check_episode
from agentlab.serve.models import make_model
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


def request_id(config: EpisodeConfig) -> str:
    """The id of the request an episode of ``config`` works on."""
    return pick_request(config).id


def run_travel_episode(
    config: EpisodeConfig,
    *,
    model: BaseChatModel | None = None,
    checkpointer: Checkpointer = None,
    thread_id: str | None = None,
    answer: Callable[[dict[str, Any]], str] | None = None,
    stop_at_interrupt: bool = False,
    resume: str | None = None,
) -> Episode:
    """Run one travel episode (``run_episode`` documents the options); never raises."""
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
    start = time.perf_counter()
    outcome, pending = "", None
    try:
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
    except Exception as exc:  # the episode's outcome, its steps kept
        outcome = outcome_of(exc)
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
