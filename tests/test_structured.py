"""Structured output keeps the model's message, reports parse failures as None, raises a
failing call, reaches the callbacks a run inherits, and starts no thread per call."""

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableLambda

import agentlab as al
from agentlab.graphs.agent_state import Plan
from agentlab.graphs.structured import Structured

PROMPT = [SystemMessage("You book trips.\n\nPlan the steps."), HumanMessage("A trip to Denver.")]


def test_the_message_and_the_parsed_output_are_both_kept() -> None:
    raw, plan = Structured(al.make_model(seed=0), Plan).invoke(PROMPT)
    assert isinstance(raw, AIMessage) and raw.tool_calls[0]["name"] == "Plan"
    assert isinstance(plan, Plan)
    assert plan == Plan.model_validate(raw.tool_calls[0]["args"])  # parsed from that message


def test_a_reply_that_does_not_parse_is_none_with_its_message() -> None:
    class NotAPlan(al.sim.model.SimChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
            result = super()._generate(messages, stop, run_manager, **kwargs)
            msg = result.generations[0].message
            bad = {**msg.tool_calls[0], "args": {"steps": "not a list"}}
            result.generations[0].message = msg.model_copy(update={"tool_calls": [bad]})
            return result

    raw, plan = Structured(NotAPlan(seed=0), Plan).invoke(PROMPT)
    assert plan is None and raw.tool_calls[0]["args"] == {"steps": "not a list"}


def test_a_failing_model_call_raises_as_the_model_raised() -> None:
    class Down(al.sim.model.SimChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
            raise ConnectionError("endpoint down")

    with pytest.raises(ConnectionError, match="endpoint down"):
        Structured(Down(seed=0), Plan).invoke(PROMPT)


def test_a_reply_without_the_tool_call_is_none_with_its_message() -> None:
    class Chatty(al.sim.model.SimChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
            result = super()._generate(messages, stop, run_manager, **kwargs)
            said = AIMessage("I will not plan.")
            result.generations[0].message = said
            return result

    raw, plan = Structured(Chatty(seed=0), Plan).invoke(PROMPT)
    assert plan is None and raw.content == "I will not plan."


class Ends(BaseCallbackHandler):
    def __init__(self) -> None:
        self.ends: list[Any] = []

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.ends.append(response)


def test_the_callbacks_a_call_inherits_still_see_it() -> None:
    """Inside a run (a graph node, a chain), the run's callbacks see the structured call,
    with the call's metadata; the handler that keeps the message does not replace them."""
    structured = Structured(al.make_model(seed=0), Plan, metadata={"agent": "planner"})
    outer = Ends()
    seen: list[Any] = []

    def step(messages: Any) -> Any:
        raw, plan = structured.invoke(messages, metadata={"stage": "plan"})
        seen.append((raw, plan))
        return plan

    RunnableLambda(step).invoke(PROMPT, {"callbacks": [outer]})
    assert len(outer.ends) == 1 and seen[0][1] is not None
    assert outer.ends[0].generations[0][0].message.tool_calls == seen[0][0].tool_calls


def test_a_call_starts_no_thread(request: pytest.FixtureRequest) -> None:
    """``include_raw=True`` ran its two branches in a thread pool started per call."""
    structured = Structured(al.make_model(seed=0), Plan)
    structured.invoke(PROMPT)
    started = request.getfixturevalue("threads_started")
    for _ in range(3):
        assert structured.invoke(PROMPT)[1] is not None
    assert started == []


def test_a_callback_that_refuses_the_reply_is_not_a_parse_failure() -> None:
    """The metrics callback raises ``ReplyFailure("truncated")`` from ``on_llm_end``: that
    ends the episode with its reason; it is not a plan that did not parse."""
    from agentlab.measure.replies import ReplyFailure

    class Refuses(BaseCallbackHandler):
        raise_error = True

        def on_llm_end(self, response: Any, **kwargs: Any) -> None:
            raise ReplyFailure("truncated")

    structured = Structured(al.make_model(seed=0), Plan)
    with pytest.raises(ReplyFailure, match="truncated"):
        RunnableLambda(lambda m: structured.invoke(m)).invoke(PROMPT, {"callbacks": [Refuses()]})


def test_a_callback_that_refuses_the_finished_call_is_not_a_parse_failure() -> None:
    """Only an error of the parser's own run is a reply that did not parse: a handler that
    raises at the end of the whole structured chain still raises."""

    class RefusesTheEnd(BaseCallbackHandler):
        raise_error = True

        def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
            if isinstance(outputs, Plan):
                raise RuntimeError("refused")

    structured = Structured(al.make_model(seed=0), Plan)
    with pytest.raises(RuntimeError, match="refused"):
        RunnableLambda(lambda m: structured.invoke(m)).invoke(
            PROMPT, {"callbacks": [RefusesTheEnd()]}
        )
