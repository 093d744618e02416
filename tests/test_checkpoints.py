from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

import agentlab as al
from agentlab.config import ConfigError
from agentlab.graphs.checkpoints import CheckpointPolicy, clarify_question, is_yes, verify_due
from agentlab.world.travel import INSTRUCTIONS, digest, requests

PLAN = {
    "assumptions": [
        {
            "slot": "destination",
            "value": "Washington, D.C.",
            "alternatives": ["Washington State"],
            "confidence": 0.75,
        },
        {"slot": "origin", "value": "Boston", "alternatives": [], "confidence": 1.0},
    ]
}


def test_clarify_policies() -> None:
    assert clarify_question(PLAN, CheckpointPolicy()) is None
    q = clarify_question(PLAN, CheckpointPolicy(clarify="ambiguous"))
    assert q and "Washington State" in q["question"] and len(q["assumptions"]) == 1
    assert (
        clarify_question(PLAN, CheckpointPolicy(clarify="ambiguous", ambiguity_threshold=0.3))
        is None
    )
    assert len(clarify_question(PLAN, CheckpointPolicy(clarify="always"))["assumptions"]) == 2  # type: ignore[index]


def test_verify_policies() -> None:
    state = {"results": [{}, {}, {}], "verified": 1}
    assert not verify_due(state, CheckpointPolicy())
    assert verify_due(state, CheckpointPolicy(verify="always"))
    assert not verify_due(state, CheckpointPolicy(verify="every_k", verify_every=3))
    assert verify_due(state, CheckpointPolicy(verify="every_k", verify_every=2))


def test_yes() -> None:
    assert (
        is_yes("Yes, that's right.") and is_yes("looks good") and not is_yes("No. By X I mean Y.")
    )


def test_bad_policies_name_the_field() -> None:
    with pytest.raises(
        ConfigError, match="clarify: got 'sometimes'; allowed: never, always, ambiguous"
    ):
        al.EpisodeConfig(clarify="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="verify_every"):
        al.EpisodeConfig(verify="every_k", verify_every=0)


def test_interrupt_and_resume_with_the_learners_answer() -> None:
    graph = al.build_agent(
        model=al.make_model("sim", seed=0),
        tools=al.world.travel.travel_tools(4),
        instructions=INSTRUCTIONS,
        digest=digest,
        checkpoints=CheckpointPolicy(clarify="ambiguous"),
        checkpointer=InMemorySaver(),
    )
    cfg = {"configurable": {"thread_id": "t1"}}
    out = graph.invoke({"messages": [HumanMessage(requests()["trip-001"].text)]}, cfg)
    (question,) = out["__interrupt__"]
    assert (
        question.value["checkpoint"] == "clarify"
        and "Washington, D.C." in question.value["question"]
    )
    final = graph.invoke(Command(resume="No. By Washington I mean Washington State."), cfg)
    assert final["plan"]["assumptions"][0]["value"] == "Washington State"
    assert any(m.name == "user" for m in final["messages"])


def test_verification_catches_the_wrong_place_and_replans() -> None:
    ep = al.run_episode(
        al.EpisodeConfig(request="trip-001", seed=0, verify="every_k", verify_every=1)
    )
    said = [
        m.content for m in ep.state["messages"] if isinstance(m, HumanMessage) and m.name == "user"
    ]
    assert said and said[0] == "No. By Washington I mean Washington State."
    assert ep.state["plan"]["assumptions"][0]["value"] == "Washington State"
    row = ep.row()
    assert row["errors_contained"] >= 1 and row["human_s"] == 30.0 * row["questions"]


def test_stop_at_interrupt_then_resume_in_process() -> None:
    saver = InMemorySaver()
    cfg = al.EpisodeConfig(request="trip-001", seed=0, clarify="ambiguous")
    first = al.run_episode(cfg, checkpointer=saver, stop_at_interrupt=True)
    assert (
        first.outcome == "interrupted"
        and first.pending
        and first.pending["checkpoint"] == "clarify"
    )
    done = al.run_episode(
        cfg, checkpointer=saver, resume="No. By Washington I mean Washington State."
    )
    straight = al.run_episode(cfg)
    assert done.success == straight.success and done.outcome == straight.outcome
    assert [m.content for m in done.state["messages"]] == [
        m.content for m in straight.state["messages"]
    ]


def test_a_runs_own_checkpointer_writes_once_per_exit_with_the_same_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run that may ask and was given no checkpointer gets a ``RunSaver``, which writes
    when the run exits (at each question, and at its end), not after every step; the tables
    are those of a run whose given checkpointer writes after every step."""
    from agentlab.run.interrupts import RunSaver

    puts: list[str] = []
    put = InMemorySaver.put

    def counted(self: InMemorySaver, *args: Any, **kwargs: Any) -> Any:
        puts.append(type(self).__name__)
        return put(self, *args, **kwargs)

    monkeypatch.setattr(InMemorySaver, "put", counted)
    config = al.EpisodeConfig(request="trip-001", seed=0, clarify="ambiguous", verify="always")
    own = al.run_episode(config)
    questions = sum(r["kind"] == "human" for r in own.step_rows())
    assert questions >= 2 and puts == [RunSaver.__name__] * (questions + 1)
    puts.clear()
    given = al.run_episode(config, checkpointer=InMemorySaver())
    assert set(puts) == {"InMemorySaver"} and len(puts) > 3 * (questions + 1)  # every step
    wall = ("wall_s",)
    assert {k: v for k, v in own.row().items() if k not in wall} == {
        k: v for k, v in given.row().items() if k not in wall
    }
    assert [{k: v for k, v in r.items() if k not in wall} for r in own.step_rows()] == [
        {k: v for k, v in r.items() if k not in wall} for r in given.step_rows()
    ]
