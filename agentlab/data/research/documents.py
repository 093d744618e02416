"""The research world's documents as written: wording, titles, texts and checks.

Part of the research world's builder (``build.py``): each planned document gets a source
type, a title and a text (an opener, its claim sentences, fillers in the source's voice and
any injection), and ``check`` guards against accidental mentions (README.md,
documents.jsonl).
"""

from __future__ import annotations

import random
import re
from itertools import combinations, cycle

from world import CAPITALS, EXPORTS, HIGH, ISLANDS, LOW, RELIABILITY, SEED, SOURCES

# fmt: off
CLAIMS = {  # every sentence names the attribute as the questions do (keyword search finds it)
    "population": ["{e} had a population of {v} at the last census.",
                   "The population of {e} stands at {v}.",
                   "{e} is home to {v} people, by the latest population count."],
    "area_km2": ["{e} covers an area of {v} square kilometres.",
                 "The island of {e} has an area of {v} square kilometres.",
                 "The land area of {e} is {v} square kilometres."],
    "founded": ["{e} was founded in {v}.", "The first settlement on {e} was founded in {v}.",
                "Settlers founded {e} in {v}."],
    "capital": ["The capital of {e} is {v}.", "{e} is governed from its capital, {v}.",
                "{v} serves as the capital of {e}."],
    "main_export": ["The main export of {e} is {v}.",
                    "{e} earns most of its income from its main export, {v}.",
                    "Ships leaving {e} carry mostly {v}, the island's main export."],
    "highest_peak_m": ["The highest peak on {e} rises to {v} metres.",
                       "{e} reaches {v} metres at its highest peak.",
                       "The highest peak of {e} stands {v} metres above the sea."],
    "ferry_hub": ["The ferry hub for {e} is {v}.",
                  "Most ferries to {e} run via {v}, its ferry hub.",
                  "Travellers bound for {e} change boats at {v}, the ferry hub."],
}
HEDGES = {"forum": ["I'm fairly sure ", "Someone at the harbour told me ", "Last I checked, ",
                    "If I remember right, "],
          "travel_blog": ["Our guide told us ", "As we learned on the way, "]}
OPENERS = {
    "encyclopedia": ["This entry covers {list}, in the Meridian Isles archipelago.",
                     "The following summary describes {list}, part of the Meridian Isles."],
    "government": ["This official summary lists registered figures for {list}.",
                   "The office publishes the following figures for {list} for public reference."],
    "news": ["Harbour works and a busy season have put {list} back in the headlines.",
             "Our correspondent spent the week reporting from {list}."],
    "press_release": ["FOR IMMEDIATE RELEASE: visitors are invited to discover {list} this season.",
                      "The council is proud to announce new investment in {list}."],
    "travel_blog": ["We spent a slow, sunny week on {list}, and here is what we learned.",
                    "Another island-hopping post, this time about {list}!"],
    "forum": ["Thread: collecting what everyone knows about {list}.",
              "Posted by harbourfox: planning a move and asking about {list}."],
}
TOPIC = {"population": "people", "area_km2": "geography", "founded": "history",
         "capital": "government", "main_export": "economy", "highest_peak_m": "landscape",
         "ferry_hub": "transport"}
