"""Build times of the demo edition: cold, no-op rebuild, text-only rebuild.

Prints numbers; it is not a test. Builds a copy of the project in a temporary
folder so the checkout's build/ is untouched.
    .venv/bin/python benchmarks/bench_build.py
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "tests"))

from conftest import copy_project  # noqa: E402

from sosrap.pipeline.build import build  # noqa: E402


def timed(label: str, root: Path, **kw) -> float:
    t0 = time.perf_counter()
    r = build("demo", root=root, quiet=True, **kw)
    dt = time.perf_counter() - t0
    ran = sum(s.state == "ran" for s in r.stages)
    print(f"{label:<22} {dt:6.1f} s   stages run: {ran}/{len(r.stages)}   rendered: {r.rendered}")
    return dt


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp) / "project")
        os.chdir(root)
        from sosrap.pipeline.runner import default_jobs
        print(f"demo edition, {os.cpu_count()} cores, --jobs {default_jobs()} (the default), engine auto")
        timed("cold build", root)
        timed("no-op rebuild", root)
        ch = root / "reports/demo/chapters/07-seuranta.qmd"
        ch.write_text(ch.read_text(encoding="utf-8") + "\nBenchmark-lause.\n", encoding="utf-8")
        timed("text-only rebuild", root)
        timed("forced full rebuild", root, force=True)
        html = root / "build/demo/sosiaalinen-raportti-demo.html"
        print(f"report size            {html.stat().st_size / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()
