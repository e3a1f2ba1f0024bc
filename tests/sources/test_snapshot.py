from __future__ import annotations

import json

import pytest

from sosrap.demo import snapshot as demo
from sosrap.errors import SnapshotError
from sosrap.sources.snapshot import PendingFile, Snapshot, write_snapshot
from support import DEMO_SNAPSHOT, ROOT


def test_demo_snapshot_is_reproducible(tmp_path):
    """The committed demo snapshot is exactly what the committed generator writes."""
    fresh = demo.generate(tmp_path / "demo")
    shipped = Snapshot.open(ROOT / DEMO_SNAPSHOT, verify=True)
    assert (tmp_path / "demo" / "snapshot.json").read_bytes() == (ROOT / DEMO_SNAPSHOT / "snapshot.json").read_bytes()
    assert [f.sha256 for f in fresh.files] == [f.sha256 for f in shipped.files]


def test_demo_snapshot_says_synthetic_and_has_gaps():
    snap = Snapshot.open(ROOT / DEMO_SNAPSHOT)
    assert snap.synthetic and snap.meta["description"].startswith("Synteettinen")
    rows = json.loads((ROOT / DEMO_SNAPSHOT / "sotkanet/data/2618.json").read_text(encoding="utf-8"))
    assert any("value" not in r for r in rows), "suppressed cells (no value) must exist"
    assert {r["year"] for r in rows} == set(range(2015, 2025))
    n_rows = {r["region"]: 0 for r in rows}
    for r in rows:
        n_rows[r["region"]] += 1
    assert min(n_rows.values()) < 10, "some small municipalities lack whole rows (withheld at source)"
    gap = json.loads((ROOT / DEMO_SNAPSHOT / "sotkanet/data/3216.json").read_text(encoding="utf-8"))
    assert 2016 not in {r["year"] for r in gap}
    rate_only = json.loads((ROOT / DEMO_SNAPSHOT / "sotkanet/data/3099.json").read_text(encoding="utf-8"))
    assert all("absValue" not in r for r in rate_only)


def test_write_is_atomic_and_immutable(tmp_path):
    files = [PendingFile("a/x.json", b"[]", "sotkanet", "data", "1", "http://x", "2025-01-01T00:00:00Z", "CC BY 4.0")]
    snap = write_snapshot(tmp_path / "s1", {"id": "s1", "created": "2025-01-01T00:00:00Z"}, files)
    assert snap.files[0].bytes == 2
    with pytest.raises(SnapshotError, match="immutable"):
        write_snapshot(tmp_path / "s1", {"id": "s1"}, files)

    def boom():
        yield files[0]
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        write_snapshot(tmp_path / "s2", {"id": "s2"}, boom())
    assert not (tmp_path / "s2").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["s1"], "no partial folder is left behind"


def test_tampered_file_is_detected(tmp_path):
    files = [PendingFile("x.json", b"[1]", "sotkanet", "data", "1", "http://x", "2025-01-01T00:00:00Z", "")]
    write_snapshot(tmp_path / "s", {"id": "s"}, files)
    (tmp_path / "s" / "x.json").write_bytes(b"[2]")
    with pytest.raises(SnapshotError, match="immutable"):
        Snapshot.open(tmp_path / "s", verify=True)
    with pytest.raises(SnapshotError, match="not a snapshot"):
        Snapshot.open(tmp_path / "nothing")
