"""The travel world built from its tables: places, airports and every priced offer.

Part of the travel world's builder (``build.py``): ``World`` holds the places, airports and
destinations of ``world_tables.py`` and makes the flights, hotels and ground offers, seeded,
with the carriers and brands below and the pricing rules of README.md; ``alias_rows`` lists
how a user writes each place.
"""

from __future__ import annotations

import math
import random
from datetime import date

from world_tables import (
    AIRPORTS,
    DESTINATIONS,
    ORIGINS,
    PLACES,
    SEED,
    SHORT,
    UNAMBIGUOUS,
    ambiguous,
    table,
)

# fmt: off
# Airlines (real carriers). DOMESTIC: within one country; LONG: long-haul from a country.
DOMESTIC = {
    "US": ["American Airlines", "Delta Air Lines", "United Airlines", "Southwest Airlines",
           "Alaska Airlines", "JetBlue"],
    "CA": ["Air Canada", "WestJet", "Porter Airlines", "Flair Airlines"],
    "ES": ["Iberia", "Air Europa", "Vueling", "Ryanair"],
}
LONG = {
    "US": ["American Airlines", "Delta Air Lines", "United Airlines"], "CA": ["Air Canada"],
    "GB": ["British Airways", "Virgin Atlantic"], "FR": ["Air France"], "NL": ["KLM"],
    "ES": ["Iberia", "Air Europa"], "IT": ["ITA Airways"], "PT": ["TAP Air Portugal"],
    "JP": ["Japan Airlines", "ANA"], "AU": ["Qantas"], "CL": ["LATAM Airlines"],
    "GE": ["Georgian Airways"],
}
EUROPE = {"GB", "FR", "NL", "ES", "IT", "PT"}
NORTH_AMERICA = ["American Airlines", "Delta Air Lines", "United Airlines", "Air Canada",
                 "WestJet", "Porter Airlines"]
EUROPE_SHORT = ["easyJet", "Ryanair", "Vueling", "Transavia", "Lufthansa"]
CONNECTING = {"JP": ["Qatar Airways", "Emirates"], "AU": ["Qatar Airways", "Emirates"],
              "CL": ["Copa Airlines", "Avianca"], "GE": ["Turkish Airlines", "LOT Polish Airlines"]}
CONNECTING_DEFAULT = ["Lufthansa", "Turkish Airlines"]
CONNECTORS = {c for cs in [*CONNECTING.values(), CONNECTING_DEFAULT] for c in cs}
CARS = {"US": ["Hertz", "Enterprise", "Avis", "Budget", "National", "Alamo"],
        "JP": ["Toyota Rent a Car", "Times Car Rental", "Nippon Rent-A-Car"]}
CARS_DEFAULT = ["Hertz", "Avis", "Sixt", "Europcar"]
SHUTTLES = ["{} Airport Express", "{} Shared Ride", "GoShuttle {}", "{} Door-to-Door"]
HOTEL_WORDS = ["Harbor", "Juniper", "Copper", "Linden", "Beacon", "Cedar", "Marlowe",
               "Foxglove", "Larkspur", "Halcyon", "Wren", "Sterling", "Aster", "Bramble"]
