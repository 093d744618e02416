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


# every block of 32 questions (Q-001..Q-032, ...) has this mix of kinds
MIX = {"lookup": 3, "compare_founded": 2, "compare_population": 2, "sum": 2, "compare3": 3,
       "bridge_capital": 5, "bridge_founded": 5, "hub": 10}  # fmt: skip
N_BLOCKS = 7  # 7 x 32 = 224 questions
TARGETS = [a for a in ATTRS if a != "ferry_hub"]  # what a two-hop question asks in the end


def _close(attr: str, x: int, y: int) -> bool:
    return abs(x - y) < 60 if attr == "founded" else max(x, y) / min(x, y) < 1.3


def _asked(rng: random.Random, val: dict) -> dict[str, list[tuple]]:
    """Every question's (kind, islands, attribute, anchor), by the kind MIX names."""
    n = {k: v * N_BLOCKS for k, v in MIX.items()}
    out: dict[str, list[tuple]] = {}
    islands = rng.sample(ISLANDS, len(ISLANDS)) * 2
    out["lookup"] = [("lookup", (islands[k],), ATTRS[k % len(ATTRS)], "")
                     for k in range(n["lookup"])]  # fmt: skip
    pairs = list(combinations(ISLANDS, 2))
    for attr in ("founded", "population"):
        near = [p for p in pairs if _close(attr, *(int(val[(e, attr)]) for e in p))]
        k = n[f"compare_{attr}"]
        chosen = rng.sample(near, (k + 1) // 2)
        chosen += rng.sample([p for p in pairs if p not in chosen], k - len(chosen))
        out[f"compare_{attr}"] = [("compare", tuple(rng.sample(p, 2)), attr, "") for p in chosen]
    used = {frozenset(es) for kind, es, a, _ in out["compare_population"]}
    sums = rng.sample([p for p in pairs if frozenset(p) not in used], n["sum"])
    out["sum"] = [("sum", tuple(rng.sample(p, 2)), "population", "") for p in sums]
    triples = rng.sample(list(combinations(ISLANDS, 3)), n["compare3"])
    out["compare3"] = [("compare3", tuple(rng.sample(t, 3)), ("population", "founded")[k % 2], "")
                       for k, t in enumerate(triples)]  # fmt: skip
    for via in ("capital", "founded"):
        combos = [(e, a) for e in ISLANDS for a in TARGETS if a != via]
        out[f"bridge_{via}"] = [("bridge", (e,), a, via)
                                for e, a in rng.sample(combos, n[f"bridge_{via}"])]  # fmt: skip
    combos = [(e, a) for e in ISLANDS for a in TARGETS]
    out["hub"] = [("hub", (e,), a, "ferry_hub") for e, a in rng.sample(combos, n["hub"])]
    return out


def make_questions(facts: dict) -> list[dict]:
    """224 questions in 7 blocks of 32, each block with the same mix of kinds (MIX): lookups,
    comparisons of two and of three islands, sums, and two-hop questions (bridges, hubs)."""
    rng = random.Random(f"{SEED}:questions")
    val = {(e, a): v for e, a, v in facts.values()}
    pools = _asked(rng, val)
    asked = []
    for b in range(N_BLOCKS):
        block = [pools[k][b * m + i] for k, m in MIX.items() for i in range(m)]
        rng.shuffle(block)
        asked += block
    out = []
    for i, (kind, es, attr, via) in enumerate(asked, 1):
        nums = [val[(e, attr)] for e in es]
        ids = [fid(e, attr) for e in es]
        if kind == "lookup":
            text, answer = f"What is the {WORDS[attr]} of {es[0]}?", nums[0]
        elif kind == "sum":
            text = f"What is the combined population of {es[0]} and {es[1]}?"
            answer = str(sum(map(int, nums)))
        elif kind in ("compare", "compare3"):
            names = f"{es[0]} or {es[1]}" if len(es) == 2 else f"{es[0]}, {es[1]} or {es[2]}"
            early, large = ("earlier", "larger") if len(es) == 2 else ("earliest", "largest")
            pick = min if attr == "founded" else max
            answer = pick(es, key=lambda e: int(val[(e, attr)]))
            if attr == "founded":
                text = f"Which was founded {early}, {names}?"
            else:
                text = f"Which has the {large} population, {names}?"
        elif kind == "bridge":  # the island named by one of its facts, then another fact of it
            anchor = val[(es[0], via)]
            where = f"whose capital is {anchor}" if via == "capital" else f"founded in {anchor}"
            text, answer = f"What is the {WORDS[attr]} of the island {where}?", nums[0]
            ids = [fid(es[0], via), *ids]
        else:  # hub: the island's ferry hub, then a fact of the hub
            hub = val[(es[0], "ferry_hub")]
            text = f"What is the {WORDS[attr]} of the ferry hub that serves {es[0]}?"
            answer, ids = val[(hub, attr)], [fid(es[0], "ferry_hub"), fid(hub, attr)]
        out.append({"qid": f"Q-{i:03d}", "text": text, "kind": kind, "fact_ids": ids,
                    "answer": answer, "contested": False})  # fmt: skip
    return out
