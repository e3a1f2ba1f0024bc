"""Size of the self-contained demo HTML and its load time in headless Chromium.

Budget: under 3 MB. Builds the demo first if build/demo has no report.
    .venv/bin/python benchmarks/bench_report.py [path/to/report.html]
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MB = 3.0
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main() -> None:
    if len(sys.argv) > 1:
        html = Path(sys.argv[1]).resolve()
    else:
        from sosrap.pipeline.build import build
        html = build("demo", root=ROOT, quiet=True).outputs["html"].resolve()
    size = html.stat().st_size / 1e6
    print(f"report: {html}")
    print(f"size: {size:.2f} MB (budget {BUDGET_MB:.0f} MB: {'OK' if size < BUDGET_MB else 'OVER'})")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        times = []
        for _ in range(5):
            page = browser.new_page()
            t0 = time.perf_counter()
            page.goto(html.as_uri(), wait_until="load")
            times.append(time.perf_counter() - t0)
            page.close()
        browser.close()
    print(f"load time in Chromium (5 loads): median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
