"""Honest statistics for a social report: rates with intervals, trends, fair comparison of areas.

A report steers decisions, so a change it calls "growth" must be real and a
municipality of 1 000 people must be compared fairly with Oulu. Everything
here works on the tidy indicator table (`sosrap.indicators.build_table`):
one row per indicator × region × year with `value` (the published rate in the
indicator's unit), `count` (the published numerator, Sotkanet absValue) and
`population` (the region's total population).

Rates and their denominators
----------------------------
Sotkanet publishes a rate (`value`) and, for most indicators, its numerator
(`count`). The denominator is often *not* the total population ("% of
0–17-year-olds", "% of the labour force"), so when both exist it is derived::

    denominator = count / value × scale      (scale 100 for PROS, 1 000 for PER1000)

The published value is rounded (usually to one decimal), so the derived
denominator is only as precise as that rounding (±0,05 on 1,4 % is ±4 %):
good enough for an interval's width, never used to re-publish a rate. When the
count is 0 (so 0/0), the denominator is estimated as the region's usual
denominator-to-population ratio × that year's population
(`denominator_source = "estimated"`). The point estimate is always the
published value.

Intervals (95 % unless *level* says otherwise):

* proportions (PROS: persons out of persons) — Wilson score interval
  (Newcombe 1998, method 3), good at small counts and never outside 0–100 %;
* rates per 1 000 / 100 000 (events or clients per inhabitant) — exact
  Poisson interval (Garwood 1936, via the chi-square distribution);
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
Limitation: yearly values are treated as independent given the trend; serial
correlation would make intervals somewhat too narrow, which the dispersion
estimate only partly absorbs.

Fair comparison
---------------
Funnel plots (Spiegelhalter 2005) compare each unit's rate with a target (the
area's own rate for its municipalities, Koko maa for the wellbeing counties)
against control limits that widen as the denominator shrinks: exact binomial
(PROS) or Poisson (rates) limits with Spiegelhalter's interpolation, at 95 %
and 99.8 %. A unit is called different ("poikkeava") only outside the 99.8 %
limits; outside 95 % is "possibly" different (with 30 municipalities, 1–2 land
there by chance). Small areas thus are not labelled outliers on noise. Published
values are rounded, so a difference must also exceed the rounding precision
(`rounding_tolerance`) before it is called one. Ranked
tables carry each unit's rate interval and a rank interval from a seeded
parametric bootstrap (deterministic output).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

LEVEL = 0.95
FUNNEL_LEVELS = (0.95, 0.998)
MIN_YEARS = 5
SCALE = {"PROS": 100.0, "PER1000": 1000.0, "PER100000": 100000.0}

# Trend directions (machine-readable) and funnel flags.
INCREASE, DECREASE, NO_CHANGE, INSUFFICIENT = "increase", "decrease", "none", "insufficient"
ABOVE_998, ABOVE_95, WITHIN, BELOW_95, BELOW_998, NO_DATA = (
    "above_998", "above_95", "within", "below_95", "below_998", "no_data")


def scale_of(value_type: str) -> float:
    """Multiplier from a proportion (per person) to the published unit; LKM/unknown → 1."""
    return SCALE.get(value_type, 1.0)


def is_proportion(value_type: str) -> bool:
    """PROS indicators count persons out of persons (binomial); per-1 000 rates count events or clients (Poisson)."""
    return value_type == "PROS"


# --------------------------------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------------------------------

def poisson_ci(count: float | np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for a Poisson count: (χ²(α/2; 2x)/2, χ²(1−α/2; 2x+2)/2).

    0 → (0, 3,689) at 95 %. Returns floats (arrays for array input); NaN in → NaN out.
    Divide by the exposure and multiply by the scale to get a rate interval.
    """
    x = np.asarray(count, dtype=float)
    a = 1.0 - level
    with np.errstate(invalid="ignore"):
        lo = np.where(x > 0, _st.chi2.ppf(a / 2, 2 * x) / 2, 0.0)
        hi = _st.chi2.ppf(1 - a / 2, 2 * x + 2) / 2
    lo = np.where(np.isnan(x), np.nan, lo)
    return (lo[()] if lo.ndim == 0 else lo), (hi[()] if np.ndim(hi) == 0 else hi)


