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
from agentlab.run.travel_team_runner import travel_team_for

TEAMS = TRAVEL_ARCHITECTURES[1:]


@pytest.fixture(scope="module")
def runs() -> al.Results:
    configs = al.grid(EpisodeConfig(), architecture=list(TRAVEL_ARCHITECTURES), seeds=range(4))
    return al.run_episodes(configs, progress=False)


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
