"""Simulation benchmark of the report's statistics: do the intervals cover, do the verdicts lie?

Run: `PYTHONPATH=lib .venv/bin/python benchmarks/bench_stats_sim.py [--reps N] [--seed S]`.
Not a test (several minutes on a shared 2-core machine; lower --reps and --editions for a quick look);
it prints one table per method so the numbers
can be quoted in a methods note and compared before and after a change.

What is simulated (all seeded, so the output is reproducible):

* **Rate intervals** (`stats.add_rates`): a year's count is Poisson (binomial for
  proportions) around a known rate, the published value is that rate *rounded to one
  decimal*, and the table holds the published count and the region's population, as
  Sotkanet does. Coverage = share of 95 % intervals holding the true rate. Under
  independent data only sampling noise exists; under AR(1) (ρ = 0,6) and random-walk noise
  the year's true rate wanders around a smooth level and the coverage of that *level* is
  shown (a year's interval is not meant to cover it: that is the trend's job).
* **Trends** (`stats.trends`, the edition-level fit the report uses): editions of 12
  indicators × 2 regions (a county of 400 000 and a country of 5,5 million, rate ≈ 5 %),
  10 years, log-rate noise of 3 % (independent or AR(1) ρ = 0,6) or a random walk with 2 %
  steps, plus Poisson sampling. False verdicts = share of series with no true trend called
  "nouseva"/"laskeva"; coverage = share of 95 % intervals holding the true annual change;
  power = share called correctly when the true change is −3 % a year.
* **Funnel flags** (`funnel.funnel_data`): 30 municipalities (lognormal sizes) whose true
  rates differ by between-municipality variation only (no real outlier): false flags
  beyond the 99,8 % limits, with and without that variation.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from sosrap.indicators import funnel, stats

YEARS = list(range(2015, 2025))


def _noise(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """Log-scale deviations of the true rate from its smooth level, one per year."""
    if kind == "independent":
        return rng.normal(0, 0.03, n)
    if kind == "ar1":
        rho, sd = 0.6, 0.03
        e = np.empty(n)
        e[0] = rng.normal(0, sd)
        for i in range(1, n):
            e[i] = rho * e[i - 1] + rng.normal(0, sd * np.sqrt(1 - rho ** 2))
        return e
    if kind == "random_walk":
        return np.cumsum(rng.normal(0, 0.02, n))
    raise ValueError(kind)


def _rows(key: str, rid: int, role: str, pop: float, rates: np.ndarray, counts: np.ndarray,
          vt: str = "PROS") -> pd.DataFrame:
    s = stats.scale_of(vt)
    return pd.DataFrame({
        "indicator": hash(key) % 10_000, "indicator_title": key, "theme": "sim", "theme_title": "sim", "key": key,
        "value_type": vt, "decimals": 1, "producer": "sim", "region_id": rid, "region_category": "SIM",
        "region_code": str(rid), "region_name": f"r{rid}", "role": role, "year": YEARS,
        "value": np.round(counts / pop * s, 1), "count": counts.astype(float), "population": pop,
        "true_rate": rates * s})


# ------------------------------------------------------------------------------------------ rate intervals

def bench_intervals(rng: np.random.Generator, reps: int) -> list[dict]:
    out = []
    for kind in ("independent", "ar1", "random_walk"):
        for vt, base in (("PROS", 0.05), ("PER1000", 0.004)):
            frames = []
            for r in range(reps):
                pop = float(np.round(np.exp(rng.uniform(np.log(800), np.log(200_000)))))
                level = base * np.exp(rng.normal(0, 0.2))
                rate = level * np.exp(_noise(kind, rng, len(YEARS))) if kind != "independent" else np.full(
                    len(YEARS), level)
                counts = (rng.binomial(int(pop), np.minimum(rate, 1)) if vt == "PROS"
                          else rng.poisson(rate * pop)).astype(float)
                f = _rows(f"i{vt}", r, "municipality", pop, rate, counts, vt)
                f["true_level"] = level * stats.scale_of(vt)
                frames.append(f)
            t = pd.concat(frames, ignore_index=True)
            rated = stats.add_rates(t.drop(columns=["true_rate", "true_level"]))
            ok = rated.ci_low.notna()
            target = (t.true_rate if kind == "independent" else t.true_level)[ok]
            cov = float(((rated.ci_low[ok] <= target) & (target <= rated.ci_high[ok])).mean())
            out.append({"method": f"interval {vt}", "noise": kind, "coverage_95": cov, "n": int(ok.sum())})
    return out


# ------------------------------------------------------------------------------------------ trends

def _edition(rng: np.random.Generator, kind: str, annual: float) -> pd.DataFrame:
    frames = []
    t = np.arange(len(YEARS)) - (len(YEARS) - 1) / 2
    for i in range(12):
        base = 0.05 * np.exp(rng.normal(0, 0.3))
        for rid, role, pop in ((1, "area", 400_000.0), (2, "country", 5_500_000.0)):
            rate = base * (1 + annual) ** t * np.exp(_noise(kind, rng, len(YEARS)))
            counts = rng.poisson(rate * pop).astype(float)
            frames.append(_rows(f"k{i}", rid, role, pop, rate, counts))
    return pd.concat(frames, ignore_index=True).drop(columns="true_rate")


def bench_trends(rng: np.random.Generator, editions: int) -> list[dict]:
    out = []
    for kind in ("independent", "ar1", "random_walk"):
        res = {}
        for label, annual in (("null", 0.0), ("power", -0.03)):
            tr = pd.concat([stats.trends(_edition(rng, kind, annual), roles=("area", "country"))
                            for _ in range(editions)], ignore_index=True)
            truth = 100 * annual
            res[label] = {
                "verdict": float(tr.direction.isin([stats.INCREASE, stats.DECREASE]).mean()),
                "correct": float((tr.direction == stats.DECREASE).mean()),
                "coverage": float(((tr.ci_low <= truth) & (truth <= tr.ci_high)).mean()),
                "rho": float(tr["serial_rho"].mean()) if "serial_rho" in tr else float("nan"),
                "n": len(tr)}
        out.append({"method": "trend", "noise": kind, "false_verdict": res["null"]["verdict"],
                    "coverage_95": res["null"]["coverage"], "power_-3%/v": res["power"]["correct"],
                    "pooled_rho": res["null"]["rho"], "n": res["null"]["n"]})
    return out


# ------------------------------------------------------------------------------------------ funnels

def bench_funnels(rng: np.random.Generator, reps: int) -> list[dict]:
    out = []
    for label, sd in (("poisson only", 0.0), ("between-municipality sd 15 %", 0.15)):
        flagged = n = 0
        for r in range(reps):
            pops = np.round(np.exp(rng.normal(np.log(6000), 1.2, 30))).clip(300, None)
            rates = 0.05 * np.exp(rng.normal(0, sd, 30))
            counts = rng.binomial(pops.astype(int), rates).astype(float)
            munis = pd.DataFrame({
                "indicator": 1, "indicator_title": "sim", "theme": "sim", "theme_title": "sim", "key": "k",
                "value_type": "PROS", "decimals": 1, "producer": "sim", "region_id": np.arange(30) + 10,
                "region_category": "KUNTA", "region_code": "x", "region_name": [f"m{i}" for i in range(30)],
                "role": "municipality", "year": 2024, "value": np.round(counts / pops * 100, 1), "count": counts,
                "population": pops})
            area = munis.iloc[[0]].assign(region_id=1, role="area", region_name="area", count=counts.sum(),
                                          population=pops.sum(),
                                          value=round(counts.sum() / pops.sum() * 100, 1))
            units, _ = funnel.funnel_data(pd.concat([area, munis], ignore_index=True), "k")
            flagged += int(units.flag.isin([funnel.ABOVE_998, funnel.BELOW_998]).sum())
            n += len(units)
        out.append({"method": "funnel 99,8 %", "noise": label, "false_flag": flagged / n, "n": n})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=400, help="series per interval cell / municipality sets")
    ap.add_argument("--editions", type=int, default=60, help="simulated editions (24 series each) per trend cell")
    ap.add_argument("--seed", type=int, default=20261201)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    t0 = time.perf_counter()
    pd.set_option("display.width", 160)
    print(pd.DataFrame(bench_intervals(rng, a.reps)).to_string(index=False, float_format="%.3f"), "\n")
    print(pd.DataFrame(bench_trends(rng, a.editions)).to_string(index=False, float_format="%.3f"), "\n")
    print(pd.DataFrame(bench_funnels(rng, max(a.reps // 4, 20))).to_string(index=False, float_format="%.4f"))
    print(f"\n{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
