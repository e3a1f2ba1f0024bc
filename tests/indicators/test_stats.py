"""Statistics against known answers: published interval tables, the pre-statsmodels interval code,
simulated trends, hand-computed comparisons."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sosrap.indicators import stats


# ---------------------------------------------------------------------------------------------------------------
# Intervals against published reference values
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("x, lo, hi", [
    # Exact (Garwood) 95 % limits for a Poisson count, as tabulated e.g. in Ulm (1990),
    # Am J Epidemiol 131:373, and in most epidemiology textbooks.
    (0, 0.0, 3.689),
    (1, 0.0253, 5.572),
    (5, 1.624, 11.668),
    (10, 4.795, 18.390),
    (20, 12.217, 30.888),
])
def test_poisson_ci_reference(x, lo, hi):
    a, b = stats.poisson_ci(x)
    assert a == pytest.approx(lo, abs=6e-4)
    assert b == pytest.approx(hi, abs=6e-4)


@pytest.mark.parametrize("x, n, lo, hi", [
    # Newcombe (1998), Stat Med 17:857, Table I, method 3 (Wilson score, no continuity correction).
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_ci_reference(x, n, lo, hi):
    a, b = stats.wilson_ci(x, n)
    assert a == pytest.approx(lo, abs=6e-5)
    assert b == pytest.approx(hi, abs=6e-5)


def test_wilson_edges_and_vectorised():
    lo, hi = stats.wilson_ci(np.array([0, 20, 5]), np.array([20, 20, 0]))
    assert lo[0] == 0 and hi[1] == 1
    assert np.isnan(lo[2]) and np.isnan(hi[2])       # no denominator → no interval


def test_rate_ci_units():
    # 15 of 148 as a percentage → Newcombe's Wilson limits × 100
    lo, hi = stats.rate_ci(15, 148, "PROS")
    assert (lo, hi) == pytest.approx((6.24, 16.05), abs=0.01)
    # 10 events per 2 000 persons per 1 000 → Garwood limits / 2 000 × 1 000
    lo, hi = stats.rate_ci(10, 2000, "PER1000")
    assert (lo, hi) == pytest.approx((4.795 / 2, 18.390 / 2), abs=1e-3)
    assert all(math.isnan(v) for v in stats.rate_ci(float("nan"), 100, "PROS"))


# ---------------------------------------------------------------------------------------------------------------
# statsmodels replaces the hand-written Wilson and Garwood code: same numbers (issue #11)
# ---------------------------------------------------------------------------------------------------------------

def _old_poisson_ci(count, level=0.95):
    """The hand-written Garwood interval this project used before statsmodels (the oracle)."""
    from scipy import stats as st
    x = np.asarray(count, dtype=float)
    a = 1.0 - level
    with np.errstate(invalid="ignore"):
        lo = np.where(x > 0, st.chi2.ppf(a / 2, 2 * x) / 2, 0.0)
        hi = st.chi2.ppf(1 - a / 2, 2 * x + 2) / 2
    return np.where(np.isnan(x), np.nan, lo), hi


def _old_wilson_ci(count, n, level=0.95):
    """The hand-written Wilson score interval this project used before statsmodels (the oracle)."""
    from scipy import stats as st
    x, m = np.asarray(count, dtype=float), np.asarray(n, dtype=float)
    z = st.norm.ppf(1 - (1 - level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / m
        denom = 1 + z * z / m
        centre = (p + z * z / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
        lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    lo, hi = np.where(x == 0, 0.0, lo), np.where(x == m, 1.0, hi)
    bad = np.isnan(x) | np.isnan(m) | (m <= 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


COUNTS = np.arange(0, 2001, dtype=float)
DENOMINATORS = np.array([1, 2, 3, 7, 20, 29, 148, 263, 999, 2000, 4567, 10_000, 85_000, 413_000, 5_600_000],
                        dtype=float)


def _same_when_printed(old, new, scale):
    """Equal to every printed precision (0–4 decimals in the unit), and to float precision."""
    np.testing.assert_allclose(new, old, rtol=1e-12, atol=1e-15, equal_nan=True)
    for dec in range(5):
        assert np.array_equal(np.round(old * scale, dec), np.round(new * scale, dec), equal_nan=True), dec


@pytest.mark.parametrize("level", [0.95, 0.99, 0.998])
def test_poisson_ci_matches_the_old_code_on_a_grid(level):
    lo_old, hi_old = _old_poisson_ci(COUNTS, level)
    lo, hi = stats.poisson_ci(COUNTS, level)
    for n in DENOMINATORS:            # as rates per 1 000 of each denominator
        _same_when_printed(lo_old / n, lo / n, 1000)
        _same_when_printed(hi_old / n, hi / n, 1000)


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_wilson_ci_matches_the_old_code_on_a_grid(level):
    x, n = np.meshgrid(COUNTS, DENOMINATORS, indexing="ij")
    keep = x <= n
    x, n = x[keep], n[keep]
    lo_old, hi_old = _old_wilson_ci(x, n, level)
    lo, hi = stats.wilson_ci(x, n, level)
    _same_when_printed(lo_old, lo, 100)
    _same_when_printed(hi_old, hi, 100)


def test_intervals_keep_the_project_edge_rules():
    """What differs from plain statsmodels on purpose: exact 0 and 1 at the edges, NaN for a missing count
    (statsmodels would give a lower bound of 0), NaN rather than a warning for a zero denominator."""
    lo, hi = stats.poisson_ci(np.array([0.0, np.nan, 3.0]))
    assert lo[0] == 0.0 and np.isnan(lo[1]) and np.isnan(hi[1]) and lo[2] > 0
    lo, hi = stats.wilson_ci(np.array([0.0, 7.0, np.nan, 1.0]), np.array([7.0, 7.0, 7.0, 0.0]))
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert np.isnan(lo[2:]).all() and np.isnan(hi[2:]).all()
    assert isinstance(stats.poisson_ci(4)[0], float) and isinstance(stats.wilson_ci(4, 9)[1], float)


def test_add_rates_intervals_match_the_old_code_on_the_demo(demo_rated):
    t = demo_rated
    for method, old in (("wilson", lambda r: _old_wilson_ci(r["count"], np.round(r.denominator))),
                        ("poisson", lambda r: [b / r.denominator for b in _old_poisson_ci(r["count"])])):
        r = t[t.ci_method == method]
        assert len(r) > 100, method
        lo, hi = old(r)
        scale = r.value_type.map(stats.scale_of).to_numpy()
        np.testing.assert_allclose(r.ci_low.to_numpy(), np.asarray(lo) * scale, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(r.ci_high.to_numpy(), np.asarray(hi) * scale, rtol=1e-12, atol=1e-12)


def _toy_table() -> pd.DataFrame:
    base = dict(indicator=1, indicator_title="Testi, % väestöstä", theme="t", theme_title="T", key="k",
                value_type="PROS", decimals=1, producer="THL", region_category="KUNTA", region_code="1")
    rows = [
        {**base, "region_id": 1, "region_name": "A", "role": "area", "year": 2024, "value": 10.0,
         "count": 100.0, "population": 5000.0},                      # denominator 1 000 (20 % of population)
        {**base, "region_id": 2, "region_name": "B", "role": "municipality", "year": 2024, "value": np.nan,
         "count": np.nan, "population": 800.0},                      # suppressed
        {**base, "region_id": 3, "region_name": "C", "role": "municipality", "year": 2024, "value": 12.5,
         "count": np.nan, "population": 900.0},                      # rate only
        {**base, "region_id": 4, "region_name": "D", "role": "municipality", "year": 2023, "value": 5.0,
         "count": 10.0, "population": 1000.0},
        {**base, "region_id": 4, "region_name": "D", "role": "municipality", "year": 2024, "value": 0.0,
         "count": 0.0, "population": 1000.0},                        # zero count: estimated denominator
    ]
    return pd.DataFrame(rows)


def test_add_rates_derives_denominator_and_says_when_no_interval():
    t = stats.add_rates(_toy_table())
    a = t.iloc[0]
    assert a.denominator == pytest.approx(1000.0)                    # count / value × 100, not the population
    assert a.denominator_source == "derived" and a.ci_method == "wilson"
    lo, hi = stats.wilson_ci(100, 1000)
    assert (a.ci_low, a.ci_high) == pytest.approx((lo * 100, hi * 100))
    assert t.iloc[1].ci_note.startswith("ei julkaistu") and np.isnan(t.iloc[1].ci_low)
    assert "vain osuus" in t.iloc[2].ci_note and np.isnan(t.iloc[2].ci_low)
    z = t.iloc[4]
    assert z.denominator_source == "estimated" and z.denominator == pytest.approx(200.0)  # ratio 0,2 × 1 000
    assert z.ci_low == 0 and z.ci_high > 0


def test_diff_ci_and_direction():
    lo, hi = stats.diff_ci(6.0, 5.8, 6.2, 5.0, 4.8, 5.2)
    assert lo == pytest.approx(1 - math.sqrt(0.08)) and hi == pytest.approx(1 + math.sqrt(0.08))
    assert stats.change_direction(lo, hi) == stats.INCREASE
    assert stats.change_direction(-0.3, 0.2) == stats.NO_CHANGE
    assert stats.change_direction(0.05, 0.2, tol=0.05) == stats.NO_CHANGE   # within rounding of two values
    assert stats.change_direction(float("nan"), 1) == ""


def test_compare_respects_rounding():
    assert stats.compare(5.8, 5.73, 5.87, 5.7) == "higher"
    assert stats.compare(5.8, 5.73, 5.87, 5.7, tol=0.05) == "no_clear_difference"
    assert stats.compare(5.8, float("nan"), float("nan"), 5.7) == ""
    assert stats.compare(4.0, 3.5, 4.5, 6.0, tol=0.05) == "lower"


# ---------------------------------------------------------------------------------------------------------------
# Trends
# ---------------------------------------------------------------------------------------------------------------

YEARS = np.arange(2015, 2025)


def test_trend_recovers_known_change_from_poisson_counts():
    rng = np.random.default_rng(1)
    exposure = np.full(len(YEARS), 50_000.0)
    rate = 0.05 * 0.97 ** (YEARS - YEARS[0])                          # −3 % a year
    counts = rng.poisson(exposure * rate)
    tr = stats.fit_trend(YEARS, counts=counts, exposure=exposure)
    assert tr.direction == stats.DECREASE
    assert tr.ci_low < -3.0 < tr.ci_high
    assert tr.annual_pct == pytest.approx(-3.0, abs=0.5)
    assert tr.method in ("poisson", "negbin")


def test_trend_flat_noise_is_no_clear_change():
    rng = np.random.default_rng(7)
    exposure = np.full(len(YEARS), 3_000.0)
    counts = rng.poisson(exposure * 0.02)
    tr = stats.fit_trend(YEARS, counts=counts, exposure=exposure)
    assert tr.direction == stats.NO_CHANGE
    assert tr.ci_low < 0 < tr.ci_high


def test_trend_interval_coverage_under_overdispersion():
    """Year-to-year variation beyond Poisson (usual for big areas) must widen the interval,
    or every flat series of a big area would be called a change."""
    rng = np.random.default_rng(11)
    exposure = np.full(len(YEARS), 400_000.0)
    false_changes = 0
    n_sim = 200
    for _ in range(n_sim):
        mu = exposure * 0.06 * np.exp(rng.normal(0, 0.02, len(YEARS)))   # flat trend, 2 % extra noise
        tr = stats.fit_trend(YEARS, counts=rng.poisson(mu), exposure=exposure)
        false_changes += tr.direction != stats.NO_CHANGE
    assert false_changes / n_sim < 0.10          # nominal 5 %; a pure Poisson fit would give ~90 %


def test_trend_gaps_are_reported_not_filled():
    rng = np.random.default_rng(3)
    exposure = np.full(len(YEARS), 10_000.0)
    counts = rng.poisson(exposure * 0.1).astype(float)
    counts[1] = np.nan                                                # 2016 missing
    tr = stats.fit_trend(YEARS, counts=counts, exposure=exposure, period=YEARS)
    assert tr.n_years == 9 and tr.missing_years == [2016]


def test_trend_rates_only_uses_wls():
    rates = 10 * 1.02 ** (YEARS - YEARS[0]) * np.exp(np.random.default_rng(5).normal(0, 0.003, len(YEARS)))
    tr = stats.fit_trend(YEARS, rates=rates, weights=np.full(len(YEARS), 1000.0))
    assert tr.method == "wls" and tr.direction == stats.INCREASE
    assert tr.ci_low < 2.0 < tr.ci_high


def test_trend_too_few_years():
    tr = stats.fit_trend(YEARS[:3], counts=[5, 6, 7], exposure=[100, 100, 100])
    assert tr.direction == stats.INSUFFICIENT and math.isnan(tr.annual_pct)


def test_mild_overdispersion_widens_the_interval_quasi_poisson():
    """Dispersion above 1 but too little for a moment estimate of NB α: the
    interval uses the Pearson scale (and t), never the narrower Poisson one."""
    import statsmodels.api as sm
    years = list(range(2015, 2025))
    rng = np.random.default_rng(7)
    for _ in range(500):
        y = rng.poisson(800, len(years))
        tr = stats.fit_trend(years, counts=y, exposure=[100_000] * len(years))
        if tr.method == "quasipoisson":
            break
    else:
        pytest.fail("no series in the mild-overdispersion window")
    assert 1 < tr.dispersion
    X = sm.add_constant(np.arange(len(years)) - np.mean(np.arange(len(years))))
    pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log([100_000.0] * len(years))).fit()
    lo, hi = pois.conf_int()[1]
    pois_width = 100 * (np.exp(hi) - np.exp(lo))
    assert tr.ci_high - tr.ci_low > pois_width * np.sqrt(tr.dispersion) * 0.99


# ---------------------------------------------------------------------------------------- issue 13

def test_per_inhabitant_denominator_is_the_population(demo_rated):
    """Issue 13 (2): a per-inhabitant indicator's interval uses the exact population (recomputed here
    with scipy's chi-square quantiles, Garwood's exact Poisson interval), not a denominator derived from
    the rounded published value; age-specific ones stay derived."""
    from scipy.stats import chi2
    k = demo_rated[(demo_rated.key == "asunnottomuus") & (demo_rated.role == "area") & demo_rated["count"].notna()]
    r = k[k.year == k.year.max()]
    assert r.denominator_source.iloc[0] == "population"
    assert r.denominator.iloc[0] == r.population.iloc[0]
    n, pop = float(r["count"].iloc[0]), float(r.population.iloc[0])
    lo, hi = chi2.ppf(0.025, 2 * n) / 2 / pop * 1000, chi2.ppf(0.975, 2 * (n + 1)) / 2 / pop * 1000
    assert (r.ci_low.iloc[0], r.ci_high.iloc[0]) == (pytest.approx(lo, rel=1e-6), pytest.approx(hi, rel=1e-6))
    derived = n / r.value.iloc[0] * 1000                               # what the rounded value would give
    assert abs(derived - pop) / pop > 1e-3, "the demo data should show the difference"
    assert r.value.iloc[0] == round(n / pop * 1000, 1) or r.value.notna().all()   # the published value stays
    lk = demo_rated[(demo_rated.key == "lastensuojeluilmoitus") & demo_rated["count"].notna()]
    assert set(lk.denominator_source) == {"derived"}


def test_area_trend_from_exact_denominators(demo_rated):
    """Issue 13 (2): the area's trend is the log-linear rate model on the exact population, recomputed
    here with statsmodels' Poisson GLM directly (the point estimate does not depend on the dispersion)."""
    import statsmodels.api as sm
    k = demo_rated[(demo_rated.key == "asunnottomuus") & (demo_rated.role == "area") & demo_rated["count"].notna()]
    X = sm.add_constant(k.year.to_numpy(dtype=float) - k.year.min())
    fit = sm.GLM(k["count"].to_numpy(dtype=float), X, family=sm.families.Poisson(),
                 offset=np.log(k.population.to_numpy(dtype=float))).fit()
    expect = (np.exp(fit.params[1]) - 1) * 100
    tr = stats.trends(demo_rated[demo_rated.key == "asunnottomuus"], roles=("area",))
    assert tr.annual_pct.iloc[0] == pytest.approx(expect, abs=0.15)


