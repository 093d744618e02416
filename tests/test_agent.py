from langchain_core.messages import HumanMessage

import agentlab as al
from agentlab.agent import render_plan
from agentlab.world.travel import INSTRUCTIONS, digest, requests


def _graph(**kw):  # type: ignore[no-untyped-def]
    return al.build_agent(
        model=al.make_model("sim", seed=0),
        tools=al.travel_tools(4),
        instructions=INSTRUCTIONS,
        digest=digest,
        **kw,
    )


def test_graph_shape_is_pinned(snapshot) -> None:  # type: ignore[no-untyped-def]
    assert al.mermaid(_graph()) == snapshot


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

    class Sloppy(al.SimChatModel):
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
        model=Sloppy(seed=0), tools=al.travel_tools(4), instructions=INSTRUCTIONS, digest=digest
    )
    state = graph.invoke({"messages": [HumanMessage(requests()["trip-002"].text)]})
    errors = [m for m in state["messages"] if getattr(m, "status", None) == "error"]
    assert errors and errors[0].name == "search_flights"
    assert state["plan"]["steps"][0]["status"] == "done"  # repaired on the next call
