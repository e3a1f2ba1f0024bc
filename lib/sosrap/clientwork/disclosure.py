"""The disclosure-control plan of the client-work and residents' chapters.

Every count those chapters publish is a cell of one `sosrap.privacy.Plan`:
the category × area and category × year tables (which share their row
totals), the action types, respondents per group, answers per statement, the
co-occurring pairs, and the totals written in the text (reports, respondents,
open answers). What an attacker can also use is written down as relations:
a year's (or area's) category total lies between its number of reports and
that times the number of categories; the reports add up to the total in the
text, and so many areas have reports as the text says; the share of reports
in several categories bounds how far the category totals exceed the reports; a pair is at most either category's total; an
item's answers are at most the respondents. `build_plan` solves the plan;
`publish.publish_tables` proves it.
"""
from __future__ import annotations

import pandas as pd

from sosrap.clientwork.summaries import cooccurrence, crosstab, likert_summary
from sosrap.privacy.plan import LATENT, TEXT, Plan
from sosrap.report.wording import t

MONTHS_FI = tuple(t(f"cw.month.{m}", "fi") for m in range(1, 13))


def _add_phenomena(plan: Plan, sd) -> None:
    d, cw = sd.phenomena.data, sd.cw
    ca = crosstab(d, "categories", "service_area", row_codes=cw.categories, col_codes=cw.service_areas,
                  explode=["categories"])
    cy = crosstab(d, "categories", "year", row_codes=cw.categories, explode=["categories"])
    cy.columns = [str(c) for c in cy.columns]
    plan.add_table("category_area", ca)
    plan.add_table("category_year", cy)
    rows, ca_tot, cy_tot = len(ca) + 1, len(ca.columns), len(cy.columns)
    for i in range(rows):                              # shared row totals (the grand total too)
        plan.link(("category_area", i, ca_tot), ("category_year", i, cy_tot))
    acts = d["action_type"].dropna().value_counts().reindex([a.code for a in cw.action_types], fill_value=0)
    acts.index = [a.label for a in cw.action_types]
    acts.name = t("cw.reports")
    plan.add_table("actions", acts.astype("int64"))
    reports = plan.add_text("reports", len(d))
    plan.relate({reports: 1.0, ("actions", len(acts), 0): -1.0}, 0)     # some reports have an action type
    k = len(cw.categories)
    by_year = d["year"].astype(str).value_counts()
    by_area = d["service_area"].value_counts()
    for table, labels, counts, least in (("category_year", list(cy.columns), by_year, 1),
                                         ("category_area", [a.code for a in cw.service_areas], by_area, 0)):
        latent = []
        for j, code in enumerate(labels):
            r = plan.add_latent(f"reports {table} {code}", int(counts.get(code, 0)))
            total = (table, rows - 1, j)
            plan.relate({r: 1.0}, least)                   # a column that exists has a report
            plan.relate({total: 1.0, r: -1.0}, 0)          # each report in at least one category …
            plan.relate({total: 1.0, r: -float(k)}, hi=0)  # … and at most in all of them
            latent.append(r)
        plan.relate({**{r: 1.0 for r in latent}, reports: -1.0}, 0, 0)
        if table == "category_area":
            _areas_with_reports(plan, latent, [int(counts.get(c, 0)) for c in labels], len(d))
    multi = int(d["categories"].str.contains(";").sum())
    m = plan.add_latent("reports in several categories", multi)
    pct = round(100 * multi / len(d)) if len(d) else 0              # as the text prints it (0 decimals)
    plan.relate({m: 1.0, reports: -(pct - 0.5) / 100}, 0)
    plan.relate({m: 1.0, reports: -(pct + 0.5) / 100}, hi=0)
    grand = ("category_year", rows - 1, cy_tot)
    plan.relate({grand: 1.0, reports: -1.0, m: -1.0}, 0)
    plan.relate({grand: 1.0, reports: -1.0, m: -float(k - 1)}, hi=0)
    lab = {c.label: n for n, c in enumerate(cw.categories)}
    for a, b, n in pairs(sd).itertuples(index=False):
        p = plan.add_text(f"pair {a} + {b}", int(n))
        for c in (a, b):
            plan.relate({("category_area", lab[c], ca_tot): 1.0, p: -1.0}, 0)
        plan.relate({m: 1.0, p: -1.0}, 0)


