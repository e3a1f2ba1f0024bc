"""`sosrap batch` (issue #12, point 5): every area into build/<edition>/<area>/,
an index that links the reports and compares their key indicators, incremental,
and one area's failure does not stop the others."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sosrap.pipeline import batch as B
from sosrap.sources import classifications
from support import ROOT, copy_project, run_sosrap

pytestmark = pytest.mark.e2e


def _three_areas() -> list[tuple[str, str]]:
    """Three areas of the reference table, none of them the demo's own (drawn from the table, not named)."""
    from sosrap import params as P
    own = str(P.load("demo", ROOT).area.code).lstrip("0")
    rows = [(str(r.county_code), str(r.name_fi)) for r in classifications.counties(ROOT).itertuples()]
    others = [r for r in rows if r[0] != own]
    return [others[0], others[len(others) // 2], others[-1]]


@pytest.fixture(scope="module")
def batched(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("batch") / "project")
    areas = _three_areas()
    broken = areas[1][0]
    # A file where the area's build folder must go: that area's build fails for real.
    (root / "build/demo").mkdir(parents=True)
    (root / "build/demo" / broken).write_text("not a folder\n", encoding="utf-8")
    proc = run_sosrap("batch", "demo", "--areas", ",".join(c for c, _ in areas), "--jobs", "2", cwd=root)
    return root, areas, broken, proc


def test_one_failing_area_does_not_stop_the_others(batched):
    root, areas, broken, proc = batched
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    name = dict(areas)[broken]
    last = proc.stderr.strip().splitlines()[-1]
    assert "2/3 areas built" in last and f"failed: {broken} {name}" in last
    # progress: one line per area as it finishes
    assert sum(1 for line in proc.stderr.splitlines() if line.startswith("[")) == 3
    for code, _ in areas:
        if code != broken:
            assert (root / "build/demo" / code / "sosiaalinen-raportti-demo.html").is_file()


def test_each_area_report_is_that_areas(batched):
    root, areas, broken, _ = batched
    for code, name in areas:
        if code == broken:
            continue
        manifest = json.loads((root / "build/demo" / code / "manifest.json").read_text(encoding="utf-8"))
        assert json.dumps(manifest, ensure_ascii=False).count(name) >= 1
        soup = BeautifulSoup((root / "build/demo" / code / "sosiaalinen-raportti-demo.html")
                             .read_text(encoding="utf-8"), "html.parser")
        # the trend figures describe the report's own area, and no other
        trend_alts = [img["alt"] for img in soup.find_all("img", alt=True) if img["alt"].startswith("Viivakuvio")]
        assert trend_alts
        for alt in trend_alts:
            assert name in alt
            assert not any(other in alt for other_code, other in areas if other_code != code)


def test_index_links_the_reports_and_compares_key_indicators(batched):
    root, areas, broken, proc = batched
    index = root / "build/demo/index.html"
    assert proc.stdout.strip().splitlines()[-1] == str(index.resolve())
    soup = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    links = {a.get_text(): a["href"] for a in soup.select("tbody a")}
    for code, name in areas:
        if code == broken:
            assert name not in links
            assert "ei koostettu" in soup.get_text()
        else:
            assert links[name] == f"{code}/sosiaalinen-raportti-demo.html"
            assert (index.parent / links[name]).is_file()
    headers = [th.get_text() for th in soup.select("thead th")]
    from sosrap import params as P
    n_ind = len(P.load("demo", ROOT).indicators)
    assert len(headers) == 2 + n_ind
    first_row = [td.get_text() for td in soup.select("tbody tr")[0].select("td")]
    assert any(cell[:1].isdigit() for cell in first_row[2:]), first_row


def _cell_windows(build: Path) -> dict[str, tuple[float, float]]:
    """Per stage that ran: from its first cell's start to its last cell's end (wall-clock seconds)."""
    out = {}
    for p in (build / "state").glob("*.json"):
        state = json.loads(p.read_text(encoding="utf-8"))
        tm = state.get("timings") if isinstance(state, dict) else None
        if tm and tm.get("ready_at"):
            out[p.stem] = (tm["ready_at"], tm["ready_at"] + sum(tm["cells"]))
    return out


def _overlapping(windows: dict[str, tuple[float, float]]) -> list[tuple[str, str]]:
    names = sorted(windows)
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
            if windows[a][0] < windows[b][1] and windows[b][0] < windows[a][1]]


def _most_at_once(windows: list[tuple[float, float]]) -> int:
    edges = sorted([(a, 1) for a, _ in windows] + [(b, -1) for _, b in windows])
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def test_the_batch_runs_at_most_jobs_stages_at_once_and_an_area_alone_uses_them_all(batched):
    """Issue #16: `--jobs 2` caps the stages running at once across all areas at 2 (each area one,
    while two areas build); an area building alone (the first, built before the others read what it
    creates, and here the last, once the broken one has failed) runs two side by side instead of
    leaving a core idle. Every stage's kernel CPU is on record."""
    root, areas, broken, _ = batched
    ok = [c for c, _ in areas if c != broken]
    windows = {c: _cell_windows(root / "build/demo" / c) for c in ok}
    assert all(len(w) >= 4 for w in windows.values()), windows
    assert _overlapping(windows[areas[0][0]]), windows[areas[0][0]]
    assert _most_at_once([w for c in ok for w in windows[c].values()]) <= 2
    for code in ok:
        for p in (root / "build/demo" / code / "state").glob("*.json"):
            state = json.loads(p.read_text(encoding="utf-8"))
            if isinstance(state, dict) and state.get("status") == "ok":
                assert state["timings"]["cpu"] > 0


def test_stage_slots_give_each_build_one_and_the_free_ones_to_whoever_asks():
    from sosrap.pipeline.runner import StageSlots
    slots = StageSlots(3)
    for _ in range(3):
        slots.enter()
    assert slots.take(0)                 # a build's first stage: its own slot, always
    assert not slots.take(1)             # three builds hold the three slots
    slots.leave()
    assert slots.take(1) and not slots.take(1)     # one free slot, taken once
    slots.give()
    slots.leave()
    assert slots.take(1) and slots.take(2) and not slots.take(3)     # one build left: three at once
    slots.give()
    slots.give()
    assert slots.extra == 0 and slots.builds == 1


def test_a_batch_builds_one_more_area_at_a_time_than_there_are_cores():
    import os
    assert B.default_jobs() == (os.cpu_count() or 1) + 1


def test_a_second_batch_is_incremental(batched):
    root, areas, broken, _ = batched
    (root / "build/demo" / broken).unlink()
    ok = [c for c, _ in areas if c != broken]
    before = {c: (root / "build/demo" / c / "sosiaalinen-raportti-demo.html").stat().st_mtime_ns for c in ok}
    proc = run_sosrap("batch", "demo", "--areas", ",".join(c for c, _ in areas), cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "3/3 areas built" in proc.stderr
    after = {c: (root / "build/demo" / c / "sosiaalinen-raportti-demo.html").stat().st_mtime_ns for c in ok}
    assert before == after, "fresh areas are neither re-run nor re-rendered"


def test_an_unknown_area_code_fails_before_anything_runs(tmp_path):
    root = copy_project(tmp_path / "project")
    proc = run_sosrap("batch", "demo", "--areas", "1,99", cwd=root)
    assert proc.returncode != 0 and "99" in proc.stderr and "Traceback" not in proc.stderr
    assert not (root / "build/demo/1").exists()
