"""Run research questions through a team, and turn the run into the lab's tables.

``team_for`` turns an ``EpisodeConfig`` (architecture, team size, capability placement)
into a ``TeamSpec``; ``run_team_episode`` runs it on one question and returns the same
``Episode`` (and so the same ``episodes`` and ``steps`` columns, provenance included) as a
travel episode, plus the team's own: coordination tokens, agents, the answer.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig

from agentlab.config import EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.graphs.team import AgentSpec, TeamSpec, build_team
from agentlab.measure.metrics import MetricsCallback, StepRecord, in_order
from agentlab.measure.provenance import trace
from agentlab.run.episode import Episode, outcome_of
from agentlab.serve.deadlines import check_episode
from agentlab.serve.models import make_model
from agentlab.serve.tracing import tracing_guarded
from agentlab.sim.prompt import text_of
from agentlab.sim.questions import parse_question
from agentlab.world import research as r
from agentlab.world.capabilities import (
    NONE,
    ORDER,
    Capability,
    capabilities,
    parse_placement,
    parse_sub_team,
)

_SEARCH_ITEM = re.compile(r"^\[search\] (\S+) \|", re.M)  # a document a report lists
DEDICATED = {
    "refine_query": "refiner",
    "retrieve": "retriever",
    "rank_filter": "ranker",
    "synthesize": "analyst",
    "fact_check": "checker",
}
# every capability but verification
WORK = ("refine_query", "retrieve", "rank_filter", "synthesize")
DEFAULT_PLACEMENT = {
    "refine_query": "retriever",  # the retriever rewrites its own queries when it plans
    "retrieve": "retriever",
    "rank_filter": "retriever",
    "synthesize": "analyst",
    "fact_check": "own",
}


def placed_agents(
    placement: dict[str, str],
    caps: dict[str, Capability],
    *,
    dedicated: dict[str, str] = DEDICATED,
    default: dict[str, str] = DEFAULT_PLACEMENT,
) -> tuple[AgentSpec, ...]:
    """Agents for a placement: each capability in its own agent, or embedded in a host.

    An embedded capability is carried by its host and, when its ``reuse`` says more agents
    call on it, by as many other working agents; a capability of its own is one agent
    (named by ``dedicated``); an optional one placed ``none`` is carried by nobody.
    ``caps`` is in procedure order; ``default`` places what ``placement`` does not name.

    Example:
        >>> [a.name for a in placed_agents({"fact_check": "own"}, capabilities())]
        ['retriever', 'analyst', 'checker']
    """
    where = {**default, **placement}
    order_of = list(caps)
    carried: dict[str, list[str]] = {}
    for c in order_of:
        if where[c] == NONE:
            continue
        host = dedicated[c] if where[c] == "own" else where[c]
        carried.setdefault(host, []).append(c)
    order = sorted(carried, key=lambda a: min(order_of.index(c) for c in carried[a]))
    for c in order_of:
        if where[c] not in ("own", NONE) and caps[c].reuse > 1:  # each one needing it has it
            for a in [a for a in order if a != where[c]][: caps[c].reuse - 1]:
                if c not in carried[a]:
                    carried[a].append(c)
    return tuple(AgentSpec(a, tuple(sorted(carried[a], key=order_of.index))) for a in order)


def _worker(capabilities: tuple[str, ...], caps: dict[str, Capability]) -> str:
    """The capability a sub-agent is named after: its first with tools of its own."""
    return next(c for c in capabilities if caps[c].tools)


def team_for(config: EpisodeConfig, caps: dict[str, Capability] | None = None) -> TeamSpec:
    """The team an episode config describes (research scenario)."""
    caps = caps or capabilities()
    n, arch = config.team_size, config.architecture
    if arch == "single":  # its sub_team's capabilities are done by sub-agents it owns
        subs = parse_sub_team(config.sub_team, caps)
        handed = {c for g in subs for c in g}
        agents: tuple[AgentSpec, ...] = (
            AgentSpec(
                "researcher",
                tuple(c for c in ORDER if c not in handed),
                tuple(AgentSpec(f"researcher_{DEDICATED[_worker(g, caps)]}", g) for g in subs),
            ),
        )
    elif arch == "decentralized":
        agents = tuple(AgentSpec(f"researcher_{i + 1}", ORDER) for i in range(n))
    elif arch == "independent":  # nobody verifies: every member does the work, none checks
        agents = tuple(AgentSpec(f"researcher_{i + 1}", WORK) for i in range(n))
    elif arch == "hybrid":
        agents = (
            *(AgentSpec(f"researcher_{i + 1}", WORK) for i in range(n)),
            AgentSpec("checker", ("fact_check",)),
        )
    else:
        agents = placed_agents(parse_placement(config.placement), caps)
    return TeamSpec(
        arch,  # type: ignore[arg-type]
        agents,
        handoff_tokens=config.handoff_tokens,
        rounds=config.debate_rounds,
        aggregation=config.aggregation,
        distractors=config.tools - len(r.RESEARCH_TOOLS),
    )


def part_question(q: r.Question, part: str) -> r.Question:
    """The ground truth of one part of a split question (the whole question's if the part
    is not a lookup of one of its facts)."""
    ask = parse_question(part)
    fact = ask.fact_ids[0] if ask is not None and ask.kind == "lookup" else None
    if fact is None or fact not in q.fact_ids:
        return q
    return r.Question(f"{q.qid}:{fact}", part, "lookup", (fact,), r.true_value(fact))


def _judge(
    q: r.Question, records: list[StepRecord], success: bool, state: dict[str, Any]
) -> list[bool | None]:
    """Per record, whether its decision was right (None: not judged), against the truth of
    the question its agent was answering (a member of a split team: its part)."""
    asked = {agent: part_question(q, part) for agent, part in state.get("assigned", {}).items()}
    answered: dict[str, bool] = {}  # member -> whether its last answer was right for its part
    for rec in records:
        if rec.kind == "llm" and isinstance(rec.message, AIMessage) and rec.branch in asked:
            for c in rec.message.tool_calls:
                if c["name"] == "submit_answer":
                    said = str(c.get("args", {}).get("answer", ""))
                    answered[rec.branch] = r.is_correct(asked[rec.branch], said)
    out: list[bool | None] = []
    for rec in records:
        m = rec.message
        if rec.kind != "llm" or not isinstance(m, AIMessage) or rec.node == "remember":
            out.append(None)
            continue
        calls = m.tool_calls
        if not calls:
            branch = rec.branch or ""
            done = answered.get(branch, False) if branch in asked else success
            out.append(done if rec.node == "act" else None)
            continue
        truth = asked.get(rec.branch or "", q)
        ask = parse_question(truth.text)
        c = calls[0]
        name, args = c["name"], c.get("args", {})
        if name == "search_corpus":
            query = str(args.get("query", ""))  # names an island of its facts, or hop 1's key
            named = {r.facts()[f]["entity"] for f in truth.fact_ids if f in r.facts()}
            key = ask.key if ask is not None else ""
            out.append(any(e in query for e in named) or bool(key and key in query))
        elif name == "filter_documents":
            out.append(r.judge_filter(truth, list(args.get("keep", []))))
        elif name in ("submit_answer", "Aggregate", "Revise", "Combine"):
            out.append(r.is_correct(truth, str(args.get("answer", ""))))
        elif name == "cross_check":
            out.append(
                f"F-{str(args.get('entity', '')).replace(' ', '_')}-{args.get('attribute')}"
                in truth.fact_ids
            )
        elif name == "Plan" and (queries := _refined(args)):
            out.append(r.judge_queries(truth, queries))  # a plan that refined the query
        else:
            out.append(None)  # plans, reviews and routing are not judged against the truth here
    return out


def _refined(plan: dict[str, Any]) -> list[str]:
    """The search queries a plan committed to (its ``query`` assumptions), if it refined any."""
    return [
        str(a.get("value", ""))
        for a in plan.get("assumptions", []) or []
        if isinstance(a, dict) and a.get("slot") == "query"
    ]


def searched(results: list[AnyMessage]) -> list[str]:
    """The ids of the documents a team's searches returned: its members' ``search_corpus``
    results, and the ``[search]`` items of what their sub-agents reported."""
    out: list[str] = []
    for m in results:
        if m.name == "search_corpus" and getattr(m, "status", "") != "error":
            try:
                out += [d["doc_id"] for d in json.loads(text_of(m)).get("results", [])]
            except (json.JSONDecodeError, AttributeError, KeyError, TypeError):
                continue
        else:
            out += _SEARCH_ITEM.findall(text_of(m))
    return out


def stream_team(graph: Any, step: Any, run_config: RunnableConfig) -> tuple[dict[str, Any], str]:
    """Stream a team's graph from ``step`` until it ends, stops or fails: its last state, and
    the outcome of a failure ('' when it ran on to its end or to an interrupt). Never raises:
    a failure mid-episode is its outcome, and the steps before it are kept."""
    state: dict[str, Any] = {}
    try:
        for values in graph.stream(step, config=run_config, stream_mode="values"):
            state = {k: v for k, v in values.items() if k != "__interrupt__"}
            check_episode()  # past the deadline: stop between steps, keep them
    except Exception as exc:  # the episode's outcome, its steps kept
        return state, outcome_of(exc)
    return state, ""


def question_id(config: EpisodeConfig) -> str:
    """The id of the question an episode of ``config`` works on: its ``request``, or the
    seed's (``question_ids()[seed % n]``)."""
    ids = r.question_ids()
    return config.request or ids[config.seed % len(ids)]


