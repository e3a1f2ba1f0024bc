"""`sosrap new-edition` (issue #6, point 7): next year's params and report
sources, proposals carried forward, data years bumped, ready to fetch."""
from __future__ import annotations

import shutil

import yaml

from sosrap.publish import edition as E
from sosrap import params as P
from sosrap.report import proposals as PR, staging as S
from support import run_sosrap


def test_new_edition_scaffolds_params_and_report(project):
    proc = run_sosrap("new-edition", "2030", "--from", "demo", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].endswith("params/2030.yaml")
    assert "4 proposal(s) carried forward" in proc.stderr and "sosrap fetch 2030" in proc.stderr

    p = P.load("2030", project)
    old = P.load("demo", project)
    assert p.edition == "2030" and p.title == "Sosiaalinen raportti 2030"
    assert p.years.start == old.years.start and p.years.end == old.years.end + 5
    assert p.report == "reports/2030" and p.snapshot == "data/snapshots/2030-not-fetched-yet"
    assert p.indicators == old.indicators
    moved = {k: getattr(old.client_work, k).replace("data/private/demo/", "data/private/2030/")
             for k in ("phenomena_file", "survey_file", "screen_names_file", "quote_approvals_file")}
    assert p.client_work == old.client_work.model_copy(update=moved)
    m = p.metadata
    assert m.year == 2030 and m.version == "1.0.0" and str(m.date) == "2030-10-15"
    assert m.changelog == [] and m.doi is None and m.number == "1/2030"
    assert m.authors == old.metadata.authors and m.publisher == old.metadata.publisher
    # A top-level `snapshot:` line, as `sosrap fetch` rewrites it.
    assert "\nsnapshot: data/snapshots/2030-not-fetched-yet\n" in (project / "params/2030.yaml").read_text(encoding="utf-8")

    rep = project / "reports/2030"
    # Only what the demo owns is copied: its _quarto.yml and the chapter it overrides;
    # the shared chapters stay in reports/_shared/, and the register is carried forward.
    demo = project / "reports/demo"
    assert set(S.own_files(rep)) == {"_quarto.yml", "chapters/04-ilmiot-asiakastyosta.qmd", PR.REGISTER}
    assert (rep / "chapters/04-ilmiot-asiakastyosta.qmd").read_bytes() == \
        (demo / "chapters/04-ilmiot-asiakastyosta.qmd").read_bytes()
    assert not (rep / "index.qmd").exists() and not (rep / "chapters/01-tiivistelma.qmd").exists()
    # The new edition's composed project is the demo's (the register aside).
    composed, old = S.source_files(rep), S.source_files(demo)
    assert set(composed) == set(old)
    assert all(composed[k].read_bytes() == old[k].read_bytes() for k in composed if k != PR.REGISTER)
    assert composed["index.qmd"] == project / "reports/_shared/index.qmd"
    reg = yaml.safe_load((rep / PR.REGISTER).read_text(encoding="utf-8"))
    assert reg["previous"] == "demo" and [x["id"] for x in reg["proposals"]] == ["2025-1", "2025-2", "2025-3", "2025-4"]
    assert all(x["edition"] == "demo" for x in reg["proposals"])
    regs = PR.load(project, p)
    assert [e.label for e in regs.chain] == ["2025", "2030"] and not regs.new and len(regs.inherited) == 4

    # Ready to fetch: a build before fetching says what to do.
    proc = run_sosrap("build", "2030", cwd=project)
    assert proc.returncode == 1 and "sosrap fetch" in proc.stderr


def test_new_edition_never_overwrites(project):
    E.new_edition("2031", from_edition="demo", root=project)
    before = (project / "params/2031.yaml").read_text(encoding="utf-8")
    proc = run_sosrap("new-edition", "2031", "--from", "demo", cwd=project)
    assert proc.returncode == 1 and "already exists" in proc.stderr
    assert (project / "params/2031.yaml").read_text(encoding="utf-8") == before


def test_new_edition_from_an_edition_without_report_sources(project):
    # params/2026.yaml (real data) points at reports/2026; here it has not been written yet.
    shutil.rmtree(project / "reports/2026")
    proc = run_sosrap("new-edition", "2027", "--from", "2026", cwd=project)
    assert proc.returncode == 1 and "reports/2026" in proc.stderr and "_quarto.yml" in proc.stderr
    assert not (project / "params/2027.yaml").exists() and not (project / "reports/2027").exists()


def test_new_edition_2027_from_the_real_2026_edition(project):
    """The yearly step for the real edition: next year's data years, its own
    private inputs, an unfetched snapshot pin, and the 2026 register carried on."""
    proc = run_sosrap("new-edition", "2027", "--from", "2026", cwd=project)
    assert proc.returncode == 0, proc.stderr
    p = P.load("2027", project)
    assert (p.years.start, p.years.end) == (2015, 2026) and p.title == "Sosiaalinen raportti 2027"
    assert p.snapshot == "data/snapshots/2027-not-fetched-yet" and p.report == "reports/2027"
    assert p.client_work.phenomena_file == "data/private/2027/ilmioraportit.csv"
    assert p.metadata.year == 2027 and p.metadata.version == "1.0.0"
    # The new edition holds what 2026 owns (its settings, register and its own area's texts), no shared file.
    assert set(S.own_files(project / "reports/2027")) == set(S.own_files(project / "reports/2026"))
    assert {"_quarto.yml", PR.REGISTER} <= set(S.own_files(project / "reports/2027"))
    assert set(S.source_files(project / "reports/2027")) == set(S.source_files(project / "reports/2026"))
    proc = run_sosrap("build", "2027", cwd=project)
    assert proc.returncode == 1 and "sosrap fetch 2027" in proc.stderr


def test_report_files_are_only_what_the_source_edition_owns(tmp_path):
    """Beside the new edition's `_shared/`, only the source's own files are copied;
    a source whose `_shared/` is another folder brings its composed sources along."""
    reports = tmp_path / "reports"
    for rel in ("_shared/index.qmd", "_shared/chapters/01.qmd", "_shared/chapters/02.qmd",
                "old/_quarto.yml", "old/chapters/02.qmd", "old/proposals.yaml", "old/_variables.yml"):
        (reports / rel).parent.mkdir(parents=True, exist_ok=True)
        (reports / rel).write_text(rel, encoding="utf-8")
    files = E.report_files(reports / "old", reports / "new")
    assert files == {"_quarto.yml": reports / "old/_quarto.yml", "chapters/02.qmd": reports / "old/chapters/02.qmd"}
    elsewhere = E.report_files(reports / "old", tmp_path / "other" / "new")
    assert set(elsewhere) == {"_quarto.yml", "index.qmd", "chapters/01.qmd", "chapters/02.qmd"}
    assert elsewhere["chapters/02.qmd"] == reports / "old/chapters/02.qmd"      # the override wins


def test_new_edition_keeps_years_within_a_pinned_snapshot(project):
    """A snapshot pinned at scaffold time that ends before the moved-on last year:
    `years.end` stays at its last data year (a build would refuse more), and the CLI says so."""
    old = P.load("demo", project)
    proc = run_sosrap("new-edition", "2031", "--from", "demo", "--snapshot", old.snapshot, cwd=project)
    assert proc.returncode == 0, proc.stderr
    p = P.load("2031", project)
    assert p.years.end == old.years.end and p.snapshot == old.snapshot
    assert f"years.end is {old.years.end}, not {old.years.end + 6}" in proc.stderr