def wilson_ci(count: float | np.ndarray, n: float | np.ndarray, level: float = LEVEL
              ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion count/n (no continuity correction), in 0…1.

    Newcombe (1998) method 3: 81/263 → (0,2553, 0,3662); 0/20 → (0, 0,1611).
    """
    x = np.asarray(count, dtype=float)
    m = np.asarray(n, dtype=float)
    z = _st.norm.ppf(1 - (1 - level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / m
        denom = 1 + z * z / m
        centre = (p + z * z / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
        lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    lo = np.where(x == 0, 0.0, lo)
    hi = np.where(x == m, 1.0, hi)
    bad = np.isnan(x) | np.isnan(m) | (m <= 0)
    lo, hi = np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)
    return (lo[()] if lo.ndim == 0 else lo), (hi[()] if hi.ndim == 0 else hi)


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
    return float(lo) / denominator * s, float(hi) / denominator * s


def add_rates(table: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """The table with a denominator and an interval for every row that has a count.

    Added columns: `denominator` (persons at risk), `denominator_source`
    ("derived" = count/value×scale, "estimated" = usual ratio × population,
    "" = none), `ci_low`, `ci_high` (the interval in the indicator's unit),
    `ci_method` ("wilson", "poisson" or ""), `ci_note` (Finnish: why there is
    no interval). The published `value` stays the point estimate.
    """
    t = table.copy()
    s = t.value_type.map(lambda v: scale_of(v))
    has = t["count"].notna() & t["value"].notna()
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = np.where(has & (t["value"] > 0), t["count"] / t["value"] * s, np.nan)
    t["denominator"] = derived
    t["denominator_source"] = np.where(np.isfinite(derived), "derived", "")
    # A zero count gives no derived denominator: use the region's usual denominator/population ratio.
    ratio = (t["denominator"] / t["population"]).groupby([t.indicator, t.region_id]).transform("median")
    need = t["count"].notna() & t["denominator"].isna() & t["population"].notna()
    est = ratio.where(ratio.notna(), 1.0) * t["population"]
    t.loc[need, "denominator"] = est[need]
    t.loc[need, "denominator_source"] = "estimated"
    c = t["count"].to_numpy(float)
    n = t["denominator"].to_numpy(float)
    sc = s.to_numpy(float)
    known = t.value_type.isin(list(SCALE)).to_numpy()
    ok = np.isfinite(c) & np.isfinite(n) & (n > 0) & known
    wil = ok & t.value_type.eq("PROS").to_numpy() & (c <= n)
    poi = ok & ~wil
    lo = np.full(len(t), np.nan)
    hi = np.full(len(t), np.nan)
    wl, wh = wilson_ci(c[wil], np.round(n[wil]), level)
    lo[wil], hi[wil] = wl * sc[wil], wh * sc[wil]
    pl, ph = poisson_ci(c[poi], level)
    lo[poi], hi[poi] = pl / n[poi] * sc[poi], ph / n[poi] * sc[poi]
    methods = np.where(wil, "wilson", np.where(poi, "poisson", ""))
    t["ci_low"], t["ci_high"], t["ci_method"] = lo, hi, methods
    notes = np.where(t["value"].isna(), "ei julkaistu (puuttuu tai salattu pienen määrän vuoksi)",
                     np.where(t["count"].isna(), "vain osuus julkaistu, ei lukumäärää: luottamusväliä ei voi laskea",
                              ""))
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

    def as_dict(self) -> dict:
        d = asdict(self)
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


def fit_trend(years: Sequence[int], *, counts: Sequence[float] | None = None,
              exposure: Sequence[float] | None = None, rates: Sequence[float] | None = None,
              weights: Sequence[float] | None = None, period: Iterable[int] | None = None,
              level: float = LEVEL, min_years: int = MIN_YEARS) -> Trend:
    """Fit a log-linear trend and return the average annual change in %.

    Give *counts* and *exposure* (denominators, persons) for the GLM, or *rates*
    (and optional *weights*, e.g. population) for WLS. NaN entries are dropped
    (a gap). *period* lists the years that should have data; those without a
    usable value are reported in `missing_years`.
    """
    import statsmodels.api as sm

    yrs = np.asarray(years, dtype=float)
    use_counts = counts is not None and exposure is not None
    if use_counts:
        y = np.asarray(counts, dtype=float)
        e = np.asarray(exposure, dtype=float)
        ok = np.isfinite(yrs) & np.isfinite(y) & np.isfinite(e) & (e > 0) & (y >= 0)
    else:
        if rates is None:
            raise ValueError("fit_trend needs counts and exposure, or rates")
        y = np.asarray(rates, dtype=float)
        w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
        w = np.where(np.isfinite(w) & (w > 0), w, np.nan)
        if np.all(np.isnan(w)):
            w = np.ones_like(y)
        w = np.where(np.isnan(w), np.nanmean(w), w)
        ok = np.isfinite(yrs) & np.isfinite(y) & (y > 0)
    observed = sorted(int(v) for v in yrs[ok])
    expected = _expected_years(period, observed)
    missing = [yy for yy in expected if yy not in set(observed)
               and (not observed or observed[0] <= yy <= observed[-1] or period is not None)]
    n = int(ok.sum())
    base = dict(n_years=n, first_year=observed[0] if observed else None,
                last_year=observed[-1] if observed else None, missing_years=missing, level=level)
    nan = float("nan")
    if n < max(min_years, 3) or (use_counts and np.nansum(y[ok]) == 0):
        return Trend("", nan, nan, nan, INSUFFICIENT, **base)

    t = yrs[ok] - yrs[ok].mean()
    X = np.column_stack([np.ones(n), t])
    a = 1 - level
    if use_counts:
        off = np.log(e[ok])
        yy = y[ok]
        pois = sm.GLM(yy, X, family=sm.families.Poisson(), offset=off).fit()
        df = n - 2
        mu = pois.fittedvalues
        disp = float(np.sum((yy - mu) ** 2 / mu) / df)
        if disp > 1:
            # NB2 α by moments: E[(y−μ)² − y] = α μ² (Cameron & Trivedi), regression through the origin.
            alpha = float(np.sum((yy - mu) ** 2 - yy) / np.sum(mu ** 2))
        else:
            alpha = 0.0
        if alpha > 0:
            res = sm.GLM(yy, X, family=sm.families.NegativeBinomial(alpha=alpha), offset=off).fit()
            q = _st.t.ppf(1 - a / 2, df)
            method = "negbin"
        elif disp > 1:
            # overdispersed, but too little for a moment estimate of α: quasi-Poisson
            # (Pearson χ²/df scale), so the interval is not narrower than the data allow
            res = sm.GLM(yy, X, family=sm.families.Poisson(), offset=off).fit(scale="X2")
            q, method, alpha = _st.t.ppf(1 - a / 2, df), "quasipoisson", nan
        else:
            res, q, method, alpha = pois, _st.norm.ppf(1 - a / 2), "poisson", nan
        b, se = float(res.params[1]), float(res.bse[1])
        extra = dict(dispersion=disp, alpha=alpha)
    else:
        res = sm.WLS(np.log(y[ok]), X, weights=w[ok] / np.mean(w[ok])).fit()
        b, se = float(res.params[1]), float(res.bse[1])
        q = _st.t.ppf(1 - a / 2, n - 2)
        method = "wls"
        extra = {}
    pct = 100 * math.expm1(b)
    lo, hi = 100 * math.expm1(b - q * se), 100 * math.expm1(b + q * se)
    return Trend(method, pct, lo, hi, _direction(lo, hi), **base, **extra)


def trend_of(rows: pd.DataFrame, period: Iterable[int] | None = None, level: float = LEVEL) -> Trend:
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
                         exposure=r["denominator"].to_numpy(float), period=period, level=level)
    return fit_trend(r.year.to_numpy(), rates=r["value"].to_numpy(float),
                     weights=r["population"].to_numpy(float), period=period, level=level)


def trends(table: pd.DataFrame, roles: Iterable[str] = ("area", "country", "peer"),
           level: float = LEVEL) -> pd.DataFrame:
    """One row per indicator key × region of *roles*: the `Trend` fields plus key, region and role.

    The period is the indicator's year range in the table, so a year missing
    for everyone (e.g. not collected) is a gap too.
    """
    t = table if "denominator" in table.columns else add_rates(table)
    t = t[t.role.isin(list(roles))]
    out = []
    for key, k in t.groupby("key", sort=False):
        period = range(int(table.loc[table.key == key, "year"].min()),
                       int(table.loc[table.key == key, "year"].max()) + 1)
        for (rid, role, name), g in k.groupby(["region_id", "role", "region_name"], sort=False):
            tr = trend_of(g, period, level)
            out.append({"key": key, "region_id": int(rid), "role": role, "region_name": name, **tr.as_dict()})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------------------------
# Funnel plots and ranking
# --------------------------------------------------------------------------------------------------------------

def _interp_quantile(dist, p: float) -> float:
    """Spiegelhalter's interpolated quantile of a discrete distribution: r − α with
    α = (F(r) − p) / (F(r) − F(r − 1)), so limits are smooth in the denominator."""
    r = float(dist.ppf(p))
    fr, fr1 = float(dist.cdf(r)), float(dist.cdf(r - 1))
    if fr - fr1 <= 0:
        return r
    return r - (fr - p) / (fr - fr1)


def funnel_limits(target: float, denominators: Sequence[float] | np.ndarray, value_type: str,
                  levels: Sequence[float] = FUNNEL_LEVELS, method: str = "exact") -> pd.DataFrame:
    """Control limits around *target* (in the indicator's unit) for each denominator.

    *method* "exact": binomial (PROS) or Poisson quantiles with interpolation
    (Spiegelhalter 2005, appendix A.1.1); "normal": target ± z·SE
    (θ(1−θ)/n for proportions, θ/n for rates), for checking and very large n.
    Returns columns `denominator`, and `lo_<pct>` / `hi_<pct>` per level, e.g.
    `lo_95`, `hi_95`, `lo_99.8`, `hi_99.8`, in the indicator's unit.
    """
    s = scale_of(value_type)
    theta = target / s
    ns = np.asarray(denominators, dtype=float)
    out = {"denominator": ns}
    prop = is_proportion(value_type)
    for lev in levels:
        name = f"{lev * 100:g}"
        lo, hi = np.full(len(ns), np.nan), np.full(len(ns), np.nan)
        p_lo, p_hi = (1 - lev) / 2, 1 - (1 - lev) / 2
        z = _st.norm.ppf(p_hi)
        for i, n in enumerate(ns):
            if not np.isfinite(n) or n <= 0:
                continue
            if method == "normal":
                se = math.sqrt(theta * (1 - theta) / n) if prop else math.sqrt(theta / n)
                lo[i], hi[i] = max(theta - z * se, 0.0), theta + z * se
                continue
            if prop:
                m = max(int(round(n)), 1)
                dist = _st.binom(m, theta)
            else:
                m = n
                dist = _st.poisson(theta * n)
            lo[i] = max(_interp_quantile(dist, p_lo), 0.0) / m
            hi[i] = _interp_quantile(dist, p_hi) / m
        out[f"lo_{name}"], out[f"hi_{name}"] = lo * s, hi * s
    return pd.DataFrame(out)


def rounding_tolerance(decimals: int) -> float:
    """Half a unit of the last published decimal: the most a rounded value can be off."""
    return 0.5 * 10.0 ** (-int(decimals))


def funnel_flag(value: float, lo95: float, hi95: float, lo998: float, hi998: float, tol: float = 0.0) -> str:
    """Where a unit lies against the limits: above_998 … below_998, within, or no_data.

    *tol* is the rounding tolerance of the published figures (`rounding_tolerance`):
    the unit's value and the target are both rounded, so a unit is flagged only
    when it is beyond a limit by more than 2 × tol.
    """
    if not all(np.isfinite(v) for v in (value, lo95, hi95, lo998, hi998)):
        return NO_DATA
    if value - tol > hi998 + tol:
        return ABOVE_998
    if value + tol < lo998 - tol:
        return BELOW_998
    if value - tol > hi95 + tol:
        return ABOVE_95
    if value + tol < lo95 - tol:
        return BELOW_95
    return WITHIN


#: the trend direction in Finnish: key figures, tables and alt text say the same
TREND_WORD_FI = {INCREASE: "nouseva", DECREASE: "laskeva", NO_CHANGE: "ei selvää muutosta",
                 INSUFFICIENT: "ei arvioitavissa", "": "ei arvioitavissa"}

FLAG_FI = {
    ABOVE_998: "selvästi korkeampi", ABOVE_95: "mahdollisesti korkeampi", WITHIN: "ei poikkea",
    BELOW_95: "mahdollisesti matalampi", BELOW_998: "selvästi matalampi", NO_DATA: "ei tietoa",
}


def _with_absent_units(k: pd.DataFrame, roles: Sequence[str], year: int) -> pd.DataFrame:
    """Rows of *roles* in *year*, plus an empty row (value NaN) for every unit that has data in
    some other year but no row at all in this one: Sotkanet often omits suppressed cells entirely,
    and a missing unit must be reported as missing, not silently dropped."""
    u = k[(k.year == year) & k.role.isin(list(roles))].copy()
    known = k[k.role.isin(list(roles))].drop_duplicates("region_id")
    absent = known[~known.region_id.isin(u.region_id)].copy()
    if len(absent):
        for c in ("value", "count", "denominator", "ci_low", "ci_high"):
            if c in absent:
                absent[c] = np.nan
        if "ci_note" in absent:
            absent["ci_note"] = "ei julkaistu (puuttuu tai salattu pienen määrän vuoksi)"
        if "population" in absent:
            pop = k[(k.year == year)].drop_duplicates("region_id").set_index("region_id")["population"]
            absent["population"] = absent.region_id.map(pop)
        absent["year"] = year
        u = pd.concat([u, absent], ignore_index=True)
    return u


def funnel_data(table: pd.DataFrame, key: str, *, role: str | Sequence[str] = "municipality",
                target_role: str = "area",
                year: int | None = None, include_target: bool = False) -> tuple[pd.DataFrame, dict]:
    """Units of *role* (one role or several) for one indicator and year, with their limits and flags.

    The target is the published value of *target_role* that year (the area for
    its municipalities, the country for wellbeing counties). Returns
    (units, info): units has region_name, value, count, denominator, ci_low,
    ci_high, lo_95, hi_95, lo_99.8, hi_99.8, flag, flag_fi; info has key,
    year, target, target_name, value_type, decimals, has_counts,
    n_units, n_missing (units without a published value that year).
    """
    k = table[table.key == key]
    if k.empty:
        raise KeyError(f"no indicator with key {key!r} in the table")
    if "denominator" not in k.columns:
        k = add_rates(k)
    tgt_rows = k[(k.role == target_role) & k.value.notna()]
    if year is None:
        year = int(tgt_rows.year.max()) if len(tgt_rows) else int(k.year.max())
    tgt = tgt_rows[tgt_rows.year == year]
    target = float(tgt.value.iloc[0]) if len(tgt) else float("nan")
    roles = [role] if isinstance(role, str) else list(role)
    if include_target:
        roles.append(target_role)
    u = _with_absent_units(k, roles, year)
    vt = str(k.value_type.iloc[0])
    has_counts = bool(u["count"].notna().any())
    cols = ["lo_95", "hi_95", "lo_99.8", "hi_99.8"]
    if has_counts and np.isfinite(target):
        lim = funnel_limits(target, u["denominator"].to_numpy(float), vt)
        for c in cols:
            u[c] = lim[c].to_numpy()
    else:
        for c in cols:
            u[c] = np.nan
    tol = rounding_tolerance(int(k.decimals.iloc[0]))
    u["flag"] = [funnel_flag(v, a, b, c, d, tol) if np.isfinite(cnt) else NO_DATA
                 for v, cnt, a, b, c, d in zip(u.value, u["count"].astype(float), u.lo_95, u.hi_95,
                                               u["lo_99.8"], u["hi_99.8"])]
    u["flag_fi"] = u.flag.map(FLAG_FI)
    info = {"key": key, "year": year, "target": target,
            "target_name": tgt.region_name.iloc[0] if len(tgt) else "",
            "value_type": vt, "decimals": int(k.decimals.iloc[0]), "has_counts": has_counts,
            "n_units": int(len(u)), "n_missing": int(u.value.isna().sum()),
            "indicator_title": str(k.indicator_title.iloc[0])}
    keep = ["region_id", "region_name", "role", "year", "value", "count", "denominator", "population",
            "ci_low", "ci_high", "ci_note", *cols, "flag", "flag_fi"]
    return u[keep].reset_index(drop=True), info


def rank_intervals(values: np.ndarray, counts: np.ndarray, denominators: np.ndarray, value_type: str,
                   n_sim: int = 2000, seed: int = 20261128, level: float = LEVEL,
                   descending: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Plausible rank range of each unit (1 = highest value when *descending*) by parametric bootstrap.

    Counts are resampled from Poisson(count) (binomial for proportions) and the
    rates re-ranked; the seed is fixed so the output is deterministic. Units
    without a count keep their observed rate in every draw (their rank range
    then only reflects the others' uncertainty).
    """
    rng = np.random.default_rng(seed)
    v = np.asarray(values, dtype=float)
    c = np.asarray(counts, dtype=float)
    n = np.asarray(denominators, dtype=float)
    s = scale_of(value_type)
    m = len(v)
    sims = np.tile(v, (n_sim, 1))
    has = np.isfinite(c) & np.isfinite(n) & (n > 0)
    for j in np.flatnonzero(has):
        if is_proportion(value_type) and c[j] <= n[j]:
            nn = max(int(round(n[j])), 1)
            draw = rng.binomial(nn, min(c[j] / n[j], 1.0), n_sim) / nn
        else:
            draw = rng.poisson(c[j], n_sim) / n[j]
        sims[:, j] = draw * s
    sign = -1 if descending else 1
    ranks = np.argsort(np.argsort(sign * sims, axis=1, kind="stable"), axis=1, kind="stable") + 1
    a = 1 - level
    lo = np.floor(np.quantile(ranks, a / 2, axis=0)).astype(int)
    hi = np.ceil(np.quantile(ranks, 1 - a / 2, axis=0)).astype(int)
    return lo[:m], hi[:m]


def ranked_table(table: pd.DataFrame, key: str, *, roles: Sequence[str] = ("area", "peer"),
                 year: int | None = None, reference_role: str | None = "country",
                 level: float = LEVEL) -> pd.DataFrame:
    """Units of *roles* in one year, highest value first, with rate and rank intervals.

    Columns: rank (1 = highest), rank_low, rank_high, region_name, role, value,
    ci_low, ci_high, count, denominator, ci_note, vs_reference ("higher",
    "lower", "no_clear_difference" or "" when there is no interval) against
    *reference_role*'s value that year. Units without a published value are
    listed last with rank NaN.
    """
    k = table[table.key == key]
    if "denominator" not in k.columns:
        k = add_rates(k, level)
    if year is None:
        base = k[k.role.isin(list(roles)) & k.value.notna()]
        area = base[base.role == "area"]
        year = int((area if len(area) else base).year.max())
    u = _with_absent_units(k, list(roles), year)
    ref = k[(k.year == year) & (k.role == reference_role) & k.value.notna()] if reference_role else k.iloc[0:0]
    refv = float(ref.value.iloc[0]) if len(ref) else float("nan")
    pub = u[u.value.notna()].sort_values(["value", "region_name"], ascending=[False, True]).copy()
    vt = str(k.value_type.iloc[0])
    # ties share the best rank ("13/23" means 12 units have a higher value)
    pub["rank"] = pub.value.rank(method="min", ascending=False).astype(float)
    if len(pub):
        lo, hi = rank_intervals(pub.value.to_numpy(), pub["count"].to_numpy(float),
                                pub["denominator"].to_numpy(float), vt, level=level)
        pub["rank_low"], pub["rank_high"] = lo, hi
    rest = u[u.value.isna()].sort_values("region_name").copy()
    for c in ("rank", "rank_low", "rank_high"):
        rest[c] = np.nan
    out = pd.concat([pub, rest], ignore_index=True)

    tol = rounding_tolerance(int(k.decimals.iloc[0]))
    out["vs_reference"] = [compare(r.value, r.ci_low, r.ci_high, refv, tol) for r in out.itertuples()]
    out["reference"] = refv
    out["year"] = year
    cols = ["rank", "rank_low", "rank_high", "region_id", "region_name", "role", "year", "value", "ci_low",
            "ci_high", "count", "denominator", "ci_note", "reference", "vs_reference"]
    return out[cols]


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
