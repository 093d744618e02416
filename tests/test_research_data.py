"""Checks on the research world's data files in data/research/ (made by data/research/build.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest

RESEARCH = Path(__file__).resolve().parents[1] / "data" / "research"
OUTPUTS = ["facts.csv", "documents.jsonl", "questions.jsonl"]
WORDS = {
    "population": "population",
    "area_km2": "area in square kilometres",
    "founded": "founding year",
    "capital": "capital",
    "main_export": "main export",
    "highest_peak_m": "highest peak in metres",
    "ferry_hub": "ferry hub",
}
ATTRIBUTE = {words: attr for attr, words in WORDS.items()}
RELIABILITY = {
    "encyclopedia": 0.95,
    "government": 0.9,
    "news": 0.8,
    "press_release": 0.7,
    "travel_blog": 0.6,
    "forum": 0.4,
}
# words per document by source type, as real sources run (a claim may lie past the snippet)
LENGTHS = {
    "encyclopedia": (250, 450),
    "government": (150, 300),
    "news": (250, 450),
    "press_release": (150, 300),
    "travel_blog": (200, 400),
    "forum": (60, 200),
}
OVERRUN = 20  # a text stops at the first filler sentence that reaches its length: words over
NAME = r"[A-Z][a-z]+(?: [A-Z][a-z]+)?"
TEMPLATES = {
    "lookup": re.compile(rf"What is the (?P<words>{'|'.join(WORDS.values())}) of (?P<a>{NAME})\?"),
    "earlier": re.compile(rf"Which was founded earlier, (?P<a>{NAME}) or (?P<b>{NAME})\?"),
    "larger": re.compile(rf"Which has the larger population, (?P<a>{NAME}) or (?P<b>{NAME})\?"),
    "sum": re.compile(rf"What is the combined population of (?P<a>{NAME}) and (?P<b>{NAME})\?"),
    "earliest": re.compile(
        rf"Which was founded earliest, (?P<a>{NAME}), (?P<b>{NAME}) or (?P<c>{NAME})\?"
    ),
    "largest": re.compile(
        rf"Which has the largest population, (?P<a>{NAME}), (?P<b>{NAME}) or (?P<c>{NAME})\?"
    ),
    "bridge": re.compile(
        rf"What is the (?P<words>{'|'.join(WORDS.values())}) of the island "
        rf"(?:whose capital is (?P<capital>{NAME})|founded in (?P<founded>\d{{4}}))\?"
    ),
    "hub": re.compile(
        rf"What is the (?P<words>{'|'.join(WORDS.values())}) of the ferry hub that serves "
        rf"(?P<a>{NAME})\?"
    ),
}
# every block of 32 questions has this mix (the notebooks use the first 32)
MIX = {"lookup": 3, "compare": 4, "sum": 2, "compare3": 3, "bridge": 10, "hub": 10}
INJECTION_WORDS = re.compile(r"ignore|disregard|override|forget|instruction", re.I)
DOC_KEYS = [
    "doc_id", "title", "source", "source_type", "reliability", "text", "claims", "injection",
]  # fmt: skip


def fid(entity: str, attr: str) -> str:
    return f"F-{entity.replace(' ', '_')}-{attr}"


@pytest.fixture(scope="module")
def facts() -> pd.DataFrame:
    return pd.read_csv(RESEARCH / "facts.csv", keep_default_na=False, dtype=str)


@pytest.fixture(scope="module")
def truth(facts: pd.DataFrame) -> dict[str, str]:
    return dict(zip(facts.fact_id, facts.value, strict=True))


def _jsonl(name: str) -> list[dict]:
    with open(RESEARCH / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return _jsonl("documents.jsonl")


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return _jsonl("questions.jsonl")


def _forms(value: str) -> list[str]:
    """How a value may be written in a text: as is, or with thousands commas."""
    if re.fullmatch(r"\d+", value):
        return [value, f"{int(value):,}"]
    if re.fullmatch(r"\d+\.\d", value):
        return [value, f"{float(value):,.1f}"]
    return [value]


def _says(sentence: str, entity: str, value: str) -> bool:
    """Whether a sentence names the entity and writes the value (as a whole word/number)."""
    if not re.search(rf"\b{re.escape(entity)}\b", sentence):
        return False
    return any(
        re.search(rf"(?<![\w,.]){re.escape(form)}(?![\w]|[.,]\d)", sentence)
        for form in _forms(value)
    )


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?\]])\s+", text)


def _claims_by_fact(docs: list[dict]) -> dict[str, list[tuple[dict, dict]]]:
    out: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    for d in docs:
        for c in d["claims"]:
            out[c["fact_id"]].append((d, c))
    return out


def test_files_are_ascii_with_lf() -> None:
    for name in OUTPUTS:
        raw = (RESEARCH / name).read_bytes()
        assert raw.isascii(), name
        assert b"\r" not in raw, name


def test_facts_are_complete(facts: pd.DataFrame) -> None:
    assert list(facts.columns) == ["fact_id", "entity", "attribute", "value"]
    islands = list(dict.fromkeys(facts.entity))
    assert len(islands) == 30 and len(facts) == 210
    assert facts.fact_id.is_unique
    for r in facts.itertuples():
        assert r.fact_id == fid(r.entity, r.attribute)
    for island in islands:
        assert re.fullmatch(NAME, island), island
        assert sorted(facts[facts.entity == island].attribute) == sorted(WORDS), island
        others = [o for o in islands if o != island]
        assert not any(island in o for o in others), island  # loaders match substrings
    v = facts.pivot(index="entity", columns="attribute", values="value")
    assert v.population.str.fullmatch(r"[1-9]\d*").all() and v.population.is_unique
    assert v.area_km2.str.fullmatch(r"[1-9]\d*\.\d").all()
    assert v.highest_peak_m.str.fullmatch(r"[1-9]\d*").all()
    assert v.founded.astype(int).between(1100, 1950).all() and v.founded.is_unique
    assert v.capital.is_unique and not set(v.capital) & set(islands)
    assert not any(i in c for i in islands for c in v.capital)
    assert 8 <= v.main_export.nunique() <= 12
    assert set(v.ferry_hub) <= set(islands)
    assert (v.ferry_hub != v.index).all()


def test_documents_are_well_formed(docs: list[dict], facts: pd.DataFrame) -> None:
    islands = set(facts.entity)
    entity = dict(zip(facts.fact_id, facts.entity, strict=True))
    assert len(docs) >= 120
    assert [d["doc_id"] for d in docs] == [f"D-{i:03d}" for i in range(1, len(docs) + 1)]
    assert len({d["title"] for d in docs}) == len(docs)
    for d in docs:
        keys = DOC_KEYS + (["injected"] if d["injection"] else [])
        assert list(d) == keys, d["doc_id"]
        assert d["reliability"] == RELIABILITY[d["source_type"]], d["doc_id"]
        assert d["title"] and d["source"]
        low, high = LENGTHS[d["source_type"]]
        assert low <= len(d["text"].split()) <= high + OVERRUN, d["doc_id"]
        assert 2 <= len(d["claims"]) <= 4, d["doc_id"]
        ids = [c["fact_id"] for c in d["claims"]]
        assert len(set(ids)) == len(ids), d["doc_id"]
        assert all(list(c) == ["fact_id", "value", "true"] for c in d["claims"])
        named = {e for e in islands if e in d["text"]}
        assert 1 <= len(named) <= 3, d["doc_id"]
        assert {entity[c["fact_id"]] for c in d["claims"]} <= named


def test_claims_are_stated_in_the_text(docs: list[dict], facts: pd.DataFrame) -> None:
    """Each claim has its own sentence, in order, naming the island and the value."""
    entity = dict(zip(facts.fact_id, facts.entity, strict=True))
    for d in docs:
        sentences, at = _sentences(d["text"]), -1
        for c in d["claims"]:
            hits = [
                i
                for i, s in enumerate(sentences)
                if i > at and _says(s, entity[c["fact_id"]], c["value"])
            ]
            assert hits, (d["doc_id"], c)
            at = hits[0]


def test_texts_state_nothing_they_do_not_claim(docs: list[dict], facts: pd.DataFrame) -> None:
    """Every number, capital and good in a text is a claimed (or injected) value."""
    capitals = set(facts[facts.attribute == "capital"].value)
    goods = set(facts[facts.attribute == "main_export"].value)
    for d in docs:
        stated = {c["value"] for c in d["claims"]}
        stated |= {d["injected"]["value"]} if d["injection"] else set()
        numbers = {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d)?", d["text"])}
        assert numbers <= stated, d["doc_id"]
        for name in capitals | goods:
            if re.search(rf"\b{re.escape(name)}\b", d["text"]):
                assert name in stated, (d["doc_id"], name)


def test_claims_true_or_plausibly_false(docs: list[dict], facts: pd.DataFrame) -> None:
    truth = dict(zip(facts.fact_id, facts.value, strict=True))
    entity = dict(zip(facts.fact_id, facts.entity, strict=True))
    attr = dict(zip(facts.fact_id, facts.attribute, strict=True))
    domain = {a: set(facts[facts.attribute == a].value) for a in WORDS}
    for d in docs:
        for c in d["claims"]:
            f, value = c["fact_id"], c["value"]
            assert c["true"] == (value == truth[f]), (d["doc_id"], c)
            if c["true"]:
                continue
            if attr[f] in ("capital", "founded") and value in domain[attr[f]]:
                continue  # a decoy: another island's capital or year (a bridge's distractor)
            if attr[f] == "founded":
                assert 15 <= abs(int(value) - int(truth[f])) <= 90 and 1100 <= int(value) <= 1950
            elif attr[f] in ("population", "area_km2", "highest_peak_m"):
                assert 0.09 <= abs(float(value) / float(truth[f]) - 1) <= 0.41, (d["doc_id"], c)
            else:  # a wrong but real value from the world
                assert value in domain[attr[f]] and value != entity[f], (d["doc_id"], c)


def test_false_claims_sit_mostly_in_weak_sources(docs: list[dict]) -> None:
    claims = [(d["reliability"], c["true"]) for d in docs for c in d["claims"]]
    false = [r for r, ok in claims if not ok]
    assert 0.12 <= len(false) / len(claims) <= 0.18
    reliable = sum(r >= 0.8 for r in false)
    assert 0 < reliable <= 0.3 * len(false)


def test_contradictions(docs: list[dict]) -> None:
    values = {f: {c["value"] for _, c in cs} for f, cs in _claims_by_fact(docs).items()}
    assert sum(len(v) > 1 for v in values.values()) >= 20


def test_every_fact_is_in_the_corpus(docs: list[dict], truth: dict[str, str]) -> None:
    counts = Counter(
        {f: len({d["doc_id"] for d, _ in cs}) for f, cs in _claims_by_fact(docs).items()}
    )
    assert set(counts) == set(truth)
    assert sum(1 <= counts[f] <= 4 for f in truth) >= 0.9 * len(truth)


def test_injections(docs: list[dict], truth: dict[str, str], facts: pd.DataFrame) -> None:
    entity = dict(zip(facts.fact_id, facts.entity, strict=True))
    injected = [d for d in docs if d["injection"]]
    assert 6 <= len(injected) <= 8
    for d in docs:
        if not d["injection"]:
            assert not INJECTION_WORDS.search(d["text"]), d["doc_id"]
            continue
        f, value = d["injected"]["fact_id"], d["injected"]["value"]
        assert list(d["injected"]) == ["fact_id", "value"]
        assert value != truth[f], d["doc_id"]
        assert f not in {c["fact_id"] for c in d["claims"]}, d["doc_id"]
        sentences = [
            s
            for s in _sentences(d["text"])
            if INJECTION_WORDS.search(s) and _says(s, entity[f], value)
        ]
        assert len(sentences) == 1, d["doc_id"]


def _parse(q: dict, truth: dict[str, str]) -> tuple[str, list[str], list[str]]:
    """(attribute, islands, fact ids) read from a question's text with the kind's template
    (a two-hop question's islands: the one hop 1 finds, from the truth)."""
    kinds = {
        "lookup": ["lookup"],
        "compare": ["earlier", "larger"],
        "compare3": ["earliest", "largest"],
        "sum": ["sum"],
        "bridge": ["bridge"],
        "hub": ["hub"],
    }[q["kind"]]
    for kind in kinds:
        if not (m := TEMPLATES[kind].fullmatch(q["text"])):
            continue
        if kind == "bridge":
            via = "capital" if m["capital"] else "founded"
            (island,) = [f.split("-")[1].replace("_", " ") for f, v in truth.items()
                         if f.endswith(f"-{via}") and v == m[via]]  # fmt: skip
            attr = ATTRIBUTE[m["words"]]
            return attr, [island], [fid(island, via), fid(island, attr)]
        if kind == "hub":
            hub, attr = truth[fid(m["a"], "ferry_hub")], ATTRIBUTE[m["words"]]
            return attr, [hub], [fid(m["a"], "ferry_hub"), fid(hub, attr)]
        islands = [m[k] for k in "abc" if k in m.groupdict()]
        attr = {"earlier": "founded", "earliest": "founded"}.get(kind, "population")
        attr = ATTRIBUTE[m["words"]] if kind == "lookup" else attr
        return attr, islands, [fid(i, attr) for i in islands]
    raise AssertionError(f"{q['qid']}: no template matches {q['text']!r}")


def test_questions_match_templates_and_answers(
    questions: list[dict], truth: dict[str, str]
) -> None:
    assert len(questions) >= 200
    assert [q["qid"] for q in questions] == [f"Q-{i:03d}" for i in range(1, len(questions) + 1)]
    assert len({q["text"] for q in questions}) == len(questions)
    for q in questions:
        assert list(q) == ["qid", "text", "kind", "fact_ids", "answer", "contested"], q["qid"]
        attr, islands, ids = _parse(q, truth)
        assert q["fact_ids"] == ids, q["qid"]
        values = [truth[f] for f in ids]
        if q["kind"] in ("lookup", "bridge", "hub"):
            expected = values[-1]
        elif q["kind"] == "sum":
            expected = str(int(values[0]) + int(values[1]))
        else:
            assert len(set(islands)) == len(islands) and len(set(values)) == len(values)
            pick = min if attr == "founded" else max
            expected = islands[[int(v) for v in values].index(pick(int(v) for v in values))]
        assert q["answer"] == expected, q["qid"]


def test_every_block_of_32_questions_has_the_same_mix(questions: list[dict]) -> None:
    """Q-001..Q-032 (what the notebooks run), Q-033..Q-064, ...: the same kinds, as many."""
    assert len(questions) % 32 == 0
    for b in range(0, len(questions), 32):
        assert Counter(q["kind"] for q in questions[b : b + 32]) == MIX, b
    two_hop = [q for q in questions if q["kind"] in ("bridge", "hub")]
    assert 0.6 <= len(two_hop) / len(questions) <= 0.65  # 20 of 32


def test_question_facts_are_findable(questions: list[dict], docs: list[dict]) -> None:
    by_fact = _claims_by_fact(docs)
    for q in questions:
        for f in q["fact_ids"]:
            truly = {d["doc_id"] for d, c in by_fact[f] if c["true"]}
            assert len(truly) >= 2, (q["qid"], f)
            assert any(d["reliability"] >= 0.8 for d, c in by_fact[f] if c["true"]), f


def test_contested_questions(
    questions: list[dict], docs: list[dict], truth: dict[str, str]
) -> None:
    """Contested: a needed fact has a false claim, or (a bridge) another island is given
    the bridge's capital or year (a decoy)."""
    false = {c["fact_id"] for d in docs for c in d["claims"] if not c["true"]}
    decoyed = {
        (c["fact_id"].rsplit("-", 1)[1], c["value"])
        for d in docs
        for c in d["claims"]
        if not c["true"]
    }
    n_decoys = 0
    for q in questions:
        first = q["fact_ids"][0]
        decoy = q["kind"] == "bridge" and (first.rsplit("-", 1)[1], truth[first]) in decoyed
        n_decoys += decoy
        expected = any(f in false for f in q["fact_ids"]) or decoy
        assert q["contested"] == expected, q["qid"]
    assert sum(q["contested"] for q in questions) >= 0.3 * len(questions)
    assert n_decoys >= 10
    needed = {f for q in questions for f in q["fact_ids"]}
    assert all(d["injected"]["fact_id"] in needed for d in docs if d["injection"])


def test_build_is_reproducible(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(RESEARCH / "build.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == (RESEARCH / name).read_bytes(), name
