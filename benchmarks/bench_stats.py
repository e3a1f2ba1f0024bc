"""Timing of the statistics on the demo table (run: .venv/bin/python benchmarks/bench_stats.py).

Not a test: prints seconds per step so a slow change is noticed before the
stage notebooks get slow. Expect well under 10 s in total on a laptop.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_plots import demo_table  # noqa: E402

from sosrap.indicators import keyfigures, stats# noqa: E402


def main() -> None:
    t0 = time.perf_counter()
    table = demo_table()
    t1 = time.perf_counter()
    rated = stats.add_rates(table)
    t2 = time.perf_counter()
    tr = stats.trends(rated, roles=("area", "country", "peer", "municipality"))
    t3 = time.perf_counter()
    keyfigures.key_figures(rated)
    t4 = time.perf_counter()
    print(f"table {t1 - t0:.2f} s, add_rates {t2 - t1:.3f} s ({len(rated)} rows), "
          f"trends {t3 - t2:.2f} s ({len(tr)} series), key_figures {t4 - t3:.2f} s")


if __name__ == "__main__":
    main()
