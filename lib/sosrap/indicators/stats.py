"""Honest statistics for a social report: rates with intervals, trends, comparison with a reference.

A report steers decisions, so a change it calls "growth" must be real and a
municipality of 1 000 people must be compared fairly with Oulu. Everything
here works on the tidy indicator table (`sosrap.indicators.build_table`):
one row per indicator × region × year with `value` (the published rate in the
indicator's unit), `count` (the published numerator, Sotkanet absValue) and
`population` (the region's total population).

Rates and their denominators
----------------------------
Sotkanet publishes a rate (`value`) and, for most indicators, its numerator
(`count`). For a per-inhabitant indicator the denominator is the region's
population (the edition's `population_indicator`): `population_is_denominator`
recognises one from the data (count / population reproduces the published
value within its rounding), and the denominator is then exact
(`denominator_source = "population"`). Otherwise the denominator is not the
total population ("% of 0–17-year-olds", "% of the labour force") and the
edition fetches no matching population, so it is derived::

    denominator = count / value × scale      (scale 100 for PROS, 1 000 for PER1000)

The published value is rounded (usually to one decimal), so the derived
denominator is only as precise as that rounding (±0,05 on 1,4 % is ±4 %;
the methods text says these intervals are approximate). When the count is 0
(so 0/0), the denominator is the region's usual denominator-to-population
ratio (else the indicator's) × that year's population (`"estimated"`). The
point estimate is always the published value.

Intervals (95 % unless *level* says otherwise), computed by statsmodels:

* proportions (PROS: persons out of persons) — Wilson score interval
  (Newcombe 1998, method 3; `proportion_confint(method="wilson")`), good at
  small counts and never outside 0–100 %;
* rates per 1 000 / 100 000 (events or clients per inhabitant) — exact
  Poisson interval (Garwood 1936; `confint_poisson(method="exact-c")`);
* rate-only indicators (no count published) — **no interval**: we say so
  (`ci_note`) instead of inventing one.

Trends
------
`fit_trend` fits, per indicator and region, a log-linear model of the rate on
the year and reports the *average annual relative change in %* with its
interval:

* with counts: a Poisson GLM with log(denominator) as offset; when the
  Pearson dispersion exceeds 1 (year-to-year variation larger than Poisson
  noise, usual for big areas) a negative-binomial (NB2) GLM with α estimated by
  the method of moments, and t-quantiles on n − 2 degrees of freedom, because
  α is estimated from ~10 points;
* rates only: weighted least squares on log(rate), weights ∝ population,
  t-quantiles.

The change is called an increase or decrease only when the interval excludes
zero; otherwise "no clear change". Missing or suppressed years are left out of
the fit (the year is a covariate, so a gap needs no filling) and reported as
gaps; nothing is interpolated. Fewer than `MIN_YEARS` observed years → no trend.
Serial correlation: yearly values are not independent given the trend. `trends`
pools one lag-1 residual correlation over all series of the edition and widens
every interval for it (`sosrap.indicators.serial`); without it ~30 % of
trend-free AR(1) (ρ = 0,6) series were called a change, with it ~5 %
(`benchmarks/bench_stats_sim.py`). Multiplicity: `q_value` gives the
Benjamini–Hochberg adjustment across the edition's indicators.

Comparison
----------
`compare`, `diff_ci` and `change_direction` say whether a value differs from a
reference, or a change from zero, only when its interval says so. Published
values are rounded, so a difference must also exceed the rounding precision
(`rounding_tolerance`) before it is called one. Fair comparison of many areas
(funnel plots, ranks with uncertainty) is `sosrap.indicators.funnel`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from sosrap.indicators import serial
from sosrap.indicators.glm import clean_series as _clean_series, fit_counts as _fit_counts
from sosrap.indicators.denominators import denominator_columns, population_is_denominator  # noqa: F401
from sosrap.report import wording as _wording

LEVEL = 0.95
MIN_YEARS = 5
SCALE = {"PROS": 100.0, "PER1000": 1000.0, "PER100000": 100000.0}

# Trend directions (machine-readable).
INCREASE, DECREASE, NO_CHANGE, INSUFFICIENT = "increase", "decrease", "none", "insufficient"

#: the trend direction in Finnish (the report's language: `wording.trend_word`)
TREND_WORD_FI = {**_wording.group("kf.trend_word", "fi"), "": _wording.t("kf.trend_word.insufficient", "fi")}


def scale_of(value_type: str) -> float:
    """Multiplier from a proportion (per person) to the published unit; LKM/unknown → 1."""
    return SCALE.get(value_type, 1.0)


def is_proportion(value_type: str) -> bool:
    """PROS indicators count persons out of persons (binomial); per-1 000 rates count events or clients (Poisson)."""
    return value_type == "PROS"


# --------------------------------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------------------------------

def _same_shape(a: np.ndarray, b: np.ndarray) -> tuple:
    """Floats for 0-d input, arrays otherwise."""
    return (a[()] if np.ndim(a) == 0 else a), (b[()] if np.ndim(b) == 0 else b)


def poisson_ci(count: float | np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for a Poisson count: statsmodels' `confint_poisson(method="exact-c")`.

    0 → (0, 3,689) at 95 %. Returns floats (arrays for array input); NaN in → NaN out
    (statsmodels turns a NaN lower bound into 0, as for a zero count: a missing count stays missing here).
    Divide by the exposure and multiply by the scale to get a rate interval.
    """
    x = np.asarray(count, dtype=float)
    with np.errstate(invalid="ignore"):
        lo, hi = confint_poisson(x, 1.0, method="exact-c", alpha=1.0 - level)
    lo = np.where(np.isnan(x), np.nan, np.where(x > 0, lo, 0.0))
    return _same_shape(lo, np.asarray(hi, dtype=float))


