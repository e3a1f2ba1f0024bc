"""An attacker of the client-work chapters who sees only what the report
publishes, written apart from `sosrap.privacy.plan` (it never reads the plan's
cells or relations): random client-work data sets, the stage's published
tables and key figures, and an exact integer-programming attack on them.

The attacker reads the published strings (a number, or the marker for a
hidden cell) and knows how the report is built: each table's margins, the
category tables' shared row totals, that every report has one to *k*
categories and that a year shown has at least one report, what the printed
"share in several categories" says, that action types and answers per
statement are at most the reports and respondents, and the totals in the text.
For each hidden cell, primary or complementary, `milp` (HiGHS) gives its least
and greatest value. Used by tests/clientwork/test_disclosure.py (hypothesis)
and benchmarks/attack_privacy.py (a few hundred seeded sets).
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from sosrap import clientwork as C
from sosrap import privacy
from sosrap.params import ClientWork

CATEGORIES = ("asuminen", "toimeentulo", "yksinaisyys", "vakivalta")
AREAS = ("aikuiset", "nuoret", "perheet")
YEARS = (2023, 2024, 2025)
ACTIONS = ("palvelu", "ohjeistus", "resurssit")
GROUPS = ("asukas", "asiakas", "omainen")
MIN_COUNT = 5

CLIENT_WORK = ClientWork.model_validate({
    "categories": [{"code": c, "label": c.capitalize()} for c in CATEGORIES],
    "service_areas": [{"code": a, "label": a.capitalize()} for a in AREAS],
    "action_types": [{"code": a, "label": a.capitalize()} for a in ACTIONS],
    "respondent_groups": [{"code": g, "label": g.capitalize()} for g in GROUPS],
    "likert_items": [{"code": "tieto", "text": "Tiedän mistä saan apua"},
                     {"code": "kohtelu", "text": "Kohtelu oli hyvää"}],
    "open_questions": [{"code": "avoin", "text": "Mitä pitäisi kehittää?"}],
})


@dataclass(frozen=True)
class DataSet:
    """Raw client-work data: reports (categories, area, year, action type or None)
    and survey answers (group, Likert answers or None, whether the open question was answered)."""
    reports: tuple[tuple[tuple[str, ...], str, int, str | None], ...]
    answers: tuple[tuple[str, tuple[int | None, int | None], bool], ...]


def random_set(r: random.Random) -> DataSet:
    """A small data set with skewed categories, areas and years (so small cells are common)."""
    cat_w = [r.random() ** 2 + 0.02 for _ in CATEGORIES]
    reports = []
    for _ in range(r.randint(5, 70)):
        k = 1 + (r.random() < 0.3) + (r.random() < 0.1)
        cats = tuple(dict.fromkeys(r.choices(CATEGORIES, weights=cat_w, k=k)))
        action = r.choice(ACTIONS) if r.random() < 0.6 else None
        reports.append((cats, r.choices(AREAS, weights=[6, 3, 1])[0], r.choices(YEARS, weights=[1, 4, 4])[0],
                        action))
    answers = []
    for _ in range(r.randint(2, 40)):
        lik = tuple(r.choice([None, 1, 2, 3, 4, 5]) for _ in range(2))
        answers.append((r.choices(GROUPS, weights=[8, 3, 1])[0], lik, r.random() < 0.5))
    return DataSet(tuple(reports), tuple(answers))


def _ingested(kind: str, data: pd.DataFrame) -> C.IngestResult:
    return C.IngestResult(kind, f"{kind}.csv", data, pd.DataFrame(columns=C.REJECT_COLUMNS), len(data), 0, [],
                          "utf-8", ";")


def stage(ds: DataSet, min_count: int = MIN_COUNT) -> C.StageData:
    """The stage's validated inputs for a data set, in the columns `clientwork.validate` gives them."""
    ph = pd.DataFrame([{
        "id": f"R{n}", "date": pd.Timestamp(dt.date(y, 1 + n % 12, 1 + n % 28)), "year": y, "service_area": a,
        "municipality": pd.NA, "categories": ";".join(cats), "category": cats[0], "age_groups": "",
        "household_types": "", "description": "Kuvaus.", "clients_affected": pd.NA,
        "suggested_action": "Ehdotus." if act else pd.NA, "action_type": act if act else pd.NA,
        "quote_ok": False} for n, (cats, a, y, act) in enumerate(ds.reports)])
    ph["year"] = ph["year"].astype("int64")
    for col in ("municipality", "suggested_action", "action_type"):
        ph[col] = ph[col].astype("string")
    sv = pd.DataFrame([{"id": f"S{n}", "date": pd.Timestamp("2025-03-01"), "respondent_group": g,
                        "service_area": None, "municipality": None, "age_group": None,
                        "tieto": lik[0], "kohtelu": lik[1], "avoin": "Vastaus." if opened else None,
                        "quote_ok": False} for n, (g, lik, opened) in enumerate(ds.answers)])
    for q in ("tieto", "kohtelu"):
        sv[q] = sv[q].astype("Int64")
    return C.StageData(CLIENT_WORK, _ingested("phenomena", ph), _ingested("survey", sv), min_count,
                       privacy.DEFAULT_MARKER, True)


