"""The travel task as a team: a planner, a booker and a checker splitting the single travel
agent's tools, on every travel architecture, judged by the single agent's judge."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import agentlab as al
from agentlab.config import TRAVEL_ARCHITECTURES, ConfigError, EpisodeConfig
from agentlab.run.episode import Episode
from agentlab.run.travel_team_runner import travel_team_for

TEAMS = TRAVEL_ARCHITECTURES[1:]


@pytest.fixture(scope="module")
def runs() -> al.Results:
    configs = al.grid(EpisodeConfig(), architecture=list(TRAVEL_ARCHITECTURES), seeds=range(4))
    return al.run_episodes(configs, progress=False)


@pytest.mark.slow
def test_every_travel_team_books_and_has_the_single_agents_columns(runs: al.Results) -> None:
    e = runs.episodes
    single = set(e[e.architecture == "single"].dropna(axis=1, how="all").columns)
    for arch in TEAMS:
        mine = e[e.architecture == arch]
        assert len(mine) == 4 and (mine.outcome == "answered").all(), arch
        assert (mine.booked_usd > 0).all(), arch  # someone booked, for every request
        assert single - {"questions", "human_s"} <= set(mine.dropna(axis=1, how="all").columns)
        assert mine.success.any(), arch
    teams = e[e.architecture != "single"]
    assert (teams.agents >= 2).all()  # (a wrong route may finish before the checker)
    assert (teams.groupby("architecture").agents.max() >= 3).all()


@pytest.mark.slow
def test_only_teams_coordinate(runs: al.Results) -> None:
    by = runs.episodes.groupby("architecture").coordination_tokens.mean()
    assert by["single"] == 0 and (by.drop("single") > 0).all()


def test_the_default_team_splits_the_tools_by_role() -> None:
    spec = travel_team_for(EpisodeConfig(architecture="centralized"))
    assert [(a.name, a.capabilities) for a in spec.agents] == [
        ("planner", ("search",)),
        ("booker", ("book",)),
        ("checker", ("check",)),
    ]
    embedded = travel_team_for(EpisodeConfig(architecture="centralized", placement="check=booker"))
    assert [(a.name, a.capabilities) for a in embedded.agents] == [
        ("planner", ("search",)),
        ("booker", ("book", "check")),
    ]
    with pytest.raises(ConfigError, match="placement: got 'fact_check=own'"):
        EpisodeConfig(architecture="centralized", placement="fact_check=own")


def test_members_are_subgraphs_drawn_with_their_nodes() -> None:
    spec = travel_team_for(EpisodeConfig(architecture="centralized", placement="check=booker"))
    drawing = al.build_team(spec, model=al.make_model()).get_graph(xray=True).draw_mermaid()
    for node in ("planner", "booker", "coordinator"):
        assert node in drawing
    assert "booker\\3areflect" in drawing or "booker:reflect" in drawing  # checks its own work


def test_each_member_chooses_among_fewer_tools_than_the_single_agent() -> None:
    wide = EpisodeConfig(tools=64, seed=1)
    single = pd.DataFrame(al.run_episode(wide).step_rows())
    team = pd.DataFrame(al.run_episode(wide.with_(architecture="pipeline")).step_rows())
    acts = single[(single.node == "act") & single.options.notna()]
    member_acts = team[(team.node == "act") & team.options.notna()]
    assert member_acts.groupby("agent").options.max().max() < acts.options.max()


def test_the_planners_reading_of_the_request_reaches_the_booker() -> None:
    """The planner reports the destination it committed to ([plan], the last item of its
    report, so a bounded handoff keeps it); the booker's plan commits to the same one."""
    for seed in range(6):
        ep = al.run_episode(EpisodeConfig(architecture="pipeline", request="trip-001", seed=seed))
        plans = pd.DataFrame(ep.step_rows()).query("node == 'plan'").set_index("agent").correct
        assert plans["booker"] == plans["planner"], seed


def test_independent_members_read_an_ambiguous_request_each_on_their_own() -> None:
    """The Washington trip split three ways: nobody passes an interpretation along, so the
    members' readings can disagree and the itinerary mixes two Washingtons."""
    mixed = 0
    for seed in range(8):
        ep = al.run_episode(
            EpisodeConfig(architecture="independent", request="trip-001", seed=seed)
        )
        said = {
            ln for m in ep.state["messages"] for ln in str(m.content).splitlines() if "[plan]" in ln
        }
        mixed += len(said) > 1
    assert mixed >= 1
    for seed in range(8):  # one planner: one reading, whatever it is
        ep = al.run_episode(EpisodeConfig(architecture="pipeline", request="trip-001", seed=seed))
        said = {
            ln for m in ep.state["messages"] for ln in str(m.content).splitlines() if "[plan]" in ln
        }
        assert len(said) == 1