def wilson_ci(count: float | np.ndarray, n: float | np.ndarray, level: float = LEVEL
              ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion count/n (no continuity correction), in 0…1:
    statsmodels' `proportion_confint(method="wilson")`.

    Newcombe (1998) method 3: 81/263 → (0,2553, 0,3662); 0/20 → (0, 0,1611).
    Kept on purpose: the bounds are exactly 0 at count 0 and 1 at count n (float
    rounding would leave ±1e-17), and n ≤ 0 or a missing input gives NaN, not a warning.
    """
    x = np.asarray(count, dtype=float)
    m = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo, hi = proportion_confint(x, m, alpha=1.0 - level, method="wilson")
    lo = np.where(x == 0, 0.0, lo)
    hi = np.where(x == m, 1.0, hi)
    bad = np.isnan(x) | np.isnan(m) | (m <= 0)
    return _same_shape(np.where(bad, np.nan, lo), np.where(bad, np.nan, hi))


def rate_ci(count: float, denominator: float, value_type: str, level: float = LEVEL,
            method: str = "auto") -> tuple[float, float]:
    """Interval of count/denominator in the indicator's unit (% or ‰ …).

    *method* "auto": Wilson for PROS when count ≤ denominator, else exact Poisson;
    "wilson" or "poisson" to force one. NaN when either input is missing.
    """
    if not (np.isfinite(count) and np.isfinite(denominator)) or denominator <= 0:
        return float("nan"), float("nan")
    s = scale_of(value_type)
    if method == "wilson" or (method == "auto" and is_proportion(value_type) and count <= denominator):
        lo, hi = wilson_ci(count, round(denominator), level)
        return float(lo) * s, float(hi) * s
    lo, hi = poisson_ci(count, level)
    lo, hi = float(lo) / denominator * s, float(hi) / denominator * s
    if is_proportion(value_type):   # a proportion cannot exceed 100 %, whichever interval was used
        lo, hi = min(lo, s), min(hi, s)
    return lo, hi


def add_rates(table: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """The table with a denominator and an interval for every row that has a count.

    Added columns: `denominator` (persons at risk), `denominator_source`
    ("population" = the region's population, exact, for per-inhabitant
    indicators; "derived" = count/value×scale, approximate; "estimated" =
    usual ratio × population for a zero count; "" = none), `ci_low`,
    `ci_high` (the interval in the indicator's unit, never above 100 % for
    a proportion), `ci_method` ("wilson", "poisson" or ""), `ci_note`
    (in the report's language: why there is no interval). The published `value` stays the
    point estimate.
    """
    t = table.copy()
    s = t.value_type.map(lambda v: scale_of(v))
    t["denominator"], t["denominator_source"] = denominator_columns(t, s)
    c = t["count"].to_numpy(float)
    n = t["denominator"].to_numpy(float)
    sc = s.to_numpy(float)
    known = t.value_type.isin(list(SCALE)).to_numpy()
    ok = np.isfinite(c) & np.isfinite(n) & (n > 0) & known
    prop = t.value_type.eq("PROS").to_numpy()
    wil = ok & prop & (c <= n)
    poi = ok & ~wil
    lo = np.full(len(t), np.nan)
    hi = np.full(len(t), np.nan)
    wl, wh = wilson_ci(c[wil], np.round(n[wil]), level)
    lo[wil], hi[wil] = wl * sc[wil], wh * sc[wil]
    pl, ph = poisson_ci(c[poi], level)
    lo[poi], hi[poi] = pl / n[poi] * sc[poi], ph / n[poi] * sc[poi]
    hi = np.where(prop & np.isfinite(hi), np.minimum(hi, sc), hi)   # a proportion never exceeds 100 %
    lo = np.where(prop & np.isfinite(lo), np.minimum(lo, sc), lo)
    methods = np.where(wil, "wilson", np.where(poi, "poisson", ""))
    t["ci_low"], t["ci_high"], t["ci_method"] = lo, hi, methods
    notes = np.where(t["value"].isna(), _wording.t("kf.ci_note.not_published"),
                     np.where(t["count"].isna(), _wording.t("kf.ci_note.rate_only"), ""))
    t["ci_note"] = notes
    return t


# --------------------------------------------------------------------------------------------------------------
# Trends
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Trend:
    """Average annual relative change of a rate, in % per year, with its interval."""
    method: str                      # "poisson", "quasipoisson", "negbin", "wls" or "" (no fit)
    annual_pct: float                # e.g. −1.2 = the rate falls 1,2 % a year on average
    ci_low: float
    ci_high: float
    direction: str                   # INCREASE / DECREASE / NO_CHANGE / INSUFFICIENT
    n_years: int                     # years in the fit
    first_year: int | None
    last_year: int | None
    missing_years: list[int] = field(default_factory=list)  # gaps inside the period, never filled
    dispersion: float = float("nan")  # Pearson χ²/df of the Poisson fit (1 = Poisson noise)
    alpha: float = float("nan")       # NB2 α when method == "negbin"
    level: float = LEVEL
    serial_rho: float = 0.0           # lag-1 correlation the interval allows for (`serial`, pooled by `trends`)
    p_value: float = float("nan")     # two-sided, of "no change", after the serial correction
    resid: tuple = field(default=(), repr=False, compare=False)   # standardised residuals (fit years order)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("resid", None)
        d["missing_years"] = ",".join(str(y) for y in self.missing_years)
        return d


def _direction(lo: float, hi: float) -> str:
    if lo > 0:
        return INCREASE
    if hi < 0:
        return DECREASE
    return NO_CHANGE


def _expected_years(years: Iterable[int] | None, observed: Sequence[int]) -> list[int]:
    if years is not None:
        return sorted(set(int(y) for y in years))
    return list(range(min(observed), max(observed) + 1)) if len(observed) else []


def _missing_years(observed: list[int], period: Iterable[int] | None) -> list[int]:
    expected = _expected_years(period, observed)
    return [yy for yy in expected if yy not in set(observed)
            and (not observed or observed[0] <= yy <= observed[-1] or period is not None)]


def fit_trend(years: Sequence[int], *, counts: Sequence[float] | None = None,
              exposure: Sequence[float] | None = None, rates: Sequence[float] | None = None,
              weights: Sequence[float] | None = None, period: Iterable[int] | None = None,
              level: float = LEVEL, min_years: int = MIN_YEARS, rho: float = 0.0) -> Trend:
    """Fit a log-linear trend and return the average annual change in %.

    Give *counts* and *exposure* (denominators, persons) for the GLM, or *rates*
    (and optional *weights*, e.g. population) for WLS. NaN entries are dropped
    (a gap). *period* lists the years that should have data; those without a
    usable value are reported in `missing_years`. *rho* > 0 widens the interval
    for AR(1) serial correlation of the yearly values (`serial.variance_factor`;
    `trends` estimates one pooled ρ for the edition).
    """
    from statsmodels.regression.linear_model import WLS     # not statsmodels.api: see glm.fit_counts

    yrs = np.asarray(years, dtype=float)
    use_counts, y, ew, ok = _clean_series(yrs, counts, exposure, rates, weights)
    observed = sorted(int(v) for v in yrs[ok])
    n = int(ok.sum())
    base = dict(n_years=n, first_year=observed[0] if observed else None,
                last_year=observed[-1] if observed else None, missing_years=_missing_years(observed, period),
                level=level)
    nan = float("nan")
    if n < max(min_years, 3) or (use_counts and np.nansum(y[ok]) == 0):
        return Trend("", nan, nan, nan, INSUFFICIENT, **base)

    t = yrs[ok] - yrs[ok].mean()
    X = np.column_stack([np.ones(n), t])
    a = 1 - level
    if use_counts:
        b, se, q, method, extra = _fit_counts(y[ok], X, np.log(ew[ok]), a)
    else:
        res = WLS(np.log(y[ok]), X, weights=ew[ok] / np.mean(ew[ok])).fit()
        b, se = float(res.params[1]), float(res.bse[1])
        q, method = _st.t.ppf(1 - a / 2, n - 2), "wls"
        extra = {"resid": tuple(float(v) for v in np.asarray(res.resid) * np.sqrt(ew[ok] / np.mean(ew[ok])))}
    rho = max(float(rho), 0.0) if np.isfinite(rho) else 0.0
    if rho > 0:
        se *= math.sqrt(serial.variance_factor(yrs[ok], rho))
        q = max(q, _st.t.ppf(1 - a / 2, n - 2))
    pct = 100 * math.expm1(b)
    lo, hi = 100 * math.expm1(b - q * se), 100 * math.expm1(b + q * se)
    p = float(2 * _st.t.sf(abs(b / se), n - 2)) if se > 0 else float("nan")
    return Trend(method, pct, lo, hi, _direction(lo, hi), **base, **extra, serial_rho=rho, p_value=p)


def trend_of(rows: pd.DataFrame, period: Iterable[int] | None = None, level: float = LEVEL,
             rho: float = 0.0) -> Trend:
    """Trend of one indicator × region from its table rows (after `add_rates`, or raw).

    Counts are used when at least `MIN_YEARS` years have both a count and a
    denominator; otherwise the published rates with WLS.
    """
    r = rows.sort_values("year")
    if "denominator" not in r.columns:
        r = add_rates(r)
    usable = r["count"].notna() & r["denominator"].notna()
    if usable.sum() >= MIN_YEARS:
        return fit_trend(r.year.to_numpy(), counts=r["count"].where(usable).to_numpy(float),
                         exposure=r["denominator"].to_numpy(float), period=period, level=level, rho=rho)
    return fit_trend(r.year.to_numpy(), rates=r["value"].to_numpy(float),
                     weights=r["population"].to_numpy(float), period=period, level=level, rho=rho)


def trends(table: pd.DataFrame, roles: Iterable[str] = ("area", "country", "peer"),
           level: float = LEVEL, serial_correction: bool = True) -> pd.DataFrame:
    """One row per indicator key × region of *roles*: the `Trend` fields plus key, region and role.

    The period is the indicator's year range in the table, so a year missing
    for everyone (e.g. not collected) is a gap too. With *serial_correction*
    (the default) every series is first fitted as independent, one lag-1
    residual correlation is pooled over all of them (`serial.pooled_rho`), and
    the series are refitted with intervals widened for it (`serial_rho`).
    `q_value` is the Benjamini–Hochberg adjusted p-value across the indicators
    of each role (the multiplicity of testing a whole edition; reported in the
    methods text, the verdict itself follows the interval).
    """
    t = table if "denominator" in table.columns else add_rates(table)
    t = t[t.role.isin(list(roles))]
    groups = []
    for key, k in t.groupby("key", sort=False):
        period = range(int(table.loc[table.key == key, "year"].min()),
                       int(table.loc[table.key == key, "year"].max()) + 1)
        for (rid, role, name), g in k.groupby(["region_id", "role", "region_name"], sort=False):
            groups.append((key, int(rid), role, name, g, period))
    fits = [trend_of(g, period, level) for *_, g, period in groups]
    rho = 0.0
    if serial_correction:
        rho = serial.pooled_rho((_fit_years(f), f.resid) for f in fits if f.resid)
        rho = rho if np.isfinite(rho) and rho > 0 else 0.0
        if rho > 0:
            fits = [trend_of(g, period, level, rho) for *_, g, period in groups]
    out = pd.DataFrame([{"key": key, "region_id": rid, "role": role, "region_name": name, **f.as_dict()}
                        for (key, rid, role, name, _, _), f in zip(groups, fits)])
    if len(out):
        out["q_value"] = out.groupby("role", group_keys=False)["p_value"].transform(serial.bh_qvalues)
    return out


def _fit_years(f: Trend) -> list[int]:
    """The years a trend was fitted on (observed years; gaps left out)."""
    return [y for y in range(f.first_year, f.last_year + 1) if y not in set(f.missing_years)][:len(f.resid)]


# --------------------------------------------------------------------------------------------------------------
# Comparison with a reference
# --------------------------------------------------------------------------------------------------------------

def rounding_tolerance(decimals: int) -> float:
    """Half a unit of the last published decimal: the most a rounded value can be off."""
    return 0.5 * 10.0 ** (-int(decimals))


def diff_ci(v1: float, lo1: float, hi1: float, v2: float, lo2: float, hi2: float) -> tuple[float, float]:
    """Interval of v1 − v2 from the two values' own intervals (MOVER; Newcombe 1998 method 10
    when the intervals are Wilson, Li–Tang–Wong for Poisson rates). Asymmetric intervals stay
    honest at small counts. NaN when either interval is missing."""
    if not all(np.isfinite(v) for v in (v1, lo1, hi1, v2, lo2, hi2)):
        return float("nan"), float("nan")
    d = v1 - v2
    return (d - math.sqrt((v1 - lo1) ** 2 + (hi2 - v2) ** 2),
            d + math.sqrt((hi1 - v1) ** 2 + (v2 - lo2) ** 2))


def change_direction(lo: float, hi: float, tol: float = 0.0) -> str:
    """INCREASE / DECREASE when the interval of a difference clears zero by more than the
    rounding of two published values (2 × *tol*); NO_CHANGE otherwise; "" without an interval."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    if lo > 2 * tol:
        return INCREASE
    if hi < -2 * tol:
        return DECREASE
    return NO_CHANGE


def compare(value: float, ci_low: float, ci_high: float, reference: float, tol: float = 0.0) -> str:
    """"higher" / "lower" when the interval excludes *reference*, "no_clear_difference" when it
    includes it, "" when there is no interval (rate-only indicators).

    Both figures are published rounded, so the interval must clear the
    reference by more than 2 × *tol* (`rounding_tolerance`) to count.
    """
    if not all(np.isfinite(v) for v in (value, reference)):
        return ""
    if not (np.isfinite(ci_low) and np.isfinite(ci_high)):
        return ""
    if ci_low - tol > reference + tol:
        return "higher"
    if ci_high + tol < reference - tol:
        return "lower"
    return "no_clear_difference"
