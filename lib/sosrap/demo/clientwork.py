"""Deterministic SYNTHETIC client-work inputs for the demo edition.

Phenomenon reports (a CSV export as a Finnish Excel writes it: UTF-8 with BOM,
`;`, d.m.yyyy) and a resident/client survey (an XLSX export) with the shapes
real form tools produce. Every text is made up from fragments. On purpose the
data contains what the privacy gate must stop:

* identity codes with every century sign (temporary/test range 9xx, checksum
  valid), one of them wrapped over a line break, one inside a word;
* phone numbers and e-mail addresses (example.com), names from the screening list;
* several of those in rows approved for quoting, so only screening keeps them out;
* small cells: one service area and one category with only a handful of
  reports, a respondent group of three;
* a few invalid rows (impossible date, unknown category, duplicate id), so
  the rejects path is exercised in every demo build.

`PLANTED` lists the planted identifiers; tests check they are in the input
and absent from the built report. Same seed, same bytes.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sosrap.demo.clientwork_texts import texts
from sosrap.report import fmt
from sosrap.params import ClientWork
from sosrap.paths import atomic_write

SEED = 4_2026
N_PHENOMENA = 320
N_SURVEY = 420
_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def _hetu(ddmmyy: str, sign: str, ind: int) -> str:
    return f"{ddmmyy}{sign}{ind:03d}{_CHECK[int(ddmmyy + f'{ind:03d}') % 31]}"


# Identity codes in the temporary/test range (900–999), one per century sign.
PLANTED_CODES = [
    _hetu("150385", "-", 912), _hetu("030772", "Y", 934), _hetu("211168", "X", 947),
    _hetu("090590", "W", 958), _hetu("121201", "V", 963), _hetu("280255", "U", 971),
    _hetu("010110", "A", 982), _hetu("050523", "B", 915), _hetu("171124", "C", 926),
    _hetu("220223", "D", 937), _hetu("300624", "E", 948), _hetu("081023", "F", 959),
    _hetu("240899", "+", 969),
]
PLANTED_PHONES = ["040 123 4567", "+358 50 765 4321", "044-9876543", "(08) 558 4410"]
PLANTED_EMAILS = ["matti.meikalainen@example.com", "asiakas.palaute@example.com", "m.mehilainen@example.com"]
PLANTED_NAMES = ["Meikäläinen", "Mehiläinen", "Teppo Testaaja"]


@dataclass(frozen=True)
class DemoInputs:
    phenomena: Path
    survey: Path


def _weights(head: list[float], n: int, rest: float = 0.05) -> np.ndarray:
    """The first *n* of *head* (then *rest* each), normalised to sum to one."""
    w = np.array(head[:n] + [rest] * max(0, n - len(head)))
    return w / w.sum()


def _municipality_weight(m: str) -> float:
    if m == "Oulu":
        return 8.0
    return 2.0 if m in ("Raahe", "Kuusamo", "Ylivieska", "Kempele") else 0.5


@dataclass(frozen=True)
class _PhenomenonLists:
    """Code lists of the edition and the weights the synthetic reports are drawn with."""
    cats: list[str]
    cat_label: dict[str, str]
    areas: list[str]
    area_label: dict[str, str]
    area_w: np.ndarray
    cat_w: np.ndarray
    muni: list[str]
    muni_w: np.ndarray
    ages: list[str]
    hh: list[str]
    texts: dict

    @classmethod
    def of(cls, cw: ClientWork, language: str = "fi") -> _PhenomenonLists:
        areas = [a.code for a in cw.service_areas]
        cats = [c.code for c in cw.categories]
        muni = cw.municipalities or ["Oulu"]
        mw = np.array([_municipality_weight(m) for m in muni])
        # weights: the last area (youth services) and violence are rare → small cells
        return cls(cats=cats, cat_label={c.code: c.label for c in cw.categories},
                   areas=areas, area_label={a.code: a.label for a in cw.service_areas},
                   area_w=_weights([0.34, 0.22, 0.18, 0.1, 0.155, 0.005], len(areas)),
                   cat_w=_weights([0.16, 0.14, 0.14, 0.1, 0.09, 0.1, 0.1, 0.08, 0.075, 0.015], len(cats)),
                   muni=muni, muni_w=mw / mw.sum(),
                   ages=[a.code for a in cw.age_groups], hh=[h.code for h in cw.household_types],
                   texts=texts(language))


_PHENOMENA_START = dt.date(2023, 1, 2)
_PHENOMENA_SPAN = (dt.date(2025, 5, 30) - _PHENOMENA_START).days
PHENOMENA_HEADER = ["Tunniste", "Päivämäärä", "Palvelualue", "Kunta", "Ilmiöluokka", "Ikäryhmä", "Kotitaloustyyppi",
                    "Kuvaus", "Arvio asiakasmäärästä", "Toimenpide-ehdotus", "Toimenpiteen tyyppi", "Lainauslupa",
                    "Vastaajan sähköposti"]  # the last column is not in the schema: form tools add such columns


def _phenomenon_row(rng: np.random.Generator, i: int, s: _PhenomenonLists) -> list[str]:
    """One report; the draws are made in a fixed order, so the same seed gives the same rows."""
    area = s.areas[rng.choice(len(s.areas), p=s.area_w)]
    k = 1 + int(rng.random() < 0.35) + int(rng.random() < 0.1)
    chosen = list(dict.fromkeys(s.cats[j] for j in rng.choice(len(s.cats), size=k, p=s.cat_w)))
    date = _PHENOMENA_START + dt.timedelta(days=int(rng.integers(0, _PHENOMENA_SPAN)))
    tx = s.texts
    frag = tx["fragments"].get(chosen[0], [tx["default"]])
    text = " ".join(frag[j] for j in sorted(set(rng.integers(0, len(frag), size=2).tolist())))
    text += tx["concerns"].format(tx["many"] if rng.random() < 0.5 else tx["few"])
    act_code, act = tx["actions"][int(rng.integers(0, len(tx["actions"])))]
    # codes for some rows, Finnish labels for others (form tools export either)
    cat_cell = "; ".join(c if rng.random() < 0.5 else s.cat_label[c] for c in chosen)
    area_cell = area if rng.random() < 0.3 else s.area_label[area]
    return [
        f"IR-{2023 + (date.year - 2023)}-{i + 1:04d}", fmt.fi_date(date), area_cell,
        s.muni[rng.choice(len(s.muni), p=s.muni_w)] if rng.random() < 0.9 else "",
        cat_cell, s.ages[int(rng.integers(0, len(s.ages)))],
        s.hh[int(rng.integers(0, len(s.hh)))] if rng.random() < 0.7 else "",
        text, str(int(rng.integers(3, 60))) if rng.random() < 0.8 else "", act if rng.random() < 0.85 else "",
        act_code, "kyllä" if rng.random() < 0.55 else "ei", "",
    ]


def _plant_in_phenomena(rows: list[list[str]], plant: dict) -> None:
    """Planted identifiers, in rows approved for quoting (*plant*: the sentences around them)."""
    plant_rows = list(range(5, 5 + 3 * len(PLANTED_CODES), 3))
    for n, (r, code) in enumerate(zip(plant_rows, PLANTED_CODES)):
        row = rows[r]
        row[11] = "kyllä"
        if n == 0:  # wrapped over a line break at the century sign
            row[7] += plant["wrapped"].format(a=code[:7], b=code[7:])
        elif n == 1:  # glued inside a word
            row[7] += plant["glued"].format(code=code)
        else:
            row[7] += plant["code"].format(code=code)
    for n, phone in enumerate(PLANTED_PHONES):
        rows[60 + n][7] += plant["phone"].format(phone=phone)
        rows[60 + n][11] = "kyllä"
    for n, mail in enumerate(PLANTED_EMAILS):
        rows[80 + n][9] += plant["contact"].format(mail=mail)
        rows[80 + n][7] += plant["mail"].format(mail=mail)
        rows[80 + n][11] = "kyllä"
        rows[80 + n][12] = mail
    for n, name in enumerate(PLANTED_NAMES):
        rows[100 + n][7] += plant["name"].format(name=name)
        rows[100 + n][11] = "kyllä"


def phenomena_rows(cw: ClientWork, language: str = "fi") -> tuple[list[str], list[list[str]]]:
    """Header (Finnish, as the form tool exports it) and rows (example texts in *language*) of the
    synthetic phenomenon export."""
    rng = np.random.default_rng(SEED)
    lists = _PhenomenonLists.of(cw, language)
    rows = [_phenomenon_row(rng, i, lists) for i in range(N_PHENOMENA)]
    _plant_in_phenomena(rows, lists.texts["plant"])
    # --- invalid rows: the rejects path runs in every demo build --------------
    rows[150][1] = "31.2.2024"                      # impossible date
    rows[151][4] = "tuntematon luokka"               # not in the code list
    rows[152][0] = rows[10][0]                       # duplicate id
    rows[153][8] = "noin kymmenen"                   # not a number
    return list(PHENOMENA_HEADER), rows


def _likert_answers(rng: np.random.Generator, base: float, cw: ClientWork) -> list:
    """One answer per Likert item: a scale point (number or label), 'don't know' or blank."""
    k = len(cw.likert_scale)
    out: list = []
    for j, _q in enumerate(cw.likert_items):
        u = rng.random()
        if u < 0.06:
            out.append(cw.likert_dont_know[0] if cw.likert_dont_know else None)
        elif u < 0.1:
            out.append(None)
        else:
            v = int(np.clip(round(base + rng.normal(0, 0.9) - 0.3 * j), 1, k))
            out.append(cw.likert_scale[v - 1] if rng.random() < 0.3 else v)
    return out


