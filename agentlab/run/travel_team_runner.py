"""The travel task run by a team: the trip of notebooks 01-04, decomposed.

``travel_team_for`` turns an ``EpisodeConfig`` into a ``TeamSpec`` of the travel world:
by default a planner (reads the request, commits to a destination, searches), a booker
(books the cheapest offers it is handed) and a checker (reviews the bookings against the
request and reports what is wrong), the same four tools the single agent has, split among
them. ``placement`` moves a capability (``check=booker`` embeds the checking in the
booker, who then reviews its own work); the independent team splits the trip into its
bookings, one member each, and nobody checks. The decentralized team's ``team_size`` peers
read the request and search in parallel, debate their readings for ``debate_rounds``
rounds and vote, then one booker books; the hybrid's planners do the same without the
debate, and a checker reviews the booker's work. ``run_travel_team_episode`` runs one request
and returns the same ``Episode`` (the same ``episodes`` and ``steps`` columns) as the
single travel agent, judged by the same judge, plus the team's own columns.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.types import Checkpointer

from agentlab.applies import applies
from agentlab.config import TRAVEL_ARCHITECTURES, CheckpointPolicy, EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.graphs.team import AgentSpec, TeamSpec, build_team
from agentlab.measure.metrics import StepRecord, in_order
from agentlab.measure.provenance import trace
from agentlab.run.episode import Episode
from agentlab.run.interrupts import checkpointer_for, run_asking
from agentlab.run.team_runner import placed_agents
from agentlab.run.travel_runner import pick_request
from agentlab.serve.models import make_model
from agentlab.serve.tracing import tracing_guarded
from agentlab.world import travel
from agentlab.world.capabilities import parse_placement, travel_capabilities
from agentlab.world.travel_user import TravelUser

DEDICATED = {"search": "planner", "book": "booker", "check": "checker"}  # a role of its own
DEFAULT_PLACEMENT = {"search": "planner", "book": "booker", "check": "own"}
WORK = ("search", "book")  # every capability but checking
TEAMS = TRAVEL_ARCHITECTURES[1:]  # the travel teams: pipeline ... hybrid
READERS = {"decentralized": "peer", "hybrid": "planner"}  # who reads the request in parallel


def travel_team_for(config: EpisodeConfig) -> TeamSpec:
    """The travel team an episode config describes.

    Example:
        >>> spec = travel_team_for(EpisodeConfig(architecture="centralized"))
        >>> [(a.name, a.capabilities) for a in spec.agents]
        [('planner', ('search',)), ('booker', ('book',)), ('checker', ('check',))]
    """
    arch = config.architecture
    if arch not in TEAMS:
        raise ConfigError("architecture", arch, f"a travel team: {', '.join(TEAMS)}")
    if arch == "independent":  # a member per part of the trip; nobody checks
        agents = tuple(AgentSpec(f"agent_{i + 1}", WORK) for i in range(config.team_size))
    elif arch in READERS:  # readers in parallel (search only), then one booker books
        readers = (
            AgentSpec(f"{READERS[arch]}_{i + 1}", ("search",)) for i in range(config.team_size)
        )
        checker = (AgentSpec("checker", ("check",)),) if arch == "hybrid" else ()
        agents = (*readers, AgentSpec("booker", ("book",)), *checker)
    else:
        caps = travel_capabilities()
        where = parse_placement(config.placement, caps)
        agents = placed_agents(where, caps, dedicated=DEDICATED, default=DEFAULT_PLACEMENT)
    return TeamSpec(
        arch,  # type: ignore[arg-type]
        agents,
        handoff_tokens=config.handoff_tokens,
        rounds=config.debate_rounds,
        distractors=config.tools - len(travel.CORE_TOOLS),
        world="travel",
    )


def _judge(
    req: travel.TravelRequest, records: list[StepRecord], success: bool
) -> list[bool | None]:
    """Per record, whether its decision was right against the request's ground truth (None:
    not judged): plans by the destination they commit to, and so a debating peer's reading
    (``Reread``) and the team's vote (``Vote``); tool calls as the single agent's; reviews
    by whether their verdict matches the outcome. Routing, splitting, combining and a
    member's closing summary decide nothing about the trip."""
    out: list[bool | None] = []
    for rec in records:
        m = rec.message
        if rec.kind != "llm" or not isinstance(m, AIMessage):
            out.append(None)
            continue
        calls = m.tool_calls
        name = calls[0]["name"] if calls else ""
        args = calls[0]["args"] if calls else {}
        if name == "Plan":
            out.append(travel.judge_plan(req, args))
        elif name in ("Reread", "Vote"):  # a reading of the request: the destination
            slot = {"slot": "destination", "value": args.get("destination", "")}
            out.append(travel.judge_plan(req, {"assumptions": [slot]}))
        elif name == "Review":
            flagged = bool(args.get("issues")) and not args.get("ok", True)
            out.append(True if flagged else success)  # an approval is right if the trip is
        elif name in ("Route", "Split", "Combine") or not calls:
            out.append(None)
        else:
            out.append(all(travel.judge_call(req, c["name"], c["args"]) for c in calls))
    return out


