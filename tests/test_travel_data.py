"""Checks on the travel world's data files in data/travel/ (made by data/travel/build.py)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

TRAVEL = Path(__file__).resolve().parents[1] / "data" / "travel"
OUTPUTS = [
    "places.csv",
    "aliases.csv",
    "airports.csv",
    "flights.csv",
    "hotels.csv",
    "ground.csv",
    "requests.jsonl",
]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
NEEDS = {
    "a flight and a hotel": None,
    "a flight, a hotel and a rental car": "rental_car",
    "a flight, a hotel and an airport shuttle": "airport_shuttle",
}
_NEEDS = "|".join(re.escape(n) for n in NEEDS)
_MONEY = r"\$(?P<budget>[1-9]\d{0,2}(?:,\d{3})*)"
_DAY = r"(?P<m{i}>[A-Z][a-z]+) (?P<d{i}>[1-9]\d?)"
TEMPLATES = [
    re.compile(
        rf"Book me a trip to (?P<dest>.+) from (?P<origin>.+), {_DAY.format(i=1)} to "
        rf"{_DAY.format(i=2)}, (?P<y2>\d{{4}}), for (?P<n>[1-9]) (?P<unit>travelers?)\. "
        rf"Budget {_MONEY}\. I need (?P<needs>{_NEEDS})\."
    ),
    re.compile(
        rf"I'm flying from (?P<origin>.+) to (?P<dest>.+) on {_DAY.format(i=1)}, (?P<y1>\d{{4}}) "
        rf"and coming back on {_DAY.format(i=2)}, (?P<y2>\d{{4}})\. "
        rf"(?:(?P<n>[2-9]) of us|(?P<just>Just me))\. Please book (?P<needs>{_NEEDS}); "
        rf"we can spend up to {_MONEY} in total\."
    ),
    re.compile(
        rf"Plan and book travel to (?P<dest>.+) for (?P<n>[1-9]) (?P<unit>person|people), "
        r"leaving (?P<origin>.+) (?P<iso1>\d{4}-\d{2}-\d{2}), returning "
        rf"(?P<iso2>\d{{4}}-\d{{2}}-\d{{2}}), total budget {_MONEY}, with (?P<needs>{_NEEDS})\."
    ),
]


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(TRAVEL / name, keep_default_na=False, dtype=str)


@pytest.fixture(scope="module")
def t() -> dict[str, pd.DataFrame]:
    tables = {n.removesuffix(".csv"): _csv(n) for n in OUTPUTS if n.endswith(".csv")}
    for name, cols in [
        ("flights", ["stops", "duration_min", "fare_usd"]),
        ("hotels", ["stars", "nightly_usd"]),
        ("ground", ["price_usd"]),
    ]:
        tables[name][cols] = tables[name][cols].astype(int)
    tables["aliases"]["prior"] = tables["aliases"]["prior"].astype(float)
    return tables


@pytest.fixture(scope="module")
def requests() -> list[dict]:
    with open(TRAVEL / "requests.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _meanings(t: dict[str, pd.DataFrame]) -> dict[str, list[tuple[str, float]]]:
    """Lower-cased alias -> [(place_id, prior)], likeliest first."""
    out: dict[str, list[tuple[str, float]]] = {}
    for r in t["aliases"].itertuples():
        out.setdefault(r.alias.lower(), []).append((r.place_id, r.prior))
    return {k: sorted(v, key=lambda m: -m[1]) for k, v in out.items()}


def _airports(t: dict[str, pd.DataFrame], place: str) -> list[str]:
    return t["places"].set_index("place_id").loc[place, "airports"].split()


def _totals(t: dict[str, pd.DataFrame], req: dict) -> tuple[int, int]:
    """(cheapest total, the same with the dearest hotel) at the true destination."""
    place, n = req["destination"], req["travelers"]
    nights = (date.fromisoformat(req["return"]) - date.fromisoformat(req["depart"])).days
    f = t["flights"]
    fares = f[(f.origin == _airports(t, req["origin"])[0])
              & f.destination.isin(_airports(t, place))]["fare_usd"]  # fmt: skip
    rates = t["hotels"][t["hotels"].place_id == place]["nightly_usd"]
    base = int(fares.min()) * n
    ground = 0
    if kind := req["ground_kind"]:
        g = t["ground"]
        price = int(g[(g.place_id == place) & (g.kind == kind)]["price_usd"].min())
        ground = price * (nights if kind == "rental_car" else n * 2)
    rooms = math.ceil(n / 2)
    return (
        base + int(rates.min()) * nights * rooms + ground,
        base + int(rates.max()) * nights * rooms + ground,
    )


def test_files_are_ascii_with_lf(t: dict[str, pd.DataFrame]) -> None:
    for name in OUTPUTS:
        raw = (TRAVEL / name).read_bytes()
        assert raw.isascii(), name
        assert b"\r" not in raw, name


def test_places_and_airports(t: dict[str, pd.DataFrame]) -> None:
    places, airports = t["places"], t["airports"]
    assert places.place_id.is_unique and places.name.is_unique
    assert airports.code.is_unique
    assert set(places.kind) <= {"city", "state", "country"}
    codes = set(airports.code)
    for r in places.itertuples():
        assert r.airports.split(), r.place_id
        assert set(r.airports.split()) <= codes, r.place_id
    assert set(airports.place_id) <= set(places.place_id)
    for df in (places, airports):
        assert df.lat.astype(float).between(-90, 90).all()
        assert df.lon.astype(float).between(-180, 180).all()
    assert _airports(t, "washington_dc") == ["DCA", "IAD"]
    assert _airports(t, "paris_tx") == ["DFW"]


def test_alias_priors(t: dict[str, pd.DataFrame]) -> None:
    aliases = t["aliases"]
    assert set(aliases.place_id) <= set(t["places"].place_id)
    assert not aliases.duplicated(["alias", "place_id"]).any()
    for alias, rows in aliases.groupby(aliases.alias.str.lower()):
        assert abs(rows.prior.sum() - 1.0) < 1e-9, alias
        assert (rows.prior > 0).all(), alias
    meanings = _meanings(t)
    assert meanings["washington"] == [("washington_dc", 0.75), ("washington_state", 0.25)]
    assert [p for p, _ in meanings["springfield"]] == [
        "springfield_il",
        "springfield_mo",
        "springfield_ma",
    ]
    assert sum(len(m) > 1 for m in meanings.values()) >= 13


@pytest.mark.slow
def test_flights_cover_every_origin_and_destination(t: dict[str, pd.DataFrame]) -> None:
    flights = t["flights"]
    assert flights.flight_id.is_unique
    assert flights.stops.between(0, 2).all()
    assert (flights.fare_usd > 0).all() and (flights.duration_min > 0).all()
    origins = sorted(set(flights.origin))
    destinations = sorted(set(t["hotels"].place_id))
    assert len(origins) >= 10 and len(destinations) >= 10
    counts = flights.groupby(["origin", "destination"]).airline.agg(["count", "nunique"])
    place_of = t["airports"].set_index("code").place_id
    for origin in origins:
        origin_place = place_of[origin]
        assert _airports(t, origin_place)[0] == origin
        for dest in destinations:
            for code in _airports(t, dest):
                if dest == origin_place or code == origin:
                    continue  # no flight to where you already are
                assert tuple(counts.loc[(origin, code)]) == (4, 4), (origin, code)
                for i in range(1, 5):
                    assert f"FL-{origin}-{code}-{i}" in set(flights.flight_id)


def test_hotels_and_ground(t: dict[str, pd.DataFrame]) -> None:
    hotels, ground = t["hotels"], t["ground"]
    assert hotels.hotel_id.is_unique and ground.transport_id.is_unique
    assert hotels.stars.between(2, 5).all()
    for place, rows in hotels.groupby("place_id"):
        assert len(rows) == 5
        assert list(rows.hotel_id) == [f"HT-{place}-{i}" for i in range(1, 6)]
        assert 2.5 <= rows.nightly_usd.max() / rows.nightly_usd.min() <= 3.5, place
    assert set(ground.place_id) == set(hotels.place_id)
    for place, rows in ground.groupby("place_id"):
        assert list(rows.transport_id) == [
            f"GT-{place}-car-1",
            f"GT-{place}-car-2",
            f"GT-{place}-shuttle-1",
            f"GT-{place}-shuttle-2",
        ]
        units = dict(zip(rows.kind, rows.unit, strict=True))
        assert units == {"rental_car": "day", "airport_shuttle": "person_trip"}


def test_every_alias_meaning_is_a_bookable_destination(t: dict[str, pd.DataFrame]) -> None:
    hotel_places = set(t["hotels"].place_id)
    for alias, meanings in _meanings(t).items():
        if len(meanings) > 1:
            assert {p for p, _ in meanings} <= hotel_places, alias


def _check_text(req: dict, origin_alias: str) -> None:
    k = int(req["id"].split("-")[1]) - 1
    m = TEMPLATES[k % 3].fullmatch(req["text"])
    assert m, (req["id"], req["text"])
    g = m.groupdict()
    d1, d2 = date.fromisoformat(req["depart"]), date.fromisoformat(req["return"])
    n = req["travelers"]
    assert g["dest"] == req["destination_alias"] and g["origin"] == origin_alias
    assert g["budget"] == f"{req['budget_usd']:,}"
    assert NEEDS[g["needs"]] == req["ground_kind"]
    if k % 3 == 2:
        assert (g["iso1"], g["iso2"]) == (req["depart"], req["return"])
    else:
        for i, d in ((1, d1), (2, d2)):
            assert (g[f"m{i}"], int(g[f"d{i}"])) == (MONTHS[d.month - 1], d.day)
        assert int(g["y2"]) == d2.year and d1.year == d2.year
    if k % 3 == 1:
        assert int(g["y1"]) == d1.year
        assert (g["just"] is not None) == (n == 1) and (n == 1 or int(g["n"]) == n)
    else:
        assert int(g["n"]) == n
        units = ("person", "people") if k % 3 == 2 else ("traveler", "travelers")
        assert g["unit"] == units[n > 1]


def test_requests(t: dict[str, pd.DataFrame], requests: list[dict]) -> None:
    meanings = _meanings(t)
    assert len(requests) >= 60
    assert [r["id"] for r in requests] == [f"trip-{i:03d}" for i in range(1, len(requests) + 1)]
    keys = "id text origin destination_alias destination depart return travelers budget_usd"
    keys += " needs ground_kind cheapest_total_usd note"
    origins = set(t["flights"].origin)
    for r in requests:
        assert list(r) == keys.split(), r["id"]
        places = [p for p, _ in meanings[r["destination_alias"].lower()]]
        assert r["destination"] in places, r["id"]
        assert r["origin"] != r["destination"]
        assert _airports(t, r["origin"])[0] in origins
        origin_alias = [a for a, m in meanings.items() if m == [(r["origin"], 1.0)]]
        assert origin_alias, r["id"]
        d1, d2 = date.fromisoformat(r["depart"]), date.fromisoformat(r["return"])
        assert d1.year == d2.year == 2027 and 2 <= (d2 - d1).days <= 7
        assert 1 <= r["travelers"] <= 4
        kind = r["ground_kind"]
        assert kind in (None, "rental_car", "airport_shuttle")
        assert r["needs"] == ["flight", "hotel"] + (["ground"] if kind else [])
        low, high = _totals(t, r)
        assert r["cheapest_total_usd"] == low, r["id"]
        budget = r["budget_usd"]
        assert budget % 50 == 0 and low * 1.25 <= budget <= 50 * math.ceil(low * 1.6 / 50)
        assert high > budget, r["id"]  # the dearest hotel breaks the budget
        assert r["note"].endswith(".")
        display = t["aliases"][t["aliases"].alias.str.lower() == origin_alias[0]].alias.iloc[0]
        _check_text(r, display)


def test_request_mix(t: dict[str, pd.DataFrame], requests: list[dict]) -> None:
    meanings = _meanings(t)
    ambiguous = [r for r in requests if len(meanings[r["destination_alias"].lower()]) > 1]
    minority = [
        r for r in ambiguous if r["destination"] != meanings[r["destination_alias"].lower()][0][0]
    ]
    assert 0.4 <= len(ambiguous) / len(requests) <= 0.6
    assert len(minority) >= 12
    with_ground = sum(r["ground_kind"] is not None for r in requests) / len(requests)
    assert 0.5 <= with_ground <= 0.7
    assert len({r["text"] for r in requests}) == len(requests)


def test_trip_001_is_the_running_example(requests: list[dict]) -> None:
    r = requests[0]
    assert r["id"] == "trip-001"
    assert (r["destination_alias"], r["destination"], r["origin"]) == (
        "Washington",
        "washington_state",
        "boston",
    )
    assert r["travelers"] == 2 and r["ground_kind"] == "rental_car"
    assert r["needs"] == ["flight", "hotel", "ground"]
    assert r["text"].startswith("Book me a trip to Washington from Boston, ")


def test_build_is_reproducible(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(TRAVEL / "build.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == (TRAVEL / name).read_bytes(), name
