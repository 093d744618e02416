"""Place names as people write them: the clarification reader over every alias of the travel
world x the phrasings people write, and the sim's other readers of place names."""

from __future__ import annotations

import csv
import re

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from agentlab.data import data_path
from agentlab.sim.clarify import clarification, read_clarification
from agentlab.sim.physics import Dice
from agentlab.sim.prompt import HANDOFF_NAME, Prompt
from agentlab.sim.travel_skill import interpret
from agentlab.sim.travel_team import readings
from agentlab.sim.trip import parse_request
from agentlab.world import places as w
from agentlab.world.place_names import mentions, read_place
from agentlab.world.travel import requests
from agentlab.world.travel_user import TravelUser

with open(data_path("travel") / "aliases.csv", newline="") as f:
    ALIAS_ROWS = [(r["alias"], r["place_id"]) for r in csv.DictReader(f)]

# what people write for a place besides its name, by place id (written here by hand, not
# taken from the reader's tables): abbreviations, qualifiers, "the state of ..."
WRITTEN = {
    "washington_dc": ["DC", "D.C.", "Washington DC", "Washington D.C.", "the District of Columbia"],
    "washington_state": [
        "WA",
        "Washington state",
        "the state of Washington",
        "Washington (the state)",
        "Washington, the state",
    ],
    "georgia_us": ["GA", "the state of Georgia", "Georgia, USA", "Georgia (the U.S. state)"],
    "georgia_country": ["the country of Georgia", "Georgia the country", "Georgia (country)"],
    "portland_or": ["Portland, OR", "Portland, Ore.", "Portland Oregon"],
    "portland_me": ["Portland, ME", "Portland Maine"],
    "paris_fr": ["Paris, France"],
    "paris_tx": ["Paris, TX", "Paris, Tex."],
    "springfield_il": ["Springfield, IL", "Springfield, Ill."],
    "springfield_mo": ["Springfield, MO", "Springfield, Mo."],
    "springfield_ma": ["Springfield, MA", "Springfield, Mass."],
    "birmingham_uk": ["Birmingham, UK", "Birmingham, U.K."],
    "birmingham_al": ["Birmingham, AL", "Birmingham, Ala."],
    "vancouver_bc": ["Vancouver, BC", "Vancouver, B.C."],
    "vancouver_wa": ["Vancouver, WA", "Vancouver, Wash."],
    "cambridge_ma": ["Cambridge, MA", "Cambridge, Mass."],
    "cambridge_uk": ["Cambridge, UK", "Cambridge, U.K."],
    "london_uk": ["London, UK", "London, U.K."],
    "london_on": ["London, ON", "London, Ont."],
    "sydney_au": ["Sydney, NSW", "Sydney, Australia"],
    "sydney_ns": ["Sydney, NS", "Sydney, N.S."],
    "columbus_oh": ["Columbus, OH"],
    "columbus_ga": ["Columbus, GA", "Columbus, Ga."],
    "rochester_ny": ["Rochester, NY", "Rochester, N.Y."],
    "rochester_mn": ["Rochester, MN", "Rochester, Minn."],
    "santiago_cl": ["Santiago, Chile", "Santiago de Chile"],
    "santiago_de_compostela": ["Santiago de Compostela"],
    "new_york": ["NYC", "New York, NY"],
    "los_angeles": ["LA", "Los Angeles, CA"],
    "san_francisco": ["SF", "San Francisco, CA"],
    "montreal": ["Montréal, Québec"],
}
PHRASINGS = (
    "{form}",
    "By {alias} I mean {form}.",
    "No. By {alias} I mean {form}.",
    "No, by {alias}, I mean {form}.",
    "I meant {form}",
    "Sorry: by {alias} I meant {form} (not the other one).",
    "{form}, please.",
    "No -- {form}!",
)


def forms_of(alias: str, place_id: str) -> list[str]:
    """The ways a person writes the place an alias means: its name, the hand-written forms,
    and for an alias that means only it, the alias itself."""
    name = w.places()[place_id].name
    out = [name, re.sub(r"[.,()]", "", name), *WRITTEN.get(place_id, [])]
    return out + ([alias] if len(w.resolve(alias)) == 1 else [])


def phrasings(alias: str, form: str) -> list[str]:
    """Each phrasing as written and in lower case."""
    said = [p.format(alias=alias, form=form) for p in PHRASINGS]
    return said + [s.lower() for s in said]


