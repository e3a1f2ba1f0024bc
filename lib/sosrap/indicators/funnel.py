"""Fair comparison of many areas: funnel plots and ranks with uncertainty.

Funnel plots (Spiegelhalter 2005) compare each unit's rate with a target (the
area's own rate for its municipalities, Koko maa for the wellbeing counties)
against control limits that widen as the denominator shrinks: exact binomial
(PROS) or Poisson (rates) limits with Spiegelhalter's interpolation, at 95 %
and 99.8 %. Each unit is compared with the *rest* of the target area (the
target's count and denominator minus its own), so a unit that is half the
area (a large central municipality) is not compared with itself.

Real areas differ by more than chance: the overdispersion φ is estimated from
winsorised z-scores (Spiegelhalter 2005, §4: 10 % winsorised at each end, φ̂ =
mean z²; I·φ̂ tested against χ² on I − 1 df). When it is significant (p < 0,05)
the limits are random-effects limits: target ± z·√(s_i² + τ²), with the
additive between-unit variance τ² by the method of moments (DerSimonian–Laird
form). Then a unit is flagged only when it differs more than areas usually do. A unit is called different ("poikkeava") only outside the 99.8 %
limits; outside 95 % is "possibly" different (with 30 municipalities, 1–2 land
there by chance). Small areas thus are not labelled outliers on noise. Published
values are rounded, so a difference must also exceed the rounding precision
(`stats.rounding_tolerance`) before it is called one. Ranked tables carry each
unit's rate interval (`stats.add_rates`) and a rank interval from a seeded
parametric bootstrap (deterministic output).

Works on the tidy indicator table, like `sosrap.indicators.stats`.

A stage asks for the same indicator's funnel and ranking several times (key
figures, tables, figures, sentences): `funnel_data` and `ranked_table` keep
their last results by the content of the indicator's rows (`_by_rows`), so the
work is done once and every caller gets its own copy.
"""
from __future__ import annotations

import collections
import functools
import hashlib
import math
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

from sosrap.indicators.stats import LEVEL, add_rates, compare, is_proportion, rounding_tolerance, scale_of
from sosrap.report import wording as _wording

OVERDISPERSION_P = 0.05   # φ significant at this level → random-effects limits
WINSOR = 0.10             # Spiegelhalter (2005): winsorise 10 % of the z-scores at each end

FUNNEL_LEVELS = (0.95, 0.998)

# Funnel flags (machine-readable).
ABOVE_998, ABOVE_95, WITHIN, BELOW_95, BELOW_998, NO_DATA = (
    "above_998", "above_95", "within", "below_95", "below_998", "no_data")

#: the flags in Finnish; `flag_text` gives them in the report's language
FLAG_FI = _wording.group("kf.flag", "fi")


def flag_text(flag: str) -> str:
    """A unit's verdict in words: 'selvästi korkeampi' / 'signifikant högre', …"""
    return _wording.t(f"kf.flag.{flag}")




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
            absent["ci_note"] = _wording.t("kf.ci_note.not_published")
        if "population" in absent:
            pop = k[(k.year == year)].drop_duplicates("region_id").set_index("region_id")["population"]
            absent["population"] = absent.region_id.map(pop)
        absent["year"] = year
        u = pd.concat([u, absent], ignore_index=True)
    return u


