"""The travel world's 72 trip requests: who goes where, when, with what budget.

Part of the travel world's builder (``build.py``): trip-001 (the course's running example),
then requests to ambiguous and unambiguous destinations, each with a budget that the
cheapest trip meets and the dearest hotel breaks (README.md, requests.jsonl).
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from world import World, km_between
from world_tables import SEED, UNAMBIGUOUS, ambiguous

# fmt: off
TRIP_001 = {"origin": "boston", "depart": "2027-06-03", "return": "2027-06-06", "travelers": 2,
            "needs": ["flight", "hotel", "ground"], "ground_kind": "rental_car"}

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
NEEDS = {None: "a flight and a hotel", "rental_car": "a flight, a hotel and a rental car",
         "airport_shuttle": "a flight, a hotel and an airport shuttle"}
N_UNAMBIGUOUS = 32  # requests with an unambiguous destination
MIN_MINORITY = 13  # requests whose true place is not their alias's likeliest meaning
# fmt: on


def request_text(req: dict, k: int, origin: str) -> str:
    """The request as the user writes it, in template k % 3 (origin: its alias)."""
    dest, n, needs = req["destination_alias"], req["travelers"], NEEDS[req["ground_kind"]]
    d1, d2 = date.fromisoformat(req["depart"]), date.fromisoformat(req["return"])
    day1, day2 = (f"{MONTHS[d.month - 1]} {d.day}" for d in (d1, d2))
    budget = f"${req['budget_usd']:,}"
    if k % 3 == 0:
        unit = "traveler" if n == 1 else "travelers"
        return (
            f"Book me a trip to {dest} from {origin}, {day1} to {day2}, {d2.year}, "
            f"for {n} {unit}. Budget {budget}. I need {needs}."
        )
    if k % 3 == 1:
        who = "Just me." if n == 1 else f"{n} of us."
        return (
            f"I'm flying from {origin} to {dest} on {day1}, {d1.year} and coming back on "
            f"{day2}, {d2.year}. {who} Please book {needs}; we can spend up to {budget} "
            "in total."
        )
    unit = "person" if n == 1 else "people"
    return (
        f"Plan and book travel to {dest} for {n} {unit}, leaving {origin} {d1}, "
        f"returning {d2}, total budget {budget}, with {needs}."
    )


def note(world: World, alias: str, truth: str, meanings: list[str]) -> str:
    """One sentence on what the user meant (not shown to the agent)."""
    name, why = world.places[truth][1], world.dests[truth][3]
    if len(meanings) == 1:
        return f"{name} (unambiguous): the user is {why}."
    if truth == meanings[0]:
        return f"{name}, the likeliest meaning of {alias}: the user is {why}."
    return f"{name}, not {world.places[meanings[0]][1]}: the user is {why}."


def draw_truths(slots: list[str]) -> list[str]:
    """True places drawn from each alias's prior; redrawn (seeded) until enough minorities."""
    amb = ambiguous()
    for attempt in range(1000):
        rng = random.Random(f"{SEED}:truth:{attempt}")
        truths = [rng.choices(amb[s][0], weights=amb[s][1])[0] for s in slots]
        minority = sum(t != amb[s][0][0] for s, t in zip(slots, truths, strict=True))
        if minority + 1 >= MIN_MINORITY:  # + trip-001
            return truths
    raise RuntimeError("no draw with enough minority meanings")


def make_request(world: World, k: int, alias: str, truth: str, fixed: dict) -> dict:
    """One request whose budget the cheapest trip meets and the dearest hotel breaks."""
    meanings = ambiguous()[alias][0] if alias in ambiguous() else [truth]
    rng = random.Random(f"{SEED}:request:{k}")

    def ok_origin(origin: str) -> bool:  # not at, sharing an airport with, or near any meaning
        main = world.where(world.codes(origin)[0])
        return not any(
            origin == p
            or set(world.codes(origin)) & set(world.codes(p))
            or km_between(main, world.where(world.codes(p)[0])) < 400
            for p in meanings
        )

    origins = [o for o in world.origins if ok_origin(o)]
    for _ in range(1000):
        depart = date(2027, 1, 4) + timedelta(days=rng.randrange(350))
        nights, travelers = rng.randint(2, 7), rng.choice((1, 2, 2, 2, 3, 4))
        kind = rng.choice(("rental_car", "airport_shuttle")) if rng.random() < 0.6 else None
        # fmt: off
        req = {"id": f"trip-{k + 1:03d}", "text": "", "origin": rng.choice(origins),
               "destination_alias": alias, "destination": truth, "depart": str(depart),
               "return": str(depart + timedelta(days=nights)), "travelers": travelers,
               "budget_usd": 0, "needs": ["flight", "hotel"] + ["ground"] * bool(kind),
               "ground_kind": kind, "cheapest_total_usd": 0, "note": ""} | fixed
        # fmt: on
        low, high = world.total(req), world.total(req, dearest_hotel=True)
        budget = 50 * math.ceil(low * rng.uniform(1.25, 1.6) / 50)
        if budget >= high:  # lower the factor so that the dearest hotel breaks the budget
            budget = 50 * ((high - 1) // 50)
        if budget >= low * 1.25:
            break
    else:
        raise RuntimeError(f"no valid budget for request {k + 1}")
    req.update(budget_usd=budget, cheapest_total_usd=low)
    req.update(text=request_text(req, k, world.short(req["origin"])))
    req.update(note=note(world, alias, truth, meanings))
    return req


def build_requests(world: World) -> list[dict]:
    """trip-001 (the running example), then ambiguous and unambiguous requests shuffled."""
    slots = [alias for alias in ambiguous() for _ in range(3)]
    dests = UNAMBIGUOUS.split()
    pairs = list(zip(slots, draw_truths(slots), strict=True))
    pairs += [(world.short(p), p) for p in (dests[i % len(dests)] for i in range(N_UNAMBIGUOUS))]
    random.Random(f"{SEED}:order").shuffle(pairs)
    pairs.insert(0, ("Washington", "washington_state"))
    return [
        make_request(world, k, alias, truth, TRIP_001 if k == 0 else {})
        for k, (alias, truth) in enumerate(pairs)
    ]
