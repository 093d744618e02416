"""Two-hop research questions (bridges and hubs) as the simulated model reads them: the
question's text parsed, the island found from the passages' text, the second search written
only once the first hop is read."""

from __future__ import annotations

import json

import agentlab as al
from agentlab.run.team_runner import run_team_episode
from agentlab.sim.hops import candidates
from agentlab.sim.physics import Decision
from agentlab.sim.questions import Ask, answer_from, parse_question
from agentlab.world import research as r


def _sees(i: int, doc_id: str, what: str) -> tuple[bool, Decision]:
    return True, Decision("read", 1, 1.0, True, what)


def test_every_question_parses_and_is_written_back_as_asked() -> None:
    kinds = {"lookup": {"lookup"}, "compare": {"earlier", "larger"}, "sum": {"sum"}}
    kinds |= {"compare3": {"earlier", "larger"}, "bridge": {"bridge"}, "hub": {"hub"}}
    for q in r.questions().values():
        ask = parse_question(q.text)
        assert ask is not None and ask.kind in kinds[q.kind], q.qid
        assert ask.text() == q.text, q.qid
        assert ask.hops == (q.kind in ("bridge", "hub"))
        if ask.hops:
            assert ask.entities == () and ask.parts() == [q.text]  # not split: hop 2 waits


def test_a_bridge_and_a_hub_name_what_their_first_hop_starts_from() -> None:
    bridge = parse_question("What is the main export of the island whose capital is Brennick?")
    assert bridge == Ask("bridge", (), "main_export", ("capital", "Brennick"))
    year = parse_question("What is the population of the island founded in 1466?")
    assert year is not None and year.via == ("founded", "1466")
    hub = parse_question("What is the capital of the ferry hub that serves Varrow?")
    assert hub == Ask("hub", (), "capital", ("ferry_hub", "Varrow"))
    assert answer_from(hub, []) == "unknown"  # unresolved: nothing to answer from
    found = hub.resolved("Rosvane")
    assert found.fact_ids == ["F-Rosvane-capital"] and answer_from(found, ["Seaholm"]) == "Seaholm"


def test_the_first_hop_is_read_from_the_passages_with_their_reliability() -> None:
    ask = parse_question("What is the main export of the island whose capital is Brennick?")
    assert ask is not None
    passages = [
        {"doc_id": "A", "reliability": 0.95, "text": "Notes. The capital of Doravel is Brennick."},
        {"doc_id": "B", "reliability": 0.4, "text": "Thread. The capital of Varrow is Brennick."},
        {"doc_id": "C", "reliability": 0.9, "text": "Figures. The capital of Kelvara is Lowtide."},
    ]
    decisions: list[Decision] = []
    votes, named = candidates(ask, passages, _sees, decisions)
    assert votes.most_common() == [("Doravel", 95), ("Varrow", 40)]  # a decoy, outweighed
    assert named == ["Doravel", "Varrow"] and len(decisions) == 2
    hub = parse_question("What is the population of the ferry hub that serves Varrow?")
    assert hub is not None
    text = "Travellers bound for Varrow change boats at Rosvane, the ferry hub."
    votes, _ = candidates(hub, [{"reliability": 0.8, "text": text}], _sees, [])
    assert votes == {"Rosvane": 80}


def _queries(ep: object) -> list[str]:
    results = ep.state["results"]  # type: ignore[attr-defined]
    return [json.loads(m.content)["query"] for m in results if m.name == "search_corpus"]


def test_the_second_search_names_the_island_the_first_hop_read() -> None:
    q = r.questions()["Q-005"]  # the main export of the ferry hub that serves Quennick
    hub = r.true_value(q.fact_ids[0])
    assert hub == "Kelvara" and hub not in q.text
    ep = run_team_episode(al.EpisodeConfig(scenario="research", request=q.qid, seed=0))
    assert _queries(ep) == ["Quennick ferry hub", "Kelvara main export"] and ep.success


def test_a_wrong_first_hop_carries_into_the_second() -> None:
    q = r.questions()["Q-011"]  # the area of the ferry hub that serves Amberlin: Saltha
    ep = run_team_episode(al.EpisodeConfig(scenario="research", request=q.qid, seed=0))
    first, second = _queries(ep)
    assert first == "Amberlin ferry hub" and not second.startswith("Saltha")
    assert not ep.success
