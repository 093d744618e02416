"""The research world's tools, answer normalization and the judging of a filtering."""

from __future__ import annotations

import json

import pytest

from agentlab.world import research as r

WORDS = {"founded": "founded year", "population": "population census"}  # as the agent searches


def _fact(fact_id: str) -> tuple[str, str]:
    f = r.facts()[fact_id]
    return f["entity"], f["attribute"]


def test_world_loads_with_ground_truth() -> None:
    assert len(r.documents()) >= 100
    assert r.question_ids()[0] == "Q-001"
    for q in r.questions().values():
        assert q.fact_ids and all(f in r.facts() for f in q.fact_ids)
        assert r.is_correct(q, q.answer)
    assert sum(d.injection for d in r.documents().values()) > 0
    assert any(not c["true"] for d in r.documents().values() for c in d.claims)


def test_search_finds_a_document_truly_stating_each_fact_a_question_needs() -> None:
    needed = {f for q in r.questions().values() for f in q.fact_ids}
    found = 0
    for f in needed:
        entity, attribute = _fact(f)
        query = f"{entity} {WORDS.get(attribute, attribute.replace('_', ' '))}"
        found += bool({d.doc_id for d in r.search(query, 5)} & r.stated_truly_by(f))
    assert found >= 0.95 * len(needed), f"{found} of {len(needed)} facts found"


def test_search_by_question_text_finds_most_questions_evidence() -> None:
    """For a question of one hop; a two-hop question's text names only its first hop."""
    one_hop = [q for q in r.questions().values() if q.kind not in ("bridge", "hub")]
    complete = sum(
        all({d.doc_id for d in r.search(q.text, 5)} & r.stated_truly_by(f) for f in q.fact_ids)
        for q in one_hop
    )
    assert complete >= 0.5 * len(one_hop)  # distractors crowd the rest out of the top 5
    lookups = [q for q in one_hop if q.kind == "lookup"]
    found = sum(bool({d.doc_id for d in r.search(q.text, 5)} & r.stated_truly_by(q.fact_ids[0]))
                for q in lookups)  # fmt: skip
    assert found >= 0.85 * len(lookups)
    two_hop = [q for q in r.questions().values() if q.kind in ("bridge", "hub")]
    first = sum(
        bool({d.doc_id for d in r.search(q.text, 5)} & r.stated_truly_by(q.fact_ids[0]))
        for q in two_hop
    )
    assert first >= 0.5 * len(two_hop), (first, len(two_hop))


def test_search_tool_returns_snippets_and_respects_k() -> None:
    out = json.loads(r.search_corpus.invoke({"query": "Kelvara population", "k": 3}))
    assert out["query"] == "Kelvara population"
    assert len(out["results"]) == 3
    first = out["results"][0]
    assert set(first) == {"doc_id", "title", "source", "reliability", "snippet"}
    assert first["snippet"].split()[:5] == r.documents()[first["doc_id"]].text.split()[:5]
    many = json.loads(r.search_corpus.invoke({"query": "Kelvara", "k": 99}))
    assert len(many["results"]) == 10  # k is clamped to 1-10


def test_search_names_weigh_more_than_words() -> None:
    top = r.search("Kelvara capital", 3)[0]
    assert "Kelvara" in top.text


def test_filter_returns_full_texts_and_lists_unknown_ids() -> None:
    ids = list(r.documents())[:2]
    out = json.loads(r.filter_documents.invoke({"keep": [*ids, "D-999"]}))
    assert [d["doc_id"] for d in out["kept"]] == ids
    assert [d["text"] for d in out["kept"]] == [r.documents()[i].text for i in ids]
    assert out["unknown"] == ["D-999"]


def test_cross_check_lists_every_claim_of_a_fact() -> None:
    q = next(q for q in r.questions().values() if q.contested)
    values = []
    for f in q.fact_ids:
        entity, attribute = _fact(f)
        out = json.loads(r.cross_check.invoke({"entity": entity, "attribute": attribute}))
        claims = {(c["doc_id"], c["value"]) for c in out["claims"]}
        assert claims == {
            (d.doc_id, c["value"])
            for d in r.documents().values()
            for c in d.claims
            if c["fact_id"] == f
        }
        values.append({v for _, v in claims})
    assert any(len(v) > 1 for v in values), "a contested question has contradicting claims"


def test_cross_check_of_an_unknown_fact_is_empty() -> None:
    out = json.loads(r.cross_check.invoke({"entity": "Atlantis", "attribute": "population"}))
    assert out["claims"] == []


def test_submit_echoes_the_answer_and_evidence() -> None:
    out = json.loads(r.submit_answer.invoke({"answer": "48,210", "evidence": ["D-001"]}))
    assert out == {"status": "submitted", "answer": "48,210", "evidence": ["D-001"]}


def test_tools_carry_their_latency() -> None:
    assert all(t.metadata and t.metadata["latency_s"] > 0 for t in r.RESEARCH_TOOLS.values())


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("48,210", "48210"),
        ("91.80 km2", "91.8"),
        ("1,204.5", "1204.5"),
        ("345 m", "345"),
        ("8095 residents", "8095"),
        ("1830.0", "1830"),
        (" Kelvara. ", "kelvara"),
        ("Corran Mor", "corran mor"),
    ],
)
def test_normalize(given: str, canonical: str) -> None:
    assert r.normalize(given) == canonical


def test_is_correct_ignores_form_not_value() -> None:
    lookup = next(q for q in r.questions().values() if q.kind == "sum")
    value = int(lookup.answer)
    assert r.is_correct(lookup, f"{value:,}")
    assert not r.is_correct(lookup, str(value + 1))
    compare = next(q for q in r.questions().values() if q.kind == "compare")
    assert r.is_correct(compare, compare.answer.upper())
    loser = next(e for e in r.entities() if e in compare.text and e != compare.answer)
    assert not r.is_correct(compare, loser)


def _clean(fact_ids: tuple[str, ...]) -> list[str]:
    """Documents stating a needed fact truly and nothing misleading about the others."""
    needed = set(fact_ids)
    return [
        d.doc_id
        for d in r.documents().values()
        if not d.injection
        and any(c["true"] and c["fact_id"] in needed for c in d.claims)
        and not any(c["fact_id"] in needed and not c["true"] for c in d.claims)
    ]


def test_judge_filter_accepts_clean_complete_evidence() -> None:
    judged = [r.judge_filter(q, _clean(q.fact_ids)) for q in r.questions().values()]
    assert all(judged)


def test_judge_filter_rejects_missing_false_or_injected_documents() -> None:
    # two facts, both needed at once (a two-hop question's filters keep one hop each)
    q = next(
        q
        for q in r.questions().values()
        if q.contested and len(q.fact_ids) == 2 and q.kind not in ("bridge", "hub")
    )
    keep = _clean(q.fact_ids)
    assert not r.judge_filter(q, [])
    half = [i for i in keep if i not in r.stated_truly_by(q.fact_ids[1])]
    assert half and not r.judge_filter(q, half)
    liar = next(
        d.doc_id
        for d in r.documents().values()
        if any(c["fact_id"] in q.fact_ids and not c["true"] for c in d.claims)
    )
    assert not r.judge_filter(q, [*keep, liar])
    injected = next(d.doc_id for d in r.documents().values() if d.injection)
    assert not r.judge_filter(q, [*keep, injected])
    assert r.judge_filter(q, [*keep, "D-999"])  # unknown ids are ignored
