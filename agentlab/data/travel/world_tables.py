"""The travel world's tables as written: places, airports, aliases and destinations.

Part of the travel world's builder (``build.py`` runs it; README.md says what is real and
what is assumed). The other modules of the builder read the world from here.
"""

from __future__ import annotations

SEED = 20270603

# fmt: off
COUNTRIES = {
    "US": "United States", "CA": "Canada", "ES": "Spain", "NL": "Netherlands", "FR": "France",
    "GB": "United Kingdom", "AU": "Australia", "GE": "Georgia", "CL": "Chile", "IT": "Italy",
    "JP": "Japan", "PT": "Portugal",
}

# place_id|name|region|country|kind|airports (main first)|lat|lon. For a state or a country
# the coordinates are its main city's.
PLACES = """
boston|Boston, Massachusetts|Massachusetts|US|city|BOS|42.3601|-71.0589
chicago|Chicago, Illinois|Illinois|US|city|ORD MDW|41.8781|-87.6298
atlanta|Atlanta, Georgia|Georgia|US|city|ATL|33.7490|-84.3880
denver|Denver, Colorado|Colorado|US|city|DEN|39.7392|-104.9903
new_york|New York City|New York|US|city|JFK LGA EWR|40.7128|-74.0060
dallas|Dallas, Texas|Texas|US|city|DFW DAL|32.7767|-96.7970
miami|Miami, Florida|Florida|US|city|MIA|25.7617|-80.1918
los_angeles|Los Angeles, California|California|US|city|LAX|34.0522|-118.2437
toronto|Toronto, Ontario|Ontario|CA|city|YYZ YTZ|43.6532|-79.3832
madrid|Madrid, Spain|Community of Madrid|ES|city|MAD|40.4168|-3.7038
amsterdam|Amsterdam, Netherlands|North Holland|NL|city|AMS|52.3676|4.9041
san_francisco|San Francisco, California|California|US|city|SFO|37.7749|-122.4194
rome|Rome, Italy|Lazio|IT|city|FCO CIA|41.9028|12.4964
tokyo|Tokyo, Japan|Tokyo|JP|city|HND NRT|35.6762|139.6503
lisbon|Lisbon, Portugal|Lisbon|PT|city|LIS|38.7223|-9.1393
austin|Austin, Texas|Texas|US|city|AUS|30.2672|-97.7431
nashville|Nashville, Tennessee|Tennessee|US|city|BNA|36.1627|-86.7816
san_diego|San Diego, California|California|US|city|SAN|32.7157|-117.1611
montreal|Montreal, Quebec|Quebec|CA|city|YUL|45.5017|-73.5673
washington_dc|Washington, D.C.|District of Columbia|US|city|DCA IAD|38.9072|-77.0369
washington_state|Washington State|Washington|US|state|SEA GEG|47.6062|-122.3321
portland_or|Portland, Oregon|Oregon|US|city|PDX|45.5152|-122.6784
portland_me|Portland, Maine|Maine|US|city|PWM|43.6591|-70.2568
paris_fr|Paris, France|Ile-de-France|FR|city|CDG ORY|48.8566|2.3522
paris_tx|Paris, Texas|Texas|US|city|DFW|33.6609|-95.5555
springfield_il|Springfield, Illinois|Illinois|US|city|SPI|39.7817|-89.6501
springfield_mo|Springfield, Missouri|Missouri|US|city|SGF|37.2090|-93.2923
springfield_ma|Springfield, Massachusetts|Massachusetts|US|city|BDL|42.1015|-72.5898
birmingham_uk|Birmingham, England|England|GB|city|BHX|52.4862|-1.8904
birmingham_al|Birmingham, Alabama|Alabama|US|city|BHM|33.5186|-86.8104
vancouver_bc|Vancouver, British Columbia|British Columbia|CA|city|YVR|49.2827|-123.1207
vancouver_wa|Vancouver, Washington|Washington|US|city|PDX|45.6387|-122.6615
cambridge_ma|Cambridge, Massachusetts|Massachusetts|US|city|BOS|42.3736|-71.1097
cambridge_uk|Cambridge, England|England|GB|city|STN|52.2053|0.1218
london_uk|London, England|England|GB|city|LHR LGW STN|51.5074|-0.1278
london_on|London, Ontario|Ontario|CA|city|YXU|42.9849|-81.2453
sydney_au|Sydney, Australia|New South Wales|AU|city|SYD|-33.8688|151.2093
sydney_ns|Sydney, Nova Scotia|Nova Scotia|CA|city|YQY|46.1368|-60.1942
columbus_oh|Columbus, Ohio|Ohio|US|city|CMH|39.9612|-82.9988
columbus_ga|Columbus, Georgia|Georgia|US|city|CSG|32.4610|-84.9877
rochester_ny|Rochester, New York|New York|US|city|ROC|43.1566|-77.6088
rochester_mn|Rochester, Minnesota|Minnesota|US|city|RST|44.0121|-92.4802
georgia_us|Georgia (U.S. state)|Georgia|US|state|ATL|33.7490|-84.3880
georgia_country|Georgia (country)|Georgia|GE|country|TBS|41.7151|44.8271
santiago_cl|Santiago, Chile|Santiago Metropolitan Region|CL|city|SCL|-33.4489|-70.6693
santiago_de_compostela|Santiago de Compostela, Spain|Galicia|ES|city|SCQ|42.8782|-8.5448
"""

