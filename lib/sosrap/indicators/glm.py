"""The two model fits behind `stats.fit_trend`: the count GLM (Poisson, NB2 or quasi-Poisson)
and the cleaning of a yearly series into usable points (NaN entries are gaps, never filled)."""
from __future__ import annotations

import numpy as np
from scipy import stats as _st


def clean_series(yrs: np.ndarray, counts, exposure, rates, weights) -> tuple:
    """(use_counts, y, exposure or weights, usable mask): NaN entries are gaps."""
    if counts is not None and exposure is not None:
        y = np.asarray(counts, dtype=float)
        e = np.asarray(exposure, dtype=float)
        return True, y, e, np.isfinite(yrs) & np.isfinite(y) & np.isfinite(e) & (e > 0) & (y >= 0)
    if rates is None:
        raise ValueError("fit_trend needs counts and exposure, or rates")
    y = np.asarray(rates, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    w = np.where(np.isfinite(w) & (w > 0), w, np.nan)
    if np.all(np.isnan(w)):
        w = np.ones_like(y)
    w = np.where(np.isnan(w), np.nanmean(w), w)
    return False, y, w, np.isfinite(yrs) & np.isfinite(y) & (y > 0)


def fit_counts(yy: np.ndarray, X: np.ndarray, off: np.ndarray, a: float) -> tuple:
    """Poisson GLM; NB2 (α by moments) or quasi-Poisson when overdispersed.
    Returns (slope, SE, quantile, method, extra Trend fields)."""
    # the two modules, not statsmodels.api (which imports all of statsmodels: 0.33 s, against 0.10 s)
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    nan = float("nan")
    pois = GLM(yy, X, family=families.Poisson(), offset=off).fit()
    df = len(yy) - 2
    mu = pois.fittedvalues
    disp = float(np.sum((yy - mu) ** 2 / mu) / df)
    if disp > 1:
        # NB2 α by moments: E[(y−μ)² − y] = α μ² (Cameron & Trivedi), regression through the origin,
        # × n/(n − 2) for the two fitted parameters (without it α is ~20 % low on ten years and the
        # interval covers ~91 %, not 95 %: benchmarks/bench_stats_sim.py).
        alpha = float(np.sum((yy - mu) ** 2 - yy) / np.sum(mu ** 2)) * len(yy) / df
    else:
        alpha = 0.0
    if alpha > 0:
        res = GLM(yy, X, family=families.NegativeBinomial(alpha=alpha), offset=off).fit()
        q = _st.t.ppf(1 - a / 2, df)
        method = "negbin"
    elif disp > 1:
        # overdispersed, but too little for a moment estimate of α: quasi-Poisson
        # (Pearson χ²/df scale), so the interval is not narrower than the data allow
        res = GLM(yy, X, family=families.Poisson(), offset=off).fit(scale="X2")
        q, method, alpha = _st.t.ppf(1 - a / 2, df), "quasipoisson", nan
    else:
        res, q, method, alpha = pois, _st.norm.ppf(1 - a / 2), "poisson", nan
    resid = tuple(float(v) for v in np.asarray(res.resid_pearson))
    return float(res.params[1]), float(res.bse[1]), q, method, dict(dispersion=disp, alpha=alpha, resid=resid)