def overdispersion(rates: np.ndarray, targets: np.ndarray, denominators: np.ndarray, value_type: str
                   ) -> dict:
    """Spiegelhalter's (2005) overdispersion estimate for units with *rates* and *denominators* (rates
    in the indicator's unit) against per-unit *targets*: φ (winsorised mean z²), its χ² p-value,
    τ² (additive between-unit variance, in the proportion scale) and the per-unit s² (proportion
    scale). φ = 1 means Poisson/binomial noise only."""
    s = scale_of(value_type)
    y, th, n = (np.asarray(a, dtype=float) for a in (rates, targets, denominators))
    y, th = y / s, th / s
    v = th * (1 - th) if is_proportion(value_type) else th
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = v / n
        z = (y - th) / np.sqrt(s2)
    ok = np.isfinite(z) & (s2 > 0)
    out = {"phi": float("nan"), "phi_p": float("nan"), "tau2": 0.0, "n": int(ok.sum()), "s2": s2}
    if ok.sum() < 5:
        return out
    zw = np.asarray(_st.mstats.winsorize(z[ok], limits=(WINSOR, WINSOR)), dtype=float)
    k = int(ok.sum())
    phi = float(np.mean(zw ** 2))
    w = 1 / s2[ok]
    tau2 = max(0.0, (k * phi - (k - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    out.update(phi=phi, phi_p=float(_st.chi2.sf(k * phi, k - 1)), tau2=tau2)
    return out


def random_effects_limits(targets, denominators, value_type: str, tau2: float,
                          levels: Sequence[float] = FUNNEL_LEVELS) -> pd.DataFrame:
    """Random-effects control limits: target ± z·√(θ(1−θ)/n + τ²) (√(θ/n + τ²) for rates), in the
    indicator's unit, within 0…100 % for proportions. *targets* may be one value or one per unit."""
    s = scale_of(value_type)
    n = np.asarray(denominators, dtype=float)
    th = np.broadcast_to(np.asarray(targets, dtype=float) / s, n.shape)
    v = th * (1 - th) if is_proportion(value_type) else th
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(v / n + tau2)
    out = {"denominator": n}
    for lev in levels:
        z = _st.norm.ppf(1 - (1 - lev) / 2)
        lo, hi = np.maximum(th - z * sd, 0.0), th + z * sd
        if is_proportion(value_type):
            hi = np.minimum(hi, 1.0)
        out[f"lo_{lev * 100:g}"], out[f"hi_{lev * 100:g}"] = lo * s, hi * s
    return pd.DataFrame(out)


def _targets(k: pd.DataFrame, u: pd.DataFrame, tgt: pd.DataFrame, target: float, s: float) -> np.ndarray:
    """Each unit's target: the target area without the unit ((C − c) / (N − n)), when the target
    has a count and a denominator and the unit is part of it; else the target's published value."""
    out = np.full(len(u), target, dtype=float)
    if not len(tgt) or not (np.isfinite(tgt["count"].iloc[0]) and np.isfinite(tgt["denominator"].iloc[0])):
        return out
    C, N = float(tgt["count"].iloc[0]), float(tgt["denominator"].iloc[0])
    c, n = u["count"].to_numpy(float), u["denominator"].to_numpy(float)
    inside = np.isfinite(c) & np.isfinite(n) & (n < N) & (u.region_id.to_numpy() != tgt.region_id.iloc[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        loo = (C - c) / (N - n) * s
    return np.where(inside & np.isfinite(loo) & (loo >= 0), loo, out)


def _limits(u: pd.DataFrame, targets: np.ndarray, vt: str, od: dict, random_effects: bool) -> pd.DataFrame:
    if random_effects:
        return random_effects_limits(targets, u["denominator"].to_numpy(float), vt, od["tau2"])
    rows = [funnel_limits(t, [n], vt) for t, n in zip(targets, u["denominator"].to_numpy(float))]
    return pd.concat(rows, ignore_index=True)


def _exact_rates(u: pd.DataFrame, s: float) -> np.ndarray:
    """count / denominator in the unit where the denominator is the exact population, else the
    published value (a derived denominator reproduces it anyway)."""
    src = u["denominator_source"] if "denominator_source" in u else pd.Series("", index=u.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = (u["count"] / u["denominator"] * s).to_numpy(float)
    return np.where(src.eq("population").to_numpy() & np.isfinite(exact), exact, u.value.to_numpy(float))


def _target_rows(table: pd.DataFrame, key: str, target_role: str, year: int | None) -> tuple:
    """(indicator rows with rates, year, target rows that year, target value)."""
    k = table[table.key == key]
    if k.empty:
        raise KeyError(f"no indicator with key {key!r} in the table")
    if "denominator" not in k.columns:
        k = add_rates(k)
    tgt_rows = k[(k.role == target_role) & k.value.notna()]
    if year is None:
        year = int(tgt_rows.year.max()) if len(tgt_rows) else int(k.year.max())
    tgt = tgt_rows[tgt_rows.year == year]
    return k, year, tgt, float(tgt.value.iloc[0]) if len(tgt) else float("nan")


def _flags(u: pd.DataFrame, rates: np.ndarray, tol: float) -> list[str]:
    """Each unit's flag: exact rates are compared as they are, published (rounded) ones with *tol*."""
    exact = (u["denominator_source"].eq("population").to_numpy() if "denominator_source" in u
             else np.zeros(len(u), bool))
    return [funnel_flag(v, a, b, c, d, 0.0 if ex else tol) if np.isfinite(cnt) else NO_DATA
            for v, ex, cnt, a, b, c, d in zip(rates, exact, u["count"].astype(float), u.lo_95, u.hi_95,
                                              u["lo_99.8"], u["hi_99.8"])]


#: results kept by `_by_rows` (an edition has a few dozen indicators)
MEMO_SIZE = 256
_MEMO: "collections.OrderedDict[tuple, object]" = collections.OrderedDict()


def _copied(result):
    if isinstance(result, pd.DataFrame):
        return result.copy()
    if isinstance(result, tuple):
        return tuple(_copied(r) for r in result)
    return dict(result) if isinstance(result, dict) else result


def _by_rows(fn: Callable) -> Callable:
    """*fn*(table, key, **options), computed once per content of table's rows for *key* (and the
    options and the wording language, which its texts use); callers get copies."""
    @functools.wraps(fn)
    def wrapper(table: pd.DataFrame, key: str, **options):
        rows = table[table.key == key]
        digest = hashlib.sha256(pd.util.hash_pandas_object(rows, index=True).to_numpy().tobytes())
        digest.update(repr((list(rows.columns), [str(t) for t in rows.dtypes])).encode())
        memo_key = (fn.__name__, key, digest.hexdigest(), repr(sorted(options.items())), _wording.current())
        if memo_key not in _MEMO:
            _MEMO[memo_key] = fn(rows, key, **options)
            while len(_MEMO) > MEMO_SIZE:
                _MEMO.popitem(last=False)
        _MEMO.move_to_end(memo_key)
        return _copied(_MEMO[memo_key])
    return wrapper


@_by_rows
def funnel_data(table: pd.DataFrame, key: str, *, role: str | Sequence[str] = "municipality",
                target_role: str = "area",
                year: int | None = None, include_target: bool = False,
                leave_out: bool = True, overdispersion_test: bool = True) -> tuple[pd.DataFrame, dict]:
    """Units of *role* (one role or several) for one indicator and year, with their limits and flags.

    The target is the published value of *target_role* that year (the area for
    its municipalities, the country for wellbeing counties); with *leave_out*
    each unit is judged against the target without itself (`target_unit`).
    With *overdispersion_test*, significant overdispersion switches to
    random-effects limits (`random_effects_limits`). Returns (units, info):
    units has region_name, value, count, denominator, ci_low, ci_high,
    target_unit, lo_95, hi_95, lo_99.8, hi_99.8, flag, flag_text; info has key,
    year, target, target_name, value_type, decimals, has_counts, n_units,
    n_missing (units without a published value that year), phi, phi_p, tau2,
    limits ("exact" or "random_effects"), leave_out, n_above_95 … counts.
    """
    k, year, tgt, target = _target_rows(table, key, target_role, year)
    roles = [role] if isinstance(role, str) else list(role)
    if include_target:
        roles.append(target_role)
    u = _with_absent_units(k, roles, year)
    vt = str(k.value_type.iloc[0])
    s = scale_of(vt)
    has_counts = bool(u["count"].notna().any())
    cols = ["lo_95", "hi_95", "lo_99.8", "hi_99.8"]
    u["target_unit"] = _targets(k, u, tgt, target, s) if leave_out else target
    rates = _exact_rates(u, s)
    od = overdispersion(np.where(np.isfinite(u["count"].to_numpy(float)), rates, np.nan),
                        u["target_unit"].to_numpy(float), u["denominator"].to_numpy(float), vt)
    re = bool(overdispersion_test and np.isfinite(od["phi_p"]) and od["phi_p"] < OVERDISPERSION_P
              and od["tau2"] > 0)
    lim = _limits(u, u["target_unit"].to_numpy(float), vt, od, re) if has_counts and np.isfinite(target) else None
    for c in cols:
        u[c] = lim[c].to_numpy() if lim is not None else np.nan
    u["flag"] = _flags(u, rates, rounding_tolerance(int(k.decimals.iloc[0])))
    u["flag_text"] = u.flag.map(flag_text)
    info = {"key": key, "year": year, "target": target,
            "target_name": tgt.region_name.iloc[0] if len(tgt) else "",
            "value_type": vt, "decimals": int(k.decimals.iloc[0]), "has_counts": has_counts,
            "n_units": int(len(u)), "n_missing": int(u.value.isna().sum()),
            "indicator_title": str(k.indicator_title.iloc[0]),
            "phi": od["phi"], "phi_p": od["phi_p"], "tau2": od["tau2"] if re else 0.0,
            "limits": "random_effects" if re else "exact", "leave_out": bool(leave_out),
            **{f"n_{f}": int((u.flag == f).sum()) for f in (ABOVE_998, ABOVE_95, BELOW_95, BELOW_998)}}
    keep = ["region_id", "region_name", "role", "year", "value", "count", "denominator", "population",
            "ci_low", "ci_high", "ci_note", "target_unit", *cols, "flag", "flag_text"]
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


@_by_rows
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
    # ties share a range of ranks ("jaettu sija 10.–14."): rank is the best, rank_max the worst of it
    pub["rank"] = pub.value.rank(method="min", ascending=False).astype(float)
    pub["rank_max"] = pub.value.rank(method="max", ascending=False).astype(float)
    if len(pub):
        lo, hi = rank_intervals(_exact_rates(pub, scale_of(vt)), pub["count"].to_numpy(float),
                                pub["denominator"].to_numpy(float), vt, level=level)
        pub["rank_low"], pub["rank_high"] = lo, hi
    rest = u[u.value.isna()].sort_values("region_name").copy()
    for c in ("rank", "rank_max", "rank_low", "rank_high"):
        rest[c] = np.nan
    out = pd.concat([pub, rest], ignore_index=True)

    tol = rounding_tolerance(int(k.decimals.iloc[0]))
    out["vs_reference"] = [compare(r.value, r.ci_low, r.ci_high, refv, tol) for r in out.itertuples()]
    out["reference"] = refv
    out["year"] = year
    cols = ["rank", "rank_max", "rank_low", "rank_high", "region_id", "region_name", "role", "year", "value", "ci_low",
            "ci_high", "count", "denominator", "ci_note", "reference", "vs_reference"]
    return out[cols]