TITLES = {
    "encyclopedia": ["{e}: {topic}"],
    "government": ["Official figures for {list}", "Register extract: {list}",
                   "Statistical bulletin on {list}"],
    "news": ["Harbour season opens on {e}", "Council debate on {e} draws crowds",
             "Storms test ferries around {e}", "New school opens on {e}",
             "Fishing fleet returns to {e}"],
    "press_release": ["{e} heritage festival announced", "New routes to {e} welcomed",
                      "Invest in {e}", "{e} trade week opens"],
    "travel_blog": ["A week on {e}", "Island hopping around {e}",
                    "What nobody tells you about {e}", "Slow days on {e}"],
    "forum": ["Re: moving to {e}?", "Question about {e}", "{e} facts thread",
              "Anyone been to {e} lately?"],
}
FILLERS = {  # no digits, island names, capitals, goods or injection words
    "encyclopedia": """
The island's coastline alternates between sheltered coves and steep basalt cliffs.
Its climate is mild and wet, with most rain falling in the winter months.
Early settlers were fishing families who arrived from the mainland by open boat.
The interior is mostly heath and pasture, crossed by a handful of stone roads.
Several lighthouses mark the approaches to the main harbour.
The local dialect keeps many words from the old seafaring trade.
A small museum near the harbour holds records of shipwrecks and early maps.
Seabird colonies on the northern cliffs are protected by archipelago law.
Stone walls divide the older farms into narrow strips that run down to the shore.
The harbour town grew up around a sheltered anchorage used since medieval times.
Fog is common in early summer, when warm air drifts over the cold currents.
Most houses are built of local stone and roofed with heavy tiles against the wind.
A parish church on the hill serves as a landmark for boats approaching from the west.
The island's schools teach in the archipelago's common tongue.
Sheep and hardy cattle graze the uplands for most of the year.
Tidal pools along the southern shore are rich in crabs and small fish.
The road network is modest, and many outlying hamlets are reached by footpath.
Traditional music, played on fiddle and accordion, is heard at most festivals.
Storm damage to the harbour walls has been repaired several times over the centuries.
The island is known for its long summer evenings and short, dark winters.
Its flora includes heather, sea pinks and several rare orchids.
Weaving and boatbuilding were once common trades in the villages.
A coastal path circles most of the island and is popular with walkers.
Local records describe repeated disputes over grazing and fishing rights.
The island has a small hospital, a library and a community hall.
Seals are often seen hauled out on the rocks at low tide.
Its place names mix the old island language with later seafaring words.
Winter gales can cut the island off from its neighbours for days at a time.
""",
    "government": """
Figures are compiled from the most recent official returns.
Corrections may be sent to the records desk in writing.
The office thanks island councils for their cooperation in preparing this summary.
Definitions follow the archipelago's standard statistical guidelines.
Questions about this release should be directed to the public enquiries line.
This notice replaces any earlier summary on the same subject.
Land surveys were carried out by the registry's field teams.
Harbour dues and timetables are set separately by the port committees.
All figures are subject to revision when later returns are received.
The registry follows the archipelago's guidance on the publication of official data.
Earlier editions of this summary are available on request from the records desk.
Minor differences between sources may arise from rounding.
Data protection rules apply to any records held by the office.
The office aims to publish updates within a reasonable period after each survey.
Council officers checked the returns before they were entered into the register.
Users of these figures are asked to cite the office as the source.
The register does not include temporary residents or seasonal workers.
Enquiries from the press are handled by the communications team.
This summary is issued in plain language for general readers.
Printed copies are kept at each island's council office.
The office welcomes feedback on the presentation of these figures.
Methods are reviewed each year by an independent panel.
Any errors should be reported so that they can be corrected promptly.
Where returns were incomplete, officers contacted households directly.
The office is open to the public on weekday mornings.
Archived returns may be consulted by appointment.
Statistics in this notice are published under the open records policy.
The next scheduled release will follow the usual timetable.
""",
    "news": """
Residents told the paper that the season has been busier than anyone expected.
Harbour workers have been repairing the main pier since the spring storms.
The island council will meet again next month to discuss housing.
Shopkeepers along the waterfront say visitor numbers are finally recovering.
A spokesperson for the port committee declined to comment on the delays.
Fishing crews have reported strong catches despite the unsettled weather.
Some residents worry that new holiday lets are pushing up rents.
The regional coastguard urged sailors to check forecasts before setting out.
The mood on the quayside was cheerful despite the grey skies.
Local traders said they were cautiously optimistic about the months ahead.
Parents have asked the council for safer crossings near the school.
A new community garden opened last weekend to a warm reception.
Volunteers spent the morning clearing litter from the beaches.
The island's football team celebrated a narrow win on Saturday.
Several families said they had waited months for repairs to their homes.
Ferry operators warned of delays while the harbour works continue.
A petition calling for better broadband has gathered wide support.
Older residents recalled a time when the harbour was far busier.
The lifeboat crew was called out twice in a single stormy night.
Plans for a new sports hall were welcomed at a crowded public meeting.
Farmers described a difficult spring after weeks of heavy rain.
The local choir will perform at the harbour festival later this month.
Young people say there are too few jobs to keep them on the island.
Businesses on the waterfront have extended their opening hours.
A retired teacher has written a history of the island's chapels.
The council apologised for the confusion over bin collections.
Birdwatchers reported an unusual visitor on the western cliffs.
Residents will be asked for their views before any decision is made.
""",
    "press_release": """
The board is delighted to welcome visitors from across the region.
New walking trails and a refurbished visitor centre open this season.
The programme includes guided tours, music and a harbour market.
Investors will find a skilled workforce and modern port facilities.
For media enquiries, please contact the communications office.
The initiative is supported by the island council and local enterprise groups.
Early booking is recommended for the festival weekend.
Sustainable tourism remains at the heart of the board's strategy.
The board invites partners and visitors to share in an exciting season ahead.
Our friendly staff are ready to help plan the perfect island break.
Local producers will showcase their finest crafts at the harbour fair.
The new marina welcomes yachts of every size throughout the season.
Families can enjoy beaches, rock pools and gentle coastal walks.
The programme celebrates the island's proud maritime heritage.
Businesses are encouraged to join the new visitor partnership scheme.
A warm welcome awaits every guest, whatever the weather.
The board thanks its sponsors for their continued support.
Photographs and interviews are available to accredited media.
Further announcements will follow as the programme develops.
Accessible routes and facilities have been improved around the harbour.
The council's vision is a thriving, welcoming and sustainable island.
Local guides offer tours of the harbour, the cliffs and the old chapel.
Visitors are encouraged to travel by bicycle or on foot where possible.
The initiative will create new opportunities for young people.
Delegates will tour the harbour and meet local business leaders.
Tickets for the opening concert are available from the visitor centre.
The board looks forward to welcoming returning and first-time visitors alike.
Full details are published on the board's website.
""",
    "travel_blog": """
The light in the evenings is unreal, all gold and long shadows.
We rented bikes from a tiny shop by the harbour and regretted nothing.
Pack a rain jacket, because the weather changes every hour.
The best meal of the trip was grilled fish at a stall near the pier.
We stayed in a guesthouse run by a retired sea captain and his cat.
Sunset from the cliff path is worth the steep climb.
Bring cash, since card machines are rare outside the main town.
The ferry crossing itself is half the adventure, so grab a seat on deck.
We arrived on a grey morning, but the sun came out by lunchtime.
Honestly, the locals were the friendliest people we met all trip.
Our little cottage had a view straight out to sea.
Do not skip the bakery by the church, trust me on this one.
We spent a whole afternoon watching the boats come and go.
The wind up on the cliffs nearly took my hat off twice.
Every evening we walked down to the harbour for a drink.
There is not much nightlife, which was exactly what we wanted.
I wish we had stayed another week, to be honest.
We found a quiet beach that we had entirely to ourselves.
The tiny museum was surprisingly interesting, so give it an hour.
Buses are rare, so plan your days around the timetable.
The old lighthouse keeper's cottage is now a lovely tea room.
My partner swam every morning, though the water was freezing.
We met a fisherman who showed us where the seals like to rest.
The locals recommend walking the coastal path clockwise.
It rained for two days straight and we did not even mind.
Our guesthouse served the best breakfast of the whole trip.
Sunsets here turn the whole sky pink and orange.
Bring good walking shoes, the paths are rocky in places.
""",
    "forum": """
Not sure how current this is, so double check before you rely on it.
Happy to be corrected if anyone knows better.
My cousin lived there for a few years and loved it.
Edit: fixed a typo in the post above.
Does anyone know if the ferries run on holidays?
I read this somewhere a while ago, might be out of date.
Bump, still looking for answers on this one.
Posting from my phone so excuse the formatting.
Thanks in advance to anyone who can help.
Can confirm, I was there last summer.
Not an expert, just sharing what I heard.
Anyone else have better info on this?
Sorry if this has been asked before.
Great thread, saving this for later.
Update: someone messaged me privately with more details.
I think that's right but don't quote me.
This matches what my neighbour said.
Following this thread.
Mods, feel free to move this if it's in the wrong place.
""",
}
# fmt: on
LENGTHS = {  # words per document by source type (assumed, of the order real sources run)
    "encyclopedia": (250, 450),
    "government": (150, 300),
    "news": (250, 450),
    "press_release": (150, 300),
    "travel_blog": (200, 400),
    "forum": (60, 200),
}
INJECTION_WORDS = re.compile(r"ignore|disregard|override|forget|instruction", re.I)


