"""The research world: a corpus of documents (60 to 470 words) about the (fictional) Meridian Isles.

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

The ground truth (facts, documents' claims, questions' answers, the judges) lives in
``agentlab.world.research_truth`` and what a model may know (tool names, instructions,
attribute words) in ``agentlab.world.research_vocab``; both are re-exported here.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import json
import re
from functools import cache

from langchain_core.tools import BaseTool

from agentlab.world.lab_tool import lab_tool
from agentlab.world.research_truth import (
    RESEARCH_DIR,
    Document,
    Question,
    documents,
    entities,
    facts,
    facts_found,
    is_correct,
    judge_filter,
    judge_queries,
    normalize,
    question_ids,
    questions,
    stated_truly_by,
    true_value,
)
from agentlab.world.research_vocab import ATTRIBUTES, CORPUS_WORDS, INSTRUCTIONS, TOOL_NAMES

__all__ = [
    "ATTRIBUTES",
    "CORPUS_WORDS",
    "FETCH_LATENCY_S",
    "INSTRUCTIONS",
    "RESEARCH_DIR",
    "RESEARCH_TOOLS",
    "SEARCH_LATENCY_S",
    "TOOL_NAMES",
    "Document",
    "Question",
    "cross_check",
    "documents",
    "entities",
    "facts",
    "facts_found",
    "filter_documents",
    "is_correct",
    "judge_filter",
    "judge_queries",
    "normalize",
    "question_ids",
    "questions",
    "search",
    "search_corpus",
    "stated_truly_by",
    "submit_answer",
    "true_value",
]

SEARCH_LATENCY_S = 0.6  # assumed: a search-index round trip
FETCH_LATENCY_S = 0.3  # assumed: fetching documents by id
_WORD = re.compile(r"[A-Za-z]+|\d[\d,]*")


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


@lab_tool
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


@lab_tool
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


@lab_tool
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


@lab_tool
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