# ---------------------------------------------------------------------------
# the attack on what is published
# ---------------------------------------------------------------------------

@dataclass
class _Problem:
    """Unknowns (hidden cells, unpublished totals, latent counts) and linear relations over them."""
    marker: str
    index: dict[str, int] = field(default_factory=dict)
    hidden: list[str] = field(default_factory=list)
    rows: list[tuple[dict[str, float], float, float]] = field(default_factory=list)
    known: dict[str, int] = field(default_factory=dict)

    binary: set[str] = field(default_factory=set)

    def var(self, name: str, binary: bool = False) -> str:
        self.index.setdefault(name, len(self.index))
        if binary:
            self.binary.add(name)
        return name

    def value(self, name: str, shown: str) -> None:
        """A published string: a constant, or an unknown when it is the marker."""
        if shown == self.marker:
            self.var(name)
            self.hidden.append(name)
        else:
            self.known[name] = int(re.sub(r"\D", "", shown))

    def relate(self, coefs: dict[str, float], lo: float = -np.inf, hi: float = np.inf) -> None:
        const = sum(c * self.known[k] for k, c in coefs.items() if k in self.known)
        unknown = {k: c for k, c in coefs.items() if k not in self.known}
        for k in unknown:
            self.var(k)
        self.rows.append((unknown, lo - const, hi - const))

    def ranges(self, upper: float) -> dict[str, tuple[float, float]]:
        n = len(self.index)
        A = np.zeros((len(self.rows), n))
        for r, (coefs, _, _) in enumerate(self.rows):
            for k, c in coefs.items():
                A[r, self.index[k]] += c
        cons = [LinearConstraint(A, [lo for _, lo, _ in self.rows], [hi for _, _, hi in self.rows])]
        ub = np.full(n, float(upper))
        for name in self.binary:
            ub[self.index[name]] = 1.0
        out = {}
        for name in self.hidden:
            ends = []
            for sign in (1.0, -1.0):
                c = np.zeros(n)
                c[self.index[name]] = sign
                res = milp(c, constraints=cons, bounds=Bounds(np.zeros(n), ub), integrality=np.ones(n))
                assert res.status == 0, f"the published report is inconsistent ({res.message})"
                ends.append(round(res.x[self.index[name]]))
            out[name] = (ends[0], ends[1])
        return out


def _table(p: _Problem, name: str, shown: pd.DataFrame, margins: bool = True) -> list[list[str]]:
    """A published table's cells as unknowns or constants, with its margins as relations."""
    cells = [[f"{name}[{r}][{c}]" for c in range(shown.shape[1])] for r in range(shown.shape[0])]
    for r in range(shown.shape[0]):
        for c in range(shown.shape[1]):
            p.value(cells[r][c], str(shown.iat[r, c]))
    if margins:
        R, K = shown.shape
        for r in range(R):
            if K > 1:
                p.relate({**{cells[r][c]: 1.0 for c in range(K - 1)}, cells[r][K - 1]: -1.0}, 0, 0)
        for c in range(K):
            p.relate({**{cells[r][c]: 1.0 for r in range(R - 1)}, cells[R - 1][c]: -1.0}, 0, 0)
    return cells


def _text(p: _Problem, name: str, shown: str) -> str:
    p.value(name, shown)
    return name


def _percent(shown: str) -> int | None:
    m = re.fullmatch(r"(\d+)\s*%", shown.replace("\u00a0", " ").strip())
    return int(m.group(1)) if m else None


