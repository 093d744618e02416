import pytest
from langchain_core.messages import HumanMessage

import agentlab as al
from agentlab.graphs.agent_state import render_plan
from agentlab.world.travel import INSTRUCTIONS, digest, requests


def _graph(**kw):  # type: ignore[no-untyped-def]
    kw.setdefault("model", al.make_model("sim", seed=0))
    return al.build_agent(
        tools=al.world.travel.travel_tools(4),
        instructions=INSTRUCTIONS,
        digest=digest,
        **kw,
    )


def test_graph_shape_is_pinned(snapshot) -> None:  # type: ignore[no-untyped-def]
    assert al.ui.draw.mermaid(_graph()) == snapshot


def test_loop_runs_plan_act_tools_remember_reflect() -> None:
    graph = _graph()
    nodes = []
    for update in graph.stream(
        {"messages": [HumanMessage(requests()["trip-002"].text)]}, stream_mode="updates"
    ):
        nodes.extend(update)
    assert nodes[0] == "plan" and nodes[1] == "act"
    assert {"tools", "remember", "reflect"} <= set(nodes)
    assert nodes[-1] in ("reflect", "act")


def test_step_limit_stops_the_episode() -> None:
    state = _graph(max_steps=3).invoke({"messages": [HumanMessage(requests()["trip-002"].text)]})
    assert state["outcome"] == "step_limit"
    assert state["llm_calls"] == 3


def test_remember_marks_plan_steps_and_writes_notes() -> None:
    state = _graph().invoke({"messages": [HumanMessage(requests()["trip-003"].text)]})
    steps = state["plan"]["steps"]
    assert steps and all(s["status"] == "done" for s in steps)
    assert any("cheapest" in n for n in state["memory"]) and any(
        "booked" in n for n in state["memory"]
    )
    text = render_plan(state["plan"])
    assert text.startswith("Assumptions: destination = ") and "1. [done]" in text


def test_window_memory_keeps_prompts_short() -> None:
    req = requests()["trip-002"]
    full = al.run_episode(al.EpisodeConfig(request=req.id, seed=1))
    window = al.run_episode(al.EpisodeConfig(request=req.id, seed=1, memory="window", window=2))
    assert (
        window.row()["tokens_in_history"] / window.row()["llm_calls"]
        < full.row()["tokens_in_history"] / full.row()["llm_calls"]
    )


def test_summary_memory_calls_the_model_to_summarize() -> None:
    ep = al.run_episode(al.EpisodeConfig(request="trip-002", seed=1, memory="summary", window=2))
    assert "remember" in {s["node"] for s in ep.step_rows() if s["kind"] == "llm"}
    assert ep.state["summary"]


def test_a_malformed_tool_call_fails_as_a_decision_and_the_model_repairs() -> None:
    from langchain_core.messages import AIMessage

    class Sloppy(al.sim.model.SimChatModel):
        """The sim, but its first act call comes back with arguments that are not JSON."""

        def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
            result = super()._generate(messages, stop, run_manager, **kwargs)
            msg = result.generations[0].message
            acted = sum(isinstance(m, AIMessage) for m in messages)
            if (
                isinstance(msg, AIMessage)
                and msg.tool_calls
                and acted == 0
                and len(kwargs.get("tools", [])) > 1
            ):
                call = msg.tool_calls[0]
                result.generations[0].message = msg.model_copy(
                    update={
                        "tool_calls": [],
                        "invalid_tool_calls": [
                            {
                                "name": call["name"],
                                "args": '{"origin": "Bos',
                                "id": call["id"],
                                "error": "truncated JSON",
                                "type": "invalid_tool_call",
                            }
                        ],
                    }
                )
            return result

    graph = al.build_agent(
        model=Sloppy(seed=0),
        tools=al.world.travel.travel_tools(4),
        instructions=INSTRUCTIONS,
        digest=digest,
    )
    state = graph.invoke({"messages": [HumanMessage(requests()["trip-002"].text)]})
    errors = [m for m in state["messages"] if getattr(m, "status", None) == "error"]
    assert errors and errors[0].name == "search_flights"
    assert state["plan"]["steps"][0]["status"] == "done"  # repaired on the next call


def test_each_structure_is_compiled_once_and_runs_on_its_own_model() -> None:
    text = requests()["trip-002"].text
    alone = _graph(model=al.make_model("sim", seed=3)).invoke({"messages": [HumanMessage(text)]})
    one = _graph(model=al.make_model("sim", seed=3))
    other = _graph(model=al.make_model("sim", seed=4))
    assert one.nodes["plan"] is other.nodes["plan"]  # the same compiled structure
    assert _graph(max_steps=3).nodes["plan"] is not one.nodes["plan"]
    assert other.invoke({"messages": [HumanMessage(text)]})["llm_calls"] > 0
    again = one.invoke({"messages": [HumanMessage(text)]})

    def said(state):  # type: ignore[no-untyped-def]
        return [(m.content, getattr(m, "tool_calls", None)) for m in state["messages"]]

    assert said(again) == said(alone)  # the seed-3 model, not the latest one


def test_the_model_stays_out_of_checkpoints() -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    saver = InMemorySaver()
    graph = _graph(checkpointer=saver)
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"messages": [HumanMessage(requests()["trip-002"].text)]}, config)
    for saved in saver.list(config):
        assert set(saved.config["configurable"]) <= {"thread_id", "checkpoint_ns", "checkpoint_id"}
        assert not any("agentlab" in k for k in saved.metadata or {})
        assert "SimChatModel" not in repr(saved)


@pytest.mark.parametrize(
    ("schema", "bad_args", "reason"),
    [
        ("Plan", {"steps": "not a list"}, "unparseable_plan"),
        ("Review", {"ok": True, "issues": "not a list"}, "unparseable_review"),
    ],
)
def test_structured_output_that_does_not_parse_is_a_failed_decision(
    schema: str, bad_args: dict[str, object], reason: str
) -> None:
    from langchain_core.messages import AIMessage

    class Garbled(al.sim.model.SimChatModel):
        """The sim, but one kind of its structured outputs does not fit the schema."""

        def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
            result = super()._generate(messages, stop, run_manager, **kwargs)
            msg = result.generations[0].message
            if isinstance(msg, AIMessage) and [c["name"] for c in msg.tool_calls] == [schema]:
                bad = {**msg.tool_calls[0], "args": bad_args}
                result.generations[0].message = msg.model_copy(update={"tool_calls": [bad]})
            return result

    config = al.EpisodeConfig(request="trip-002")
    clean = al.run_episode(config)
    assert clean.outcome == "answered"  # what the same episode does when its output parses
    ep = al.run_episode(config, model=Garbled(seed=0))
    assert ep.outcome == f"error: {reason}" and not ep.success  # never an empty plan or an ok
    last = ep.records[-1]
    assert last.kind == "llm" and last.decision == schema  # the failed call is recorded
    assert ep.row()["llm_calls"] == sum(r.kind == "llm" for r in ep.records)
