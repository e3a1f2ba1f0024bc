"""Batch times: the demo edition for every area (or the first N), cold and then incremental.

Prints the wall time of the whole batch, the first area alone (it runs before
the others) and the marginal cost per further area; then a second, no-op batch.
Builds in a copy of the project (the checkout's build/ is untouched).
    .venv/bin/python benchmarks/bench_batch.py [N_AREAS] [JOBS]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "tests"))

from support import copy_project  # noqa: E402

from sosrap.pipeline.batch import all_areas, batch  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else None
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp) / "project")
        codes = [c for c, _ in all_areas(root)][:n]
        t0 = time.perf_counter()
        res = batch("demo", areas=codes, jobs=jobs, root=root, say=lambda s: print(" ", s))
        cold = time.perf_counter() - t0
        first = res.areas[0].seconds
        rest = (cold - first) / max(1, len(codes) - 1)
        print(f"cold batch, {len(codes)} areas, --jobs {jobs}: {cold:.1f} s; first area {first:.1f} s; "
              f"marginal wall time per further area {rest:.1f} s; failed: {len(res.failed)}")
        t0 = time.perf_counter()
        batch("demo", areas=codes, jobs=jobs, root=root, say=lambda s: None)
        print(f"no-op batch: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