def test_a_narrow_handoff_hides_offers_from_the_booker() -> None:
    """A 20-token handoff shows the booker a sliver of the offers: it books less of the
    trip (or reaches for a search tool it does not have) than with the default budget."""
    configs = al.grid(EpisodeConfig(architecture="pipeline"), seeds=range(6))
    wide = al.run_episodes(configs, progress=False).episodes
    narrow = al.run_episodes([c.with_(handoff_tokens=20) for c in configs], progress=False)
    assert narrow.episodes.success.sum() < wide.success.sum()


RESUME = """
import json, sys
import agentlab as al
from agentlab.run.durable import sqlite_checkpointer
db, arch, mode = sys.argv[1], sys.argv[2], sys.argv[3]
cfg = al.EpisodeConfig(architecture=arch, request="trip-001", seed=0, clarify="ambiguous")
saver = sqlite_checkpointer(db)
if mode == "start":
    ep = al.run_episode(cfg, checkpointer=saver, thread_id="t", stop_at_interrupt=True)
    print(json.dumps({"outcome": ep.outcome, "pending": ep.pending}))
else:
    ep = al.run_episode(cfg, checkpointer=saver, thread_id="t", resume=mode)
    row = {k: v for k, v in ep.row().items() if k != "wall_s"}
    steps = [{k: v for k, v in s.items() if k != "wall_s"} for s in ep.step_rows()]
    print(json.dumps({"row": row, "steps": steps}, default=str))
"""


