"""A travel request as the simulated model reads it: one of the world's phrasings, parsed
into a ``Trip`` (destination as written, origin, dates, party, budget, what to book).

Introduced in notebook 01 (`01_agent_loop.ipynb`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

_M = r"([A-Z][a-z]+) (\d{1,2})"
_TEMPLATES = (
    re.compile(
        rf"Book me a trip to (?P<dest>.+?) from (?P<origin>.+?), {_M} to {_M}, (?P<year>\d{{4}}), "
        r"for (?P<n>\d+) travelers?\. Budget \$(?P<budget>[\d,]+)\. I need (?P<needs>.+?)\.$"
    ),
    re.compile(
        rf"I'm flying from (?P<origin>.+?) to (?P<dest>.+?) on {_M}, (?P<y1>\d{{4}}) and coming "
        rf"back on {_M}, (?P<y2>\d{{4}})\. (?:(?P<n>\d+) of us|Just me)\. "
        r"Please book (?P<needs>.+?); "
        r"we can spend up to \$(?P<budget>[\d,]+) in total\.$"
    ),
    re.compile(
        r"Plan and book travel to (?P<dest>.+?) for (?P<n>\d+) (?:person|people), leaving "
        r"(?P<origin>.+?) (?P<d1>\d{4}-\d{2}-\d{2}), returning (?P<d2>\d{4}-\d{2}-\d{2}), "
        r"total budget \$(?P<budget>[\d,]+), with (?P<needs>.+?)\.$"
    ),
)
GROUND_WORDS = {"rental car": "rental_car", "airport shuttle": "airport_shuttle"}


@dataclass(frozen=True)
class Trip:
    """A request as the model reads it."""

    destination: str  # as written, e.g. "Washington"
    origin: str
    depart: str
    return_: str
    travelers: int
    budget: float
    needs: tuple[str, ...]  # "flight", "hotel", and a ground kind when asked for


def _iso(month: str, day: str, year: str) -> str:
    return datetime.strptime(f"{month} {day} {year}", "%B %d %Y").date().isoformat()


@lru_cache(maxsize=1024)
def parse_request(text: str) -> Trip | None:
    """Read a travel request written in one of the world's phrasings (None if it is not one).

    Cached by text: every call of an episode reads the same request again.
    """
    for i, pattern in enumerate(_TEMPLATES):
        m = pattern.search(text.strip())
        if not m:
            continue
        g = m.groups()
        if i == 0:
            depart, back = _iso(g[2], g[3], m["year"]), _iso(g[4], g[5], m["year"])
        elif i == 1:
            depart, back = _iso(g[2], g[3], m["y1"]), _iso(g[5], g[6], m["y2"])
        else:
            depart, back = m["d1"], m["d2"]
        needs = ["flight", "hotel"]
        needs += [kind for words, kind in GROUND_WORDS.items() if words in m["needs"]]
        return Trip(
            m["dest"],
            m["origin"],
            depart,
            back,
            int(m["n"] or 1),
            float(m["budget"].replace(",", "")),
            tuple(needs),
        )
    return None
