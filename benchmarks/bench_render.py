"""The render step of a build, part by part (issue #16): pandoc with sosrap's
garbage-collector setting against GHC's own, and the privacy gate's audit of
the rendered HTML.

Builds the demo in a throw-away copy of the project (tests/support.py
`copy_project`), then renders its staged report N times (default 5) with
`sosrap.report.render.render`, alternating `GHCRTS` between sosrap's setting
(`render.PANDOC_RTS`) and none (the wheel's binary then runs with the
`-H64m` it was linked with). For each it prints the median wall and CPU time
and pandoc's peak memory (GHC's `-t` statistics), and checks that both give
the same bytes. Then the median time of the gate's audit of that HTML.

    PYTHONPATH=lib .venv/bin/python benchmarks/bench_render.py [-n 5]
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def render_once(report_dir: Path, out: Path, rts: str | None, stats: Path) -> dict:
    from sosrap.report import render
    os.environ["GHCRTS"] = f"{rts or ''} -t{stats} --machine-readable".strip()
    t0, c0 = time.perf_counter(), _children_cpu()
    res = render.render(report_dir, out, formats=["html"], output_name="report", source_date_epoch=0)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    peak = re.search(r'"peak_megabytes_allocated", "(\d+)"', stats.read_text())
    return {"wall": wall, "cpu": cpu, "peak": int(peak.group(1)) if peak else None,
            "html": res.outputs["html"].read_bytes()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=5)
    args = ap.parse_args()
    from support import copy_project

    from sosrap import privacy
    from sosrap.pipeline.build import build, load_params
    from sosrap.report import render
    with tempfile.TemporaryDirectory(prefix="sosrap-bench-render-") as tmp:
        tmp_path = Path(tmp)
        project = tmp_path / "project"
        copy_project(project)
        res = build("demo", root=project, quiet=True)
        report_dir = res.build_dir / "report"
        settings = {f"sosrap's GHCRTS={render.PANDOC_RTS}": render.PANDOC_RTS, "no GHCRTS (the binary's -H64m)": None}
        runs: dict[str, list[dict]] = {k: [] for k in settings}
        for i in range(args.n):
            for label, rts in settings.items():
                runs[label].append(render_once(report_dir, tmp_path / f"out-{i}-{rts}", rts, tmp_path / "rts.txt"))
        os.environ.pop("GHCRTS", None)
        print(f"## pandoc render of the demo report (medians of {args.n} alternating runs)\n")
        print("| setting | wall | CPU | pandoc's peak memory |\n|---|---|---|---|")
        for label, rs in runs.items():
            peak = statistics.median(r["peak"] for r in rs if r["peak"]) if any(r["peak"] for r in rs) else None
            print(f"| {label} | {statistics.median(r['wall'] for r in rs):.2f} s "
                  f"| {statistics.median(r['cpu'] for r in rs):.2f} s | {peak or '?'} MiB |")
        outputs = {r["html"] for rs in runs.values() for r in rs}
        print(f"\nthe same bytes in every run: {'yes' if len(outputs) == 1 else 'NO'}")

        html = res.outputs["html"]
        params = load_params("demo", project)
        options = privacy.gate_options(params, project)
        protected = privacy.load_protected(res.build_dir / "artifacts")
        privacy.gate({html.name: html}, protected=protected, **options)      # warm: the detectors' imports
        times = []
        for _ in range(args.n):
            t0 = time.perf_counter()
            privacy.gate({html.name: html}, protected=protected, **options)
            times.append(time.perf_counter() - t0)
        print(f"the privacy gate's audit of the rendered HTML ({html.stat().st_size / 1e6:.2f} MB): "
              f"median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