_SURVEY_START = dt.date(2025, 3, 3)


def _survey_row(rng: np.random.Generator, i: int, cw: ClientWork, groups: list[str], areas: list[str],
                ages: list[str], tx: dict) -> list:
    g = groups[0] if rng.random() < 0.6 else groups[1 % len(groups)]
    base = rng.normal(3.4 if g == groups[0] else 3.0, 0.8)
    day = _SURVEY_START + dt.timedelta(days=int(rng.integers(0, 40)))
    m1, m2 = tx["survey_municipalities"]
    row: list = [f"K-{i + 1:04d}", dt.datetime.combine(day, dt.time(12, 0)),
                 g, areas[int(rng.integers(0, len(areas) - 1))], m1 if rng.random() < 0.5 else m2,
                 ages[int(rng.integers(0, len(ages)))]]
    row += _likert_answers(rng, base, cw)
    for q in cw.open_questions:
        opts = tx["open"].get(q.code, [tx["no_comment"]])
        row.append(opts[int(rng.integers(0, len(opts)))] if rng.random() < 0.45 else None)
    row.append("kyllä" if rng.random() < 0.5 else "ei")
    return row



def _plant_in_survey(rows: list[list], cw: ClientWork, plant: dict) -> None:
    """A respondent group of three (a small cell in every by-group table), planted
    identifiers in approved open answers, and one answer off the scale."""
    small = cw.respondent_groups[-1].label
    for r in (17, 211, 390):
        rows[r][2] = small
    oq = 6 + len(cw.likert_items)
    say = plant["survey"]
    for n, (r, text) in enumerate([
        (30, say[0].format(phone=PLANTED_PHONES[0], code=PLANTED_CODES[2])),
        (31, say[1].format(mail=PLANTED_EMAILS[1])),
        (32, say[2].format(name=PLANTED_NAMES[2])),
        (33, say[3].format(code=PLANTED_CODES[9])),
    ]):
        rows[r][oq + (n % max(1, len(cw.open_questions)))] = text
        rows[r][-1] = "kyllä"
    rows[40][7] = 9          # off the scale: rejected