def _phenomena(p: _Problem, sd: C.StageData, pub: C.Published, kf: dict) -> None:
    k = len(sd.cw.categories)
    ca = _table(p, "category_area", pub.tables["category_area"].display())
    cy = _table(p, "category_year", pub.tables["category_year"].display())
    for r in range(len(ca)):                              # the same categories, counted once per category
        p.relate({ca[r][-1]: 1.0, cy[r][-1]: -1.0}, 0, 0)
    reports = _text(p, "reports", kf["reports"])
    acts = _table(p, "actions", pub.tables["actions"].display())
    p.relate({reports: 1.0, acts[-1][0]: -1.0}, 0)         # at most one action type per report
    years = []
    for c in range(len(cy[0]) - 1):                       # a year shown has reports; each has 1–k categories
        y = p.var(f"reports in year column {c}")
        p.relate({y: 1.0}, 1)
        p.relate({cy[-1][c]: 1.0, y: -1.0}, 0)
        p.relate({cy[-1][c]: 1.0, y: -float(k)}, hi=0)
        years.append(y)
    p.relate({**{y: 1.0 for y in years}, reports: -1.0}, 0, 0)
    areas, used = [], []                                  # "N palvelualuetta": how many areas have reports
    for c in range(len(ca[0]) - 1):
        a, z = p.var(f"reports in area column {c}"), p.var(f"area column {c} has reports", binary=True)
        p.relate({ca[-1][c]: 1.0, a: -1.0}, 0)
        p.relate({ca[-1][c]: 1.0, a: -float(k)}, hi=0)
        p.relate({a: 1.0, z: -1.0}, 0)
        p.relate({a: 1.0, z: -float(len(sd.phenomena.data) + 1)}, hi=0)
        areas.append(a)
        used.append(z)
    p.relate({**{a: 1.0 for a in areas}, reports: -1.0}, 0, 0)
    n_areas = int(re.sub(r"\D", "", kf["areas"]))
    p.relate({z: 1.0 for z in used}, n_areas, n_areas)
    multi = p.var("reports in several categories")
    pct = _percent(kf["multi_category_pct"])
    if pct is not None:                                   # "18 %" as printed, rounded to whole percent
        p.relate({multi: 1.0, reports: -(pct - 0.5) / 100}, 0)
        p.relate({multi: 1.0, reports: -(pct + 0.5) / 100}, hi=0)
    p.relate({multi: 1.0, reports: -1.0}, hi=0)
    p.relate({cy[-1][-1]: 1.0, reports: -1.0, multi: -1.0}, 0)
    p.relate({cy[-1][-1]: 1.0, reports: -1.0, multi: -float(k - 1)}, hi=0)
    labels = [c.label for c in sd.cw.categories]
    for a, b, n in C.table_pairs(sd).itertuples(index=False):
        pair = _text(p, f"pair {a} + {b}", n)
        p.relate({multi: 1.0, pair: -1.0}, 0)
        for lab in (a, b):
            p.relate({ca[labels.index(lab)][-1]: 1.0, pair: -1.0}, 0)


def _survey(p: _Problem, sd: C.StageData, pub: C.Published, kf: dict) -> None:
    groups = _table(p, "survey_groups", pub.tables["survey_groups"].display())
    total = _text(p, "survey_n", kf["survey_n"])
    p.relate({groups[-1][0]: 1.0, total: -1.0}, 0, 0)
    items = _table(p, "survey_items", pub.tables["survey_items"].display(), margins=False)
    for row in items:
        p.relate({row[0]: 1.0, total: -1.0}, hi=0)
    opened = _text(p, "survey_open_answers", kf["survey_open_answers"])
    p.relate({opened: 1.0, total: -float(len(sd.cw.open_questions))}, hi=0)


def attack(sd: C.StageData, pub: C.Published) -> dict[str, tuple[float, float]]:
    """Every hidden cell and hidden text figure of the published chapters -> its feasible range."""
    kf = C.key_figures(sd, pub.plan)["clientwork"]
    p = _Problem(sd.marker)
    _phenomena(p, sd, pub, kf)
    _survey(p, sd, pub, kf)
    upper = 4 * (len(sd.phenomena.data) * len(sd.cw.categories) + len(sd.survey.data)) + 10
    return p.ranges(upper)


def small_published(pub: C.Published, min_count: int) -> list[str]:
    """Published table cells that are small counts (there should be none)."""
    out = []
    for name, st in pub.tables.items():
        shown = st.display()
        for r in range(shown.shape[0]):
            for c in range(shown.shape[1]):
                v = str(shown.iat[r, c])
                if v != st.marker and 0 < int(re.sub(r"\D", "", v)) < min_count:
                    out.append(f"{name}[{r}][{c}]")
    return out


def unproved(sd: C.StageData) -> C.Published:
    """What the stage would publish from its solved plan, before the plan proves itself."""
    plan = C.build_plan(sd)
    return C.Published({name: plan.table(name) for name in plan.tables}, C.table_survey_groups(sd, plan), plan)


def cell_name(key: tuple) -> str:
    """A plan cell in this module's names: `table[row][column]`, or the text figure's name."""
    kind, a, b = key
    return a if kind == "@text" else f"{kind}[{a}][{b}]"
