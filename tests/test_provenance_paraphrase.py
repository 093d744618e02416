"""Provenance links what flowed: hand-written transcripts in which a model copies a value,
paraphrases it, invents one, or uses one its prompt did not hold."""

import json
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agentlab.measure.artifacts import Provenance
from agentlab.measure.metrics import StepRecord
from agentlab.measure.provenance import trace
from agentlab.measure.stating import place_named, states_same_place

REQUEST = HumanMessage("Book me a hotel in Washington, June 3 to June 6, 2027, for 2 travelers.")
PLAN = {
    "assumptions": [{"slot": "destination", "value": "Washington, D.C.", "confidence": 0.75}],
    "steps": [{"tool": "search_hotels", "action": "find hotels in the destination"}],
}
# the plan as the actor reads it, inside its instructions (graphs.agent_state.render_plan)
RENDERED = SystemMessage(
    "You are a travel agent.\n\nAssumptions: destination = Washington, D.C.\nPlan:\n"
    "1. [next] search_hotels: find hotels in the destination"
)
OFFERS = json.dumps({"kind": "hotel", "offers": [{"offer_id": "HT-washington_dc-1", "usd": 450}]})


def _llm(
    i: int, node: str, name: str, args: dict[str, Any], prompt: list[BaseMessage]
) -> StepRecord:
    call = {"name": name, "args": args, "id": f"c{i}", "type": "tool_call"}
    message = AIMessage("", tool_calls=[call])
    return StepRecord(i, "llm", "agent", node, "sim", message=message, prompt=prompt)


def _tool(i: int, name: str, content: str) -> StepRecord:
    message = ToolMessage(content, tool_call_id=f"c{i - 1}", name=name)
    return StepRecord(i, "tool", "agent", "tools", name, message=message)


def _episode(city: str, *, plan_wrong: bool = True, city_wrong: bool = True) -> Provenance:
    """A plan that commits to D.C. (wrong: the person meant the state), then a hotel search."""
    records = [
        _llm(0, "plan", "Plan", PLAN, [SystemMessage("Plan the trip."), REQUEST]),
        _llm(1, "act", "search_hotels", {"city": city, "guests": 2}, [RENDERED, REQUEST]),
    ]
    return trace(records, [not plan_wrong, not city_wrong], [REQUEST])


def test_a_copied_value_links_to_the_plan_that_stated_it() -> None:
    prov = _episode("Washington, D.C.")
    call = prov.artifacts["call:c1"]
    assert call.derived_from == ["plan#0"]
    assert call.tainted and not call.root  # the plan's error, carried on


def test_a_paraphrased_value_still_links_and_carries_the_taint() -> None:
    for said in ("DC", "District of Columbia", "Washington DC"):
        prov = _episode(said)
        call = prov.artifacts["call:c1"]
        assert call.derived_from == ["plan#0"], said
        assert call.tainted and not call.root, said
        assert prov.roots_of(["call:c1"]) == {"plan#0"}


def test_an_invented_value_links_to_nothing_and_is_its_own_root() -> None:
    prov = _episode("Seattle", plan_wrong=False)
    call = prov.artifacts["call:c1"]
    assert call.derived_from == [] and call.root
    assert not prov.artifacts["plan#0"].tainted


def test_an_ambiguous_name_states_neither_place() -> None:
    # the request says "Washington" (D.C. or the state); a plan-less step that writes "DC"
    # did not get D.C. from it
    records = [_llm(0, "act", "search_hotels", {"city": "DC"}, [REQUEST])]
    prov = trace(records, [False], [REQUEST])
    assert prov.artifacts["call:c0"].derived_from == [] and prov.artifacts["call:c0"].root
    assert place_named("Washington") is None and place_named("DC") == "washington_dc"
    assert not states_same_place(REQUEST.content, "DC")  # type: ignore[arg-type]


NOTE = "search_hotels (ok): 1 hotel offer; cheapest HT-washington_dc-1 $450"  # its memory note


def _booking(*, result: bool, memory: bool) -> Provenance:
    """A search, its result, then a booking of the offer it found, by a step that read the
    plan and the request, and the result (``result``) or its memory note (``memory``)."""
    search = _llm(0, "act", "search_hotels", {"city": "Washington, D.C."}, [RENDERED, REQUEST])
    found = _tool(1, "search_hotels", OFFERS)
    assert search.message is not None and found.message is not None
    read: list[BaseMessage] = [RENDERED]
    if memory:
        read.append(SystemMessage(f"Memory:\n- {NOTE}", name="memory"))
    read.append(REQUEST)
    if result:
        read += [search.message, found.message]
    book = _llm(2, "act", "book_offer", {"offer_id": "HT-washington_dc-1"}, read)
    return trace([search, found, book], [False, None, True], [REQUEST], notes=[NOTE])


def test_a_value_in_an_artifact_the_step_did_not_read_is_not_linked() -> None:
    assert _booking(result=True, memory=False).artifacts["call:c2"].derived_from == ["result:c0"]
    assert _booking(result=False, memory=True).artifacts["call:c2"].derived_from == ["note:c0"]
    unread = _booking(result=False, memory=False)  # both had left what the step read
    booked = unread.artifacts["call:c2"]
    assert booked.derived_from == [] and not booked.tainted
    assert unread.artifacts["result:c0"].tainted  # the wrong search's offers, never used


def test_without_a_recorded_prompt_every_earlier_artifact_is_a_candidate() -> None:
    # records restored from storage carry no prompt: the step could have read anything
    records = [
        _llm(0, "plan", "Plan", PLAN, [REQUEST]),
        _llm(1, "act", "search_hotels", {"city": "DC"}, [REQUEST]),
    ]
    records[1].prompt = None
    prov = trace(records, [False, True], [REQUEST])
    assert prov.artifacts["call:c1"].derived_from == ["plan#0"]
