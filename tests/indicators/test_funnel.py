"""Funnel plots and ranks against hand-computed cases, and their tables on a small toy table and the demo."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosrap.indicators import funnel


# ---------------------------------------------------------------------------------------------------------------
# Funnel limits against hand-computed cases
# ---------------------------------------------------------------------------------------------------------------

def test_funnel_limits_normal_hand_computed():
    # θ = 10 %, n = 1 000: SE = √(0,1·0,9/1 000) = 0,0094868
    # 95 %: 0,1 ± 1,959964·0,0094868 = 0,1 ± 0,018594 → 8,1406 % … 11,8594 %
    # 99,8 %: 0,1 ± 3,090232·0,0094868 = 0,1 ± 0,029317 → 7,0683 % … 12,9317 %
    lim = funnel.funnel_limits(10.0, [1000], "PROS", method="normal").iloc[0]
    assert lim.lo_95 == pytest.approx(8.1406, abs=1e-3) and lim.hi_95 == pytest.approx(11.8594, abs=1e-3)
    assert lim["lo_99.8"] == pytest.approx(7.0683, abs=1e-3)
    assert lim["hi_99.8"] == pytest.approx(12.9317, abs=1e-3)


def test_funnel_limits_exact_poisson_hand_computed():
    # Target 2 ‰, exposure 1 000 → λ = 2. Poisson(2) CDF: F(4) = 0,947347, F(5) = 0,983436.
    # Upper 97,5 % quantile r = 5; α = (F(5) − 0,975) / (F(5) − F(4)) = 0,008436 / 0,036089 = 0,23376;
    # limit = (5 − 0,23376) / 1 000 × 1 000 = 4,7662 ‰. Lower: r = 0, α > 0 → clipped to 0.
    lim = funnel.funnel_limits(2.0, [1000], "PER1000").iloc[0]
    assert lim.hi_95 == pytest.approx(4.7662, abs=1e-3)
    assert lim.lo_95 == 0.0


def test_funnel_limits_exact_close_to_normal_for_large_n():
    ex = funnel.funnel_limits(10.0, [200_000], "PROS").iloc[0]
    no = funnel.funnel_limits(10.0, [200_000], "PROS", method="normal").iloc[0]
    assert ex.lo_95 == pytest.approx(no.lo_95, abs=0.01) and ex.hi_95 == pytest.approx(no.hi_95, abs=0.01)


def test_funnel_limits_widen_as_area_shrinks():
    lim = funnel.funnel_limits(5.0, [500, 5000, 50000], "PROS")
    widths = (lim["hi_99.8"] - lim["lo_99.8"]).to_numpy()
    assert widths[0] > widths[1] > widths[2]


def test_small_area_not_flagged_on_noise_but_big_one_is():
    # The same rate 8 % against a target of 5 %: 4 of 50 is noise, 4 000 of 50 000 is not.
    lim = funnel.funnel_limits(5.0, [50, 50_000], "PROS")
    small = funnel.funnel_flag(8.0, *lim.iloc[0][["lo_95", "hi_95", "lo_99.8", "hi_99.8"]])
    big = funnel.funnel_flag(8.0, *lim.iloc[1][["lo_95", "hi_95", "lo_99.8", "hi_99.8"]])
    assert small == funnel.WITHIN and big == funnel.ABOVE_998


def test_rank_intervals_deterministic_and_sensible():
    v = np.array([9.0, 8.0, 5.0])
    c = np.array([9.0, 8000.0, 5000.0])
    n = np.array([100.0, 100_000.0, 100_000.0])
    a = funnel.rank_intervals(v, c, n, "PROS")
    b = funnel.rank_intervals(v, c, n, "PROS")
    assert (a[0] == b[0]).all() and (a[1] == b[1]).all()
    lo, hi = a
    assert lo[0] == 1 and hi[0] >= 2          # 9 of 100 could well be below 8 %
    assert (lo[1], hi[1]) == (1, 2)           # 8 000 of 100 000 is precise; only the small unit moves around it
    assert hi[2] == 3 and lo[2] >= 2


# ---------------------------------------------------------------------------------------------------------------
# Funnel and rank tables
# ---------------------------------------------------------------------------------------------------------------

def _toy(rows) -> pd.DataFrame:
    base = dict(indicator=1, indicator_title="Testi, % väestöstä", theme="t", theme_title="T", key="k",
                value_type="PROS", decimals=1, producer="THL", region_category="KUNTA", region_code="1")
    return pd.DataFrame([{**base, **r} for r in rows])


def _units():
    """An area at 5 %, five municipalities: big and high, small and high, two level, one suppressed in 2024
    (its row is absent altogether, as Sotkanet does), and a peer county."""
    out = [
        dict(region_id=1, region_name="Alue", role="area", year=2024, value=5.0, count=5000.0, population=1e5),
        dict(region_id=2, region_name="Iso", role="municipality", year=2024, value=8.0, count=4000.0,
             population=5e4),
        dict(region_id=3, region_name="Pieni", role="municipality", year=2024, value=8.0, count=4.0, population=50.),
        dict(region_id=4, region_name="Tasan", role="municipality", year=2024, value=5.0, count=500.0,
             population=1e4),
        dict(region_id=5, region_name="Tasan2", role="municipality", year=2024, value=5.0, count=50.0,
             population=1e3),
        dict(region_id=6, region_name="Piilo", role="municipality", year=2023, value=4.0, count=8.0,
             population=200.),
        dict(region_id=7, region_name="Naapuri", role="peer", year=2024, value=6.0, count=600.0, population=1e4),
    ]
    return _toy(out)


def test_funnel_data_flags_and_reports_missing_units():
    units, info = funnel.funnel_data(_units(), "k", year=2024)
    flags = dict(zip(units.region_name, units.flag))
    assert flags == {"Iso": funnel.ABOVE_998, "Pieni": funnel.WITHIN, "Tasan": funnel.WITHIN,
                     "Tasan2": funnel.WITHIN, "Piilo": funnel.NO_DATA}
    assert info["target"] == 5.0 and info["target_name"] == "Alue" and info["year"] == 2024
    assert info["n_units"] == 5 and info["n_missing"] == 1           # the absent unit is listed, not dropped
    piilo = units[units.region_name == "Piilo"].iloc[0]
    assert np.isnan(piilo.value) and piilo.ci_note.startswith("ei julkaistu")
    assert set(units.flag_text) <= set(funnel.FLAG_FI.values())
    with pytest.raises(KeyError):
        funnel.funnel_data(_units(), "nope")


def test_funnel_data_without_counts_flags_nothing():
    t = _units().assign(count=np.nan)
    units, info = funnel.funnel_data(t, "k", year=2024)
    assert not info["has_counts"] and (units.flag == funnel.NO_DATA).all()
    assert units["lo_95"].isna().all()


def test_funnel_flag_needs_more_than_rounding():
    assert funnel.funnel_flag(10.0, 8.0, 9.96, 7.0, 11.0) == funnel.ABOVE_95
    assert funnel.funnel_flag(10.0, 8.0, 9.96, 7.0, 11.0, tol=0.05) == funnel.WITHIN
    assert funnel.funnel_flag(float("nan"), 8.0, 9.96, 7.0, 11.0) == funnel.NO_DATA


def test_ranked_table_orders_ties_and_unpublished():
    t = _units()
    t.loc[t.region_name == "Naapuri", "value"] = 5.0                 # ties with the area
    ranked = funnel.ranked_table(t, "k", roles=("area", "peer", "municipality"), reference_role=None)
    assert ranked.region_name.tolist() == ["Iso", "Pieni", "Alue", "Naapuri", "Tasan", "Tasan2", "Piilo"]
    assert ranked["rank"].tolist()[:6] == [1, 1, 3, 3, 3, 3]           # ties share the best rank
    assert np.isnan(ranked["rank"].iloc[-1]) and ranked.year.eq(2024).all()
    small = ranked[ranked.region_name == "Pieni"].iloc[0]
    assert small.rank_low == 1 and small.rank_high >= 5              # 4 of 50 could rank almost anywhere
    assert (ranked.vs_reference.iloc[:6] == "").all()                # no reference, no verdict


def test_ranked_table_against_the_country(demo_rated):
    key = str(demo_rated[demo_rated["count"].notna()].key.iloc[0])
    r = funnel.ranked_table(demo_rated, key)
    pub = r.dropna(subset=["value"])
    assert set(pub.role) <= {"area", "peer"} and (pub.value.diff().dropna() <= 0).all()
    assert (pub.rank_low <= pub["rank"]).all() and (pub["rank"] <= pub.rank_high).all()
    assert set(r.vs_reference) <= {"higher", "lower", "no_clear_difference", ""}
    assert r.reference.nunique() == 1 and np.isfinite(r.reference.iloc[0])


# ---------------------------------------------------------------------------------------- issue 13

def test_overdispersion_gives_random_effects_limits_and_few_flags(demo_rated):
    """Issue 13 (3): φ is estimated; where significant, random-effects limits flag far fewer municipalities
    than the 53 the Poisson/binomial limits flagged (about 1 expected by chance)."""
    total = 0
    for key in demo_rated.key.unique():
        u, info = funnel.funnel_data(demo_rated, key)
        if info["has_counts"]:
            assert np.isfinite(info["phi"])
            if info["phi_p"] < 0.05:
                assert info["limits"] == "random_effects"
        total += info["n_above_998"] + info["n_below_998"]
    assert total <= 15
    _, info = funnel.funnel_data(demo_rated, "toimeentulotuki")
    assert info["phi"] > 5 and info["limits"] == "random_effects"


def test_municipality_compared_with_the_rest_of_the_area(demo_rated):
    """Issue 13 (3): the target of a unit leaves the unit out (Oulu is about half of the area)."""
    u, info = funnel.funnel_data(demo_rated, "toimeentulotuki")
    area = demo_rated[(demo_rated.key == "toimeentulotuki") & (demo_rated.role == "area")
                      & (demo_rated.year == info["year"])].iloc[0]
    big = u.loc[u.denominator.idxmax()]
    expect = (area["count"] - big["count"]) / (area.denominator - big.denominator) * 100
    assert big.target_unit == pytest.approx(expect)
    assert abs(big.target_unit - info["target"]) > 1e-3            # leaving the unit out moves the target
    assert u.target_unit.notna().all()


def test_ranked_table_gives_the_shared_rank_range():
    """Issue 13 (6): ties carry both ends of the shared ranks."""
    t = _units()
    t.loc[t.region_name == "Naapuri", "value"] = 5.0
    ranked = funnel.ranked_table(t, "k", roles=("area", "peer", "municipality"), reference_role=None)
    assert ranked["rank"].tolist()[:6] == [1, 1, 3, 3, 3, 3]
    assert ranked["rank_max"].tolist()[:6] == [2, 2, 6, 6, 6, 6]


def test_repeated_questions_are_answered_once_each_caller_with_its_own_copy(monkeypatch):
    """`funnel_data` / `ranked_table` keep results by the content of the indicator's rows: the same
    content again is not recomputed, other content (or options, or language) is, and a caller that
    changes its result does not change the next caller's."""
    from sosrap.report import wording
    calls = []
    real = funnel._limits
    monkeypatch.setattr(funnel, "_limits", lambda *a, **k: calls.append(1) or real(*a, **k))
    funnel._MEMO.clear()
    t = _units()
    first, info = funnel.funnel_data(t, "k", year=2024)
    first.loc[:, "flag"] = "mutated"
    info["target"] = -1
    again, info2 = funnel.funnel_data(t.copy(), "k", year=2024)          # another object, same content
    assert len(calls) == 1
    assert "mutated" not in set(again.flag) and info2["target"] == 5.0
    pd.testing.assert_frame_equal(again, funnel.funnel_data.__wrapped__(t, "k", year=2024)[0])   # uncached
    assert len(calls) == 2
    changed = t.copy()
    changed.loc[changed.region_name == "Iso", "value"] = 5.0
    units, _ = funnel.funnel_data(changed, "k", year=2024)
    assert len(calls) == 3 and dict(zip(units.region_name, units.flag))["Iso"] == funnel.WITHIN
    funnel.funnel_data(t, "k", year=2024, leave_out=False)
    assert len(calls) == 4
    with wording.using("sv"):
        sv, _ = funnel.funnel_data(t, "k", year=2024)
    assert len(calls) == 5 and set(sv.flag_text) != set(again.flag_text)
    r1 = funnel.ranked_table(t, "k", year=2024)
    r1.loc[:, "rank"] = 99
    assert (funnel.ranked_table(t, "k", year=2024)["rank"] != 99).all()