def test_zero_count_fallback_is_not_the_total_population():
    """Issue 13 (8): a region whose counts are all 0 on an age-specific indicator gets the indicator's usual
    denominator share of its population, not the whole population."""
    rows = []
    for rid, pop, counts in ((1, 10_000, [50, 60, 55]), (2, 20_000, [100, 110, 120]), (3, 1_000, [0, 0, 0])):
        for y, c in zip((2022, 2023, 2024), counts):
            rows.append({"indicator": 1, "key": "k", "region_id": rid, "value_type": "PROS", "decimals": 1,
                         "year": y, "count": float(c), "population": float(pop),
                         "value": round(c / (pop * 0.2) * 100, 1)})
    t = stats.add_rates(pd.DataFrame(rows))
    z = t[t.region_id == 3]
    assert set(z.denominator_source) == {"estimated"}
    assert np.allclose(z.denominator, 200, rtol=0.05)


def test_rate_ci_never_above_100_percent():
    """Issue 13 (8): a proportion's interval stays within 0–100 % whichever method is forced."""
    lo, hi = stats.rate_ci(9, 10, "PROS", method="poisson")
    assert hi <= 100.0 and lo <= 100.0
    lo, hi = stats.rate_ci(12, 10, "PROS")
    assert hi <= 100.0


