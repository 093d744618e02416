"""The travel world's tables: places, aliases, airports, flights, hotels, ground transport.

Data lives in ``data/travel/`` (see its README for sources). This module reads it once,
resolves what a user or a model writes ("Washington", "Portland, Maine", "PDX") to places,
and prices offers with the world's pricing rules.

Introduced in notebook 01 (`01_agent_loop.ipynb`).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from agentlab.data import data_path

TRAVEL_DIR = data_path("travel")


@dataclass(frozen=True)
class Place:
    """A destination or origin with the airports that serve it."""

    place_id: str  # e.g. "washington_state"
    name: str  # unambiguous display name, e.g. "Washington State"
    region: str
    country: str
    airports: tuple[str, ...]  # IATA codes, the main one first
    kind: str = "city"  # "city", "state" or "country"


@dataclass(frozen=True)
class Offer:
    """One bookable thing: a round-trip flight, a hotel or a ground transport product."""

    offer_ref: str  # the table id, e.g. "FL-BOS-DCA-1", "HT-washington_dc-2"
    kind: str  # "flight", "hotel" or "ground"
    place_id: str  # the place it serves (for a flight: its destination airport code)
    label: str  # airline, hotel name or provider
    price_usd: float  # fare per traveler, nightly per room, or per unit
    unit: str  # "traveler", "room_night", "day" or "person_trip"
    detail: dict[str, str]  # table columns worth showing


def _rows(name: str) -> list[dict[str, str]]:
    with open(TRAVEL_DIR / name, newline="") as f:
        return list(csv.DictReader(f))


@cache
def places() -> dict[str, Place]:
    """All places, by place id."""
    return {
        r["place_id"]: Place(
            r["place_id"],
            r["name"],
            r["region"],
            r["country"],
            tuple(r["airports"].split()),
            r["kind"],
        )
        for r in _rows("places.csv")
    }


@cache
def aliases() -> dict[str, list[tuple[str, float]]]:
    """What each alias (lower-cased) may mean: ``[(place_id, prior), ...]``, likeliest first."""
    out: dict[str, list[tuple[str, float]]] = {}
    for r in _rows("aliases.csv"):
        out.setdefault(r["alias"].lower(), []).append((r["place_id"], float(r["prior"])))
    return {k: sorted(v, key=lambda t: -t[1]) for k, v in out.items()}


@cache
def alias_display() -> dict[str, str]:
    """Alias as written in the data, by lower-cased alias."""
    return {r["alias"].lower(): r["alias"] for r in _rows("aliases.csv")}


@cache
def airports() -> dict[str, str]:
    """Airport name by IATA code."""
    return {r["code"]: r["name"] for r in _rows("airports.csv")}


@cache
def offers() -> dict[str, Offer]:
    """Every offer of the world by table id."""
    out: dict[str, Offer] = {}
    for r in _rows("flights.csv"):
        detail = {k: r[k] for k in ("origin", "destination", "stops", "duration_min")}
        fare = float(r["fare_usd"])
        out[r["flight_id"]] = Offer(
            r["flight_id"], "flight", r["destination"], r["airline"], fare, "traveler", detail
        )
    for r in _rows("hotels.csv"):
        detail = {"stars": r["stars"], "neighborhood": r["neighborhood"]}
        out[r["hotel_id"]] = Offer(
            r["hotel_id"],
            "hotel",
            r["place_id"],
            r["name"],
            float(r["nightly_usd"]),
            "room_night",
            detail,
        )
    for r in _rows("ground.csv"):
        detail = {"ground_kind": r["kind"]}
        out[r["transport_id"]] = Offer(
            r["transport_id"],
            "ground",
            r["place_id"],
            r["provider"],
            float(r["price_usd"]),
            r["unit"],
            detail,
        )
    return out


def resolve(text: str) -> list[tuple[str, float]]:
    """The places a written name may mean, with priors, likeliest first.

    Accepts an alias ("Washington"), a full name ("Washington State"), a place id or an
    IATA code. Unknown text gives an empty list.

    Example:
        >>> [p for p, _ in resolve("Washington")]
        ['washington_dc', 'washington_state']
    """
    key = text.strip().lower()
    if key in aliases():
        return aliases()[key]
    for p in places().values():
        if key in (p.name.lower(), p.place_id):
            return [(p.place_id, 1.0)]
    code = text.strip().upper()
    matches = [p.place_id for p in places().values() if code in p.airports]
    return [(m, 1.0 / len(matches)) for m in matches]


def nights(start: str, end: str) -> int:
    """Nights between two ISO dates."""
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


def price(offer: Offer, *, start: str, end: str, travelers: int) -> float:
    """Total USD of an offer for these dates and travelers (the world's pricing rules)."""
    n = nights(start, end)
    if offer.kind == "flight":
        return offer.price_usd * travelers
    if offer.kind == "hotel":
        return offer.price_usd * n * math.ceil(travelers / 2)
    if offer.unit == "day":
        return offer.price_usd * n
    return offer.price_usd * travelers * 2


def serves(offer: Offer, place_id: str) -> bool:
    """Whether an offer takes the traveller to (or serves them at) a place."""
    if offer.kind == "flight":
        return offer.place_id in places()[place_id].airports
    return offer.place_id == place_id


def place_offers(place_id: str, kind: str, *, origin_airport: str | None = None) -> list[Offer]:
    """Offers of one kind at a place (flights only from ``origin_airport``), in table order."""
    return list(_place_offers(place_id, kind, origin_airport if kind == "flight" else None))


@lru_cache(maxsize=4096)
def _place_offers(place_id: str, kind: str, origin_airport: str | None) -> tuple[Offer, ...]:
    """``place_offers``, once per question: the tables are read once and never change, and
    every search and every judged booking asks again."""
    if kind == "flight":
        places()[place_id]  # an unknown place: its KeyError, as ``serves`` raises it
    found = _offers_by_place(kind).get(place_id, ())
    if kind == "flight":
        found = tuple(o for o in found if o.detail["origin"] == origin_airport)
    return found


@lru_cache(maxsize=16)
def _offers_by_place(kind: str) -> dict[str, tuple[Offer, ...]]:
    """Every offer of one kind under each place it ``serves``, in table order: one scan of
    the table for all places, where a scan per place read it whole for each question."""
    at: dict[str, list[str]] = {}  # airport -> the places it serves
    for place in places().values():
        for airport in place.airports:
            at.setdefault(airport, []).append(place.place_id)
    found: dict[str, list[Offer]] = {}
    for o in offers_of(kind):
        for place_id in at.get(o.place_id, []) if kind == "flight" else [o.place_id]:
            found.setdefault(place_id, []).append(o)
    return {place_id: tuple(listed) for place_id, listed in found.items()}


@lru_cache(maxsize=16)
def offers_of(kind: str) -> tuple[Offer, ...]:
    """Every offer of one kind ("flight", "hotel" or "ground"), in table order."""
    return tuple(o for o in offers().values() if o.kind == kind)
