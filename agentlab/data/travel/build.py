"""Generate the travel world's data files: deterministic, seeded, standard library only.

    python data/travel/build.py              # rewrite the files beside this script
    python data/travel/build.py --out DIR    # write them into DIR instead

Every run writes places.csv, aliases.csv, airports.csv, flights.csv, hotels.csv, ground.csv
and requests.jsonl byte for byte identically. Place names, IATA codes and coordinates are
real; priors, fares, hotel rates and ground prices are assumed (see README.md). The world is
written in world_tables.py, priced in world.py (offers) and asked for in trips.py (requests);
this script writes the files.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from trips import build_requests
from world import World, alias_rows
from world_tables import COUNTRIES


def write_csv(path: Path, header: str, rows: list[list[object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header.split(","))
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    w = World()
    places = [[*p[:3], COUNTRIES[p[3]], *p[4:]] for p in w.places.values()]
    for name, header, rows in [
        ("places", "place_id,name,region,country,kind,airports,lat,lon", places),
        ("aliases", "alias,place_id,prior,source", alias_rows(w)),
        ("airports", "code,name,place_id,lat,lon", [a[:5] for a in w.airports.values()]),
        ("flights", "flight_id,origin,destination,airline,stops,duration_min,fare_usd", w.flights),
        ("hotels", "hotel_id,place_id,name,stars,nightly_usd,neighborhood", w.hotels),
        ("ground", "transport_id,place_id,kind,provider,price_usd,unit", w.ground),
    ]:
        write_csv(out / f"{name}.csv", header, rows)
    with open(out / "requests.jsonl", "w", encoding="utf-8", newline="\n") as f:
        f.writelines(json.dumps(req) + "\n" for req in build_requests(w))


if __name__ == "__main__":
    main()
