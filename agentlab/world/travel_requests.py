"""The travel world's requests: what each user asks for, with its ground truth.

``requests()`` reads ``data/travel/requests.jsonl`` once: each ``TravelRequest`` holds the
text the agent sees and what the user meant (the destination behind an ambiguous name, the
dates, the party, the budget, the cheapest right total), which the judge
(``agentlab.world.travel_judge``) checks against and the agent never sees. Notebooks find
them as ``agentlab.world.travel.requests`` and ``request_ids``.

Introduced in notebook 01 (`01_agent_loop.ipynb`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from agentlab.world import places as w


@dataclass(frozen=True)
class TravelRequest:
    """One request and its ground truth (what the user meant; never shown to the agent)."""

    id: str
    text: str  # what the agent sees
    origin: str  # place id
    destination_alias: str  # how the user wrote the destination
    destination: str  # the place id the user meant (ground truth)
    depart: str
    return_: str
    travelers: int
    budget_usd: float
    needs: tuple[str, ...]  # "flight", "hotel", and maybe "ground"
    ground_kind: str | None
    cheapest_total_usd: float
    note: str = ""

    @property
    def ambiguous(self) -> bool:
        """Whether the destination alias has more than one meaning."""
        return len(w.resolve(self.destination_alias)) > 1


@cache
def requests() -> dict[str, TravelRequest]:
    """All travel requests by id (``data/travel/requests.jsonl``)."""
    out = {}
    with open(w.TRAVEL_DIR / "requests.jsonl") as f:
        for line in f:
            r = json.loads(line)
            out[r["id"]] = TravelRequest(
                id=r["id"],
                text=r["text"],
                origin=r["origin"],
                destination_alias=r["destination_alias"],
                destination=r["destination"],
                depart=r["depart"],
                return_=r["return"],
                travelers=int(r["travelers"]),
                budget_usd=float(r["budget_usd"]),
                needs=tuple(r["needs"]),
                ground_kind=r.get("ground_kind"),
                cheapest_total_usd=float(r["cheapest_total_usd"]),
                note=r.get("note", ""),
            )
    return out


def request_ids() -> list[str]:
    """Ids of all travel requests, in file order."""
    return list(requests())