def survey_rows(cw: ClientWork, language: str = "fi") -> tuple[list[str], list[list]]:
    rng = np.random.default_rng(SEED + 1)
    groups = [g.label for g in cw.respondent_groups]
    areas = [a.label for a in cw.service_areas]
    ages = [a.label for a in cw.age_groups if a.code != "kaikki"]
    header = (["Vastaustunniste", "Vastauspäivä", "Vastaajaryhmä", "Palvelualue", "Kunta", "Ikäryhmä"]
              + [q.column or q.text for q in cw.likert_items] + [q.column or q.text for q in cw.open_questions]
              + ["Lainauslupa"])
    tx = texts(language)
    rows = [_survey_row(rng, i, cw, groups, areas, ages, tx) for i in range(N_SURVEY)]
    _plant_in_survey(rows, cw, tx["plant"])
    return header, rows


def phenomena_csv_bytes(cw: ClientWork, language: str = "fi") -> bytes:
    header, rows = phenomena_rows(cw, language)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def survey_xlsx_bytes(cw: ClientWork, language: str = "fi") -> bytes:
    import openpyxl
    header, rows = survey_rows(cw, language)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Vastaukset"
    ws.append(header)
    for r in rows:
        ws.append(r)
    for c in ws["B"][1:]:
        c.number_format = "d.m.yyyy"
    wb.properties.creator = "sosrap demo"
    wb.properties.created = wb.properties.modified = dt.datetime(2025, 6, 2, 8, 0)
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_zip(buf.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """Re-pack with fixed timestamps so the same seed gives the same bytes."""
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2025, 6, 2, 8, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                import re
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2025-06-02T08:00:00Z\g<2>", body)
            dst.writestr(zi, body)
    return out.getvalue()


def generate(out_dir: Path | str, cw: ClientWork, language: str = "fi") -> DemoInputs:
    """Write both synthetic exports into *out_dir* (atomically; same bytes every time)."""
    out = Path(out_dir)
    p, s = out / "ilmioraportit.csv", out / "asukaskysely.xlsx"
    atomic_write(p, phenomena_csv_bytes(cw, language))
    atomic_write(s, survey_xlsx_bytes(cw, language))
    return DemoInputs(p, s)


def ensure_inputs(cw: ClientWork, root: Path, language: str = "fi") -> DemoInputs:
    """For an edition with `synthetic_demo: true`, write the synthetic exports (example texts in
    *language*) to the configured private paths when they are missing or differ from what the
    generator gives (they are derived data, so regenerating is always safe)."""
    paths = []
    for rel, make in ((cw.phenomena_file, phenomena_csv_bytes), (cw.survey_file, survey_xlsx_bytes)):
        if rel is None:
            raise ValueError("synthetic_demo needs phenomena_file and survey_file in client_work")
        path = root / rel
        data = make(cw, language)
        if not path.is_file() or path.read_bytes() != data:
            atomic_write(path, data)
        paths.append(path)
    if cw.screen_names_file:
        names = ("# SYNTHETIC demo: names to screen from free text, one per line\n"
                 + "\n".join(PLANTED_NAMES) + "\n").encode("utf-8")
        path = root / cw.screen_names_file
        if not path.is_file() or path.read_bytes() != names:
            atomic_write(path, names)
    return DemoInputs(*paths)


DEMO_REVIEWER = "Synteettinen tarkastaja (esimerkki)"


def approvals(candidates: list) -> list:
    """A SYNTHETIC reviewer's approvals: about half of the eligible candidates
    (rows with ``source``, ``id``, ``field`` and ``sha256``), chosen by the
    hash so the same texts get the same verdict in every build."""
    from sosrap.privacy.quotes import Approval
    return [Approval(c.source, c.id, c.field, c.sha256, DEMO_REVIEWER, "2025-06-02")
            for c in candidates if int(c.sha256[:8], 16) % 2 == 0]


def planted() -> dict[str, list[str]]:
    return {"identity_code": list(PLANTED_CODES), "phone": list(PLANTED_PHONES), "email": list(PLANTED_EMAILS),
            "name": list(PLANTED_NAMES)}
