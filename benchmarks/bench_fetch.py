"""Fetching the 2026 edition from the local replay server (run:
.venv/bin/python benchmarks/bench_fetch.py).

Not a test: prints requests made, bytes and wall time for a first fetch and for
an immediate re-fetch (which should make only the small probe requests and
write no new snapshot). The replay server answers with all 333 regions per
indicator and year, like Sotkanet, so the sizes are realistic; network latency
is not (it is 127.0.0.1).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from replay_server import ReplayServer  # noqa: E402

from sosrap.sources.fetch import fetch_edition  # noqa: E402
from sosrap.sources.http import HttpClient  # noqa: E402

EDITION = "2026"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, ReplayServer() as server:
        # the limits Statistics Finland published in 2026
        server.world.statfin_config = {"maxValues": 120000, "maxCells": 120000, "maxCalls": 40, "timeWindow": 60}
        server.world.statfin_403_above = 120000
        root = Path(tmp) / "project"
        (root / "params").mkdir(parents=True)
        (root / "notebooks").mkdir()
        for name in ("_defaults.yaml", f"{EDITION}.yaml"):
            shutil.copy(ROOT / "params" / name, root / "params" / name)
        os.environ["SOSRAP_SOTKANET_URL"] = server.sotkanet_url
        os.environ["SOSRAP_STATFIN_URL"] = server.statfin_url
        for label in ("first fetch", "re-fetch"):
            http = HttpClient()
            t0 = time.perf_counter()
            rep = fetch_edition(EDITION, root=root, http=http)
            wall = time.perf_counter() - t0
            print(f"{label:12s} {http.stats.requests:3d} requests, {http.stats.bytes / 1e6:6.2f} MB, "
                  f"{wall:5.2f} s wall; {len(rep.downloaded)} files downloaded, {len(rep.carried)} kept, "
                  f"new snapshot: {'yes' if rep.created else 'no'}")


if __name__ == "__main__":
    main()