@pytest.mark.parametrize(("alias", "place_id"), ALIAS_ROWS)
def test_the_reader_understands_every_alias_in_every_phrasing(alias: str, place_id: str) -> None:
    wrong = {
        text: read_clarification(alias, text)
        for form in forms_of(alias, place_id)
        for text in phrasings(alias, form)
        if read_clarification(alias, text) != place_id
    }
    assert not wrong, f"{alias} -> {place_id}: misread {wrong}"


def test_every_place_of_the_world_is_covered() -> None:
    assert {p for _, p in ALIAS_ROWS} == set(w.places())
    assert all(len(phrasings(a, f)) == 16 for a, p in ALIAS_ROWS for f in forms_of(a, p))


@pytest.mark.parametrize(
    ("request_id", "place_id", "name"),
    [
        ("trip-052", "washington_dc", "Washington, D.C."),
        ("trip-030", "georgia_us", "Georgia (U.S. state)"),
    ],
)
def test_the_two_named_failures_are_read(request_id: str, place_id: str, name: str) -> None:
    """The simulated traveller's own corrections, which the old ``[^.\\n]+`` pattern cut at
    the first period ("Washington, D", "Georgia (U"): read, they decide the reading."""
    req = requests()[request_id]
    answer = f"No. {TravelUser(req).meaning}"
    assert answer == f"No. By {req.destination_alias} I mean {name}."
    assert read_clarification(req.destination_alias, answer) == place_id
    prompt = Prompt([HumanMessage(req.text), AIMessage("..."), HumanMessage(answer, name="user")])
    said, decision = interpret(req.destination_alias, prompt, Dice(0, prompt.fingerprint))
    assert said == name and decision.options == 1 and decision.p_correct == 1.0


def test_a_place_said_not_to_be_meant_is_skipped() -> None:
    assert read_clarification("Washington", "Washington State, not D.C.") == "washington_state"
    assert read_clarification("Washington", "Not DC. Washington State.") == "washington_state"
    assert read_clarification("Washington", "Not DC.") is None


def test_answers_naming_no_meaning_of_the_alias_are_not_clarifications() -> None:
    assert read_clarification("Washington", "Yes, that's right.") is None
    assert read_clarification("Washington", "No: redo step 2: we are 3 travelers.") is None
    assert read_clarification("Washington", "By Washington I mean Washington.") is None
    assert read_clarification("Washington", "By Portland I mean Portland, Maine.") is None
    # an airport code narrows to the alias's meanings: PDX serves both Portland, OR and
    # Vancouver, WA, and only one of those is a Portland
    assert read_clarification("Portland", "I mean the one with PDX") == "portland_or"


def test_airport_codes_count_only_in_capitals() -> None:
    assert [m.form for m in mentions("Fly me to SEA")] == ["sea"]
    assert mentions("a hotel by the sea") == []


def test_read_place_reads_names_however_written() -> None:
    assert [p for p, _ in read_place("Washington")] == ["washington_dc", "washington_state"]
    assert read_place("washington, d.c.") == [("washington_dc", 1.0)]
    assert read_place("the state of Washington") == [("washington_state", 1.0)]
    assert read_place("Georgia, USA") == [("georgia_us", 1.0)]
    assert read_place("Atlantis") == []


def test_only_the_persons_messages_are_read_as_clarifications() -> None:
    """Neither the request (it names the origin) nor a teammate's handoff is a correction."""
    req = requests()["trip-052"]
    note = "[offers] hotel at Washington State: HT-1@x $10.00\nBy Washington I mean WA."
    prompt = Prompt([HumanMessage(req.text), HumanMessage(note, name=HANDOFF_NAME)])
    assert clarification("Washington", prompt) is None
    told = Prompt([*prompt.messages, HumanMessage("I meant DC.", name="user")])
    assert clarification("Washington", told) == "washington_dc"


def test_a_request_that_names_the_place_in_full_is_read_with_certainty() -> None:
    text = (
        "Book me a trip to Washington, D.C. from Portland, ME, June 3 to June 6, 2027, "
        "for 2 travelers. Budget $2,000. I need a flight and a hotel."
    )
    trip = parse_request(text)
    assert trip is not None and trip.destination == "Washington, D.C."
    prompt = Prompt([HumanMessage(text)])
    said, decision = interpret(trip.destination, prompt, Dice(0, prompt.fingerprint))
    assert said == "Washington, D.C." and decision.p_correct == 1.0
    assert read_place(trip.origin) == [("portland_me", 1.0)]


def test_a_teams_readings_count_one_place_written_two_ways_once() -> None:
    lines = "[plan] destination = Washington DC\n[plan] destination = Washington, D.C."
    prompt = Prompt([HumanMessage(lines, name=HANDOFF_NAME)])
    assert readings(prompt) == ["Washington, D.C.", "Washington, D.C."]
