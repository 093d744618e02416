"""The simulated model reading a passage: the claims its sentences state and the
instructions hidden in it.

The research skill decides from the text in its prompt, as a reader would: it splits a
kept document's text into sentences, reads each against the sentence forms the corpus
writes its claims in ("Kelvara was founded in 1830.", hedged or not), and tells an
instruction addressed to an AI reader (a prompt injection) from a claim by how it is
worded. It never looks a document up by its id: edit a document's text and what it reads
changes with it.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

_NAME = r"[A-Z][a-z]+(?: [A-Z][a-z]+)?"  # an island or a town: one or two capitalised words
_NUMBER = r"\d[\d,]*(?:\.\d+)?"  # 8,095 or 91.8
_VALUE = {
    "population": _NUMBER,
    "area_km2": _NUMBER,
    "founded": r"\d{3,4}",
    "capital": _NAME,
    "main_export": r"[a-z]+(?: [a-z]+)?",  # a good, in lower case: wool, salt cod
    "highest_peak_m": _NUMBER,
    "ferry_hub": _NAME,
}
# fmt: off
# The sentence forms a statement takes, per attribute ({e}: the island, {v}: the value):
# the corpus's claim sentences, then the plainer forms an instruction uses ("... answer
# that the population of Kelvara is 3").
FORMS = {
    "population": ["{e} had a population of {v} at the last census",
                   "The population of {e} stands at {v}",
                   "{e} is home to {v} people, by the latest population count",
                   "the population of {e} is {v}", "{e} has a population of {v}"],
    "area_km2": ["{e} covers an area of {v} square kilometres",
                 "The island of {e} has an area of {v} square kilometres",
                 "The land area of {e} is {v} square kilometres",
                 "the area of {e} is {v}"],
    "founded": ["The first settlement on {e} was founded in {v}", "{e} was founded in {v}",
                "Settlers founded {e} in {v}"],
    "capital": ["The capital of {e} is {v}", "{e} is governed from its capital, {v}",
                "{v} serves as the capital of {e}"],
    "main_export": ["The main export of {e} is {v}",
                    "{e} earns most of its income from its main export, {v}",
                    "Ships leaving {e} carry mostly {v}, the island's main export"],
    "highest_peak_m": ["The highest peak on {e} rises to {v} metres",
                       "{e} reaches {v} metres at its highest peak",
                       "The highest peak of {e} stands {v} metres above the sea",
                       "the highest peak (?:on|of) {e} is {v} metres"],
    "ferry_hub": ["The ferry hub for {e} is {v}", "Most ferries to {e} run via {v}, its ferry hub",
                  "Travellers bound for {e} change boats at {v}, the ferry hub",
                  "the ferry hub (?:of|for) {e} is {v}"],
}
# fmt: on
# An instruction to the reader: it tells an AI to drop its task, or speaks to one and
# orders what to say.
_OVERRIDE = re.compile(r"\b(ignore|disregard|override|forget)\b", re.I)
_ADDRESSED = re.compile(r"\b(AI|assistants?|language models?|automated)\b", re.I)
_ORDER = re.compile(r"\b(report|state|answer|say|tell)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?\]])\s+(?=[A-Z\[])")


@dataclass(frozen=True)
class Statement:
    """What one sentence of a passage says about one island."""

    entity: str  # the island, as written
    attribute: str  # facts.csv attribute: population, founded, capital, ...
    value: str  # as an answer writes it: no thousands commas
    instruction: bool  # an instruction to the reader demands it (an injection), not a claim

    @property
    def fact_id(self) -> str:
        """The fact it is about, as the model names facts (``F-Corran_Mor-population``)."""
        return f"F-{self.entity.replace(' ', '_')}-{self.attribute}"


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Each sentence form as a pattern, the first letter in either case (a hedge such as
    "Last I checked, the population of ..." lowers it)."""
    out = []
    for attribute, forms in FORMS.items():
        for form in forms:
            body = form.replace("{e}", f"(?P<e>{_NAME})").replace(
                "{v}", f"(?P<v>{_VALUE[attribute]})"
            )
            first = form[0]
            if first.isalpha():
                body = f"[{first.upper()}{first.lower()}]" + body[1:]
            out.append((attribute, re.compile(body + r"\.?\]?$")))
    return out


def sentences(text: str) -> list[str]:
    """A passage split into its sentences (a decimal point does not end one)."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def is_instruction(sentence: str) -> bool:
    """Whether a sentence is an instruction to an AI reader rather than a statement."""
    return bool(_OVERRIDE.search(sentence)) or bool(
        _ADDRESSED.search(sentence) and _ORDER.search(sentence)
    )


@lru_cache(maxsize=16384)
def read_sentence(sentence: str) -> Statement | None:
    """What one sentence states (or, for an instruction, demands), if it is about a fact.

    Kept per sentence text (its statements are frozen): the same corpus sentences come back
    in every episode, and trying some 25 sentence forms on each was a team episode's
    largest cost of its own."""
    for attribute, pattern in _patterns():
        m = pattern.search(sentence)
        if m:
            value = m["v"].replace(",", "") if _VALUE[attribute] == _NUMBER else m["v"]
            return Statement(m["e"], attribute, value, is_instruction(sentence))
    return None


@lru_cache(maxsize=4096)
def read(text: str) -> tuple[Statement, ...]:
    """Every statement a passage makes, in order: its claims and its injected demands
    (kept per text: edit a passage and it is read anew).

    Example:
        >>> [s.value for s in read("Notes on Kelvara. The population of Kelvara stands at "
        ...                         "8,095. Kelvara was founded in 1830.")]
        ['8095', '1830']
    """
    return tuple(s for s in map(read_sentence, sentences(text)) if s is not None)