def _ar1_editions(rho, n_series=24, seed=3):
    rng = np.random.default_rng(seed)
    years = np.arange(2015, 2025)
    out = []
    for _ in range(n_series):
        e = np.empty(10)
        e[0] = rng.normal(0, 0.03)
        for i in range(1, 10):
            e[i] = rho * e[i - 1] + rng.normal(0, 0.03 * np.sqrt(1 - rho ** 2))
        out.append((years, rng.poisson(20_000 * np.exp(e)).astype(float)))
    return out


def test_serial_correlation_widens_trend_intervals():
    """Issue 13 (4): with AR(1) ρ = 0,6 and no trend, the project's independent fit calls ~30 % of series a
    change; with the pooled ρ correction about one in ten at most (the benchmark measures ≤ 10 %)."""
    from sosrap.indicators import serial
    series = _ar1_editions(0.6, 120)
    naive = [stats.fit_trend(y, counts=c, exposure=np.full(10, 400_000.0)) for y, c in series]
    rho = serial.pooled_rho((y, f.resid) for (y, _), f in zip(series, naive))
    assert 0.3 < rho < 0.95
    fixed = [stats.fit_trend(y, counts=c, exposure=np.full(10, 400_000.0), rho=rho) for y, c in series]
    called = lambda fs: sum(f.direction in (stats.INCREASE, stats.DECREASE) for f in fs)  # noqa: E731
    assert called(naive) >= 0.18 * len(series)
    assert called(fixed) <= 0.15 * len(series)
    assert all(f.ci_high - f.ci_low >= g.ci_high - g.ci_low for f, g in zip(fixed, naive))


def test_trends_report_pooled_rho_and_bh_q_values(demo_rated):
    """Issue 13 (4): `trends` states the correction it applied and the multiplicity-adjusted q-values."""
    tr = stats.trends(demo_rated, roles=("area", "country"))
    assert tr.serial_rho.nunique() == 1 and tr.serial_rho.iloc[0] >= 0
    a = tr[tr.role == "area"].dropna(subset=["p_value"])
    assert (a.q_value >= a.p_value - 1e-12).all()
