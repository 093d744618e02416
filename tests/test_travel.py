import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import ToolException

from agentlab.world import places as w
from agentlab.world.travel import (
    CORE_TOOLS,
    Itinerary,
    book_offer,
    cheapest_offer,
    digest,
    judge_call,
    past_trip_notes,
    request_ids,
    requests,
    search_flights,
    search_hotels,
    success,
    travel_tools,
)

REQ = requests()["trip-001"]  # Washington, meaning Washington State


def test_running_example_is_the_washington_trip() -> None:
    assert REQ.destination_alias == "Washington"
    assert REQ.destination == "washington_state"
    assert REQ.ambiguous and "rental car" in REQ.text
    assert [p for p, _ in w.resolve("Washington")] == ["washington_dc", "washington_state"]


def test_tools_are_typed_and_documented() -> None:
    tools = travel_tools(4)
    assert tuple(t.name for t in tools) == CORE_TOOLS
    for t in tools:
        assert t.description and t.metadata and t.metadata["latency_s"] > 0
        schema = t.tool_call_schema.model_json_schema()  # type: ignore[union-attr]
        assert all("description" in p for p in schema["properties"].values())
    assert len(travel_tools(120)) == 120
    with pytest.raises(ValueError, match="n: got 3"):
        travel_tools(3)


def test_ambiguous_search_gets_likeliest_meaning() -> None:
    args = {
        "origin": "Boston",
        "depart_date": REQ.depart,
        "return_date": REQ.return_,
        "travelers": 2,
    }
    dc = json.loads(search_flights.invoke({**args, "destination": "Washington"}))
    state = json.loads(search_flights.invoke({**args, "destination": "Washington State"}))
    assert dc["place"] == "Washington, D.C." and state["place"] == "Washington State"
    assert len(state["offers"]) >= 4


def _book(offer_id: str, n: int = 2) -> ToolMessage:
    return ToolMessage(
        book_offer.invoke({"offer_id": offer_id, "travelers": n}),
        tool_call_id="x",
        name="book_offer",
    )


def _cheapest(tool, args: dict) -> str:  # type: ignore[no-untyped-def]
    offers = json.loads(tool.invoke(args))["offers"]
    return min(offers, key=lambda o: o["total_usd"])["offer_id"]


def test_success_needs_the_right_place_dates_and_budget() -> None:
    dates = {"depart_date": REQ.depart, "return_date": REQ.return_, "travelers": REQ.travelers}
    flight = _cheapest(
        search_flights, {"origin": "Boston", "destination": "Washington State", **dates}
    )
    hotel = _cheapest(
        search_hotels,
        {"city": "Washington State", "check_in": REQ.depart, "check_out": REQ.return_, "guests": 2},
    )
    from agentlab.world.travel import search_ground_transport

    car = _cheapest(
        search_ground_transport,
        {
            "city": "Washington State",
            "kind": "rental_car",
            "start_date": REQ.depart,
            "end_date": REQ.return_,
            "travelers": 2,
        },
    )
    answer = AIMessage("done")
    right = [HumanMessage(REQ.text), _book(flight), _book(hotel), _book(car), answer]
    assert success(REQ, right)
    assert judge_call(REQ, "book_offer", {"offer_id": flight, "travelers": 2})
    dc_flight = _cheapest(
        search_flights, {"origin": "Boston", "destination": "Washington, D.C.", **dates}
    )
    assert not judge_call(REQ, "book_offer", {"offer_id": dc_flight, "travelers": 2})
    assert not success(
        REQ, [HumanMessage(REQ.text), _book(dc_flight), _book(hotel), _book(car), answer]
    )
    assert not success(REQ, [*right[:-2], answer])  # no car
    assert not success(REQ, [*right[:1], _book(flight, 3), *right[2:]])  # wrong party
    assert Itinerary.from_messages(right).total_usd <= REQ.budget_usd


def test_success_and_the_judge_agree_on_a_pricier_right_offer() -> None:
    """One definition of wrong: a booking of the right hotel that is not the cheapest is a
    wrong decision to the judge, so the trip that holds it is not a success."""
    stay = {"city": "Washington State", "check_in": REQ.depart, "check_out": REQ.return_}
    offers = json.loads(search_hotels.invoke({**stay, "guests": 2}))["offers"]
    cheap, dear = (o["offer_id"] for o in sorted(offers, key=lambda o: o["total_usd"])[:2])
    dates = {"depart_date": REQ.depart, "return_date": REQ.return_, "travelers": REQ.travelers}
    flight = _cheapest(
        search_flights, {"origin": "Boston", "destination": "Washington State", **dates}
    )
    from agentlab.world.travel import search_ground_transport

    car = _cheapest(
        search_ground_transport,
        {
            **{"start_date": REQ.depart, "end_date": REQ.return_},
            "city": "Washington State",
            "kind": "rental_car",
            "travelers": 2,
        },
    )
    trip = [HumanMessage(REQ.text), _book(flight), _book(car)]
    assert judge_call(REQ, "book_offer", {"offer_id": cheap, "travelers": 2})
    assert not judge_call(REQ, "book_offer", {"offer_id": dear, "travelers": 2})
    assert success(REQ, [*trip, _book(cheap), AIMessage("done")])
    assert not success(REQ, [*trip, _book(dear), AIMessage("done")])