def _areas_with_reports(plan: Plan, per_area: list, counts: list[int], n: int) -> None:
    """The text says from how many service areas the reports came ("… 3 palvelualueelta"): with
    one 0/1 latent per area (1 when it has reports), their sum is that published number. When it
    equals the number of areas, every area's reports are at least one."""
    used = []
    for r, c in zip(per_area, counts):
        z = plan.add_latent(f"{r[1]} has reports", int(c > 0))
        plan.relate({z: 1.0}, 0, 1)
        plan.relate({r: 1.0, z: -1.0}, 0)                  # an area with reports has one or more …
        plan.relate({r: 1.0, z: -float(max(n, 1))}, hi=0)  # … and one without has none
        used.append(z)
    shown = sum(c > 0 for c in counts)
    plan.relate({z: 1.0 for z in used}, shown, shown)


def _add_survey(plan: Plan, sd) -> None:
    s, cw = sd.survey.data, sd.cw
    groups = s["respondent_group"].value_counts().reindex([g.code for g in cw.respondent_groups], fill_value=0)
    groups.index = [g.label for g in cw.respondent_groups]
    groups.name = t("cw.respondents")
    plan.add_table("survey_groups", groups.astype("int64"))
    total = plan.add_text("survey_n", len(s), same_as=("survey_groups", len(groups), 0))
    items = likert_summary(s, cw, min_count=sd.min_count).set_index("statement")["n"].astype("int64")
    plan.add_table("survey_items", items, margins=False)
    for i in range(len(items)):
        plan.relate({("survey_items", i, 0): 1.0, total: -1.0}, hi=0)
    if cw.open_questions:
        opened = int(s[[q.code for q in cw.open_questions]].notna().sum().sum())
        o = plan.add_text("survey_open_answers", opened)
        plan.relate({o: 1.0, total: -float(len(cw.open_questions))}, hi=0)


def pairs(sd, top: int = 8) -> pd.DataFrame:
    """The co-occurring category pairs the report shows: seen in at least min_count reports."""
    co = cooccurrence(sd.phenomena.data, sd.cw)
    return co[co["n"] >= sd.min_count].head(top).reset_index(drop=True)


def build_plan(sd) -> Plan:
    """The plan of every count the two chapters publish, solved (cells hidden as needed)."""
    plan = Plan(sd.min_count, marker=sd.marker)
    _add_phenomena(plan, sd)
    if sd.survey is not None:
        _add_survey(plan, sd)
    return plan.solve()


def coarse_date(dates: pd.Series, which: str, min_count: int) -> str:
    """The first or last date as a month ("tammikuu 2023" / "januari 2023"), as a quarter when
    fewer than *min_count* dates fall in that month, as a year when fewer fall
    in the quarter: an exact date next to a small count points at one person."""
    ds = pd.to_datetime(dates.dropna())
    if ds.empty:
        return ""
    d = ds.min() if which == "first" else ds.max()
    same_year = ds[ds.dt.year == d.year]
    if (same_year.dt.month == d.month).sum() >= min_count:
        return t("cw.month_date", month=t(f"cw.month.{d.month}"), year=d.year)
    q = (d.month - 1) // 3
    if ((same_year.dt.month - 1) // 3 == q).sum() >= min_count:
        return t("cw.quarter_date", q=q + 1, year=d.year)
    return str(d.year)


def share_text(plan: Plan, numerator: int, denominator_text: str, denominator: int) -> float | None:
    """A share of a text total, or None when it must not be shown: the total is
    hidden, or the numerator is a small count (1 % of 300 says three)."""
    if plan.text_hidden(denominator_text) or denominator == 0 or 0 < numerator < plan.min_count:
        return None
    if 0 < denominator - numerator < plan.min_count:     # the complement is a small count too
        return None
    return 100.0 * numerator / denominator


__all__ = ["build_plan", "coarse_date", "share_text", "pairs", "MONTHS_FI", "TEXT", "LATENT"]
