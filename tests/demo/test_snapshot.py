"""The deterministic demo snapshot generator (lib/sosrap/demo/snapshot.py)."""
from __future__ import annotations

import json

from sosrap.demo import snapshot as demo
from sosrap.sources.snapshot import Snapshot
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


def test_regenerated_tree_is_byte_identical_to_the_committed_one(tmp_path):
    """Every file, not only the manifest: same random draws in the same order."""
    demo.generate(tmp_path / "demo")
    fresh = sorted(p.relative_to(tmp_path / "demo") for p in (tmp_path / "demo").rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(ROOT / DEMO_SNAPSHOT) for p in (ROOT / DEMO_SNAPSHOT).rglob("*") if p.is_file())
    assert fresh == shipped and len(fresh) == 1 + 1 + 2 * len(demo.INDICATORS)
    for rel in fresh:
        assert (tmp_path / "demo" / rel).read_bytes() == (ROOT / DEMO_SNAPSHOT / rel).read_bytes(), rel


def test_levels_add_up_and_population_rows_carry_counts():
    files = {f.path: json.loads(f.data) for f in demo.build_files()}
    pop = files["sotkanet/data/127.json"]
    by = {(r["region"], r["year"]): r for r in pop}
    municipalities = [m.region_id for m in demo.municipalities() if m.county_id == demo.POHDE_ID]
    for year in demo.YEARS:
        assert by[(demo.POHDE_ID, year)]["value"] == sum(by[(rid, year)]["value"] for rid in municipalities)
    assert all(r["value"] == r["absValue"] for r in pop)
