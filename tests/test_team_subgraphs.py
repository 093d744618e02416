"""Teams as LangGraph subgraphs: a member's nodes are drawn inside the team, its checkpoints
are saved under the team's thread, and an interrupt inside a member stops the team, reaches
the caller and resumes, in this process or in a fresh one, to the uninterrupted result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from syrupy.assertion import SnapshotAssertion

import agentlab as al
from agentlab.graphs.checkpoints import CheckpointPolicy
from agentlab.graphs.team import build_team
from agentlab.run.team_runner import team_for
from agentlab.world import research as r

VERIFY = CheckpointPolicy(verify="always")  # a person checks every member's tool results
THREAD = {"configurable": {"thread_id": "q1"}, "recursion_limit": 200}
# builds the centralized team on a SQLite file, then runs it: to its first interrupt
# ("first"), or on from where the file stands, answering "yes" to every check ("rest")
SCRIPT = """
import json, sys
from langchain_core.messages import HumanMessage
from langgraph.types import Command
import agentlab as al
from agentlab.graphs.checkpoints import CheckpointPolicy
from agentlab.run.durable import sqlite_checkpointer
from agentlab.graphs.team import build_team
from agentlab.run.team_runner import team_for
from agentlab.world import research as r

path, part = sys.argv[1], sys.argv[2]
spec = team_for(al.EpisodeConfig(scenario="research", architecture="centralized"))
team = build_team(spec, model=al.make_model(seed=1),
                  checkpoints=CheckpointPolicy(verify="always"),
                  checkpointer=sqlite_checkpointer(path))
config = {"configurable": {"thread_id": "q1"}, "recursion_limit": 200}
if part == "first":
    out = team.invoke({"messages": [HumanMessage(r.questions()[r.question_ids()[0]].text)]},
                      config)
    print(json.dumps({"asked": out["__interrupt__"][0].value["checkpoint"]}))
else:
    out, answered = team.invoke(Command(resume="yes"), config), 1
    while "__interrupt__" in out:
        out, answered = team.invoke(Command(resume="yes"), config), answered + 1
    print(json.dumps({"final": out["final"], "messages": [m.content for m in out["messages"]],
                      "answered": answered}))
"""


def _question() -> HumanMessage:
    return HumanMessage(r.questions()[r.question_ids()[0]].text)


def _team(architecture: str = "centralized", **options: Any) -> Any:
    spec = team_for(al.EpisodeConfig(scenario="research", architecture=architecture))
    return build_team(spec, model=al.make_model(seed=1), **options)


def test_the_xray_drawing_shows_every_members_own_nodes(snapshot: SnapshotAssertion) -> None:
    nodes = sorted(_team().get_graph(xray=True).nodes)
    for member in ("retriever", "analyst", "checker"):
        assert {f"{member}:plan", f"{member}:act", f"{member}:tools"} <= set(nodes)
    assert nodes == snapshot


def test_a_members_own_checkpoint_node_is_drawn_inside_it() -> None:
    nodes = _team(checkpoints=VERIFY, checkpointer=InMemorySaver()).get_graph(xray=True).nodes
    assert {"retriever:verify", "analyst:verify", "checker:verify"} <= set(nodes)


def test_an_active_policy_needs_a_checkpointer() -> None:
    with pytest.raises(ValueError, match="needs a checkpointer"):
        _team(checkpoints=VERIFY)


def test_an_interrupt_inside_a_member_reaches_the_caller_and_resumes_to_the_same_answer() -> None:
    plain = _team().invoke({"messages": [_question()]}, {"recursion_limit": 200})
    team = _team(checkpoints=VERIFY, checkpointer=InMemorySaver())
    out = team.invoke({"messages": [_question()]}, THREAD)
    asked: list[dict[str, Any]] = []
    while "__interrupt__" in out:
        asked.append(out["__interrupt__"][0].value)
        state = team.get_state(THREAD, subgraphs=True)
        assert state.tasks and state.tasks[0].state is not None  # paused inside a member
        out = team.invoke(Command(resume="yes"), THREAD)
    assert len(asked) >= 3 and {a["checkpoint"] for a in asked} == {"verify"}
    # a "yes" changes nothing: the team ends where it would have without the checks
    assert out["final"] == plain["final"]
    assert [m.content for m in out["messages"]] == [m.content for m in plain["messages"]]


@pytest.mark.slow
def test_a_team_paused_in_a_member_resumes_from_sqlite_in_a_fresh_process(tmp_path: Path) -> None:
    db = tmp_path / "team.sqlite"

    def run(part: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(db), part],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    assert run("first") == {"asked": "verify"}  # that process ends, paused in a member
    resumed = run("rest")  # a new process, from the file alone
    plain = _team().invoke({"messages": [_question()]}, {"recursion_limit": 200})
    assert resumed["answered"] >= 3
    assert resumed["final"] == plain["final"]
    assert resumed["messages"] == [m.content for m in plain["messages"]]


@pytest.mark.parametrize("architecture", ["independent", "decentralized", "hybrid"])
def test_a_parallel_crews_members_wait_together_and_resume_by_interrupt_id(
    architecture: str,
) -> None:
    plain = _team(architecture).invoke({"messages": [_question()]}, {"recursion_limit": 200})
    team = _team(architecture, checkpoints=VERIFY, checkpointer=InMemorySaver())
    out = team.invoke({"messages": [_question()]}, THREAD)
    waits = []
    while "__interrupt__" in out:
        waits.append(len(out["__interrupt__"]))
        out = team.invoke(Command(resume={i.id: "yes" for i in out["__interrupt__"]}), THREAD)
    assert max(waits) > 1  # several members were waiting at once
    assert out["final"] == plain["final"]