def test_no_successful_trip_lets_an_error_escape() -> None:
    """Success, the judge and the escaped-error count agree: an error that reaches the
    outcome makes it wrong, so a successful episode has none escaped."""
    from agentlab.config import EpisodeConfig
    from agentlab.run.runner import run_episode

    rows = [
        run_episode(EpisodeConfig(tools=tools, seed=seed)).row()
        for tools in (4, 32)
        for seed in range(12)
    ]
    assert any(r["success"] for r in rows) and any(r["errors_escaped"] for r in rows)
    assert not [r for r in rows if r["success"] and r["errors_escaped"]]


def test_bad_arguments_are_tool_errors_not_crashes() -> None:
    with pytest.raises(ToolException):
        book_offer.func("nonsense", 2)  # type: ignore[attr-defined]
    out = book_offer.invoke({"offer_id": "nonsense", "travelers": 2})
    assert "unknown offer" in out
    bad = search_hotels.invoke(
        {"city": "Paris", "check_in": "Paris", "check_out": "x", "guests": 2}
    )
    assert "YYYY-MM-DD" in bad


def test_judge_searches() -> None:
    good = {
        "origin": "Boston",
        "destination": "Washington State",
        "depart_date": REQ.depart,
        "return_date": REQ.return_,
        "travelers": 2,
    }
    assert judge_call(REQ, "search_flights", good)
    assert not judge_call(REQ, "search_flights", {**good, "destination": "Washington"})
    assert not judge_call(REQ, "search_flights", {**good, "travelers": 3})
    assert not judge_call(REQ, "get_weather_forecast", {"city": "Seattle"})


def test_digest_and_memory_notes() -> None:
    result = search_hotels.invoke(
        {
            "city": "Portland, Maine",
            "check_in": "2027-05-01",
            "check_out": "2027-05-03",
            "guests": 1,
        }
    )
    note = digest("search_hotels", result, "ok")
    assert "hotel offers at Portland, Maine; cheapest HT-portland_me" in note
    assert digest("book_offer", "boom", "error").startswith("book_offer: error")
    notes = past_trip_notes(30)
    assert len(notes) == 30 and len(set(notes)) == 30 and past_trip_notes(30) == notes


def test_request_ids_cover_the_data() -> None:
    ids = request_ids()
    assert ids[0] == "trip-001" and len(ids) >= 60
    assert sum(requests()[i].ambiguous for i in ids) >= 20


def test_offer_lookups_are_cached_and_agree_with_a_full_scan() -> None:
    hotels = w.place_offers(REQ.destination, "hotel")
    hotels.clear()  # each call gives a list of its own
    assert w.place_offers(REQ.destination, "hotel") == [
        o for o in w.offers().values() if o.kind == "hotel" and w.serves(o, REQ.destination)
    ]
    for req in list(requests().values())[:20]:
        origin = w.places()[req.origin].airports[0]
        for kind in req.needs:
            right = [
                o
                for o in w.offers().values()
                if o.kind == kind
                and w.serves(o, req.destination)
                and (kind != "flight" or o.detail["origin"] == origin)
                and (kind != "ground" or o.detail["ground_kind"] == req.ground_kind)
            ]
            prices = [
                w.price(o, start=req.depart, end=req.return_, travelers=req.travelers)
                for o in right
            ]
            assert cheapest_offer(req, kind) == cheapest_offer(req, kind) == min(prices)


def test_offers_by_place_agree_with_a_full_scan_for_every_place_kind_and_origin() -> None:
    flying_from = sorted({o.detail["origin"] for o in w.offers_of("flight")})
    origins = [None, "no such airport", *flying_from]
    for place_id in w.places():
        for kind in ("flight", "hotel", "ground"):
            for origin in origins if kind == "flight" else [None]:
                scan = [
                    o
                    for o in w.offers().values()
                    if o.kind == kind
                    and w.serves(o, place_id)
                    and (kind != "flight" or o.detail["origin"] == origin)
                ]
                assert w.place_offers(place_id, kind, origin_airport=origin) == scan
    with pytest.raises(KeyError):  # as the scan's serves() raises it
        w.place_offers("no such place", "flight", origin_airport="SEA")
    assert w.place_offers("no such place", "hotel") == []


def test_tool_hints_are_resolved_once_not_on_every_call() -> None:
    for t in travel_tools(8):
        hints = t.func.__annotations__  # type: ignore[attr-defined]
        assert hints and not any(isinstance(h, str) for h in hints.values())