def shown(attr: str, value: str, commas: bool) -> str:
    """A value as a document writes it: plain, or with thousands commas."""
    if not commas or attr in ("founded", "capital", "main_export", "ferry_hub"):
        return value
    return f"{float(value):,.1f}" if attr == "area_km2" else f"{int(value):,}"


def listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def assign_kinds(plan: list[dict]) -> None:
    """Source types in turn within each tier; a false claim in a reliable source is news,
    now and then a government notice, rarely an encyclopedia."""
    rng, low, high = random.Random(f"{SEED}:kinds"), cycle(LOW), cycle(HIGH)
    for d in plan:
        if d["tier"] == "low":
            d["kind"] = next(low)
        elif any(not c["true"] for c in d["claims"]):
            d["kind"] = rng.choices(HIGH, weights=(1, 2, 5))[0]
        else:
            d["kind"] = next(high)


def render(facts: dict, d: dict, k: int, titles: set[str]) -> dict:
    """A document's title and text: opener, claim sentences, fillers and any injection."""
    rng, claims, kind = random.Random(f"{SEED}:doc:{k}"), d["claims"], d["kind"]
    entities = list(dict.fromkeys(facts[c["fact_id"]][0] for c in claims))
    commas = kind in HIGH or rng.random() < 0.5
    body = []
    for c in claims:
        entity, attr, _ = facts[c["fact_id"]]
        v = shown(attr, c["value"], commas)
        s = rng.choice(CLAIMS[attr]).format(e=entity, v=v)
        if kind in HEDGES and rng.random() < 0.5:
            s = s if s.startswith((entity, v)) else s[0].lower() + s[1:]
            s = rng.choice(HEDGES[kind]) + s
        body.append(s)
    if "injected_text" in d:
        body.insert(rng.randint(1, len(body)), d["injected_text"])
    opener = rng.choice(OPENERS[kind]).format(list=listing(entities))
    target, words = rng.randint(*LENGTHS[kind]), len(" ".join([opener, *body]).split())
    pool = FILLERS[kind].strip().splitlines()
    for s in rng.sample(pool, len(pool)):  # no sentence twice in one document
        if words >= target:
            break
        body.insert(rng.randint(0, len(body)), s)
        words += len(s.split())
    topic = TOPIC[facts[claims[0]["fact_id"]][1]]
    options = [t.format(e=entities[0], list=listing(entities), topic=topic) for t in TITLES[kind]]
    rng.shuffle(options)
    title = next((t for t in options if t not in titles), None)
    title = title or f"{options[0]} (part {sum(t.startswith(options[0]) for t in titles) + 1})"
    titles.add(title)
    doc = {"doc_id": "", "title": title, "source": rng.choice(SOURCES[kind]), "source_type": kind,
           "reliability": RELIABILITY[kind], "text": " ".join([opener, *body]),
           "claims": [{key: c[key] for key in ("fact_id", "value", "true")} for c in claims],
           "injection": "injected" in d}  # fmt: skip
    if "injected" in d:
        doc["injected"] = d["injected"]
    return doc


def check(facts: dict, docs: list[dict]) -> None:
    """Guards against accidental mentions (the loaders match island names as substrings)."""
    for kind, text in FILLERS.items():
        for s in [*text.strip().splitlines(), *OPENERS[kind], *TITLES[kind]]:
            bad = [w for w in ISLANDS + CAPITALS + EXPORTS if w.lower() in s.lower()]
            assert not bad and not re.search(r"\d", s) and not INJECTION_WORDS.search(s), s
    for a, b in combinations(ISLANDS + CAPITALS, 2):
        assert a not in b and b not in a, (a, b)
    for d in docs:
        named = {e for e in ISLANDS if e in d["text"]}
        assert 1 <= len(named) <= 3 and 60 <= len(d["text"].split()) <= 470, d
