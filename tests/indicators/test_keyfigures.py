"""Key figures: Finnish strings, honest wording, documented fields."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sosrap.indicators import keyfigures, stats
from support import demo_table

NB = "\u00a0"
M = "\u2212"


@pytest.fixture(scope="module")
def figs() -> dict:
    return keyfigures.key_figures(demo_table())


def test_every_value_is_a_string_and_documented(figs):
    doc = keyfigures.__doc__
    for key, d in figs.items():
        for field, v in d.items():
            assert isinstance(v, str), (key, field)
            assert "nan" not in v.lower().split(), (key, field, v)
            assert re.search(rf"(?<![\w.]){re.escape(field)}(?![\w])", doc), f"{field} is not documented"


def test_latest_with_interval(figs):
    f = figs["toimeentulotuki"]
    assert f["latest_year"] == "2024"
    assert f["latest"].endswith(f"{NB}%") and "," in f["latest"]
    assert f["latest_ci_text"].startswith(f"95{NB}%:n luottamusväli ")
    assert f["change_prev"].endswith("%-yksikköä")     # issue 13 (8): no abbreviation stop before a full stop


def test_rate_only_indicator_says_no_interval(figs):
    f = figs["pienituloisuus"]
    assert f["latest_ci"] == ""
    assert f["latest_ci_text"] == keyfigures.CI_NONE
    assert f["latest_count"] == "ei julkaistu"
    assert "eron varmuutta ei voi arvioida" in f["vs_country"]
    assert "lukumäärää ei julkaista" in f["vs_country_text"]
    assert "ei voi arvioida" in f["munis_text"]
    assert f["trend_method"].startswith("painotettu")


def test_gap_year_named(figs):
    f = figs["kotihoito"]
    assert f["gaps"] == "2016"
    assert "2016" in f["gaps_text"] and "täydennetty" in f["gaps_text"]


def test_trend_wording_only_with_interval_excluding_zero():
    def tr(lo, hi, pct):
        return {"direction": stats._direction(lo, hi), "annual_pct": pct, "ci_low": lo, "ci_high": hi,
                "first_year": 2015, "last_year": 2024, "n_years": 10, "method": "negbin"}
    # issue 13 (5): the change is labelled relative, and the figure and its interval carry the same sign
    assert keyfigures.trend_phrase(tr(-1.9, -1.5, -1.7)) == (
        f"laskenut: suhteellinen vuosimuutos keskimäärin {M}1,7{NB}% (95{NB}%:n luottamusväli {M}1,9…{M}1,5{NB}%)")
    assert keyfigures.trend_phrase(tr(0.5, 2.0, 1.2)).startswith("kasvanut: suhteellinen vuosimuutos keskimäärin +1,2")
    flat = keyfigures.trend_phrase(tr(-1.0, 0.4, -0.3))
    assert flat.startswith("vaihdellut ilman selvää suuntaa") and "+0,4" in flat
    assert "kasvanut" not in flat and "laskenut" not in flat
    assert "satunnaisvaihtelua" in keyfigures.trend_sentence(tr(-1.0, 0.4, -0.3))
    assert keyfigures.trend_phrase({"direction": stats.INSUFFICIENT, "n_years": 3}).startswith("ei arvioitavissa")


def test_vs_country_honest():
    word, short, long = keyfigures._vs_country(5.8, 5.73, 5.87, 5.7, "PROS", 1)
    assert word == "samaa tasoa"                                           # 0,1 apart, within rounding
    assert short == ("0,1 prosenttiyksikköä korkeampi kuin koko maassa, mutta ero mahtuu "
                     "satunnaisvaihtelun ja pyöristyksen rajoihin")
    word, short, long = keyfigures._vs_country(11.5, 11.2, 11.8, 10.4, "PROS", 1)
    assert (word, short) == ("korkeampi", "1,1 prosenttiyksikköä korkeampi kuin koko maassa")
    assert long.endswith("(ero on satunnaisvaihtelua suurempi)")
    word, short, _ = keyfigures._vs_country(4.0, np.nan, np.nan, 4.4, "PER1000", 1)
    # issue 13 (1): no interval → no verdict, so it is counted as "ei arvioitavissa", not as "matalampi"
    assert word == "ei arvioitavissa" and "promilleyksikköä" in short and "ei voi arvioida" in short
    assert keyfigures._vs_country(4.0, 3.9, 4.1, 4.0, "PROS", 1)[1] == "sama kuin koko maassa"


def test_municipalities_text(figs):
    f = figs["sijoitetut"]
    assert int(f["munis_missing"]) >= 0 and int(f["munis_n"]) <= 30
    assert f["munis_text"].endswith(".")


def test_summary(figs):
    s = keyfigures.summary_figures(figs)
    assert int(s["indikaattoreita"]) == len(figs)
    assert int(s["nousevia"]) + int(s["laskevia"]) + int(s["ei_selvaa_muutosta"]) <= len(figs)


def test_unknown_key():
    t = stats.add_rates(demo_table())
    with pytest.raises(KeyError):
        keyfigures.indicator_figures(t, "ei-ole")


def test_empty_area_is_not_an_error():
    t = stats.add_rates(demo_table())
    t = t[~((t.key == "sijoitetut") & (t.role == "area"))]
    f = keyfigures.indicator_figures(t, "sijoitetut")
    assert f["latest"] == keyfigures.NA
    assert isinstance(pd.Series(f).str.len().sum(), (int, np.integer))


# ---------------------------------------------------------------------------------------- issue 13

def test_summary_counts_rate_only_indicators_as_not_assessable(figs):
    """Issue 13 (1): an indicator without an interval is neither "higher" nor "lower" than Koko maa.
    Recomputed from the rated table: no interval → not assessable; "clearly higher/lower" needs the
    area's interval wholly above/below the country value (the build may be stricter, never looser)."""
    s = keyfigures.summary_figures(figs)
    n = sum(int(s[k]) for k in ("korkeampia_kuin_koko_maa", "matalampia_kuin_koko_maa",
                                "samaa_tasoa_kuin_koko_maa", "ei_arvioitavissa_koko_maa"))
    assert n == int(s["indikaattoreita"])
    t = stats.add_rates(demo_table())
    higher = lower = no_ci = 0
    for key in figs:
        k = t[(t.key == key) & t.value.notna()]
        year = k[k.role == "area"].year.max()
        a, c = k[(k.role == "area") & (k.year == year)].iloc[0], k[(k.role == "country") & (k.year == year)]
        if pd.isna(a.ci_low) or c.empty:
            no_ci += 1
            assert figs[key]["vs_country_word"] in ("ei arvioitavissa", "")
            continue
        higher += a.ci_low > c.value.iloc[0]
        lower += a.ci_high < c.value.iloc[0]
    assert no_ci >= 1, "the demo has a rate-only indicator"
    assert s["ei_arvioitavissa_koko_maa"] == str(no_ci)
    assert int(s["korkeampia_kuin_koko_maa"]) <= higher and int(s["matalampia_kuin_koko_maa"]) <= lower


