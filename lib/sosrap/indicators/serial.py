"""Serial correlation of yearly indicator series, and what it does to a trend's interval.

Yearly rates of an area are not independent given the trend: a bad year is often
followed by another (AR(1)-like), and a slow drift looks like a trend. A trend fit that
ignores this calls changes "real" far too often (the simulation benchmark
`benchmarks/bench_stats_sim.py` gives ~30 % false verdicts under AR(1) ρ = 0,6).

The remedy used by `stats.trends`: one lag-1 residual correlation ρ is estimated, pooled
over all series of the edition (areas × indicators: ten points per series are far too few
alone), bias-corrected for the trend removal by matching its simulated expectation, taken
one standard error up, and each slope's variance is inflated by the exact AR(1) factor for
its own years (gaps included):

    Var(b) = σ² · t'Rt / (t't)²,   E[s²] = σ² · tr(MR) / (n − 2),

so the naive variance s² / t't is multiplied by (t'Rt / t't) · (n − 2) / tr(MR), where
R_ij = ρ^|year_i − year_j|, t the centred years and M = I − H the residual projection.
ρ̂ ≤ 0 is set to 0, so the interval is never narrowed.

Hand-written (a few lines of linear algebra): statsmodels' GLSAR works per series and has
no pooled estimate for ten-point series.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

RHO_MAX = 0.95
UPPER_SE = 1.0   # pooled ρ̂ is taken one standard error up (see pooled_rho)


def _design(years: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(years, dtype=float)
    t = y - y.mean()
    X = np.column_stack([np.ones(len(t)), t])
    M = np.eye(len(t)) - X @ np.linalg.pinv(X)
    return t, M


def _R(years: Sequence[float], rho: float) -> np.ndarray:
    y = np.asarray(years, dtype=float)
    return rho ** np.abs(y[:, None] - y[None, :])


def _lag_pairs(years: Sequence[float]) -> np.ndarray:
    """Symmetric 0/½ matrix picking pairs of consecutive years (gaps break the pair)."""
    y = np.asarray(years, dtype=float)
    A = (np.abs(y[:, None] - y[None, :]) == 1).astype(float)
    return A / 2


def lag1_sums(years: Sequence[float], resid: Sequence[float]) -> tuple[float, float]:
    """(Σ e_t e_{t+1} over consecutive years, Σ e_t²) of one series' residuals."""
    e = np.asarray(resid, dtype=float)
    A = _lag_pairs(years)
    return float(e @ A @ e), float(e @ e)


def _expected_r(years: tuple, rho: float, draws: int = 400) -> float:
    """E[r] of one design under AR(1) *rho*: the mean lag-1 ratio of trend residuals over seeded
    Gaussian draws (the ratio of short series has no closed-form mean). Deterministic."""
    yrs = np.asarray(years, dtype=float)
    _, M = _design(yrs)
    A = _lag_pairs(yrs)
    L = np.linalg.cholesky(_R(yrs, rho) + 1e-12 * np.eye(len(yrs)))
    z = np.random.default_rng(len(yrs) * 7919 + int(yrs.sum())).standard_normal((draws, len(yrs)))
    e = z @ L.T @ M.T
    return float(np.mean(np.einsum("ij,jk,ik->i", e, A, e) / np.einsum("ij,ij->i", e, e)))


def pooled_rho(series: Iterable[tuple[Sequence[float], Sequence[float]]], upper: float = UPPER_SE) -> float:
    """Pooled, bias-corrected lag-1 correlation of many short residual series.

    *series*: (years, standardised residuals) per fitted series. The raw mean of
    the series' r = Σ e_t e_{t+1} / Σ e_t² is biased far below ρ by the trend
    removal on ten points (ρ = 0,6 gives r ≈ 0,2); ρ̂ is the value whose expected
    mean r over the same designs (seeded simulation, `_expected_r`) equals the
    observed one. *upper* standard errors of the mean r are added first: ρ̂ from ~24 ten-point
    series has a standard error of ~0,18, and an underestimate costs more false verdicts than an
    overestimate saves (the benchmark's ≤ 10 % under ρ = 0,6 needs it). NaN when no series has
    four or more points.
    """
    rs, designs = [], []
    for years, resid in series:
        e = np.asarray(resid, dtype=float)
        ok = np.isfinite(e)
        yrs = np.asarray(years, dtype=float)[ok]
        if ok.sum() < 4 or not np.any(e[ok]):
            continue
        a, b = lag1_sums(yrs, e[ok])
        rs.append(a / b)
        designs.append(tuple(yrs))
    if not rs:
        return float("nan")
    r = float(np.mean(rs)) + (upper * float(np.std(rs, ddof=1)) / np.sqrt(len(rs)) if len(rs) > 1 else 0.0)
    weights: dict[tuple, int] = {}
    for d in designs:
        weights[d] = weights.get(d, 0) + 1

    def expected(rho: float) -> float:
        return sum(w * _expected_r(d, rho) for d, w in weights.items()) / len(designs)

    lo, hi = -0.9, RHO_MAX
    if r <= expected(lo):
        return lo
    if r >= expected(hi):
        return hi
    for _ in range(30):   # expected() rises with ρ: bisection
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if expected(mid) < r else (lo, mid)
    return (lo + hi) / 2


def variance_factor(years: Sequence[float], rho: float) -> float:
    """How much an AR(1) correlation *rho* inflates a naive slope variance s²/t't (1 when rho ≤ 0)."""
    if not np.isfinite(rho) or rho <= 0 or len(years) < 3:
        return 1.0
    t, M = _design(years)
    R = _R(years, min(rho, RHO_MAX))
    n = len(t)
    return float((t @ R @ t) / (t @ t) * (n - 2) / np.trace(M @ R))


def bh_qvalues(p):
    """Benjamini–Hochberg adjusted p-values of a pandas Series (NaN stays NaN), via statsmodels."""
    import pandas as pd
    from statsmodels.stats.multitest import multipletests
    q = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        q[ok] = multipletests(p[ok].to_numpy(float), method="fdr_bh")[1]
    return q
