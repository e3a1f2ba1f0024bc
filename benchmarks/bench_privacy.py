"""Throughput of client-work ingestion and free-text screening on 50,000 rows
(goal: screening ≥ 10,000 rows/s with every detector of issue #17 on).

    .venv/bin/python benchmarks/bench_privacy.py [--rows 50000]

Prints rows/s and peak memory for: screening 50,000 rows of varied report-like
free text (1–3 sentences, ~8 % with planted personal data) with every
detector, private names and a client-number pattern; reading + validating a
CSV export (UTF-8 BOM, `;`) and an XLSX export; screening the free-text columns.
Timings are taken without tracing; peak Python heap comes from a second,
traced run (tracemalloc), and process peak RSS from the OS.
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from sosrap import clientwork, params, privacy
from sosrap.demo import clientwork as demo_clientwork


BASE = [l for l in (Path(__file__).resolve().parents[1] / "tests/privacy/data/negative_fi.txt")
        .read_text(encoding="utf-8").splitlines() if l.strip()]
FIRST = ["Matti", "Liisa", "Jukka", "Aino", "Juho", "Sanna", "Mikko", "Kaisa", "Toivo", "Onni"]
SUR = ["Virtanen", "Korhosen", "Mäkiselle", "Niemiseltä", "Laine", "Heikkisen", "Smith"]
PII = [
    lambda r: f"Asiakkaan tunnus {r.randint(10, 28)}0{r.randint(1, 9)}8{r.randint(0, 9)}-9{r.randint(10, 99)}X.",
    lambda r: f"Lisätietoja numerosta 040 {r.randint(100, 999)} {r.randint(1000, 9999)}.",
    lambda r: f"Yhteyshenkilö {r.choice(FIRST).lower()}.virtanen@example.fi.",
    lambda r: f"Asiakas {r.choice(FIRST)} {r.choice(SUR)} kertoi tilanteesta.",
    lambda r: f"Osoite Isokatu {r.randint(1, 99)} B {r.randint(1, 40)}, 90100 Oulu.",
    lambda r: f"Tilinumero FI21 1234 5600 0007 85, auto ABC-{r.randint(1, 999)}.",
    lambda r: f"Tapasin {r.choice(SUR)} ja {r.choice(FIRST)}n {r.randint(1, 28)}.{r.randint(1, 12)}.2024.",
]


def varied_rows(n: int, seed: int = 1) -> list[str]:
    r = random.Random(seed)
    rows = []
    for _ in range(n):
        sents = [r.choice(BASE) for _ in range(r.randint(1, 3))]
        if r.random() < 0.3:
            sents.append(f"Asiakkaita oli {r.randint(1, 9999)} eli {r.randint(0, 99)},{r.randint(0, 9)} %.")
        if r.random() < 0.08:
            sents.insert(r.randint(0, len(sents)), r.choice(PII)(r))
        rows.append(" ".join(sents))
    return rows


def bench_screening(n: int) -> None:
    """Every detector over *n* varied rows: throughput without tracing, then
    the Python heap peak of a cold traced pass (Voikko's own memory is in C)."""
    import pandas as pd
    rows = pd.Series(varied_rows(n))
    names = ["Meikäläinen", "Teppo Testaaja"]
    privacy.find_all("Lämmitys Matti Virtanen", privacy.NameIndex(names))      # load Voikko outside the timing
    _clear_caches()
    t0, c0 = time.perf_counter(), time.process_time()
    _, rep, _ = privacy.screen_series(rows, privacy.NameIndex(names), client_patterns=[r"AS-\d{6}"])
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    _clear_caches()
    tracemalloc.start()
    privacy.screen_series(rows, privacy.NameIndex(names), client_patterns=[r"AS-\d{6}"])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'screen varied text, all detectors':<34} {n:>7} rows  {secs:7.2f} s  {n / secs:>9,.0f} rows/s  "
          f"peak heap {peak / 2**20:7.1f} MiB  ({rep.texts_with_hits} rows redacted; goal ≥ 10,000 rows/s; "
          f"CPU {cpu:.2f} s = {n / cpu:,.0f} rows/s of CPU time)")


def _clear_caches() -> None:
    """Every per-token and per-pattern cache of the detectors: each timed pass starts cold."""
    import functools
    import importlib
    for mod in ("names", "numbers", "contacts", "addresses", "detect", "normalise"):
        m = importlib.import_module(f"sosrap.privacy.{mod}")
        for obj in vars(m).values():
            if isinstance(obj, functools._lru_cache_wrapper):
                obj.cache_clear()


def make_csv(path: Path, n: int, cw) -> None:
    header, rows = demo_clientwork.phenomena_rows(cw)
    rows = [r for i, r in enumerate(rows) if i not in (150, 151, 152, 153)]  # keep only valid rows
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    for i in range(n):
        r = list(rows[i % len(rows)])
        r[0] = f"B-{i:06d}"
        w.writerow(r)
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def make_xlsx(path: Path, csv_path: Path) -> None:
    import openpyxl
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh, delimiter=";"):
            ws.append(row)
    wb.save(path)


def measure(label: str, n: int, fn) -> None:
    t0 = time.perf_counter()
    fn()
    secs = time.perf_counter() - t0
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<34} {n:>7} rows  {secs:7.2f} s  {n / secs:>9,.0f} rows/s  peak heap {peak / 2**20:7.1f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--no-xlsx", action="store_true")
    ap.add_argument("--screen-only", action="store_true", help="only the all-detector screening benchmark")
    a = ap.parse_args()
    bench_screening(a.rows)
    if a.screen_only:
        return
    p = params.load("demo")
    cw = p.client_work
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "bench.csv"
        make_csv(csv_path, a.rows, cw)
        print(f"python {sys.version.split()[0]}; {csv_path.stat().st_size / 2**20:.1f} MiB CSV")
        res = clientwork.ingest_phenomena(csv_path, p)
        assert res.rows_valid == a.rows, res.summary()
        measure("ingest CSV (read+validate+screen)", a.rows, lambda: clientwork.ingest_phenomena(csv_path, p))
        texts = res.data["description"]
        measure("screen descriptions only", a.rows, lambda: privacy.screen_series(texts, cw.screen_names))
        measure("select quotes (screen approved)", a.rows,
                lambda: privacy.select_quotes(res.data, "description", "quote_ok", names=cw.screen_names))
        if not a.no_xlsx:
            x = Path(tmp) / "bench.xlsx"
            make_xlsx(x, csv_path)
            measure("ingest XLSX (read+validate+screen)", a.rows, lambda: clientwork.ingest_phenomena(x, p))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
