"""The denominator of each rate: the exact population where the indicator is per inhabitant,
else derived from the published count and rounded value (approximate), or estimated for a zero count.

Used by `stats.add_rates`; see its module docstring for why this matters (rounding noise in a
derived denominator moves intervals and trends: homelessness 2024 0,71–0,89 ‰ vs exact 0,68–0,85 ‰).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def population_is_denominator(rows: pd.DataFrame, share: float = 0.9) -> bool:
    """True when the published value is the count per *inhabitant*: count / population × scale
    reproduces the published (rounded) value within its rounding in at least *share* of the rows
    that have all three. Decided from the data, per indicator, never from the title."""
    from sosrap.indicators import stats
    r = rows[rows["count"].notna() & rows["value"].notna() & rows["population"].notna() & (rows["population"] > 0)]
    if r.empty or str(r.value_type.iloc[0]) not in stats.SCALE:
        return False
    s = stats.scale_of(str(r.value_type.iloc[0]))
    tol = stats.rounding_tolerance(int(r.decimals.iloc[0])) if "decimals" in r else 0.05
    close = (r["count"] / r["population"] * s - r["value"]).abs() <= tol * (1 + 1e-6)
    return bool(close.mean() >= share)


def denominator_columns(t: pd.DataFrame, s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(denominator, source) per row: "population" (exact, per-inhabitant indicators), "derived"
    (count / published value × scale: only as precise as the value's rounding) or "estimated"
    (zero count: the indicator's usual denominator-to-population ratio × population)."""
    exact = np.zeros(len(t), dtype=bool)
    for _, idx in t.groupby("indicator", sort=False).groups.items():
        exact[t.index.get_indexer(idx)] = population_is_denominator(t.loc[idx])
    has = (t["count"].notna() & t["value"].notna()).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = np.where(has & (t["value"] > 0).to_numpy(), (t["count"] / t["value"] * s).to_numpy(float), np.nan)
    pop = t["population"].to_numpy(float)
    den = np.where(exact, np.where(t["count"].notna().to_numpy(), pop, np.nan), derived)
    src = np.where(exact & np.isfinite(den), "population", np.where(np.isfinite(den), "derived", ""))
    # A zero count gives no derived denominator: use the region's usual denominator/population ratio,
    # else the indicator's (an age-specific rate is not per inhabitant), never the total population.
    ratio = pd.Series(den / pop, index=t.index)
    own = ratio.groupby([t.indicator, t.region_id]).transform("median")
    ind = ratio.groupby(t.indicator).transform("median")
    r = own.where(own.notna(), ind).to_numpy(float)
    need = t["count"].notna().to_numpy() & ~np.isfinite(den) & np.isfinite(pop) & np.isfinite(r)
    den = np.where(need, r * pop, den)
    src = np.where(need, "estimated", src)
    return den, src
