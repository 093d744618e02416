"""Research questions as the simulated model reads them: the corpus's phrasings, the
facts each needs, how an answer follows from the facts' values, and how a question splits
into one lookup per fact. A two-hop question (a bridge: "... of the island whose capital is
Brennick?", or a hub: "... of the ferry hub that serves Varrow?") names no island the
answer is about: its ``via`` says how to find it, and ``resolved`` gives the question about
the island once a passage has named it.

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
_BRIDGE_CAPITAL = re.compile(
    r"^What is the (?P<attr>.+?) of the island whose capital is (?P<v>.+?)\?$"
)
_BRIDGE_FOUNDED = re.compile(r"^What is the (?P<attr>.+?) of the island founded in (?P<v>\d+)\?$")
_HUB = re.compile(r"^What is the (?P<attr>.+?) of the ferry hub that serves (?P<v>.+?)\?$")
_EARLIEST = re.compile(r"^Which was founded earliest, (?P<a>.+?), (?P<b>.+?) or (?P<c>.+?)\?$")
_LARGEST = re.compile(r"^Which has the largest population, (?P<a>.+?), (?P<b>.+?) or (?P<c>.+?)\?$")
_PHRASE = {attribute: phrase for phrase, attribute in ATTRIBUTES.items()}


@dataclass(frozen=True)
class Ask:
    """A research question as the model reads it."""

    kind: str  # lookup, earlier, larger, sum, bridge, hub
    entities: tuple[str, ...]  # a two-hop question's: none until resolved
    attribute: str  # facts.csv attribute
    via: tuple[str, ...] = ()  # two-hop: (attribute, key) hop 1 starts from

    @property
    def hops(self) -> bool:
        """Whether the island the answer is about must first be found (a two-hop question)."""
        return bool(self.via)

    @property
    def key(self) -> str:
        """What hop 1 starts from: a capital or year (bridge), an island (hub); else ''."""
        return self.via[1] if self.via else ""

    def resolved(self, entity: str) -> Ask:
        """The question about the island hop 1 found."""
        return Ask(self.kind, (entity,), self.attribute, self.via)

    def text(self) -> str:
        """The question as the corpus phrases it."""
        words = _PHRASE[self.attribute]
        if self.kind == "bridge":
            where = (
                f"whose capital is {self.key}"
                if self.via[0] == "capital"
                else (f"founded in {self.key}")
            )
            return f"What is the {words} of the island {where}?"
        if self.kind == "hub":
            return f"What is the {words} of the ferry hub that serves {self.key}?"
        names = (
            " or ".join(self.entities)
            if len(self.entities) < 3
            else (f"{self.entities[0]}, {self.entities[1]} or {self.entities[2]}")
        )
        early, large = ("earlier", "larger") if len(self.entities) < 3 else ("earliest", "largest")
        return {
            "lookup": f"What is the {words} of {names}?",
            "earlier": f"Which was founded {early}, {names}?",
            "larger": f"Which has the {large} population, {names}?",
            "sum": f"What is the combined population of {' and '.join(self.entities)}?",
        }[self.kind]

    @property
    def fact_ids(self) -> list[str]:
        """The facts the answer needs."""
        return [f"F-{e.replace(' ', '_')}-{self.attribute}" for e in self.entities]

    def parts(self) -> list[str]:
        """The question split into one lookup per fact it needs (a two-hop question stays
        whole: its second hop depends on the first's answer).

        Example:
            >>> parse_question("Which was founded earlier, Lannock or Oskeny?").parts()
            ['What is the founding year of Lannock?', 'What is the founding year of Oskeny?']
        """
        if self.hops:
            return [self.text()]
        return [f"What is the {_PHRASE[self.attribute]} of {e}?" for e in self.entities]


def parse_question(text: str) -> Ask | None:
    """Read a question written in one of the corpus's phrasings (None if it is not one)."""
    text = text.strip()
    for pattern, via in ((_BRIDGE_CAPITAL, "capital"), (_BRIDGE_FOUNDED, "founded")):
        if (m := pattern.match(text)) and m["attr"] in ATTRIBUTES:
            return Ask("bridge", (), ATTRIBUTES[m["attr"]], (via, m["v"]))
    if (m := _HUB.match(text)) and m["attr"] in ATTRIBUTES:
        return Ask("hub", (), ATTRIBUTES[m["attr"]], ("ferry_hub", m["v"]))
    if m := _EARLIEST.match(text):
        return Ask("earlier", (m["a"], m["b"], m["c"]), "founded")
    if m := _LARGEST.match(text):
        return Ask("larger", (m["a"], m["b"], m["c"]), "population")
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
    if UNKNOWN in values or not values:
        return UNKNOWN
    if ask.kind in ("lookup", "bridge", "hub"):
        return values[0]
    try:
        nums = [float(v) for v in values]
    except ValueError:  # a value that is not a number cannot be compared or added
        return UNKNOWN
    if ask.kind == "sum":
        return str(int(sum(nums)))
    pick = min if ask.kind == "earlier" else max
    return ask.entities[nums.index(pick(nums))]
