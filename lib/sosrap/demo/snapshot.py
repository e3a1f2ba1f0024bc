"""Deterministic generator of the shipped demo snapshot.

The demo snapshot has exactly the raw shapes of Sotkanet's API responses
(regions, indicator metadata, /json data rows), so the demo goes through the
same parser as fetched data. Every *value* in it is synthetic: plausible
magnitudes, trends and noise, generated from a fixed seed. It covers every
area in the reference table (`data/reference/`: the wellbeing services
counties, Helsinki and Åland) with all their municipalities, so an edition can
be built for any area. Codes and names are real; Sotkanet region ids are real
for the counties and North Ostrobothnia's municipalities and made up (2000 +
row of the reference table) for the other municipalities, as in the tests'
replay server. Municipal populations outside North Ostrobothnia are drawn to
add up to an approximate county total. The snapshot manifest says
`"synthetic": true`, and every report built from it shows a notice.

Regenerate with `sosrap demo-data OUT_DIR`; a test checks that the committed
snapshot is byte-identical to a fresh run.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sosrap.sources.snapshot import PendingFile, Snapshot, write_snapshot
from sosrap.sources import classifications, sotkanet

SEED = 20261128
YEARS = list(range(2015, 2025))
RETRIEVED = "2025-06-02T08:00:00Z"
LICENCE = "synthetic example data (CC BY 4.0 applies to real Sotkanet data)"
SNAPSHOT_ID = "demo-synthetic-2025"

POHDE_ID, COUNTRY_ID, MAAKUNTA_PP_ID = 973, 658, 503

# (municipality code, Sotkanet region id, name fi, name sv, approx. population 2022 rounded to 100)
POHDE_MUNICIPALITIES = [
    ("009", 4, "Alavieska", "Alavieska", 2400), ("069", 28, "Haapajärvi", "Haapajärvi", 6700),
    ("071", 29, "Haapavesi", "Haapavesi", 6600), ("072", 30, "Hailuoto", "Karlö", 1000),
    ("139", 59, "Ii", "Ii", 9900), ("208", 95, "Kalajoki", "Kalajoki", 12300),
    ("244", 121, "Kempele", "Kempele", 19300), ("305", 167, "Kuusamo", "Kuusamo", 15100),
    ("317", 174, "Kärsämäki", "Kärsämäki", 2500), ("425", 200, "Liminka", "Limingo", 10300),
    ("436", 209, "Lumijoki", "Lumijoki", 2000), ("483", 223, "Merijärvi", "Merijärvi", 1100),
    ("494", 231, "Muhos", "Muhos", 8900), ("535", 247, "Nivala", "Nivala", 10400),
    ("563", 260, "Oulainen", "Oulainen", 7000), ("564", 261, "Oulu", "Uleåborg", 211800),
    ("615", 296, "Pudasjärvi", "Pudasjärvi", 7600), ("625", 304, "Pyhäjoki", "Pyhäjoki", 3000),
    ("626", 305, "Pyhäjärvi", "Pyhäjärvi", 4800), ("630", 306, "Pyhäntä", "Pyhäntä", 1600),
    ("678", 312, "Raahe", "Brahestad", 24100), ("691", 321, "Reisjärvi", "Reisjärvi", 2600),
    ("746", 348, "Sievi", "Sievi", 4700), ("748", 350, "Siikajoki", "Siikajoki", 4900),
    ("785", 405, "Vaala", "Vaala", 2600), ("791", 798, "Siikalatva", "Siikalatva", 5000),
    ("832", 374, "Taivalkoski", "Taivalkoski", 3800), ("859", 394, "Tyrnävä", "Tyrnävä", 6600),
    ("889", 399, "Utajärvi", "Utajärvi", 2500), ("977", 445, "Ylivieska", "Ylivieska", 15300),
]

# (county code, Sotkanet region id, name fi, name sv, approx. population in thousands)
COUNTIES = [
    ("1", 961, "Itä-Uudenmaan hyvinvointialue", "Östra Nylands välfärdsområde", 99),
    ("2", 966, "Keski-Uudenmaan hyvinvointialue", "Mellersta Nylands välfärdsområde", 200),
    ("3", 969, "Länsi-Uudenmaan hyvinvointialue", "Västra Nylands välfärdsområde", 480),
    ("4", 977, "Vantaan ja Keravan hyvinvointialue", "Vanda och Kervo välfärdsområde", 280),
    ("5", 978, "Varsinais-Suomen hyvinvointialue", "Egentliga Finlands välfärdsområde", 484),
    ("6", 976, "Satakunnan hyvinvointialue", "Satakunta välfärdsområde", 214),
    ("7", 963, "Kanta-Hämeen hyvinvointialue", "Egentliga Tavastlands välfärdsområde", 170),
    ("8", 970, "Pirkanmaan hyvinvointialue", "Birkalands välfärdsområde", 530),
    ("9", 975, "Päijät-Hämeen hyvinvointialue", "Päijänne-Tavastlands välfärdsområde", 205),
    ("10", 967, "Kymenlaakson hyvinvointialue", "Kymmenedalens välfärdsområde", 160),
    ("11", 957, "Etelä-Karjalan hyvinvointialue", "Södra Karelens välfärdsområde", 126),
    ("12", 959, "Etelä-Savon hyvinvointialue", "Södra Savolax välfärdsområde", 130),
    ("13", 974, "Pohjois-Savon hyvinvointialue", "Norra Savolax välfärdsområde", 248),
    ("14", 972, "Pohjois-Karjalan hyvinvointialue", "Norra Karelens välfärdsområde", 163),
    ("15", 965, "Keski-Suomen hyvinvointialue", "Mellersta Finlands välfärdsområde", 275),
    ("16", 958, "Etelä-Pohjanmaan hyvinvointialue", "Södra Österbottens välfärdsområde", 192),
    ("17", 971, "Pohjanmaan hyvinvointialue", "Österbottens välfärdsområde", 176),
    ("18", 964, "Keski-Pohjanmaan hyvinvointialue", "Mellersta Österbottens välfärdsområde", 68),
    ("19", POHDE_ID, "Pohjois-Pohjanmaan hyvinvointialue", "Norra Österbottens välfärdsområde", 415),
    ("20", 962, "Kainuun hyvinvointialue", "Kajanalands välfärdsområde", 71),
    ("21", 968, "Lapin hyvinvointialue", "Lapplands välfärdsområde", 176),
    ("90", 960, "Helsingin kaupunki", "Helsingfors stad", 658),
    ("91", 956, "Ahvenanmaa", "Åland", 30),
]

# (Sotkanet organisation id, name fi, en, sv)
THL = (10, "Terveyden ja hyvinvoinnin laitos (THL)", "Finnish Institute for Health and Welfare (THL)",
       "Institutet för hälsa och välfärd (THL)")
TK = (3, "Tilastokeskus", "Statistics Finland", "Statistikcentralen")
TEM = (5, "Työ- ja elinkeinoministeriö (TEM)", "Ministry of Economic Affairs and Employment (TEM)",
       "Arbets- och näringsministeriet (ANM)")
ARA = (22, "Asumisen rahoitus- ja kehittämiskeskus (ARA)", "Housing Finance and Development Centre of Finland (ARA)",
       "Finansierings- och utvecklingscentralen för boendet (ARA)")
ETK = (14, "Eläketurvakeskus (ETK)", "Finnish Centre for Pensions (ETK)", "Pensionsskyddscentralen (PSC)")

VALUE_TYPES = {
    "PROS": ("Prosenttia", "Percent", "Procent"),
    "PER1000": ("Tuhatta asukasta kohden", "Per 1 000 inhabitants", "Per 1 000 invånare"),
    "LKM": ("Lukumäärä", "Number", "Antal"),
}


@dataclass(frozen=True)
class DemoIndicator:
    id: int
    title_fi: str
    title_en: str
    org: tuple
    value_type: str          # PROS | PER1000 | LKM
    base: float              # national level in the first year, in the indicator's unit
    trend: float             # average relative change per year (0.02 = +2 %/year)
    denom_share: float       # denominator as a share of total population
    counts: bool = True      # False: only a rate is published (no absValue)
    gap_year: int | None = None  # a year missing for every region (a gap, not a zero)
    title_sv: str = ""           # Sotkanet's Swedish title


INDICATORS = [
    DemoIndicator(493, "Toimeentulotukea saaneet henkilöt vuoden aikana, % asukkaista",
                  "Social assistance, recipient persons during year, as % of total population",
                  THL, "PROS", 6.6, -0.012, 1.0,
                  title_sv="Personer som fått utkomststöd under året, % av befolkningen"),
    DemoIndicator(234, "Toimeentulotukea pitkäaikaisesti saaneet 25 - 64-vuotiaat, % vastaavanikäisestä väestöstä",
                  "Long-term social assistance recipients aged 25-64, as % of total population of same age",
                  THL, "PROS", 1.9, 0.025, 0.48,
                  title_sv="Långvariga mottagare av utkomststöd 25–64 år, % av befolkningen i samma ålder"),
    DemoIndicator(1086, "0 - 17-vuotiaat lapset, joista on tehty lastensuojeluilmoitus, % vastaavanikäisestä väestöstä (THL)",
                  "Children aged 0-17 subject to a child welfare notification, as % of total population of same age (THL)",
                  THL, "PROS", 6.8, 0.035, 0.20,
                  title_sv="0–17-åringar som varit föremål för en barnskyddsanmälan, % av befolkningen i samma ålder (THL)"),
    DemoIndicator(191, "Kodin ulkopuolelle sijoitetut 0 - 17-vuotiaat, % vastaavanikäisestä väestöstä (THL)",
                  "Placements outside the home for those aged 0-17, as % of total population of same age (THL)",
                  THL, "PROS", 1.35, 0.006, 0.20,
                  title_sv="0–17-åringar placerade utom hemmet, % av befolkningen i samma ålder (THL)"),
    DemoIndicator(181, "Työttömät, % työvoimasta", "Unemployed people, as % of labour force",
                  TEM, "PROS", 11.5, -0.035, 0.48, title_sv="Arbetslösa, % av arbetskraften"),
    DemoIndicator(3562, "Pitkäaikaistyöttömät, % työvoimasta", "The long-term unemployed, as % of labour force",
                  TEM, "PROS", 3.4, -0.04, 0.48, title_sv="Långtidsarbetslösa, % av arbetskraften"),
    DemoIndicator(3219, "Koulutuksen ulkopuolelle jääneet 17 - 24-vuotiaat, % vastaavanikäisestä väestöstä",
                  "Those aged 17 - 24 not in education or training, as % of total population of same age",
                  TK, "PROS", 8.6, -0.01, 0.085,
                  title_sv="17–24-åringar utanför utbildning, % av befolkningen i samma ålder"),
    DemoIndicator(3099, "Kunnan yleinen pienituloisuusaste", "General at-risk-of-poverty rate for the municipality",
                  TK, "PROS", 13.2, 0.004, 1.0, counts=False, title_sv="Kommunens allmänna låginkomstgrad"),
    DemoIndicator(2618, "Asunnottomat yksinäiset / 1 000 asukasta", "Lone homeless persons per 1000 inhabitants",
                  ARA, "PER1000", 1.2, -0.06, 1.0, title_sv="Ensamstående bostadslösa / 1 000 invånare"),
    DemoIndicator(3216, "Säännöllisen kotihoidon piirissä 30.11. olleet 75 vuotta täyttäneet asiakkaat, % vastaavanikäisestä väestöstä",
                  "Regular home care, clients aged 75 and over on 30 Nov, as % of population of same age",
                  THL, "PROS", 11.4, -0.008, 0.10, gap_year=2016,
                  title_sv="Klienter 75 år och äldre inom regelbunden hemvård 30.11, % av befolkningen i samma ålder"),
    DemoIndicator(2424, "Työkyvyttömyyseläkettä saavat, % 16 - 64-vuotiaista",
                  "Disability pension recipients, as % of aged 16-64", ETK, "PROS", 5.6, -0.025, 0.60,
                  title_sv="Personer som får sjukpension, % av 16–64-åringarna"),
    DemoIndicator(1271, "Päihdehuollon avopalveluissa asiakkaita / 1 000 asukasta",
                  "Clients in specialized clinics for substance abusers, clients per 1000 inhabitants",
                  TK, "PER1000", 7.2, -0.02, 1.0,
                  title_sv="Klienter inom missbrukarvårdens öppenvård / 1 000 invånare"),
    DemoIndicator(127, "Väestö 31.12.", "Population at year end", TK, "LKM", 0, 0, 1.0, title_sv="Befolkning 31.12."),
]

SUPPRESS_BELOW = 5  # Sotkanet withholds municipal figures of fewer than five cases


def _dumps(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Municipality:
    code: str
    region_id: int
    name_fi: str
    name_sv: str
    county_id: int


def municipalities() -> list[Municipality]:
    """Every municipality of the reference table, in its order, with a Sotkanet-shaped region id."""
    county_id = {code: rid for code, rid, *_ in COUNTIES}
    known = {code: rid for code, rid, *_ in POHDE_MUNICIPALITIES}
    ref = classifications.municipalities()
    return [Municipality(m.municipality_code, known.get(m.municipality_code, 2000 + i), m.name_fi, m.name_sv,
                         county_id[m.county_code]) for i, m in enumerate(ref.itertuples())]


def _regions(munis: list[Municipality]) -> list[dict]:
    out = [{"id": COUNTRY_ID, "code": "358", "category": "MAA",
            "title": {"fi": "Koko maa", "en": "Whole country", "sv": "Hela landet"}, "memberOf": []},
           {"id": MAAKUNTA_PP_ID, "code": "17", "category": "MAAKUNTA",
            "title": {"fi": "Pohjois-Pohjanmaa", "en": "North Ostrobothnia", "sv": "Norra Österbotten"},
            "memberOf": [COUNTRY_ID]}]
    for code, rid, fi, sv, _ in COUNTIES:
        out.append({"id": rid, "code": code, "category": "HYVINVOINTIALUE",
                    "title": {"fi": fi, "en": fi, "sv": sv}, "memberOf": [COUNTRY_ID]})
    for m in munis:
        member = [COUNTRY_ID] + ([MAAKUNTA_PP_ID] if m.county_id == POHDE_ID else []) + [m.county_id]
        out.append({"id": m.region_id, "code": m.code, "category": "KUNTA",
                    "title": {"fi": m.name_fi, "en": m.name_fi, "sv": m.name_sv}, "memberOf": member,
                    "uri": f"http://www.yso.fi/onto/kunnat/k{m.code}"})
    return sorted(out, key=lambda r: r["id"])


def _metadata(ind: DemoIndicator) -> dict:
    org = {"id": ind.org[0], "title": {"fi": ind.org[1], "en": ind.org[2], "sv": ind.org[3]}}
    vt_fi, vt_en, vt_sv = VALUE_TYPES[ind.value_type]
    note = "Synteettinen esimerkkiaineisto: arvot eivät ole tilastotietoa."
    return {
        "id": ind.id,
        "data-updated": "2025-05-15",
        "range": {"start": YEARS[0], "end": YEARS[-1]},
        "title": {"fi": ind.title_fi, "en": ind.title_en, "sv": ind.title_sv or ind.title_fi},
        "description": {"fi": note, "en": "Synthetic example data: values are not statistics.",
                        "sv": "Syntetiskt exempelmaterial: värdena är inte statistik."},
        "interpretation": {"fi": "", "en": "", "sv": ""},
        "limits": {"fi": "", "en": "", "sv": ""},
        "legislation": {"fi": "", "en": "", "sv": ""},
        "notices": {"fi": "", "en": "", "sv": ""},
        "primaryValueType": {"code": ind.value_type, "title": {"fi": vt_fi, "en": vt_en, "sv": vt_sv}},
        "decimals": 0 if ind.value_type == "LKM" else 1,
        "classifications": {
            "region": {"title": {"fi": "Kunta, hyvinvointialue, koko maa", "en": "Municipality, wellbeing "
                                 "services county, whole country", "sv": "Kommun, välfärdsområde, hela landet"},
                       "values": ["Kunta", "Hyvinvointialue", "Maa"]},
            "sex": {"title": {"fi": "Miehet, naiset, yhteensä", "en": "Male, female, combined",
                              "sv": "Män, kvinnor, totalt"}, "values": ["male", "female", "total"]},
        },
        "organization": org,
        "subjects": [],
        "sources": [{"organization": org, "title": {"fi": ind.org[1], "en": ind.org[2], "sv": ind.org[3]}}],
        "groups": [],
    }


def _populations(rng: np.random.Generator, munis: list[Municipality]) -> dict[int, np.ndarray]:
    """Population per region id and year. Municipalities: North Ostrobothnia's approximate real
    sizes, elsewhere lognormal draws scaled to the county's approximate total; counties and
    the country are sums, so every level adds up."""
    pops: dict[int, np.ndarray] = {}
    t = np.arange(len(YEARS)) - (2022 - YEARS[0])
    known = {rid: base for _, rid, _, _, base in POHDE_MUNICIPALITIES}
    for _, cid, _, _, thousands in COUNTIES:
        mine = [m for m in munis if m.county_id == cid]
        sizes = np.exp(rng.normal(0, 1.3, len(mine)))
        sizes = np.maximum(np.round(sizes / sizes.sum() * thousands * 1000, -2), 700)
        for m, size in zip(mine, sizes):
            base = known.get(m.region_id, float(size))
            growth = rng.uniform(-0.014, 0.009)
            pops[m.region_id] = np.round(base * np.exp(growth * t + rng.normal(0, 0.002, len(YEARS)))
                                         ).astype(np.int64)
        pops[cid] = sum(pops[m.region_id] for m in mine)
    pops[COUNTRY_ID] = sum(pops[rid] for _, rid, *_ in COUNTIES)
    return pops


def _row(ind: DemoIndicator, region: int, year: int, value: float | None, count: int | None) -> dict:
    row: dict = {"indicator": ind.id, "region": region, "year": year, "gender": "total"}
    if value is not None:
        row["value"] = value
    if count is not None:
        row["absValue"] = count
    return row


def _population_rows(ind: DemoIndicator, pops: dict[int, np.ndarray]) -> list[dict]:
    return [_row(ind, rid, year, int(pops[rid][i]), int(pops[rid][i]))
            for rid in sorted(pops) for i, year in enumerate(YEARS)]


def _counts(ind: DemoIndicator, pops: dict[int, np.ndarray], rng: np.random.Generator, scale: float,
            munis: list[Municipality]) -> dict[int, np.ndarray]:
    """Case counts per region id and year: each county has its own level, its municipalities
    vary around it; counties and the country are sums."""
    t = np.arange(len(YEARS))
    wobble = rng.normal(0, 0.015, len(YEARS)).cumsum() * 0.5      # shared year-to-year movement
    national = ind.base * np.exp(ind.trend * t + wobble)
    counts: dict[int, np.ndarray] = {}
    for _, cid, *_ in COUNTIES:
        county_eff = float(np.exp(rng.normal(0, 0.12)))
        county_slope = rng.normal(0, 0.008)
        mine = [m for m in munis if m.county_id == cid]
        for m in mine:
            eff = county_eff * float(np.exp(rng.normal(0, 0.18)))
            rate = national * eff * np.exp((county_slope + rng.normal(0, 0.01)) * t)
            counts[m.region_id] = rng.poisson(pops[m.region_id] * ind.denom_share * rate / scale)
        counts[cid] = sum(counts[m.region_id] for m in mine)
    counts[COUNTRY_ID] = sum(counts[rid] for _, rid, *_ in COUNTIES)
    return counts


def _rows(ind: DemoIndicator, pops: dict[int, np.ndarray], rng: np.random.Generator,
          munis: list[Municipality]) -> list[dict]:
    """Data rows for all regions in the /json shape; counts aggregate upwards.
    Municipal cells may be missing (no row) or suppressed (a row without value)."""
    if ind.value_type == "LKM":  # the population itself
        return _population_rows(ind, pops)
    scale = 100.0 if ind.value_type == "PROS" else 1000.0
    counts = _counts(ind, pops, rng, scale, munis)
    municipal = {m.region_id for m in munis}
    rows: list[dict] = []
    for rid in sorted(counts):
        denom = pops[rid] * ind.denom_share
        for i, year in enumerate(YEARS):
            if ind.gap_year == year:
                continue                      # not published that year: a gap, never a zero
            c = int(counts[rid][i])
            if rid in municipal and rng.random() < 0.012:
                continue                      # an occasional missing cell
            if rid in municipal and c < SUPPRESS_BELOW:
                if rng.random() < 0.5:        # suppressed at source: a row with no value, or no row
                    rows.append(_row(ind, rid, year, None, None))
                continue
            rows.append(_row(ind, rid, year, round(c / denom[i] * scale, 1), c if ind.counts else None))
    return rows


def build_files() -> list[PendingFile]:
    rng = np.random.default_rng(SEED)
    munis = municipalities()
    pops = _populations(rng, munis)
    base = sotkanet.DEFAULT_BASE_URL
    files = [PendingFile("sotkanet/regions.json", _dumps(_regions(munis)), "sotkanet", "regions", None,
                         base + "regions", RETRIEVED, LICENCE)]
    for ind in INDICATORS:
        files.append(PendingFile(f"sotkanet/indicators/{ind.id}.json", _dumps(_metadata(ind)), "sotkanet",
                                 "indicator", str(ind.id), f"{base}indicators/{ind.id}", RETRIEVED, LICENCE))
        files.append(PendingFile(f"sotkanet/data/{ind.id}.json", _dumps(_rows(ind, pops, rng, munis)), "sotkanet",
                                 "data", str(ind.id), sotkanet.data_url(base, ind.id, YEARS), RETRIEVED, LICENCE,
                                 extra={"years": YEARS, "genders": ["total"]}))
    return files


def generate(dest: Path) -> Snapshot:
    """Write the demo snapshot to *dest* (which must not exist)."""
    meta = {
        "id": SNAPSHOT_ID,
        "created": RETRIEVED,
        "synthetic": True,
        "description": ("Synteettinen esimerkkiaineisto (sosrap.demo, siemen %d): Sotkanetin vastausten muotoinen, "
                        "mutta arvot on tuotettu satunnaisesti. Ei tilastotietoa." % SEED),
        "generator": f"sosrap.demo seed={SEED}",
        "sources": {"sotkanet": {"base_url": sotkanet.DEFAULT_BASE_URL}},
    }
    return write_snapshot(Path(dest), meta, build_files())
