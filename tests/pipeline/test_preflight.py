"""Params checked against the snapshot before any kernel starts, the same way in
`build`, `status` and `doctor` (issue #14, point 6), on a copied project."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sosrap import params as P
from sosrap.errors import ParamsError, SnapshotError
from sosrap.pipeline import preflight
from sosrap.pipeline.build import build
from support import DEMO_SNAPSHOT, run_sosrap


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _no_kernel_started(build_dir: Path) -> bool:
    return not (build_dir / "state").exists() and not (build_dir / "notebooks").exists()


def test_the_demo_passes(project):
    params = P.load("demo", project)
    preflight.check(params, preflight.open_verified(project, params))
    assert max(preflight.data_years(preflight.open_verified(project, params), [127])) == params.years.end


def test_years_end_past_the_data_is_an_error_before_any_kernel(project, tmp_path):
    _edit(project / "params/demo.yaml", "end: 2024", "end: 2027")
    with pytest.raises(SnapshotError) as e:
        build("demo", root=project, build_dir=tmp_path / "b", quiet=True)
    assert "params/demo.yaml: years.end: 2027 is past the data" in str(e.value) and "2015–2024" in str(e.value)
    assert _no_kernel_started(tmp_path / "b")


def test_an_indicator_missing_from_the_snapshot_is_an_error_before_any_kernel(project, tmp_path):
    params = P.load("demo", project)
    n = len(params.indicators)
    _edit(project / "params/demo.yaml", "indicators:\n", "indicators:\n  - {id: 999999, theme: nuoret}\n")
    with pytest.raises(SnapshotError) as e:
        build("demo", root=project, build_dir=tmp_path / "b", quiet=True)
    msg = str(e.value)
    assert "indicators[" in msg and "indicator 999999 is not in snapshot 'demo-synthetic-2025'" in msg
    assert len(P.load("demo", project).indicators) == n + 1
    assert "sosrap fetch demo" in msg and _no_kernel_started(tmp_path / "b")


def test_an_edition_key_that_differs_from_the_file_name_is_an_error(project):
    _edit(project / "params/demo.yaml", "edition: demo\n", "edition: demo2025\n")
    with pytest.raises(ParamsError, match=r"demo.yaml: edition: 'demo2025' differs from the file name"):
        P.load("demo", project)


def test_status_and_doctor_verify_the_snapshot_as_build_does(project):
    data = project / DEMO_SNAPSHOT / "sotkanet/data/127.json"
    rows = json.loads(data.read_text(encoding="utf-8"))
    rows[0]["value"] = rows[0]["value"] + 1
    data.write_text(json.dumps(rows), encoding="utf-8")
    for cmd in (["build", "demo", "--build-dir", str(project / "b")], ["status", "demo"]):
        proc = run_sosrap(*cmd, cwd=project)
        assert proc.returncode == 1 and "sha256 differs" in proc.stderr, (cmd, proc.stderr)
        assert "fresh" not in proc.stdout
    assert _no_kernel_started(project / "b")
    proc = subprocess.run([sys.executable, "-m", "sosrap", "doctor"], cwd=project, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "400"}, timeout=120)
    assert proc.returncode == 1
    line = next(ln for ln in proc.stdout.splitlines() if "snapshot (demo)" in ln)
    assert "✗" in line and "sha256 differs" in line


def test_a_build_removes_the_temporary_folders_a_killed_build_left(project, tmp_path):
    out = tmp_path / "b"
    for name in (".report-abc123", ".render-xyz", ".report.old-4242"):
        (out / name / "chapters").mkdir(parents=True)
        (out / name / "chapters" / "x.qmd").write_text("half", encoding="utf-8")
    (out / "keep-me").mkdir()
    _edit(project / "params/demo.yaml", "end: 2024", "end: 2027")      # fails fast, after the sweep
    with pytest.raises(SnapshotError):
        build("demo", root=project, build_dir=out, quiet=True)
    assert sorted(p.name for p in out.iterdir()) == ["keep-me"]


def test_a_build_keeps_the_data_years_by_file_hash_and_reuses_only_the_same_bytes(project, tmp_path):
    """The years per data file are kept in the build's state/ under the file's sha256, so a rebuild
    does not parse the data files again; an entry is only used for the same bytes, and a damaged
    cache is read past."""
    from sosrap.pipeline.build import YEARS_CACHE
    params = P.load("demo", project)
    snap = preflight.open_verified(project, params)
    cache = tmp_path / "state" / YEARS_CACHE
    preflight.check(params, snap, cache)
    kept = json.loads(cache.read_text(encoding="utf-8"))["years"]
    data = {f.sha256 for f in snap.files if f.kind == "data" and int(f.key) in {i.id for i in params.indicators}}
    assert set(kept) == data
    truth = preflight.data_years(snap, [i.id for i in params.indicators])
    assert {y for ys in kept.values() for y in ys} == truth and max(truth) == params.years.end
    # a cached entry is what check believes: one that says the data ends earlier is used
    planted = {k: [y for y in v if y < params.years.end] for k, v in kept.items()}
    cache.write_text(json.dumps({"format": preflight.YEARS_CACHE_FORMAT, "years": planted}), encoding="utf-8")
    with pytest.raises(SnapshotError, match="years.end"):
        preflight.check(params, snap, cache)
    # ... but only under the file's own hash: other keys are ignored and the files are read
    cache.write_text(json.dumps({"format": preflight.YEARS_CACHE_FORMAT,
                                 "years": {"0" * 64: [1990]}}), encoding="utf-8")
    assert preflight.data_years(snap, [i.id for i in params.indicators], cache) == truth
    preflight.check(params, snap, cache)
    assert set(json.loads(cache.read_text(encoding="utf-8"))["years"]) == data
    for damaged in ("{not json", json.dumps({"format": "other", "years": planted}),
                    json.dumps({"format": preflight.YEARS_CACHE_FORMAT, "years": {k: ["x"] for k in kept}})):
        cache.write_text(damaged, encoding="utf-8")
        assert preflight.data_years(snap, [i.id for i in params.indicators], cache) == truth


def test_a_build_writes_the_years_cache_and_a_failing_check_does_not(project, tmp_path):
    from sosrap.pipeline.build import YEARS_CACHE, open_snapshot
    params = P.load("demo", project)
    open_snapshot(project, "demo", params, tmp_path / "ok")
    assert (tmp_path / "ok" / YEARS_CACHE).is_file()
    _edit(project / "params/demo.yaml", "end: 2024", "end: 2027")
    with pytest.raises(SnapshotError):
        open_snapshot(project, "demo", P.load("demo", project), tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
