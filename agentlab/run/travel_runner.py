"""The travel scenario's episode: one travel agent, a simulated traveller, the judge.

``run_travel_episode`` builds the agent of ``agentlab.graphs.agent`` with the travel world's tools
and instructions, runs one request (the traveller answers its checkpoints, or the run stops
at one and resumes later), judges every decision and traces its provenance. The runner
finds it through the scenario registry (``agentlab.run.scenarios``); call ``run_episode``.

Introduced in notebook 00 (`00_quickstart.ipynb`); checkpoints in notebook 04.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.types import Checkpointer

from agentlab.config import EpisodeConfig
from agentlab.graphs.agent import build_agent
from agentlab.measure.metrics import StepRecord
from agentlab.measure.provenance import trace
from agentlab.run.episode import DECISION_NODES, Episode
from agentlab.run.interrupts import checkpointer_for, run_asking
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
    thread = thread_id or f"{req.id}-seed{config.seed}"
    checkpointer = checkpointer_for(
        checkpointer, asks=policy.active, resume=resume, thread=thread, config=config
    )
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
    first = {
        "messages": [HumanMessage(req.text)],
        "memory": travel.past_trip_notes(config.memory_items),
    }
    state, outcome, pending, records, wall = run_asking(
        graph,
        first,
        config=config,
        checkpointer=checkpointer,
        thread=thread,
        person=user,
        answer=answer,
        stop_at_interrupt=stop_at_interrupt,
        resume=resume,
        recursion_limit=6 * config.max_steps + 40,
    )
    if not outcome:
        outcome = state.get("outcome") or "answered"
    ok = outcome == "answered" and travel.success(req, state.get("messages", []))
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
        r.message = r.prompt = None  # traced and judged: the state keeps the messages
    itinerary = travel.Itinerary.from_messages(state.get("messages", []))
    extra = {
        "ambiguous": req.ambiguous,
        "booked_usd": itinerary.total_usd,
        "trip_budget_usd": req.budget_usd,
    }
    return Episode(config, req, state, records, outcome, ok, wall, correct, prov, pending, extra)