@tracing_guarded
def run_travel_team_episode(
    config: EpisodeConfig,
    *,
    model: BaseChatModel | None = None,
    checkpointer: Checkpointer = None,
    thread_id: str | None = None,
    answer: Callable[[dict[str, Any]], str] | None = None,
    stop_at_interrupt: bool = False,
    resume: str | None = None,
) -> Episode:
    """Run one travel request through the config's team; never raises.

    A member's checkpoint (``clarify``, ``verify``) stops the whole team: the simulated
    traveller (or ``answer``) answers it and the team goes on, or the run stops there
    (``stop_at_interrupt``) and ``resume`` answers it later, from the checkpointer, in this
    process or another (``run_episode`` documents the options).

    Args:
        config: ``scenario="travel"`` with a team ``architecture`` (``TEAMS``).
        model: A ready model instead of ``make_model(config.model, seed=config.seed)``.
        checkpointer: Where the team's and its members' checkpoints go.
        thread_id: The run's thread (default: the request, seed and architecture).
        answer: Answers a member's question instead of the simulated traveller.
        stop_at_interrupt: Stop at the first question (outcome "interrupted").
        resume: The answer to the question a stopped run waits on.

    Returns:
        An ``Episode`` with the single travel agent's columns and the team's.

    Raises:
        ConfigError: The scenario is not travel, or the architecture is not a travel team.
    """
    if config.scenario != "travel":
        raise ConfigError("scenario", config.scenario, "'travel' (run_episode runs any)")
    req = pick_request(config)
    spec = travel_team_for(config)
    user = TravelUser(req, seed=config.seed)
    # the independent team's members ask nobody (applies.py): a policy set behind
    # validation's back is not honoured either
    policy = config.checkpoints if applies(config, "clarify") else CheckpointPolicy()
    thread = thread_id or f"{req.id}-seed{config.seed}-{spec.topology}"
    checkpointer = checkpointer_for(
        checkpointer, asks=policy.active, resume=resume, thread=thread, config=config
    )
    graph = build_team(
        spec,
        model=model or make_model(config.model, seed=config.seed),
        max_steps=config.max_steps,
        checkpoints=policy,
        checkpointer=checkpointer,
    )
    state, outcome, pending, records, wall = run_asking(
        graph,
        {"messages": [HumanMessage(req.text)]},
        config=config,
        checkpointer=checkpointer,
        thread=thread,
        person=user,
        answer=answer,
        stop_at_interrupt=stop_at_interrupt,
        resume=resume,
        recursion_limit=400,
    )
    final = str(state.get("final") or "")
    outcome = outcome or ("answered" if final else "no_answer")
    results = list(state.get("results", []))
    ok = outcome == "answered" and travel.success(req, [*results, AIMessage(final)])
    records = in_order(records)
    correct = _judge(req, records, ok)
    prov = trace(records, correct, state.get("messages", [])[:1])
    for rec in records:
        rec.message = rec.prompt = None  # judged and traced: the state keeps the messages
    extra = {
        "architecture": spec.topology,
        "answer": final,
        "ambiguous": req.ambiguous,
        "booked_usd": travel.Itinerary.from_messages(results).total_usd,
        "trip_budget_usd": req.budget_usd,
    }
    return Episode(config, req, state, records, outcome, ok, wall, correct, prov, pending, extra)
