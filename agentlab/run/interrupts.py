"""Running a graph that may stop to ask a person: the loop both travel runners share.

``drive`` streams a compiled graph (one agent, or a team whose members interrupt from
inside their subgraphs) until it ends, fails or waits on a question. A question is
answered by ``ask`` (the simulated traveller in sweeps, a person through a widget) and the
run goes on, or, with ``stop_at_interrupt``, the run stops there and its checkpointer keeps
it until ``resume_step`` answers in this or another process. Each answer is a step record
of the episode (a person's time on the virtual clock). Answers go back by interrupt id
(``Command(resume={id: answer})``), so a team whose parallel members wait at once is
answered member by member.

Introduced in notebook 04 (`04_checkpoints.ipynb`); teams in notebook 05.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command, Durability

from agentlab.measure.metrics import MetricsCallback, StepRecord
from agentlab.run.durable import claim_thread, load_records, save_records
from agentlab.run.episode import outcome_of
from agentlab.serve.deadlines import check_episode


class RunSaver(InMemorySaver):
    """The in-memory checkpointer of one run that may ask but was given none to keep.

    It lives and dies with the run, so nothing outlives a failure whichever steps it saved:
    the run writes its checkpoint once, when it exits (at its end or at a question:
    LangGraph's ``durability="exit"``), not after every step, which serialised the whole
    state each time (15-25% of notebook 04's policy grid). A checkpointer the caller gives
    (SQLite for a durable run, or one to resume from later) keeps LangGraph's default.
    """


def durability_of(checkpointer: Any) -> Durability | None:
    """``"exit"`` for a run's own ``RunSaver``; None (LangGraph's default) otherwise."""
    return "exit" if isinstance(checkpointer, RunSaver) else None


def checkpointer_for(
    checkpointer: Any, *, asks: bool, resume: str | None, thread: str, config: Any
) -> Any:
    """The checkpointer a run that may stop to ask needs (a ``RunSaver`` when none was
    given), with ``thread`` claimed for ``config`` (a SQLite file refuses another config's
    thread): ``checkpointer`` as it is when the run neither asks nor resumes."""
    if checkpointer is None and (asks or resume is not None):
        checkpointer = RunSaver()
    claim_thread(checkpointer, thread, config)
    return checkpointer


def resume_step(
    graph: Any, run_config: RunnableConfig, answer: str, callback: MetricsCallback, seconds: float
) -> Command[Any]:
    """The step that resumes a stopped run with a person's ``answer`` to its (first)
    question, recorded on ``callback``.

    Raises:
        ValueError: The run's thread is not waiting on a question.
    """
    waiting = graph.get_state(run_config).interrupts
    if not waiting:
        thread = run_config.get("configurable", {}).get("thread_id")
        raise ValueError(f"resume: thread {thread!r} is not waiting on a question")
    callback.add_human(
        checkpoint=str(waiting[0].value.get("checkpoint")), answer=answer, seconds=seconds
    )
    return Command(resume={waiting[0].id: answer})


def drive(
    graph: Any,
    step: Any,
    run_config: RunnableConfig,
    *,
    callback: MetricsCallback,
    ask: Callable[[dict[str, Any]], str],
    seconds: float,
    asks: bool,
    stop_at_interrupt: bool = False,
    durability: Durability | None = None,
) -> tuple[dict[str, Any], str, dict[str, Any] | None]:
    """Run ``graph`` from ``step``, answering its questions, until it ends; never raises.

    Args:
        graph: The compiled graph.
        step: Its input, or a ``Command`` that resumes it.
        run_config: The run's config (callbacks, thread id, recursion limit).
        callback: Where each answer is recorded.
        ask: Answers one question (its interrupt value).
        seconds: A person's modeled time per answer.
        asks: Whether the graph can ask at all (it has a checkpointer).
        stop_at_interrupt: Stop at the first question instead of answering it.
        durability: When the checkpointer writes (``durability_of``; None: LangGraph's
            default).

    Returns:
        The last state, the outcome of a failure ("interrupted" when stopped at a question,
        "" when it ran to its end) and the question it stopped on (or None).
    """
    state: dict[str, Any] = {}
    try:
        while True:
            steps = graph.stream(
                step, config=run_config, stream_mode="values", durability=durability
            )
            for values in steps:
                # the last state survives a failure mid-episode
                state = {k: v for k, v in values.items() if k != "__interrupt__"}
                check_episode()  # past the deadline: stop between steps, keep them
            waiting = graph.get_state(run_config).interrupts if asks else ()
            if not waiting:
                return state, "", None
            if stop_at_interrupt:
                return state, "interrupted", waiting[0].value
            answers = {}
            for question in waiting:
                reply = ask(question.value)
                callback.add_human(
                    checkpoint=str(question.value.get("checkpoint")), answer=reply, seconds=seconds
                )
                answers[question.id] = reply
            step = Command(resume=answers)
    except Exception as exc:  # the episode's outcome, its steps kept
        return state, outcome_of(exc), None


def run_asking(
    graph: Any,
    first: Any,
    *,
    config: Any,
    checkpointer: Any,
    thread: str,
    person: Any,
    answer: Callable[[dict[str, Any]], str] | None,
    stop_at_interrupt: bool,
    resume: str | None,
    recursion_limit: int,
) -> tuple[dict[str, Any], str, dict[str, Any] | None, list[StepRecord], float]:
    """One episode of a graph that may ask ``person`` (a ``TravelUser``) its questions:
    from ``first`` (its input), or from the question a stopped run waits on (``resume``),
    with the step records kept beside a SQLite checkpointer's checkpoints.

    Returns:
        The last state, the outcome of a failure or a stop ('' when it ran to its end),
        the question it stopped on, its step records (those before a stop included) and
        its wall-clock seconds.
    """
    callback = MetricsCallback(
        load_records(checkpointer, thread) if resume is not None else None,
        budget_tokens=config.budget_tokens,
        budget_usd=config.budget_usd,
    )
    run_config: RunnableConfig = {
        "callbacks": [callback],
        "recursion_limit": recursion_limit,
        "configurable": {"thread_id": thread},
    }
    step = first
    if resume is not None:  # the person's answer to the question the run stopped on
        step = resume_step(graph, run_config, resume, callback, person.response_s)
    start = time.perf_counter()
    state, outcome, pending = drive(
        graph,
        step,
        run_config,
        callback=callback,
        ask=answer or person.answer,
        seconds=person.response_s,
        asks=checkpointer is not None,
        stop_at_interrupt=stop_at_interrupt,
        durability=durability_of(checkpointer),
    )
    wall = time.perf_counter() - start
    save_records(checkpointer, thread, callback.records)
    return state, outcome, pending, callback.records, wall
