"""Throughput of client-work ingestion and free-text screening on 50,000 rows.

    .venv/bin/python benchmarks/bench_privacy.py [--rows 50000]

Prints rows/s and peak memory for: reading + validating a CSV export
(UTF-8 BOM, `;`) and an XLSX export, and screening the free-text columns.
Timings are taken without tracing; peak Python heap comes from a second,
traced run (tracemalloc), and process peak RSS from the OS.
"""
from __future__ import annotations

import argparse
import csv
import io
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from sosrap import clientwork, params, privacy
from sosrap.demo import clientwork as demo_clientwork


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
    a = ap.parse_args()
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
