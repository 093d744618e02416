"""Place names as people write them: every way the travel world's places are written, and
the places a piece of free text names.

``places.resolve`` reads a name exactly as the tables write it ("Washington, D.C."). People
write it other ways: "Washington DC", "D.C.", "washington, d.c.", "the state of
Washington", "Portland, ME", "Georgia, USA". This module knows those forms, built from the
tables (``data/travel/places.csv`` and ``aliases.csv``) and a gazetteer's abbreviations,
and finds them in text by matching known forms, longest first, normalised for case,
accents and punctuation: it never guesses where a name ends.

Introduced in notebook 04 (`04_checkpoints.ipynb`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from agentlab.world import places as w

# region or country -> how it is abbreviated (postal code first, then press style), e.g.
# "Portland, OR", "Portland, Ore."; a gazetteer's knowledge, not the travel tables'
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "Alabama": ("AL", "Ala."),
    "British Columbia": ("BC", "B.C."),
    "California": ("CA", "Calif."),
    "Colorado": ("CO", "Colo."),
    "District of Columbia": ("DC", "D.C."),
    "England": ("Eng.",),
    "Florida": ("FL", "Fla."),
    "Georgia": ("GA", "Ga."),
    "Illinois": ("IL", "Ill."),
    "Maine": ("ME",),
    "Massachusetts": ("MA", "Mass."),
    "Minnesota": ("MN", "Minn."),
    "Missouri": ("MO", "Mo."),
    "New South Wales": ("NSW",),
    "New York": ("NY", "N.Y."),
    "Nova Scotia": ("NS", "N.S."),
    "Ohio": ("OH",),
    "Ontario": ("ON", "Ont."),
    "Oregon": ("OR", "Ore."),
    "Quebec": ("QC", "Que."),
    "Tennessee": ("TN", "Tenn."),
    "Texas": ("TX", "Tex."),
    "Washington": ("WA", "Wash."),
    "United States": ("US", "U.S.", "USA", "U.S.A.", "America"),
    "United Kingdom": ("UK", "U.K.", "Britain", "Great Britain"),
}
# regions that are a place of their own (a federal district is its city): written alone,
# the region or its postal code names the place, as a state's does
DISTRICTS = ("District of Columbia",)
# short names people write for a city, by place id
NICKNAMES: dict[str, tuple[str, ...]] = {
    "new_york": ("NYC", "New York, NY"),
    "los_angeles": ("LA", "L.A."),
    "san_francisco": ("SF",),
    "santiago_cl": ("Santiago de Chile",),
}
_NEGATION = ("not",)  # a word before a name that says the name is not meant


def words(text: str) -> list[str]:
    """The words of a text as written (case kept), without punctuation or accents.

    Initials join up ("D.C." and "D. C." give ``DC``; "U.S." gives ``US``).

    Example:
        >>> words("No, by Washington I mean Washington, D.C.")
        ['No', 'by', 'Washington', 'I', 'mean', 'Washington', 'DC']
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = re.sub(r"\b([A-Za-z])\.\s*(?=[A-Za-z]\b)", r"\1", plain)
    return re.findall(r"[A-Za-z0-9]+", plain.replace("'", ""))


def normalise(text: str) -> str:
    """A name in the form names are compared in: lower case words, single spaces.

    Example:
        >>> normalise("Georgia (U.S. state)")
        'georgia us state'
    """
    return " ".join(words(text)).lower()


def _head(p: w.Place) -> str:
    """What a place is called before any qualifier ("Portland" of "Portland, Maine")."""
    return p.region if p.kind == "state" else re.split(r"[,(]", p.name)[0].strip()


def _kind(p: w.Place) -> str:
    return "district" if p.region in DISTRICTS else p.kind


