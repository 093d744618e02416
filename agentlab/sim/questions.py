"""Research questions as the simulated model reads them: the corpus's four phrasings, the
facts each needs, how an answer follows from the facts' values, and how a question splits
into one lookup per fact.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentlab.world.research_vocab import ATTRIBUTES

UNKNOWN = "unknown"  # what the model answers when no document in context states a value
_LOOKUP = re.compile(r"^What is the (?P<attr>.+?) of (?P<a>.+?)\?$")
_EARLIER = re.compile(r"^Which was founded earlier, (?P<a>.+?) or (?P<b>.+?)\?$")
_LARGER = re.compile(r"^Which has the larger population, (?P<a>.+?) or (?P<b>.+?)\?$")
_SUM = re.compile(r"^What is the combined population of (?P<a>.+?) and (?P<b>.+?)\?$")
_PHRASE = {attribute: phrase for phrase, attribute in ATTRIBUTES.items()}


@dataclass(frozen=True)
class Ask:
    """A research question as the model reads it."""

    kind: str  # lookup, earlier, larger, sum
    entities: tuple[str, ...]
    attribute: str  # facts.csv attribute

    @property
    def fact_ids(self) -> list[str]:
        """The facts the answer needs."""
        return [f"F-{e.replace(' ', '_')}-{self.attribute}" for e in self.entities]

    def parts(self) -> list[str]:
        """The question split into one lookup per fact it needs.

        Example:
            >>> parse_question("Which was founded earlier, Lannock or Oskeny?").parts()
            ['What is the founding year of Lannock?', 'What is the founding year of Oskeny?']
        """
        return [f"What is the {_PHRASE[self.attribute]} of {e}?" for e in self.entities]


def parse_question(text: str) -> Ask | None:
    """Read a question written in one of the corpus's phrasings (None if it is not one)."""
    text = text.strip()
    if m := _EARLIER.match(text):
        return Ask("earlier", (m["a"], m["b"]), "founded")
    if m := _LARGER.match(text):
        return Ask("larger", (m["a"], m["b"]), "population")
    if m := _SUM.match(text):
        return Ask("sum", (m["a"], m["b"]), "population")
    if (m := _LOOKUP.match(text)) and m["attr"] in ATTRIBUTES:
        return Ask("lookup", (m["a"],), ATTRIBUTES[m["attr"]])
    return None


def answer_from(ask: Ask, values: list[str]) -> str:
    """The answer the facts' values give (``values`` in the order of ``ask.fact_ids``)."""
    if UNKNOWN in values:
        return UNKNOWN
    if ask.kind == "lookup":
        return values[0]
    try:
        nums = [float(v) for v in values]
    except ValueError:  # a value that is not a number cannot be compared or added
        return UNKNOWN
    if ask.kind == "sum":
        return str(int(sum(nums)))
    pick = min if ask.kind == "earlier" else max
    return ask.entities[nums.index(pick(nums))]
