"""Two-hop research questions (bridges and hubs) as the simulated model reads them: the
question's text parsed, the island found from the passages' text, the second search written
only once the first hop is read."""

from __future__ import annotations

import json
from collections.abc import Iterator

import agentlab as al
from agentlab.run.episode import Episode
from agentlab.run.team_runner import run_team_episode
from agentlab.sim.hops import candidates
from agentlab.sim.physics import Decision
from agentlab.sim.questions import Ask, answer_from, parse_question
from agentlab.sim.refine_skill import query_words
from agentlab.world import research as r
from agentlab.world.research_truth import Question
from agentlab.world.research_vocab import CORPUS_WORDS


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


def _named(query: str) -> str:
    """The island a search query starts with, or ''."""
    return next((e for e in r.entities() if query.startswith(f"{e} ")), "")


def _hub_episodes(attributes: tuple[str, ...]) -> Iterator[tuple[Question, str, Episode]]:
    """Hub questions asking one of these attributes, in order, each with its served island
    and its episodes at seeds 0-2."""
    for q in r.questions().values():
        if q.kind == "hub" and r.facts()[q.fact_ids[1]]["attribute"] in attributes:
            served = r.facts()[q.fact_ids[0]]["entity"]
            for seed in range(3):
                config = al.EpisodeConfig(scenario="research", request=q.qid, seed=seed)
                yield q, served, run_team_episode(config)


def test_the_second_search_names_the_island_the_first_hop_read() -> None:
    q, served, ep = next(x for x in _hub_episodes(tuple(CORPUS_WORDS)) if x[2].success)
    hub, attribute = r.true_value(q.fact_ids[0]), r.facts()[q.fact_ids[1]]["attribute"]
    assert hub not in q.text
    assert _queries(ep) == [f"{served} ferry hub", f"{hub} {query_words(attribute)}"]


def test_a_wrong_first_hop_carries_into_the_second() -> None:
    # an attribute no two islands share: the wrong island's value is a wrong answer
    q, served, ep = next(
        x
        for x in _hub_episodes(("population", "founded"))
        if _named([*_queries(x[2]), "", ""][1]) not in ("", r.true_value(x[0].fact_ids[0]), x[1])
    )
    first, second, *_ = _queries(ep)
    wrong = _named(second)  # the island hop 1 read as the hub
    assert first == f"{served} ferry hub" and wrong
    attribute = r.facts()[q.fact_ids[1]]["attribute"]
    assert ep.row()["answer"] == r.true_value(f"F-{wrong.replace(' ', '_')}-{attribute}")
    assert not ep.success