def _written_forms(p: w.Place) -> set[str]:
    """The ways one place is written, before checking which other places share them."""
    heads = {_head(p)} | {a for a, ms in w.aliases().items() if p.place_id in dict(ms)}
    quals = set(re.findall(r"[,(]\s*([^,()]+)", p.name))  # "Maine", "U.S. state"
    for area in (p.region, p.country) if p.kind != "country" else ():
        quals |= {area, *ABBREVIATIONS.get(area, ())}
    forms = {p.name, p.place_id.replace("_", " "), *NICKNAMES.get(p.place_id, ())}
    for head in heads:
        forms |= {f"{head}, {q}" for q in quals if normalise(q) != normalise(head)}
    head, kind = _head(p), _kind(p)
    if kind in ("state", "district"):
        forms |= {p.region, *ABBREVIATIONS.get(p.region, ())[:1]}  # alone: "DC", "WA"
    if kind == "state":
        forms |= {f"{head} state", f"state of {head}", f"{head} the state"}
        forms |= {f"{head} US state", f"{head} the US state"}
    if kind == "country":
        forms |= {f"{head} country", f"country of {head}", f"{head} the country"}
    return {normalise(f) for f in forms}


@cache
def known_forms() -> dict[str, list[tuple[str, float]]]:
    """Every written form of every place, normalised, with the places it may mean.

    An alias of the tables keeps its meanings and priors; a form two places share (such as
    "washington usa") means either, with the priors of the alias they share.
    """
    shared: dict[str, list[str]] = {}
    for p in w.places().values():
        for form in _written_forms(p):
            shared.setdefault(form, []).append(p.place_id)
    out = {f: _priors(ids) for f, ids in shared.items()}
    return out | {normalise(a): ms for a, ms in w.aliases().items()}


def _priors(ids: list[str]) -> list[tuple[str, float]]:
    """The meanings of a form places share: by the priors of an alias they all answer to
    ("washington usa" as "Washington"), else equally likely."""
    for meanings in w.aliases().values():
        prior = dict(meanings)
        if len(ids) > 1 and set(ids) <= set(prior):
            total = sum(prior[i] for i in ids)
            return sorted(((i, prior[i] / total) for i in ids), key=lambda t: -t[1])
    return [(pid, 1.0 / len(ids)) for pid in ids]


@dataclass(frozen=True)
class Mention:
    """A place name found in a text."""

    form: str  # the form matched, normalised, e.g. "washington dc"
    meanings: tuple[tuple[str, float], ...]  # (place_id, prior), likeliest first
    start: int  # index of its first word among the text's words
    negated: bool  # written right after "not" ("not D.C.")


def mentions(text: str) -> list[Mention]:
    """The place names a text mentions, in order, each the longest known form at its place.

    Airport codes count only written in capitals ("PDX"): lower case, "sea" is a word.

    Example:
        >>> [m.form for m in mentions("No, by Washington I mean the state of Washington.")]
        ['washington', 'state of washington']
    """
    said = words(text)
    low = [s.lower() for s in said]
    forms = known_forms()
    longest = max(len(f.split()) for f in forms)
    out: list[Mention] = []
    i = 0
    while i < len(said):
        for n in range(min(longest, len(said) - i), 0, -1):
            form = " ".join(low[i : i + n])
            meanings = forms.get(form)
            if meanings is None and n == 1 and len(said[i]) == 3 and said[i].isupper():
                meanings = w.resolve(said[i]) or None
            if meanings:
                negated = i > 0 and low[i - 1] in _NEGATION
                out.append(Mention(form, tuple(meanings), i, negated))
                i += n
                break
        else:
            i += 1
    return out


def read_place(text: str) -> list[tuple[str, float]]:
    """The places a written name may mean, likeliest first, however it is written.

    Reads the name as the tables write it first (``places.resolve``), then normalised
    ("washington, dc"), then the first place name the text mentions ("the state of
    Washington"). Unknown text gives an empty list.

    Example:
        >>> [p for p, _ in read_place("washington, d.c.")]
        ['washington_dc']
    """
    exact = w.resolve(text)
    if exact:
        return exact
    if (found := known_forms().get(normalise(text))) is not None:
        return found
    said = mentions(text)
    return list(said[0].meanings) if said else []
