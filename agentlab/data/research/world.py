"""The research world: the Meridian Isles, their true facts, the questions about them.

Part of the research world's builder (``build.py``): the islands, their attributes and the
sources that write about them, as written; the facts (facts.csv) drawn from them, seeded;
and the questions (questions.jsonl) with their ground truth. README.md says how.
"""

from __future__ import annotations

import random
from itertools import combinations

SEED = 20270917

# fmt: off
ISLANDS = [
    "Kelvara", "Doravel", "Amberlin", "Corran Mor", "Little Fenn", "Tiravel", "Oskeny", "Valmora",
    "Briskholm", "Edderan", "Fallowmere", "Garnoch", "Isbeny", "Jorvath", "Lannock", "Nethra",
    "Orlanby", "Pellisand", "Quennick", "Rosvane", "Saltha", "Tamsker", "Ulvenna", "Varrow",
    "Wenlow", "Yarrowmere", "Hollin Ness", "Mirrin", "Skerravoe", "Caldreth",
]
CAPITALS = [
    "Port Amsel", "Brennick", "Saint Oda", "Kirkvallen", "Mossbridge", "Tallowby", "Vennick Quay",
    "Greyhaven", "Lowtide", "Anselm Harbour", "Carrow Sound", "Elderport", "Fenwick Cross",
    "Gullhaven", "Hadley Reach", "Inverlune", "Juniper Quay", "Kestrel Point", "Lanternby",
    "Marlow Bay", "Northwick", "Oaken Steps", "Penvarrick", "Quillon", "Redshank", "Seaholm",
    "Thornelle", "Upper Dunsey", "Wickerstone", "Ambrey",
]
EXPORTS = ["salt cod", "wool", "kelp", "timber", "copper", "pearls", "black tea", "citrus",
           "slate", "honey", "dark rum", "sponges"]
HUBS = ["Kelvara", "Corran Mor", "Valmora", "Jorvath", "Rosvane", "Saltha"]
ATTRS = ["population", "area_km2", "founded", "capital", "main_export", "highest_peak_m",
         "ferry_hub"]
WORDS = {"population": "population", "area_km2": "area in square kilometres",
         "founded": "founding year", "capital": "capital", "main_export": "main export",
         "highest_peak_m": "highest peak in metres", "ferry_hub": "ferry hub"}
RELIABILITY = {"encyclopedia": 0.95, "government": 0.9, "news": 0.8, "press_release": 0.7,
               "travel_blog": 0.6, "forum": 0.4}  # assumed
SOURCES = {
    "encyclopedia": ["Meridian Gazetteer", "Isles Encyclopaedia"],
    "government": ["Meridian Statistics Office", "Isles Land Registry", "Ferry Authority"],
    "news": ["Meridian Herald", "The Island Courier", "Tidewater Post"],
    "press_release": ["Meridian Tourism Board", "Isles Trade Council", "Harbour Company"],
    "travel_blog": ["Salt and Sails", "Wandering the Isles", "Slow Boats Blog"],
    "forum": ["IslesTalk forum", "Ferryfolk board"],
}
LOW, HIGH = ["forum", "travel_blog", "press_release"], ["encyclopedia", "government", "news"]
# fmt: on


def fid(entity: str, attr: str) -> str:
    return f"F-{entity.replace(' ', '_')}-{attr}"


def make_facts() -> dict[str, tuple[str, str, str]]:
    """fact_id -> (entity, attribute, value), islands in ISLANDS order, attributes in ATTRS."""
    rng = random.Random(f"{SEED}:facts")
    years = rng.sample(range(1100, 1951), len(ISLANDS))
    goods = EXPORTS + rng.choices(EXPORTS, k=len(ISLANDS) - len(EXPORTS))  # each good made
    rng.shuffle(goods)
    out, pops = {}, set()
    for i, name in enumerate(ISLANDS):
        area = round(10 ** rng.uniform(0.8, 3.1), 1)
        pop = max(350, round(area * 10 ** rng.uniform(1.2, 2.6)))
        while pop in pops:
            pop += 1
        pops.add(pop)
        peak = round(10 ** rng.uniform(1.7, 2.5) * area**0.25)
        hub = rng.choice([h for h in HUBS if h != name])
        values = [pop, f"{area:.1f}", years[i], CAPITALS[i], goods[i], peak, hub]
        for attr, v in zip(ATTRS, values, strict=True):
            out[fid(name, attr)] = (name, attr, str(v))
    return out


def make_questions(facts: dict) -> list[dict]:
    """26 lookups, 11 + 11 comparisons (about half of them close calls) and 16 sums."""
    rng = random.Random(f"{SEED}:questions")
    val = {(e, a): v for e, a, v in facts.values()}
    asked: list[tuple[str, tuple[str, ...], str]] = []  # (kind, entities, attribute)
    for k, e in enumerate(rng.sample(ISLANDS, 26)):
        asked.append(("lookup", (e,), ATTRS[k % len(ATTRS)]))
    pairs = list(combinations(ISLANDS, 2))
    for attr, close in (("founded", lambda x, y: abs(x - y) < 60),
                        ("population", lambda x, y: max(x, y) / min(x, y) < 1.3)):  # fmt: skip
        near = [p for p in pairs if close(*(int(val[(e, attr)]) for e in p))]
        chosen = rng.sample(near, 6)
        chosen += rng.sample([p for p in pairs if p not in chosen], 5)
        asked += [("compare", tuple(rng.sample(p, 2)), attr) for p in chosen]
    used = {frozenset(es) for k, es, a in asked if a == "population"}
    sums = rng.sample([p for p in pairs if frozenset(p) not in used], 16)
    asked += [("sum", tuple(rng.sample(p, 2)), "population") for p in sums]
    rng.shuffle(asked)
    out = []
    for i, (kind, es, attr) in enumerate(asked, 1):
        nums = [val[(e, attr)] for e in es]
        if kind == "lookup":
            text, answer = f"What is the {WORDS[attr]} of {es[0]}?", nums[0]
        elif kind == "sum":
            text = f"What is the combined population of {es[0]} and {es[1]}?"
            answer = str(sum(map(int, nums)))
        elif attr == "founded":
            text = f"Which was founded earlier, {es[0]} or {es[1]}?"
            answer = min(es, key=lambda e: int(val[(e, attr)]))
        else:
            text = f"Which has the larger population, {es[0]} or {es[1]}?"
            answer = max(es, key=lambda e: int(val[(e, attr)]))
        ids = [fid(e, attr) for e in es]
        out.append({"qid": f"Q-{i:03d}", "text": text, "kind": kind, "fact_ids": ids,
                    "answer": answer, "contested": False})  # fmt: skip
    return out