@tracing_guarded
def run_team_episode(
    config: EpisodeConfig,
    *,
    model: BaseChatModel | None = None,
    caps: dict[str, Capability] | None = None,
) -> Episode:
    """Run one research question through the config's team; never raises.

    Args:
        config: ``scenario="research"``, with ``architecture``, ``team_size``, ``placement``.
        model: A ready model instead of ``make_model(config.model, seed=config.seed)``.
        caps: Capability data to use instead of ``capabilities()`` (e.g. ``with_data(...)``).

    Returns:
        An ``Episode`` whose row carries the team's columns.

    Raises:
        ConfigError: ``config.scenario`` is not "research".
    """
    if config.scenario != "research":  # its fields were checked for another scenario
        raise ConfigError("scenario", config.scenario, "'research' (run_episode runs any)")
    q = r.questions()[question_id(config)]
    spec = team_for(config, caps)
    graph = build_team(
        spec,
        model=model or make_model(config.model, seed=config.seed),
        caps=caps,
        max_steps=config.max_steps,
    )
    callback = MetricsCallback(budget_tokens=config.budget_tokens, budget_usd=config.budget_usd)
    start = time.perf_counter()
    state, outcome = stream_team(
        graph,
        {"messages": [HumanMessage(q.text)]},
        {"callbacks": [callback], "recursion_limit": 200},
    )
    wall = time.perf_counter() - start
    answer = str(state.get("final") or "")
    outcome = outcome or ("answered" if answer else "no_answer")
    ok = outcome == "answered" and r.is_correct(q, answer)
    records = in_order(callback.records)
    correct = _judge(q, records, ok, state)
    prov = trace(records, correct, state.get("messages", [])[:1])
    for rec in records:
        rec.message = rec.prompt = None
    extra = {
        "architecture": spec.topology,
        "answer": answer,
        "contested": q.contested,
        "question_kind": q.kind,
        "facts_found": r.facts_found(q, searched(state.get("results", []))),
    }
    return Episode(config, q, state, records, outcome, ok, wall, correct, prov, None, extra)
