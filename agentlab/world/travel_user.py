"""The simulated traveller: answers an agent's checkpoint questions truthfully.

In sweeps nobody sits at the keyboard, so this user answers for the person who wrote the
request. It knows what it meant (the request's ground truth), answers a clarification with
the meaning it intended, and checks results shown at a verification: it always notices the
wrong place, wrong dates or a wrong party size, and notices a pricier offer than needed
only sometimes. Each answer costs modeled human time.

Introduced in notebook 04 (`04_checkpoints.ipynb`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from agentlab.world import places as w
from agentlab.world.travel import TravelRequest, cheapest_offer

RESPONSE_S = 30.0  # assumed: a person reads a short question and types a one-line answer
NOTICES_PRICE = 0.5  # assumed: share of pricier-than-needed bookings a person notices


@dataclass(frozen=True)
class TravelUser:
    """The person behind a travel request, answering checkpoints."""

    request: TravelRequest
    seed: int = 0  # seeds whether a pricier offer is noticed
    response_s: float = RESPONSE_S  # modeled seconds per answer
    notices_price: float = NOTICES_PRICE  # p(noticing a booking that is not the cheapest)

    @property
    def meaning(self) -> str:
        """What the user calls the destination when correcting."""
        meant = w.places()[self.request.destination].name
        return f"By {self.request.destination_alias} I mean {meant}."

    def answer(self, payload: dict[str, Any]) -> str:
        """Answer one checkpoint question (``interrupt`` payload) truthfully."""
        if payload.get("checkpoint") == "clarify":
            for a in payload.get("assumptions", []):
                if a.get("slot") == "destination" and not self._is_truth(str(a.get("value", ""))):
                    return f"No. {self.meaning}"
            return "Yes, that's right."
        for result in payload.get("results", []):
            problem = self._check(result)
            if problem:
                return problem
        return "Yes, looks right."

    def _is_truth(self, place: str) -> bool:
        found = w.resolve(place)
        return bool(found) and found[0][0] == self.request.destination

    def _check(self, result: dict[str, Any]) -> str | None:
        try:
            content = json.loads(result["content"])
        except (KeyError, json.JSONDecodeError):
            return None
        if not isinstance(content, dict):
            return None
        req, step = self.request, result.get("step")
        where = content.get("place") or content.get("serves")
        if where and not (
            self._is_truth(str(where)) or where in w.places()[req.destination].airports
        ):
            return f"No. {self.meaning}"
        offers = content.get("offers") or []
        start, end = content.get("start"), content.get("end")
        if offers and "@" in offers[0].get("offer_id", ""):
            start, end = offers[0]["offer_id"].split("@")[1].split("/")
        if start and (start, end) != (req.depart, req.return_):
            return f"No: redo step {step}: the dates are {req.depart} to {req.return_}."
        if content.get("travelers", req.travelers) != req.travelers:
            return f"No: redo step {step}: we are {req.travelers} travelers."
        if content.get("status") == "confirmed":
            kind = content["kind"]
            if content["total_usd"] > cheapest_offer(req, kind) + 0.005 and self._notices(content):
                return f"No: redo step {step}: there was a cheaper {kind} offer."
        return None

    def _notices(self, content: dict[str, Any]) -> bool:
        digest = hashlib.blake2b(f"{self.seed}|{content['offer_id']}".encode(), digest_size=8)
        return int.from_bytes(digest.digest(), "big") / 2**64 < self.notices_price