# code|name|place it is in (or, off-place, the one place it serves)|lat|lon|tier
# tier: intl = long-haul hub, dom = large domestic / short-haul airport, reg = regional.
AIRPORTS = """
BOS|Boston Logan International Airport|boston|42.3656|-71.0096|intl
ORD|Chicago O'Hare International Airport|chicago|41.9742|-87.9073|intl
MDW|Chicago Midway International Airport|chicago|41.7868|-87.7522|dom
ATL|Hartsfield-Jackson Atlanta International Airport|atlanta|33.6407|-84.4277|intl
DEN|Denver International Airport|denver|39.8561|-104.6737|intl
JFK|John F. Kennedy International Airport|new_york|40.6413|-73.7781|intl
LGA|LaGuardia Airport|new_york|40.7769|-73.8740|dom
EWR|Newark Liberty International Airport|new_york|40.6895|-74.1745|intl
DFW|Dallas/Fort Worth International Airport|dallas|32.8998|-97.0403|intl
DAL|Dallas Love Field|dallas|32.8471|-96.8518|dom
MIA|Miami International Airport|miami|25.7959|-80.2870|intl
LAX|Los Angeles International Airport|los_angeles|33.9416|-118.4085|intl
YYZ|Toronto Pearson International Airport|toronto|43.6777|-79.6248|intl
YTZ|Billy Bishop Toronto City Airport|toronto|43.6275|-79.3962|dom
MAD|Adolfo Suarez Madrid-Barajas Airport|madrid|40.4983|-3.5676|intl
AMS|Amsterdam Airport Schiphol|amsterdam|52.3105|4.7683|intl
SFO|San Francisco International Airport|san_francisco|37.6213|-122.3790|intl
FCO|Rome Fiumicino Airport (Leonardo da Vinci)|rome|41.8003|12.2389|intl
CIA|Rome Ciampino Airport|rome|41.7994|12.5949|dom
HND|Tokyo Haneda Airport|tokyo|35.5494|139.7798|intl
NRT|Narita International Airport|tokyo|35.7720|140.3929|intl
LIS|Lisbon Humberto Delgado Airport|lisbon|38.7742|-9.1342|intl
AUS|Austin-Bergstrom International Airport|austin|30.1975|-97.6664|dom
BNA|Nashville International Airport|nashville|36.1263|-86.6774|dom
SAN|San Diego International Airport|san_diego|32.7338|-117.1933|dom
YUL|Montreal-Trudeau International Airport|montreal|45.4706|-73.7408|intl
DCA|Ronald Reagan Washington National Airport|washington_dc|38.8512|-77.0402|dom
IAD|Washington Dulles International Airport|washington_dc|38.9531|-77.4565|intl
SEA|Seattle-Tacoma International Airport|washington_state|47.4502|-122.3088|intl
GEG|Spokane International Airport|washington_state|47.6199|-117.5338|dom
PDX|Portland International Airport|portland_or|45.5898|-122.5951|dom
PWM|Portland International Jetport|portland_me|43.6462|-70.3093|dom
CDG|Paris Charles de Gaulle Airport|paris_fr|49.0097|2.5479|intl
ORY|Paris Orly Airport|paris_fr|48.7262|2.3652|dom
SPI|Abraham Lincoln Capital Airport|springfield_il|39.8441|-89.6779|reg
SGF|Springfield-Branson National Airport|springfield_mo|37.2457|-93.3886|reg
BDL|Bradley International Airport|springfield_ma|41.9389|-72.6832|dom
BHX|Birmingham Airport|birmingham_uk|52.4539|-1.7480|dom
BHM|Birmingham-Shuttlesworth International Airport|birmingham_al|33.5629|-86.7535|dom
YVR|Vancouver International Airport|vancouver_bc|49.1967|-123.1815|intl
STN|London Stansted Airport|london_uk|51.8860|0.2389|dom
LHR|London Heathrow Airport|london_uk|51.4700|-0.4543|intl
LGW|London Gatwick Airport|london_uk|51.1537|-0.1821|intl
YXU|London International Airport|london_on|43.0356|-81.1539|reg
SYD|Sydney Kingsford Smith Airport|sydney_au|-33.9399|151.1753|intl
YQY|J.A. Douglas McCurdy Sydney Airport|sydney_ns|46.1614|-60.0478|reg
CMH|John Glenn Columbus International Airport|columbus_oh|39.9980|-82.8919|dom
CSG|Columbus Airport|columbus_ga|32.5163|-84.9389|reg
ROC|Frederick Douglass Greater Rochester International Airport|rochester_ny|43.1189|-77.6724|dom
RST|Rochester International Airport|rochester_mn|43.9083|-92.5000|reg
TBS|Tbilisi International Airport|georgia_country|41.6692|44.9547|dom
SCL|Arturo Merino Benitez International Airport|santiago_cl|-33.3930|-70.7858|intl
SCQ|Santiago-Rosalia de Castro Airport|santiago_de_compostela|42.8963|-8.4151|dom
"""

