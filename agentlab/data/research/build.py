"""Generate the research world's data files: deterministic, seeded, standard library only.

    python data/research/build.py              # rewrite the files beside this script
    python data/research/build.py --out DIR    # write them into DIR instead

Every run writes facts.csv, documents.jsonl and questions.jsonl byte for byte identically.
The Meridian Isles are fictional on purpose (a model cannot answer from memory); source
reliabilities, the false-claim rate and the injection rate are assumed (see README.md). The
islands, facts and questions are made in world.py, the claims in claims.py and the documents
in documents.py; this script puts them together and writes the files.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

from claims import choose_injections, pack, plan_claims
from documents import assign_kinds, check, render
from world import SEED, make_facts, make_questions


def build() -> tuple[dict, list[dict], list[dict]]:
    facts = make_facts()
    questions = make_questions(facts)
    plan = pack(facts, plan_claims(facts, questions))
    choose_injections(facts, plan, {f for q in questions for f in q["fact_ids"]})
    assign_kinds(plan)
    titles: set[str] = set()
    docs = [render(facts, d, k, titles) for k, d in enumerate(plan)]
    random.Random(f"{SEED}:order").shuffle(docs)
    for i, d in enumerate(docs, 1):
        d["doc_id"] = f"D-{i:03d}"
    false = {c["fact_id"] for d in docs for c in d["claims"] if not c["true"]}
    said = {(facts[c["fact_id"]][1], c["value"]) for d in docs for c in d["claims"]
            if not c["true"]}  # fmt: skip
    for q in questions:  # a bridge's fact is contested too when another island is given it
        q["contested"] = any(f in false for f in q["fact_ids"]) or (
            q["kind"] == "bridge" and facts[q["fact_ids"][0]][1:] in said
        )
    check(facts, docs)
    return facts, docs, questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    facts, docs, questions = build()
    with open(out / "facts.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["fact_id", "entity", "attribute", "value"])
        writer.writerows([k, *v] for k, v in facts.items())
    for name, rows in (("documents", docs), ("questions", questions)):
        with open(out / f"{name}.jsonl", "w", encoding="utf-8", newline="\n") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)


if __name__ == "__main__":
    main()
