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
    assert f["change_prev"].endswith("%-yks.")


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
    assert keyfigures.trend_phrase(tr(-1.9, -1.5, -1.7)) == (
        f"laskenut keskimäärin 1,7{NB}% vuodessa (95{NB}%:n luottamusväli {M}1,9…{M}1,5{NB}%)")
    assert keyfigures.trend_phrase(tr(0.5, 2.0, 1.2)).startswith("kasvanut keskimäärin 1,2")
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
    assert word == "matalampi" and "promilleyksikköä" in short and "ei voi arvioida" in short
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