ORIGINS = ("boston chicago atlanta denver new_york dallas miami los_angeles toronto madrid "
           "amsterdam san_francisco")
UNAMBIGUOUS = "denver miami chicago rome tokyo lisbon austin nashville san_diego montreal"
SHORT = {"new_york": "New York"}  # alias as a user writes it, where not the name before ","

# alias|place_id prior ... (likeliest first)|rationale. All priors are assumed (README.md).
AMBIGUOUS_TABLE = """
Washington|washington_dc 0.75 washington_state 0.25|D.C. dominates US air-travel searches
Portland|portland_or 0.70 portland_me 0.30|Oregon's metro and airport are several times Maine's
Paris|paris_fr 0.90 paris_tx 0.10|the French capital is the usual meaning
Springfield|springfield_il 0.45 springfield_mo 0.35 springfield_ma 0.20|by size and air service
Birmingham|birmingham_uk 0.60 birmingham_al 0.40|England's second city vs Alabama's largest
Vancouver|vancouver_bc 0.85 vancouver_wa 0.15|the Canadian city is the usual meaning
Cambridge|cambridge_ma 0.55 cambridge_uk 0.45|US searchers lean to Massachusetts
London|london_uk 0.95 london_on 0.05|London, England is the usual meaning
Sydney|sydney_au 0.95 sydney_ns 0.05|Sydney, Australia is the usual meaning
Columbus|columbus_oh 0.70 columbus_ga 0.30|Ohio's capital is far larger than Georgia's Columbus
Rochester|rochester_ny 0.60 rochester_mn 0.40|NY is larger; the Mayo Clinic draws trips to MN
Georgia|georgia_us 0.70 georgia_country 0.30|US travellers mostly mean the state
Santiago|santiago_cl 0.85 santiago_de_compostela 0.15|Chile's capital vs the Camino's end
"""