HOTEL_TIERS = [  # stars, nightly rate as a multiple of the cheapest, name pattern
    (2, 1.00, "{w} Budget Inn"), (3, 1.30, "Hotel {w}"), (3, 1.65, "{w} Suites {nb}"),
    (4, 2.20, "The {w} {nb}"), (5, 3.00, "The {w} Grand"),
]
# fmt: on


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km (haversine, Earth radius 6371 km)."""
    (la1, lo1), (la2, lo2) = [(math.radians(x), math.radians(y)) for x, y in (a, b)]
    h = math.sin((la2 - la1) / 2) ** 2
    h += math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


class World:
    """The tables, built from the literals of world_tables.py."""

    def __init__(self) -> None:
        self.places = {r[0]: r for r in table(PLACES)}
        self.airports = {r[0]: r for r in table(AIRPORTS)}
        self.dests = {r[0]: r for r in table(DESTINATIONS)}
        self.origins = ORIGINS.split()
        to = dict.fromkeys(code for d in self.dests for code in self.codes(d))  # each once
        self.flights = [f for o in self.origins for b in to for f in self.offers(o, b)]
        self.hotels = [h for p in self.dests for h in self.hotel_rows(p)]
        self.ground = [g for p in self.dests for g in self.ground_rows(p)]

    def codes(self, place: str) -> list[str]:
        return self.places[place][5].split()

    def where(self, code: str) -> tuple[float, float]:
        return float(self.airports[code][3]), float(self.airports[code][4])

    def country(self, place: str) -> str:
        return self.places[place][3]

    def short(self, place: str) -> str:
        """The alias a user writes for an unambiguous place ("New York", "Rome")."""
        return SHORT.get(place, self.places[place][1].split(",")[0])

    def airlines(self, origin: str, dest: str) -> list[str]:
        """Real carriers plausible for the route (nonstop or connecting)."""
        co, cd = self.country(origin), self.country(dest)
        if co == cd:
            return DOMESTIC[co]
        if {co, cd} <= EUROPE:
            return LONG[co] + LONG[cd] + EUROPE_SHORT
        if {co, cd} <= {"US", "CA"}:
            return NORTH_AMERICA
        return LONG[co] + LONG[cd] + CONNECTING.get(cd, CONNECTING.get(co, CONNECTING_DEFAULT))

    def offers(self, origin: str, b: str) -> list[list[object]]:
        """4 round-trip offers from the origin's main airport to airport b (none if the same)."""
        a, dest = self.codes(origin)[0], self.airports[b][2]
        if origin == dest or a == b:
            return []  # no flight to where you already are
        rng = random.Random(f"{SEED}:flight:{a}:{b}")
        km = km_between(self.where(a), self.where(b))
        tiers = (self.airports[a][5], self.airports[b][5])
        if tiers == ("intl", "intl"):
            fewest = 0 if km < 14000 else 1
        elif "reg" not in tiers:
            fewest = 0 if km < (3500 if "intl" in tiers else 2500) else 1
        else:
            fewest = 0 if km < 1500 and tiers.count("reg") == 1 else 1 + (km > 9000)
        extra = (0, 0, 1) if km < 3000 else (0, 1, 1, 2)
        rows: list[list[object]] = []
        for i, airline in enumerate(rng.sample(self.airlines(origin, dest), 4), 1):
            stops = fewest if i == 1 else min(2, fewest + rng.choice(extra))
            stops = max(stops, int(airline in CONNECTORS))  # a third-country carrier connects
            minutes = 5 * round((km / 800 * 60 + 30 + 75 * stops) / 5)
            fare = (90 + 0.11 * km) * (1.2, 1.0, 0.9)[stops] * rng.uniform(0.8, 1.35)
            rows.append([f"FL-{a}-{b}-{i}", a, b, airline, stops, minutes, round(fare)])
        return rows

    def hotel_rows(self, place: str) -> list[list[object]]:
        """5 hotels, 2 to 5 stars, the dearest 3x the cheapest."""
        rng = random.Random(f"{SEED}:hotel:{place}")
        base, hoods = int(self.dests[place][1]), self.dests[place][2].split(";")
        rng.shuffle(hoods)
        words = rng.sample(HOTEL_WORDS, len(HOTEL_TIERS))
        rows: list[list[object]] = []
        for i, (stars, mult, pattern) in enumerate(HOTEL_TIERS):
            noise = 1.0 if i in (0, len(HOTEL_TIERS) - 1) else rng.uniform(0.93, 1.07)
            name = pattern.format(w=words[i], nb=hoods[i])
            rows.append([f"HT-{place}-{i + 1}", place, name, stars, round(base * mult * noise)])
            rows[-1].append(hoods[i])
        return rows

    def ground_rows(self, place: str) -> list[list[object]]:
        """2 rental cars (per day) and 2 airport shuttles (per person per one-way trip)."""
        rng = random.Random(f"{SEED}:ground:{place}")
        base = int(self.dests[place][1])
        rows: list[list[object]] = []
        for i, provider in enumerate(rng.sample(CARS.get(self.country(place), CARS_DEFAULT), 2)):
            price = round((35 + 0.25 * base) * rng.uniform(0.85, 1.25))
            rows.append([f"GT-{place}-car-{i + 1}", place, "rental_car", provider, price, "day"])
        for i, pattern in enumerate(rng.sample(SHUTTLES, 2)):
            price = round((10 + 0.1 * base) * rng.uniform(0.85, 1.3))
            provider = pattern.format(self.short(place))
            rows.append([f"GT-{place}-shuttle-{i + 1}", place, "airport_shuttle", provider, price])
            rows[-1].append("person_trip")
        return rows

    def total(self, req: dict, dearest_hotel: bool = False) -> int:
        """Cheapest total at the true destination (or the same with its dearest hotel)."""
        place, travelers = req["destination"], req["travelers"]
        nights = (date.fromisoformat(req["return"]) - date.fromisoformat(req["depart"])).days
        main, codes = self.codes(req["origin"])[0], self.codes(place)
        total = min(f[6] for f in self.flights if f[1] == main and f[2] in codes) * travelers
        rates = [h[4] for h in self.hotels if h[1] == place]
        total += (max(rates) if dearest_hotel else min(rates)) * nights * math.ceil(travelers / 2)
        if kind := req["ground_kind"]:
            units = nights if kind == "rental_car" else travelers * 2
            total += min(g[4] for g in self.ground if g[1] == place and g[2] == kind) * units
        return total


def alias_rows(world: World) -> list[list[object]]:
    rows: list[list[object]] = []
    for alias, (places, priors, why) in ambiguous().items():
        rows += [[alias, p, prior, why] for p, prior in zip(places, priors, strict=True)]
    for place in dict.fromkeys(world.origins + UNAMBIGUOUS.split()):
        rows.append([world.short(place), place, 1.0, "unambiguous"])
    return rows
