"""One disclosure plan across tables and text (sosrap.privacy.plan), proved by
the exact attack. The four crafted scenarios of issue #17 are attacked as the
old code published them (each table suppressed on its own by
`privacy.suppress`, every text total printed), then through the plan."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from sosrap import privacy as P
from sosrap.privacy.plan import DisclosureError, Plan

M = 5


def _two_tables(area: pd.DataFrame, year: pd.DataFrame, *, old: bool) -> Plan:
    """Category × area and category × year sharing their row totals."""
    plan = Plan(M)
    for name, t in (("area", area), ("year", year)):
        if old:
            plan.add_suppressed(name, P.suppress(t, M))
        else:
            plan.add_table(name, t)
    for i in range(len(area) + 1):
        plan.link(("area", i, area.shape[1]), ("year", i, year.shape[1]))
    return plan if old else plan.solve()


def test_cross_table_differencing():
    cats = ["asuminen", "toimeentulo", "vakivalta"]
    area = pd.DataFrame([[6, 10], [1, 1], [11, 5]], index=cats, columns=["aikuiset", "nuoret"])
    year = pd.DataFrame([[6, 10], [2, 0], [5, 11]], index=cats, columns=["2024", "2025"])
    # one table hides the asuminen row total, the other shows it (16): subtracting recovers the small counts
    old = _two_tables(area, year, old=True)
    exact = {e.where: old.is_primary(e.key) for e in old.exposures() if e.lo == e.hi}
    assert {w for w, small in exact.items() if small} == {
        "table 'area', row toimeentulo, column Yhteensä", "table 'year', row toimeentulo, column 2024",
        "table 'year', row toimeentulo, column Yhteensä"}
    # complementary cells are attacked too: the hidden asuminen total is the other table's 16, and
    # the vakivalta cells hidden beside the small counts follow from it
    assert {w for w, small in exact.items() if not small} == {
        "table 'area', row asuminen, column Yhteensä", "table 'year', row vakivalta, column 2024",
        "table 'year', row vakivalta, column Yhteensä"}
    new = _two_tables(area, year, old=False)
    assert new.exposures() == []
    assert (new.tables["area"].hidden[:, -1] == new.tables["year"].hidden[:, -1]).all()


def _text_total_plan(year: pd.DataFrame, *, old: bool) -> Plan:
    """Single-category reports (0 % in several categories): the grand total equals the reports in the text."""
    plan = Plan(M)
    if old:
        plan.add_suppressed("year", P.suppress(year, M))
    else:
        plan.add_table("year", year)
    reports = plan.add_text("reports", int(year.to_numpy().sum()))
    plan.relate({("year", len(year), year.shape[1]): 1.0, reports: -1.0}, 0, 0)
    return plan if old else plan.solve()


def test_text_total_and_year_columns():
    year = pd.DataFrame([[0, 0, 1], [25, 20, 0]], index=["asuminen", "toimeentulo"], columns=["2023", "2024", "2025"])
    assert P.suppress(year, M).hidden.to_numpy()[-1, -1]         # the table hides its grand total …
    old = _text_total_plan(year, old=True)                       # … which "46 ilmiöraporttia" prints
    exact = {e.where for e in old.exposures() if e.lo == e.hi}
    assert "table 'year', row Yhteensä, column 2025" in exact    # the year of one report, exactly
    new = _text_total_plan(year, old=False)
    assert new.exposures() == [] and not new.text_hidden("reports")
    # the grand total is the "46" of the text: hiding it would protect nothing, so it is published
    assert not new.tables["year"].hidden[-1, -1]


def test_survey_total_in_text():
    groups = pd.Series([2, 0, 0], index=["Asukas", "Asiakas", "Omainen"], name="Vastaajia")
    old = Plan(M)
    old.add_suppressed("groups", P.suppress(groups, M))
    old.add_text("survey_n", 2, same_as=("groups", 3, 0))       # "Kyselyyn vastasi 2"
    old.hidden_texts.clear()                                     # … printed as the old code did
    exact = {e.where for e in old.exposures() if e.lo == e.hi}
    assert {"table 'groups', row Asukas, column Vastaajia", "table 'groups', row Yhteensä, column Vastaajia"} <= exact
    new = Plan(M)
    new.add_table("groups", groups)
    new.add_text("survey_n", 2, same_as=("groups", 3, 0))
    new.solve()
    assert new.text_hidden("survey_n") and new.exposures() == []


def test_shares_of_a_complement_hidden_group():
    """83 % of a group hidden only as the complement: with the share published, its size is pinned."""
    groups = pd.Series([6, 3, 40], index=["Asiakas", "Omainen", "Asukas"], name="Vastaajia")
    st = P.suppress(groups, M)
    assert st.primary.loc["Omainen"].iloc[0] and st.secondary.loc["Asiakas"].iloc[0]
    old = Plan(M)
    old.add_suppressed("groups", st)
    agree = old.add_latent("Asiakas agree", 5)                   # 5/6 = 83 %, printed with 0 decimals
    old.relate({agree: 1.0, ("groups", 0, 0): -0.825}, 0)
    old.relate({agree: 1.0, ("groups", 0, 0): -0.835}, hi=0)
    old.relate({("groups", 0, 0): 1.0}, 1)                       # a share was printed: the group has respondents
    assert {e.where for e in old.exposures() if e.lo == e.hi} >= {"table 'groups', row Omainen, column Vastaajia"}
    new = Plan(M)                                                # the plan publishes no share of a hidden group
    new.add_table("groups", groups)
    assert new.solve().exposures() == []


def test_prove_names_cells_never_values():
    year = pd.DataFrame([[0, 0, 1], [25, 20, 0]], index=["asuminen", "toimeentulo"], columns=["2023", "2024", "2025"])
    old = _text_total_plan(year, old=True)
    with pytest.raises(DisclosureError) as e:
        old.prove()
    msg = str(e.value)
    assert "table 'year', row Yhteensä, column 2025" in msg
    for v in ("46", " 1 ", "(1", "=1"):
        assert v not in msg


def _random_set(rng: np.random.Generator):
    """A small client-work data set: reports with 1–2 categories, an area and a year."""
    n = int(rng.integers(8, 60))
    cats, areas, years = ["a", "b", "c"], ["x", "y", "z"], ["2024", "2025"]
    cw = rng.dirichlet(np.ones(3) * 0.7)
    rows = []
    for _ in range(n):
        k = 1 + int(rng.random() < 0.3)
        cs = list(dict.fromkeys(rng.choice(cats, size=k, p=cw)))
        rows.append((cs, str(rng.choice(areas, p=[0.6, 0.3, 0.1])), str(rng.choice(years))))
    long = pd.DataFrame([(c, a, y) for cs, a, y in rows for c in cs], columns=["c", "a", "y"])
    area = pd.crosstab(long["c"], long["a"]).reindex(index=cats, columns=areas, fill_value=0)
    year = pd.crosstab(long["c"], long["y"]).reindex(index=cats, columns=years, fill_value=0)
    return rows, area, year


def _plan(rows, area: pd.DataFrame, year: pd.DataFrame) -> Plan:
    plan = Plan(M)
    plan.add_table("area", area)
    plan.add_table("year", year)
    for i in range(len(area) + 1):
        plan.link(("area", i, area.shape[1]), ("year", i, year.shape[1]))
    reports = plan.add_text("reports", len(rows))
    per_year = []
    for j, y in enumerate(year.columns):
        r = plan.add_latent(f"reports {y}", sum(1 for _, _, yy in rows if yy == y))
        plan.relate({("year", len(year), j): 1.0, r: -1.0}, 0)
        plan.relate({("year", len(year), j): 1.0, r: -3.0}, hi=0)
        per_year.append(r)
    plan.relate({**{r: 1.0 for r in per_year}, reports: -1.0}, 0, 0)
    return plan


def test_random_client_work_sets_have_no_disclosure():
    """200 seeded random data sets: the solved plan leaves every hidden cell a
    range of at least the protection interval (so zero exact disclosures)."""
    rng = np.random.default_rng(2026)
    t0, hidden = time.perf_counter(), 0
    for _ in range(200):
        plan = _plan(*_random_set(rng)).solve()
        assert plan.exposures() == []
        hidden += plan.hidden_count()
    assert hidden > 200                            # the sets do have small cells
    assert time.perf_counter() - t0 < 120
