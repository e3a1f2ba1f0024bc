"""Fair comparison of many areas: funnel plots and ranks with uncertainty.

Funnel plots (Spiegelhalter 2005) compare each unit's rate with a target (the
area's own rate for its municipalities, Koko maa for the wellbeing counties)
against control limits that widen as the denominator shrinks: exact binomial
(PROS) or Poisson (rates) limits with Spiegelhalter's interpolation, at 95 %
and 99.8 %. A unit is called different ("poikkeava") only outside the 99.8 %
limits; outside 95 % is "possibly" different (with 30 municipalities, 1–2 land
there by chance). Small areas thus are not labelled outliers on noise. Published
values are rounded, so a difference must also exceed the rounding precision
(`stats.rounding_tolerance`) before it is called one. Ranked tables carry each
unit's rate interval (`stats.add_rates`) and a rank interval from a seeded
parametric bootstrap (deterministic output).

Works on the tidy indicator table, like `sosrap.indicators.stats`.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

from sosrap.indicators.stats import LEVEL, add_rates, compare, is_proportion, rounding_tolerance, scale_of

FUNNEL_LEVELS = (0.95, 0.998)

# Funnel flags (machine-readable).
ABOVE_998, ABOVE_95, WITHIN, BELOW_95, BELOW_998, NO_DATA = (
    "above_998", "above_95", "within", "below_95", "below_998", "no_data")

FLAG_FI = {
    ABOVE_998: "selvästi korkeampi", ABOVE_95: "mahdollisesti korkeampi", WITHIN: "ei poikkea",
    BELOW_95: "mahdollisesti matalampi", BELOW_998: "selvästi matalampi", NO_DATA: "ei tietoa",
}




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