def test_difference_made_by_rounding_only_is_worded_so():
    """Issue 13 (6): published 0,8 vs 0,7 ‰, exact rates 0,012 ‰ apart → "ero alle pyöristystarkkuuden"."""
    word, short, _ = keyfigures._vs_country(0.8, 0.6, 1.0, 0.7, "PER1000", 1, exact_diff=0.012)
    assert word == "samaa tasoa" and "ero alle pyöristystarkkuuden" in short and "0,1" not in short


def test_tied_rank_is_printed_as_shared_range():
    """Issue 13 (6): a five-way tie is "jaettu sija 10.–14.", not the best rank alone."""
    assert keyfigures.rank_words(10, 14, 23) == ("10.–14.", "jaettu sija 10.–14./23")
    assert keyfigures.rank_words(13, 13, 23) == ("13.", "sija 13./23")


def test_trend_period_is_the_years_fitted(demo_rated):
    """Issue 13 (8): the printed period is the fit's first–last observed year, not the table's range."""
    t = demo_rated[~((demo_rated.key == "toimeentulotuki") & (demo_rated.role == "area")
                     & (demo_rated.year == 2015))]
    f = keyfigures.indicator_figures(t, "toimeentulotuki")
    assert f["trend_period"] == "2016–2024"


def test_per_inhabitant_wording_and_difference_units(figs):
    """Issue 13 (8): "5,5 asiakasta tuhatta asukasta kohden"; no "%-yks.." and a grammatical /100 000 unit."""
    f = figs["paihdepalvelut"]
    assert f["per_unit"] == "tuhatta asukasta kohden" and "‰" not in f["latest_number"]
    assert not f["change_period"].endswith(".")
    from sosrap.report import fmt
    assert "sataatuhatta" not in fmt.DIFF_UNIT_WORD["PER100000"]


def test_municipality_text_does_not_claim_all_others_are_within(figs):
    """Issue 13 (7): when municipalities lie beyond the 95 % limits, the text says so."""
    for f in figs.values():
        if f.get("munis_possible", "0") != "0":
            assert "muiden kuntien erot mahtuvat" not in f["munis_text"]
            assert "95\u00a0%:n rajojen ulkopuolella" in f["munis_text"]


def test_methods_text_is_generated_from_the_build(figs):
    """Issue 13 (7): the methods paragraphs name what was done (no interval for rate-only, ρ, φ, BH)."""
    s = keyfigures.summary_figures(figs)
    assert figs["pienituloisuus"]["title"] in s["menetelmat_luottamusvalit"]
    assert "ρ = " + figs["toimeentulotuki"]["trend_rho"] in s["menetelmat_kehitys"]
    assert "Benjamini" in s["menetelmat_kehitys"]
    assert "satunnaisvaikutusrajat" in s["menetelmat_suppilo"] and "φ" in s["menetelmat_suppilo"]


def test_key_figures_read_back_come_in_the_tables_order_or_say_what_is_missing(tmp_path):
    """A later stage reuses the key figures an upstream stage saved (sorted by key, with summary
    entries beside them): in the table's order, equal to computing them again."""
    import json
    from sosrap.errors import SosrapError
    table = stats.add_rates(demo_table())
    figures = keyfigures.key_figures(table)
    saved = json.loads(json.dumps({**figures, "kehitys": keyfigures.summary_figures(figures)}, sort_keys=True))
    back = keyfigures.in_table_order(saved, table)
    assert back == figures and list(back) == list(figures) != sorted(figures)
    first = next(iter(figures))
    with pytest.raises(SosrapError, match=rf"no key figures for indicator\(s\) {first}: .* rebuild"):
        keyfigures.in_table_order({k: v for k, v in saved.items() if k != first}, table)
