"""`sosrap fetch <edition>` against the local replay server: new immutable
snapshots, pinning, no redundant downloads, and faults that leave the previous
snapshot untouched."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import FAST
from replay_server import Fault
from sosrap.indicators import table as indicators
from sosrap import params as P
from sosrap.errors import FetchError, SnapshotError
from sosrap.sources.fetch import fetch_edition, pin_snapshot
from sosrap.sources.snapshot import Snapshot, sha256_file
from sosrap.sources import statfin
from sosrap.sources.http import HttpClient


LATER = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)


def _fetch(root: Path, edition: str = "t", **kw):
    kw.setdefault("http", HttpClient(FAST, sleep=lambda s: None))
    return fetch_edition(edition, root=root, **kw)


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


def _snapshots(root: Path) -> list[str]:
    d = root / "data/snapshots"
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_first_fetch_writes_a_complete_snapshot_and_pins_it(fetch_project, replay):
    lines: list[str] = []
    rep = _fetch(fetch_project, progress=lines.append)
    assert rep.created and rep.snapshot.parent == fetch_project / "data/snapshots"
    snap = Snapshot.open(rep.snapshot, verify=True)
    assert not snap.synthetic and snap.meta["edition"] == "t"
    assert snap.meta["sources"]["sotkanet"]["base_url"] == replay.sotkanet_url
    paths = {f.path for f in snap.files}
    assert {"sotkanet/regions.json", "sotkanet/indicators/493.json", "sotkanet/data/127.json",
            "statfin/11ra/metadata.json", "statfin/11ra/data-001.json", "statfin/config.json"} <= paths
    for f in snap.files:
        assert f.url.startswith(replay.url) and f.retrieved.endswith("Z") and len(f.sha256) == 64 and f.licence
    data = snap.require("sotkanet", "data", 493)
    assert data.extra["years"] == [2022, 2023, 2024, 2025] and data.licence.startswith("CC BY 4.0")
    assert "Työ- ja elinkeinoministeriö" in snap.require("sotkanet", "data", 181).licence
    post = snap.require("statfin", "data", "11ra")
    assert post.extra["method"] == "POST" and post.extra["query"]["response"]["format"] == "json-stat2"
    # progress per indicator/table
    assert any(line.startswith("[1/4] sotkanet 493") for line in lines)
    assert any(line.startswith("[1/1] statfin 11ra") for line in lines)
    # params now pin it; only the `snapshot:` value changed, the comment stayed
    text = (fetch_project / "params/t.yaml").read_text(encoding="utf-8")
    assert f"snapshot: data/snapshots/{snap.id}   # pinned by sosrap fetch" in text
    assert text.startswith("# a test edition (comments must survive pinning)")
    assert P.load("t", fetch_project).snapshot == f"data/snapshots/{snap.id}"
    assert rep.pinned == ("data/snapshots/t-unfetched", f"data/snapshots/{snap.id}")


def test_fetched_snapshot_goes_through_the_same_parsing_as_the_demo(fetch_project):
    rep = _fetch(fetch_project)
    p = P.load("t", fetch_project)
    snap = Snapshot.open(rep.snapshot, verify=True)
    table = indicators.build_table(snap, indicators=p.indicators, themes=p.themes, area=p.area, country=p.country,
                                   peer_category=p.peer_category, municipality_category=p.municipality_category,
                                   years=p.years, population_indicator=p.population_indicator)
    assert list(table.columns) == indicators.COLUMNS
    assert set(table.role) == {"area", "country", "peer", "municipality"}
    assert len(table[(table.role == "municipality") & (table.indicator == 493)].region_id.unique()) == 30
    assert table.population.notna().mean() > 0.9
    src = indicators.sources_table(snap, p.indicators)
    assert src.citation.str.contains(r"\(ind\. 493\)").any() and src.licence.str.len().gt(0).all()
    pop = statfin.population(statfin.read_snapshot_table(snap, "11ra"), contents_code="vaerak-vaesto")
    assert {"KUNTA", "HYVINVOINTIALUE", "MAA"} == set(pop.region_category) and set(pop.year) == {2022, 2023, 2024, 2025}


def test_refetch_with_nothing_new_downloads_no_data_and_writes_nothing(fetch_project, replay):
    first = _fetch(fetch_project)
    before = _tree(fetch_project)
    n_logged = len(replay.log)
    rep = _fetch(fetch_project)
    new = replay.log[n_logged:]
    assert not rep.created and rep.snapshot == first.snapshot and not rep.downloaded
    assert not [r for r in new if "/json" in r.path or r.method == "POST"], "no data re-downloaded"
    assert len(new) == rep.requests == 1 + 4 + 2, "only probes: regions, 4 metadata, ?config, listing"
    assert _tree(fetch_project) == before, "no new snapshot, params untouched"


def test_refetch_downloads_only_what_changed_and_keeps_the_previous_snapshot(fetch_project, replay):
    first = _fetch(fetch_project)
    old_tree = _tree(first.snapshot)
    replay.world.data_updated[181] = "2026-11-27"
    n_logged = len(replay.log)
    rep = _fetch(fetch_project, now=LATER)
    assert rep.created and rep.snapshot != first.snapshot and rep.snapshot.name == "t-20300101T000000Z"
    assert [r.query["indicator"] for r in replay.log[n_logged:] if "/json" in r.path] == [["181"]]
    assert rep.downloaded == ["sotkanet/data/181.json", "sotkanet/indicators/181.json"]
    new, old = Snapshot.open(rep.snapshot, verify=True), Snapshot.open(first.snapshot, verify=True)
    assert new.meta["previous"] == old.id
    kept = new.require("sotkanet", "data", 493)
    assert kept.sha256 == old.require("sotkanet", "data", 493).sha256
    assert kept.retrieved == old.require("sotkanet", "data", 493).retrieved, "kept files keep their retrieval time"
    assert new.require("sotkanet", "data", 181).sha256 != old.require("sotkanet", "data", 181).sha256
    assert _tree(first.snapshot) == old_tree, "the previous snapshot is never modified"
    assert P.load("t", fetch_project).snapshot == f"data/snapshots/{new.id}"


def test_statfin_table_is_refetched_when_its_updated_stamp_changes(fetch_project, replay):
    _fetch(fetch_project)
    replay.world.statfin_listing["vaerak/"][1]["updated"] = "2026-12-01T05:00:00"
    replay.world.revision += 1
    n = len(replay.log)
    rep = _fetch(fetch_project, now=LATER)
    assert rep.created and "statfin/11ra/data-001.json" in rep.downloaded
    assert not [r for r in replay.log[n:] if "/json" in r.path], "Sotkanet data unchanged, not downloaded"


@pytest.mark.parametrize("where,faults,expect", [
    ("/json?indicator=1086", [Fault.http(500)] * 10, r"indicator 1086 data.*json\?indicator=1086.*HTTP 500"),
    ("/json?indicator=1086", [Fault.malformed()] * 10, r"indicator 1086 data.*not valid JSON"),
    ("/json?indicator=1086", [Fault.json_body([])], r"indicator 1086 data: Sotkanet returned no rows"),
    ("11ra.px", [Fault.http(400, b"Bad Request")], r"table 11ra data.*Bad Request \(HTTP 400\)"),
    ("11ra.px", [Fault.http(403, b"<html>403 - Forbidden</html>", content_type="text/html")] * 20,
     r"table 11ra data: query too large \(HTTP 403\)"),
], ids=["5xx-forever", "malformed-forever", "empty-data", "statfin-400", "statfin-403-forever"])
def test_a_failing_fetch_leaves_the_previous_snapshot_and_params_untouched(fetch_project, replay, where, faults,
                                                                            expect):
    first = _fetch(fetch_project)
    replay.world.data_updated.update({1086: "2026-11-27"})
    replay.world.statfin_listing["vaerak/"][1]["updated"] = "2026-12-01T05:00:00"
    before = _tree(fetch_project)
    replay.inject("POST" if where.endswith(".px") else "GET", where, *faults)
    with pytest.raises(FetchError, match=expect) as e:
        _fetch(fetch_project)
    assert e.value.url and replay.url in str(e.value)
    assert _tree(fetch_project) == before and _snapshots(fetch_project) == [first.snapshot.name], \
        "no partial snapshot, previous untouched, params unchanged"


def test_ctrl_c_mid_fetch_leaves_nothing_behind(fetch_project, replay):
    first = _fetch(fetch_project)
    replay.world.data_updated.update({493: "2026-11-27", 181: "2026-11-27"})
    before = _tree(fetch_project)

    def interrupt(line: str) -> None:
        if line.startswith("[2/4]"):
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        _fetch(fetch_project, progress=interrupt)
    assert _tree(fetch_project) == before and _snapshots(fetch_project) == [first.snapshot.name]


def test_transient_faults_during_fetch_are_retried(fetch_project, replay):
    replay.inject("GET", "/json?indicator=493", Fault.delay(0.8))
    replay.inject("GET", "/indicators/181", Fault.http(429, b"slow down", {"Retry-After": "1"}))
    replay.inject("GET", "/regions", Fault.truncate())
    replay.inject("POST", "11ra.px", Fault.http(503))
    rep = _fetch(fetch_project)
    assert rep.created and Snapshot.open(rep.snapshot, verify=True)


def test_no_pin_leaves_params_alone(fetch_project):
    before = (fetch_project / "params/t.yaml").read_bytes()
    rep = _fetch(fetch_project, pin=False)
    assert rep.created and rep.pinned is None and (fetch_project / "params/t.yaml").read_bytes() == before


def test_pin_rewrites_only_the_snapshot_line(tmp_path):
    f = tmp_path / "e.yaml"
    f.write_text("title: x  # keep\nsnapshot: 'data/snapshots/old'  # pinned\nnested:\n  snapshot: no\n",
                 encoding="utf-8")
    assert pin_snapshot(f, "data/snapshots/new") == ("data/snapshots/old", "data/snapshots/new")
    assert f.read_text(encoding="utf-8") == ("title: x  # keep\nsnapshot: data/snapshots/new  # pinned\n"
                                             "nested:\n  snapshot: no\n")


def test_synthetic_pin_is_not_replaced(fetch_project):
    """The demo edition stays on its synthetic snapshot even if someone fetches it."""
    from support import DEMO_SNAPSHOT, ROOT
    import shutil
    shutil.copytree(ROOT / DEMO_SNAPSHOT, fetch_project / DEMO_SNAPSHOT)
    shutil.copy(ROOT / "params/demo.yaml", fetch_project / "params/demo.yaml")
    rep = _fetch(fetch_project, "demo")
    assert rep.created and rep.pinned is None and any("synthetic" in n for n in rep.notes)
    assert P.load("demo", fetch_project).snapshot == DEMO_SNAPSHOT


def test_the_2026_edition_validates_and_says_fetch_first():
    from support import ROOT
    p = P.load("2026", ROOT)
    assert p.years.end == 2025 and p.snapshot.startswith("data/snapshots/2026-")
    assert [t.id for t in p.sources.statfin.tables] == ["11ra"]
    assert {i.theme for i in p.indicators} == set(p.themes)
    if not (ROOT / p.snapshot).exists():
        with pytest.raises(SnapshotError, match="sosrap fetch"):
            Snapshot.open(ROOT / p.snapshot)


def test_cli_fetch_prints_progress_and_the_snapshot_path(fetch_project):
    env = {**os.environ}
    proc = subprocess.run([sys.executable, "-m", "sosrap", "fetch", "t"], cwd=fetch_project, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    path = Path(proc.stdout.strip().splitlines()[-1])
    assert path.is_dir() and Snapshot.open(path, verify=True)
    assert "[1/4] sotkanet 493" in proc.stderr and "params/t.yaml: snapshot: data/snapshots/t-unfetched →" in proc.stderr
    again = subprocess.run([sys.executable, "-m", "sosrap", "fetch", "t"], cwd=fetch_project, env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "nothing new" in again.stderr and again.stdout.strip() == str(path)


def test_cli_fetch_error_is_one_message(fetch_project, replay):
    env = {**os.environ, "SOSRAP_SOTKANET_URL": replay.url + "/nowhere/"}
    proc = subprocess.run([sys.executable, "-m", "sosrap", "fetch", "t"], cwd=fetch_project, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "error:" in proc.stderr and "/nowhere/regions" in proc.stderr and "HTTP 404" in proc.stderr


@pytest.mark.e2e
def test_a_fetched_snapshot_builds_through_the_same_stage_notebooks(tmp_path, replay, monkeypatch):
    """The demo edition's params, pointed at a fetched (not synthetic) snapshot,
    build through the real stage notebooks and renderer."""
    from support import copy_project, run_sosrap
    root = copy_project(tmp_path / "project")
    text = (root / "params/demo.yaml").read_text(encoding="utf-8")
    (root / "params/real.yaml").write_text(
        text.replace("edition: demo", "edition: real").replace(
            "snapshot: data/snapshots/demo-synthetic-2025", "snapshot: data/snapshots/real-unfetched"),
        encoding="utf-8")
    monkeypatch.setenv("SOSRAP_SOTKANET_URL", replay.sotkanet_url)
    rep = _fetch(root, "real")
    assert rep.created and not Snapshot.open(rep.snapshot).synthetic
    monkeypatch.delenv("SOSRAP_SOTKANET_URL")            # a build never touches the network
    proc = run_sosrap("build", "real", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert f"data: {rep.snapshot.name}" in proc.stdout + proc.stderr
    html = Path(proc.stdout.strip().splitlines()[-1])
    assert html.is_file()


@pytest.mark.e2e
def test_the_2026_edition_fetches_then_builds_offline(tmp_path, replay, monkeypatch):
    """Point 6: the real edition as a user runs it: fetch (here from the local
    mirror), the analyst saves the form tool's exports into the private area,
    then an offline build through the same notebooks and report sources."""
    from support import copy_project, run_sosrap
    from sosrap.demo import clientwork as demo_clientwork
    root = copy_project(tmp_path / "project")
    proc = run_sosrap("build", "2026", cwd=root)           # before the first fetch: one clear message
    assert proc.returncode != 0 and "sosrap fetch 2026" in proc.stderr and "Traceback" not in proc.stderr
    for var, url in (("SOSRAP_SOTKANET_URL", replay.sotkanet_url), ("SOSRAP_STATFIN_URL", replay.statfin_url)):
        monkeypatch.setenv(var, url)
    rep = _fetch(root, "2026")
    assert rep.created and not Snapshot.open(rep.snapshot).synthetic
    for var in ("SOSRAP_SOTKANET_URL", "SOSRAP_STATFIN_URL"):
        monkeypatch.delenv(var)                             # a build never touches the network
    p = P.load("2026", root)
    assert p.snapshot == f"data/snapshots/{rep.snapshot.name}" and not p.client_work.synthetic_demo
    proc = run_sosrap("build", "2026", cwd=root)           # exports not saved yet: names the missing file
    assert proc.returncode != 0 and "data/private/2026/ilmioraportit.csv" in proc.stderr
    demo_clientwork.ensure_inputs(p.client_work, root)     # stands in for the form tool's exports
    proc = run_sosrap("build", "2026", cwd=root)
    assert proc.returncode == 0, proc.stderr
    html = Path(proc.stdout.strip().splitlines()[-1])
    text = html.read_text(encoding="utf-8")
    assert "Sosiaalinen raportti 2026" in text and "2015–2025" in text
    assert "synteettis" not in text.lower()                 # real data: no example-data notice
    assert "Testi-indikaattori 405" in text                 # titles come from the fetched metadata


def _rehearse(root: Path, edition: str, replay, monkeypatch) -> Path:
    """Fetch *edition* from the replay server, then build it offline; returns the report."""
    from support import run_sosrap
    monkeypatch.setenv("SOSRAP_SOTKANET_URL", replay.sotkanet_url)
    monkeypatch.setenv("SOSRAP_STATFIN_URL", replay.statfin_url)
    rep = _fetch(root, edition)
    assert rep.created and not Snapshot.open(rep.snapshot).synthetic
    monkeypatch.delenv("SOSRAP_SOTKANET_URL")            # a build never touches the network
    monkeypatch.delenv("SOSRAP_STATFIN_URL")
    proc = run_sosrap("build", edition, cwd=root)
    assert proc.returncode == 0, proc.stderr
    html = Path(proc.stdout.strip().splitlines()[-1])
    assert html.is_file() and "Traceback" not in proc.stderr
    return html


@pytest.mark.e2e
def test_rehearsal_the_2026_edition_fetched_from_the_replay_server_builds(tmp_path, replay, monkeypatch):
    """The real 2026 edition (21 indicators, StatFin population) end to end from recorded formats;
    its private client-work exports are stood in for by the synthetic generator's."""
    from sosrap.demo.clientwork import ensure_inputs
    from support import copy_project
    root = copy_project(tmp_path / "project")
    ensure_inputs(P.load("2026", root).client_work, root)
    html = _rehearse(root, "2026", replay, monkeypatch)
    text = html.read_text(encoding="utf-8")
    assert "Pohjois-Pohjanmaan hyvinvointialue" in text and "Testi-indikaattori 405" in text


@pytest.mark.e2e
def test_rehearsal_a_one_indicator_edition_fetched_from_the_replay_server_builds(tmp_path, replay, monkeypatch):
    from support import copy_project
    root = copy_project(tmp_path / "project")
    (root / "reports/yksi").mkdir()
    (root / "reports/yksi/_quarto.yml").write_text((root / "reports/demo/_quarto.yml").read_text(encoding="utf-8"),
                                                    encoding="utf-8")
    (root / "params/yksi.yaml").write_text(
        "edition: yksi\ntitle: Yksi indikaattori\narea: {category: HYVINVOINTIALUE, code: \"21\"}\n"
        "years: {start: 2019, end: 2024}\nsnapshot: data/snapshots/yksi-unfetched\nreport: reports/yksi\n"
        "indicators:\n  - {id: 493, theme: toimeentulotuki}\n", encoding="utf-8")
    text = _rehearse(root, "yksi", replay, monkeypatch).read_text(encoding="utf-8")
    assert "Lapin hyvinvointialue" in text and "fig-kehitys-toimeentulotuki" in text
    assert "ei ole asiakastyön aineistoja" in text