def _resume(db: Path, *args: str) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        [sys.executable, "-c", RESUME, str(db), *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("architecture", ["pipeline", "centralized"])
def test_a_team_stopped_at_a_members_question_resumes_in_a_fresh_process(
    tmp_path: Path, architecture: str
) -> None:
    """The planner's clarification stops the whole team (an interrupt inside its subgraph);
    another process answers it from SQLite, and the tables are those of a run that was
    never stopped."""
    db = tmp_path / "team.sqlite"
    first = _resume(db, architecture, "start")
    assert first["outcome"] == "interrupted" and first["pending"]["checkpoint"] == "clarify"
    answer = "No. By Washington I mean Washington State."
    resumed = _resume(db, architecture, answer)
    cfg = EpisodeConfig(architecture=architecture, request="trip-001", seed=0, clarify="ambiguous")
    straight = al.run_episode(cfg)
    row = {k: v for k, v in straight.row().items() if k != "wall_s"}
    steps = [{k: v for k, v in s.items() if k != "wall_s"} for s in straight.step_rows()]
    assert json.loads(json.dumps(row, default=str)) == resumed["row"]
    assert json.loads(json.dumps(steps, default=str)) == resumed["steps"]
    assert resumed["row"]["questions"] == 1 and resumed["row"]["errors_prevented"] >= 1


def test_the_independent_team_refuses_checkpoints() -> None:
    with pytest.raises(ConfigError, match=r"clarify: got 'always'.*independent"):
        EpisodeConfig(architecture="independent", clarify="always")


@pytest.mark.parametrize("architecture", ["independent", "decentralized", "hybrid"])
def test_the_parallel_teams_refuse_checkpoints(architecture: str) -> None:
    with pytest.raises(ConfigError, match=rf"clarify: got 'always'.*'{architecture}'"):
        EpisodeConfig(architecture=architecture, clarify="always")
    with pytest.raises(ConfigError, match=r"verify: got 'always'.*read the request at once"):
        EpisodeConfig(architecture=architecture, verify="always")


# The debating (decentralized) and hybrid travel teams: readers in parallel, a vote, one
# booker (agentlab.graphs.team_reading).
PARALLEL = ("decentralized", "hybrid")


@pytest.fixture(scope="module")
def parallel() -> list[Episode]:
    configs = al.grid(EpisodeConfig(), architecture=list(PARALLEL), seeds=range(8))
    configs += al.grid(EpisodeConfig(architecture="hybrid", team_size=5), seeds=range(2))
    configs += al.grid(
        EpisodeConfig(architecture="decentralized", team_size=5, debate_rounds=2), seeds=range(2)
    )
    configs += al.grid(EpisodeConfig(architecture="decentralized", debate_rounds=0), seeds=range(2))
    return [al.run_episode(c) for c in configs]


def _steps(ep: Episode) -> pd.DataFrame:
    return pd.DataFrame(ep.step_rows())


def _said(ep: Episode, name: str) -> str:
    return next(str(m.content) for m in reversed(ep.state["messages"]) if m.name == name)


@pytest.mark.slow
def test_the_parallel_teams_book_each_part_at_most_once(parallel: list[Episode]) -> None:
    """Readers search and never book; the one booker books each part at most once."""
    for ep in parallel:
        confirmed = [
            json.loads(str(m.content))
            for m in ep.state["results"]
            if m.name == "book_offer" and m.status != "error"
        ]
        kinds = [c.get("ground_kind", c["kind"]) for c in confirmed if c["status"] == "confirmed"]
        assert kinds and len(kinds) == len(set(kinds)), (ep.config, kinds)
        steps = _steps(ep)
        assert set(steps[steps.name == "book_offer"].agent) == {"booker"}, ep.config
        readers = steps[steps.agent.str.startswith(("peer_", "planner_"))]
        assert not readers.name.str.startswith("book").any()
        assert readers.name.str.startswith("search").any()


@pytest.mark.slow
def test_team_size_readers_debate_for_debate_rounds_and_one_vote(
    parallel: list[Episode],
) -> None:
    for ep in parallel:
        c, steps = ep.config, _steps(ep)
        readers = {a for a in steps.agent if a.startswith(("peer_", "planner_"))}
        assert len(readers) == c.team_size, c
        debating = c.team_size * c.debate_rounds if c.architecture == "decentralized" else 0
        assert (steps.decision == "Reread").sum() == debating, c
        assert (steps.decision == "Vote").sum() == 1, c
        assert ("checker" in set(steps.agent)) == (c.architecture == "hybrid"), c


@pytest.mark.slow
def test_rereading_and_voting_are_judged_coordination(parallel: list[Episode]) -> None:
    """A reread or a vote is judged like a plan (the destination the user meant) and
    counted as coordination, as the research team's debate and vote are."""
    for ep in parallel:
        steps = _steps(ep)
        said = steps[steps.decision.isin(["Reread", "Vote"])]
        assert set(said.node) <= {"member", "aggregate"} and said.correct.notna().all()
        spent = (said.tokens_in + said.tokens_out).sum()
        assert ep.row()["coordination_tokens"] >= spent > 0
        voted = _said(ep, "aggregator").splitlines()[-1].removeprefix("[plan] destination = ")
        right = ep.request.destination == al.world.places.resolve(voted)[0][0]
        assert said[said.decision == "Vote"].correct.item() == right


def test_a_peer_rereads_the_request_as_most_readings_in_its_prompt_say() -> None:
    """A peer decides from the [plan] lines in its prompt, never from the truth
    (Washington State): two peers' D.C. outvote its own State, and the other way round."""
    from langchain_core.messages import HumanMessage

    from agentlab.graphs.handoffs import HANDOFF
    from agentlab.graphs.structured import Structured
    from agentlab.graphs.team_reading import Reread

    request = HumanMessage(al.world.travel.requests()["trip-001"].text)

    def reread(own: str, other: str, seed: int) -> str:
        lines = "\n".join(f"[plan] destination = {d}" for d in (own, other, other))
        note = f"Debate round 1. The peers' readings, yours first:\n{lines}\nRead it again."
        model = Structured(al.make_model(seed=seed), Reread)
        return model.invoke([request, HumanMessage(note, name=HANDOFF)])[1].destination  # type: ignore[union-attr]

    dc, state = "Washington, D.C.", "Washington State"
    assert sum(reread(state, dc, s) == dc for s in range(20)) >= 16
    assert sum(reread(dc, state, s) == state for s in range(20)) >= 16


def test_a_debate_turns_a_minority_peer_to_the_majority_reading() -> None:
    """On the Washington trip the peers' first readings split; in the debate the peer
    who read otherwise than the two others mostly comes round to their reading."""
    splits = turned = 0
    for seed in range(12):
        ep = al.run_episode(
            EpisodeConfig(architecture="decentralized", request="trip-001", seed=seed)
        )
        read = {
            r: {x["agent"]: x["answer"] for x in ep.state["answers"] if x["round"] == r}
            for r in (0, 1)
        }
        for peer, first in read[0].items():
            others = [d for p, d in read[0].items() if p != peer]
            if len(set(others)) == 1 and others[0] != first:  # outnumbered two to one
                splits += 1
                turned += read[1][peer] == others[0]
    assert splits >= 4 and turned >= splits * 2 / 3


def test_a_wrong_reading_the_vote_follows_escapes_and_an_outvoted_one_is_contained() -> None:
    """Provenance follows what the vote took up: the booker's bookings derive from the
    searches of the readers whose reading won, so their wrong readings escape into the
    trip, while a wrong reading the vote outvoted reaches nothing the booker does."""
    outcomes = set()
    for seed in range(12):
        ep = al.run_episode(
            EpisodeConfig(architecture="decentralized", request="trip-001", seed=seed)
        )
        steps, prov = _steps(ep), ep.provenance
        assert prov is not None
        plans = steps[(steps.node == "plan") & steps.agent.str.startswith("peer_")]
        wrong = {f"plan#{s}" for s in plans[plans.correct == False].step}  # noqa: E712
        escaped = prov.escaped_roots()
        vote_right = bool(steps[steps.decision == "Vote"].correct.item())
        if wrong and vote_right:
            assert not wrong & escaped, seed
        elif wrong:
            assert wrong & escaped, seed
        outcomes.add((bool(wrong), vote_right))
    assert {(True, True), (True, False)} <= outcomes


@pytest.mark.slow
def test_the_hybrid_checker_reviews_the_booking_and_reports_with_the_answer(
    parallel: list[Episode],
) -> None:
    flagged = 0
    for ep in (e for e in parallel if e.config.architecture == "hybrid"):
        report = [ln for ln in _said(ep, "checker").splitlines() if ln.startswith("[")]
        said = "\n".join(report)  # after the booker's answer
        assert report and ep.state["final"].endswith(said) and ep.state["final"] != said
        checker = _steps(ep).query("agent == 'checker'")
        assert list(checker.decision) == ["Review"]  # one review call; it books nothing
        flagged += any(line.startswith("[issue]") for line in report)
    assert flagged >= 1


@pytest.mark.slow
def test_the_parallel_teams_tables_have_the_other_travel_teams_columns(runs: al.Results) -> None:
    def columns(df: pd.DataFrame) -> set[str]:
        return set(df.dropna(axis=1, how="all").columns)

    e, s = runs.episodes, runs.steps
    for arch in PARALLEL:
        assert columns(e[e.architecture == arch]) == columns(e[e.architecture == "centralized"])
        ids = e[e.architecture == arch].episode
        central = e[e.architecture == "centralized"].episode
        assert columns(s[s.episode.isin(ids)]) == columns(s[s.episode.isin(central)])


@pytest.mark.parametrize("architecture", PARALLEL)
def test_the_parallel_teams_are_drawn_with_the_bookers_nodes(architecture: str) -> None:
    spec = travel_team_for(EpisodeConfig(architecture=architecture))
    graph = al.build_team(spec, model=al.make_model())
    drawing = graph.get_graph(xray=True).draw_mermaid()
    for node in ("member", "aggregate", "booker\\3aplan", "booker\\3aact", "booker\\3atools"):
        assert node in drawing, node
    assert ("checker" in drawing) == (architecture == "hybrid")
    assert ("round" in graph.get_graph().nodes) == (architecture == "decentralized")
    assert al.show_graph(graph) is not None


@pytest.mark.parametrize("schema", ["Reread", "Vote"])
def test_a_reading_that_does_not_parse_is_the_episodes_outcome(schema: str) -> None:
    from langchain_core.messages import AIMessage

    class Garbled(al.sim.model.SimChatModel):
        """The sim, but its rereads (or votes) name no destination."""

        def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
            result = super()._generate(messages, stop, run_manager, **kwargs)
            msg = result.generations[0].message
            if isinstance(msg, AIMessage) and [c["name"] for c in msg.tool_calls] == [schema]:
                bad = {**msg.tool_calls[0], "args": {}}
                result.generations[0].message = msg.model_copy(update={"tool_calls": [bad]})
            return result

    config = EpisodeConfig(architecture="decentralized", seed=2)
    assert al.run_episode(config).outcome == "answered"
    ep = al.run_episode(config, model=Garbled(seed=2))
    assert ep.outcome == "error: unparseable_reading" and not ep.success
    assert ep.records[-1].decision == schema


def test_the_vote_knows_one_place_written_two_ways() -> None:
    from agentlab.graphs.team_reading import _same

    assert _same("Washington DC", "Washington, D.C.")
    assert not _same("Washington", "Washington State")  # an ambiguous name is only itself
    assert not _same("Seattle", "Washington, D.C.")
