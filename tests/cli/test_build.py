"""`sosrap status` and `sosrap demo-data` (sosrap.cli.build); `sosrap build` runs
as a user runs it in tests/integration/test_e2e.py."""
from __future__ import annotations

from typer.testing import CliRunner

from sosrap.cli import app
from sosrap.pipeline.graph import load_stages
from support import DEMO_SNAPSHOT, ROOT


def test_status_before_any_build_lists_every_stage_as_never_built(project, tmp_path):
    r = CliRunner().invoke(app, ["status", "demo", "--build-dir", str(tmp_path / "b")], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in r.output.splitlines() if line.startswith("│")]
    assert rows == [[name, "stale", "never built"] for name in load_stages(project)], r.output
    assert not (tmp_path / "b").exists(), "status writes nothing"


def test_demo_data_regenerates_the_committed_snapshot(tmp_path):
    out = tmp_path / "snap"
    r = CliRunner().invoke(app, ["demo-data", str(out)])
    assert r.exit_code == 0, r.output
    committed = ROOT / DEMO_SNAPSHOT
    files = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    assert files and sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file()) == files
    assert all((out / f).read_bytes() == (committed / f).read_bytes() for f in files)
    assert f"with {len(files) - 1} files to {out}" in r.output    # the data files, besides snapshot.json