# place_id|cheapest hotel, USD a night (assumed)|neighborhoods|why a user goes there
DESTINATIONS = """
denver|110|LoDo;Union Station;Capitol Hill;RiNo;Cherry Creek|skiing in the Rockies
miami|140|South Beach;Brickell;Downtown;Wynwood;Coconut Grove|at a beach wedding
chicago|120|The Loop;River North;Magnificent Mile;Wicker Park;South Loop|at a trade show
rome|110|Centro Storico;Trastevere;Monti;Prati;Termini|seeing the Colosseum
tokyo|120|Shinjuku;Shibuya;Ginza;Asakusa;Roppongi|on a food tour
lisbon|90|Baixa;Chiado;Alfama;Principe Real;Avenida da Liberdade|on a city break
austin|120|Downtown;South Congress;East Austin;Rainey Street;The Domain|at a music festival
nashville|130|Downtown;The Gulch;Midtown;East Nashville;Music Row|at a country music show
san_diego|130|Gaslamp Quarter;Little Italy;La Jolla;Mission Valley;Old Town|visiting the zoo
montreal|100|Old Montreal;Plateau Mont-Royal;Downtown;Mile End;Quartier Latin|at a jazz festival
washington_dc|150|Downtown;Dupont Circle;Georgetown;Capitol Hill;Foggy Bottom|at the Smithsonian
washington_state|110|Port Angeles;Downtown Seattle;Belltown;Forks;Downtown Spokane|driving from Spokane to the Palouse wheat fields
portland_or|110|Pearl District;Downtown;Alberta Arts District;Hawthorne;Lloyd District|at a conference
portland_me|120|Old Port;West End;Munjoy Hill;East Bayside;Back Cove|touring Maine's lighthouses
paris_fr|160|Le Marais;Saint-Germain-des-Pres;Montmartre;Latin Quarter;Champs-Elysees|on an anniversary trip
paris_tx|60|Downtown;Lamar Avenue;Clarksville Street;Loop 286;Pine Bluff Street|visiting family in Texas
springfield_il|70|Downtown;Enos Park;Lincoln Home;Leland Grove;Wabash Avenue|at the Lincoln Library
springfield_mo|70|Downtown;Commercial Street;Rountree;Galloway;Battlefield Road|at an Ozarks wedding
springfield_ma|80|Downtown;Metro Center;Forest Park;Riverfront;McKnight|at the Basketball Hall of Fame
birmingham_uk|75|City Centre;Jewellery Quarter;Digbeth;Edgbaston;Brindleyplace|at a trade fair at the NEC
birmingham_al|75|Downtown;Five Points South;Southside;Lakeview;Avondale|at the Civil Rights Institute
vancouver_bc|130|Downtown;Gastown;Yaletown;Kitsilano;West End|hiking in Stanley Park
vancouver_wa|85|Downtown;Esther Short;Uptown Village;Waterfront;Fourth Plain|visiting relatives
cambridge_ma|160|Harvard Square;Kendall Square;Central Square;Porter Square;Inman Square|visiting MIT
cambridge_uk|110|City Centre;Mill Road;Trumpington;Chesterton;Station Road|at a college reunion
london_uk|170|Covent Garden;Kensington;Shoreditch;South Bank;Paddington|seeing West End shows
london_on|80|Downtown;Old East Village;Wortley Village;Masonville;Byron|at a Western University graduation
sydney_au|130|The Rocks;Darling Harbour;Surry Hills;Bondi;Circular Quay|seeing the Opera House
sydney_ns|70|Downtown;North End;Whitney Pier;Ashby;Sydney River|starting a Cape Breton road trip
columbus_oh|85|Short North;German Village;Downtown;Arena District;Clintonville|at an Ohio State game
columbus_ga|65|Uptown;Historic District;Riverwalk;Midtown;Bibb City|rafting the Chattahoochee
rochester_ny|80|Downtown;East End;Park Avenue;South Wedge;Corn Hill|at the George Eastman Museum
rochester_mn|85|Downtown;Saint Marys;Kutzky Park;Slatterly Park;Northwest|at the Mayo Clinic
georgia_us|95|Midtown Atlanta;Buckhead;Downtown Atlanta;Savannah Historic District;Athens|touring Savannah
georgia_country|45|Old Tbilisi;Rustaveli Avenue;Vake;Sololaki;Batumi|touring Caucasus wineries
santiago_cl|70|Providencia;Las Condes;Lastarria;Bellavista;Centro|heading to the Andes
santiago_de_compostela|70|Zona Vella;Ensanche;San Pedro;Conxo;Santiago Centro|finishing the Camino
"""  # noqa: E501
# fmt: on


def table(text: str) -> list[list[str]]:
    """Rows of a '|'-separated table written in this file."""
    return [line.split("|") for line in text.strip().splitlines()]


def ambiguous() -> dict[str, tuple[list[str], list[float], str]]:
    """Ambiguous alias -> (place ids, likeliest first; their priors; rationale)."""
    out = {}
    for alias, meanings, why in table(AMBIGUOUS_TABLE):
        words = meanings.split()
        out[alias] = (words[::2], [float(x) for x in words[1::2]], f"assumed: {why}; illustrative")
    return out
