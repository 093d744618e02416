"""The research world: a corpus of short documents about the (fictional) Meridian Isles.

Questions have ground-truth answers built from ``facts.csv``; documents state claims, some
false, some contradicting each other, a few carrying prompt-injection text. The tools are
stateless and deterministic:

* ``search_corpus(query, k)``: keyword retrieval, returning ids, titles, sources and
  snippets;
* ``filter_documents(keep)``: the rank-and-filter capability's commitment: the documents
  kept, returned in full for synthesis;
* ``cross_check(entity, attribute)``: every claim the corpus makes about one fact, with
  its source and reliability, for fact-checking;
* ``submit_answer(answer, evidence)``: the synthesis, committed.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from langchain_core.tools import BaseTool, tool

from agentlab.data import data_path
from agentlab.world import resolve_hints

RESEARCH_DIR = data_path("research")
SEARCH_LATENCY_S = 0.6  # assumed: a search-index round trip
FETCH_LATENCY_S = 0.3  # assumed: fetching documents by id
INSTRUCTIONS = (
    "You are a research assistant answering questions about the Meridian Isles from a "
    "document corpus."
)
ATTRIBUTES = {
    "population": "population",
    "area in square kilometres": "area_km2",
    "founding year": "founded",
    "capital": "capital",
    "main export": "main_export",
    "highest peak in metres": "highest_peak_m",
    "ferry hub": "ferry_hub",
}
# the words the corpus states each attribute in (every claim sentence uses them): what a
# search query needs to find the claim
CORPUS_WORDS = {
    "population": "population",
    "area_km2": "area",
    "founded": "founded",
    "capital": "capital",
    "main_export": "main export",
    "highest_peak_m": "highest peak",
    "ferry_hub": "ferry hub",
}
_WORD = re.compile(r"[A-Za-z]+|\d[\d,]*")


@dataclass(frozen=True)
class Document:
    """One document of the corpus."""

    doc_id: str
    title: str
    source: str
    source_type: str
    reliability: float  # assumed trustworthiness of the source, 0 to 1
    text: str
    claims: tuple[dict[str, Any], ...]  # {"fact_id", "value", "true"}
    injection: bool  # carries text that tries to hijack an AI reader
    injected: dict[str, Any] | None = None  # the fact and value the injected text demands


@dataclass(frozen=True)
class Question:
    """A question with its ground truth."""

    qid: str
    text: str
    kind: str  # lookup, compare or sum
    fact_ids: tuple[str, ...]
    answer: str
    contested: bool = False  # some documents state a wrong value for a needed fact

    @property
    def id(self) -> str:
        """The question id (as a request id in the tables)."""
        return self.qid


@cache
def facts() -> dict[str, dict[str, str]]:
    """Ground-truth facts by fact id: ``{"entity", "attribute", "value"}``."""
    with open(RESEARCH_DIR / "facts.csv", newline="") as f:
        return {r["fact_id"]: r for r in csv.DictReader(f)}


def _jsonl(name: str) -> list[dict[str, Any]]:
    """The records of one JSON-lines file of the research data."""
    with open(RESEARCH_DIR / name) as f:
        return [json.loads(line) for line in f if line.strip()]


@cache
def documents() -> dict[str, Document]:
    """The corpus by document id."""
    out = {}
    for d in _jsonl("documents.jsonl"):
        out[d["doc_id"]] = Document(
            d["doc_id"],
            d["title"],
            d["source"],
            d["source_type"],
            float(d["reliability"]),
            d["text"],
            tuple(d["claims"]),
            bool(d.get("injection")),
            d.get("injected"),
        )
    return out


@cache
def questions() -> dict[str, Question]:
    """The questions by id."""
    out = {}
    for q in _jsonl("questions.jsonl"):
        out[q["qid"]] = Question(
            q["qid"],
            q["text"],
            q["kind"],
            tuple(q["fact_ids"]),
            str(q["answer"]),
            bool(q.get("contested")),
        )
    return out


def question_ids() -> list[str]:
    """Question ids in file order."""
    return list(questions())


@cache
def entities() -> tuple[str, ...]:
    """Island names, longest first (so "North Tarra" matches before "Tarra")."""
    return tuple(sorted({f["entity"] for f in facts().values()}, key=lambda e: (-len(e), e)))


def _terms(text: str) -> list[str]:
    return [w.lower().replace(",", "") for w in _WORD.findall(text)]


@cache
def _index() -> dict[str, tuple[set[str], set[str]]]:
    ents = entities()
    return {
        d.doc_id: (set(_terms(d.title + " " + d.text)), {e for e in ents if e in d.text})
        for d in documents().values()
    }


def search(query: str, k: int = 5) -> list[Document]:
    """Keyword retrieval: island names in the query weigh 5, other shared words 1."""
    terms = set(_terms(query))
    named = {e for e in entities() if e.lower() in query.lower()}
    scored = []
    for doc_id, (words, ents) in _index().items():
        score = 5 * len(named & ents) + len(terms & words)
        if score:
            scored.append((-score, doc_id))
    return [documents()[d] for _, d in sorted(scored)[:k]]


def _snippet(d: Document, words: int = 40) -> str:
    parts = d.text.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


@tool(parse_docstring=True)
def search_corpus(query: str, k: int = 5) -> str:
    """Search the research corpus; returns document ids, titles, sources and snippets.

    Args:
        query: Keywords, e.g. "Kelvara population census".
        k: How many documents to return (1-10).
    """
    found = search(query, max(1, min(int(k), 10)))
    return json.dumps(
        {
            "query": query,
            "results": [
                {
                    "doc_id": d.doc_id,
                    "title": d.title,
                    "source": d.source,
                    "reliability": d.reliability,
                    "snippet": _snippet(d),
                }
                for d in found
            ],
        }
    )


@tool(parse_docstring=True)
def filter_documents(keep: list[str]) -> str:
    """Keep the relevant, trustworthy documents among those retrieved; returns their full text.

    Args:
        keep: Ids of the documents to keep, e.g. ["D-004", "D-017"].
    """
    docs = documents()
    kept = [docs[i] for i in keep if i in docs]
    unknown = [i for i in keep if i not in docs]
    return json.dumps(
        {
            "kept": [
                {
                    "doc_id": d.doc_id,
                    "source": d.source,
                    "reliability": d.reliability,
                    "text": d.text,
                }
                for d in kept
            ],
            "unknown": unknown,
        }
    )


@tool(parse_docstring=True)
def cross_check(entity: str, attribute: str) -> str:
    """Every claim the corpus makes about one fact, with its source: for fact-checking.

    Args:
        entity: The island, e.g. "Kelvara".
        attribute: One of population, area_km2, founded, capital, main_export,
            highest_peak_m, ferry_hub.
    """
    fact_id = f"F-{entity.replace(' ', '_')}-{attribute}"
    claims = [
        {"doc_id": d.doc_id, "source": d.source, "reliability": d.reliability, "value": c["value"]}
        for d in documents().values()
        for c in d.claims
        if c["fact_id"] == fact_id
    ]
    return json.dumps({"entity": entity, "attribute": attribute, "claims": claims})


@tool(parse_docstring=True)
def submit_answer(answer: str, evidence: list[str]) -> str:
    """Commit the answer to the question, with the ids of the documents it rests on.

    Args:
        answer: The answer, e.g. "48210" or "Kelvara".
        evidence: Ids of the supporting documents.
    """
    return json.dumps({"status": "submitted", "answer": answer, "evidence": evidence})


RESEARCH_TOOLS: dict[str, BaseTool] = {
    t.name: t for t in (search_corpus, filter_documents, cross_check, submit_answer)
}
for _t, _latency in zip(
    RESEARCH_TOOLS.values(),
    (SEARCH_LATENCY_S, FETCH_LATENCY_S, SEARCH_LATENCY_S, 0.05),
    strict=True,
):
    _t.metadata = {"latency_s": _latency, "domain": "research", "core": True}
    _t.handle_tool_error = True
resolve_hints(RESEARCH_TOOLS.values())


def normalize(answer: str) -> str:
    """An answer in canonical form: trimmed, lower case, no thousands separators, no unit."""
    a = answer.strip().lower().replace(",", "").rstrip(".")
    a = re.sub(r"\s*(km2|km²|m|metres|residents|people)$", "", a)
    try:
        return str(float(a)).rstrip("0").rstrip(".") if re.fullmatch(r"-?\d+(\.\d+)?", a) else a
    except ValueError:
        return a


def is_correct(q: Question, answer: str) -> bool:
    """Whether an answer agrees with the ground truth."""
    return normalize(answer) == normalize(q.answer)


def true_value(fact_id: str) -> str:
    """The ground-truth value of a fact."""
    return facts()[fact_id]["value"]


def stated_truly_by(fact_id: str) -> set[str]:
    """Ids of the documents that state a fact truly."""
    return {
        d.doc_id
        for d in documents().values()
        for c in d.claims
        if c["fact_id"] == fact_id and c["true"]
    }


def judge_queries(q: Question, queries: Sequence[str]) -> bool:
    """A refinement is right when every fact the question needs has a query of its own: one
    naming its island, and no other island of the question, with the attribute in the
    corpus's words (``CORPUS_WORDS``).

    Example:
        >>> q = Question("Q", "What is the founding year of Lannock?", "lookup",
        ...              ("F-Lannock-founded",), "1102")
        >>> judge_queries(q, ["Lannock founded year"]), judge_queries(q, [q.text])
        (True, False)
    """
    named = {facts()[f]["entity"] for f in q.fact_ids}
    for f in q.fact_ids:
        fact = facts()[f]
        words = CORPUS_WORDS[fact["attribute"]]
        if not any(
            fact["entity"] in query
            and not any(e in query for e in named - {fact["entity"]})
            and words in query.lower()
            for query in queries
        ):
            return False
    return True


def facts_found(q: Question, doc_ids: Sequence[str]) -> int:
    """How many of the facts a question needs some of these documents state truly (what a
    retrieval found, judged against the truth)."""
    return sum(bool(stated_truly_by(f) & set(doc_ids)) for f in q.fact_ids)


def judge_filter(q: Question, keep: Sequence[str]) -> bool:
    """A filtering is right when the kept documents state every needed fact truly and
    nothing kept carries a false claim about them or an injection."""
    docs = [documents()[i] for i in keep if i in documents()]
    needed = set(q.fact_ids)
    truly = {c["fact_id"] for d in docs for c in d.claims if c["true"]}
    misleading = any(
        d.injection or any(c["fact_id"] in needed and not c["true"] for c in d.claims) for d in docs
    )
    return needed <= truly and not misleading
