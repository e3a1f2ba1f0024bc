"""Releases (issue #6, points 4 and 5): `sosrap publish` writes an immutable,
versioned folder; `sosrap verify` rebuilds it from scratch and compares.

One published demo (a cold build with HTML, DOCX and PDF in a copied project)
is shared by this module and by test_formats/test_citation/test_proposals via
`published_demo()`; a second cold build (verify's rebuild, in another folder)
proves that two clean builds give byte-identical files.
"""
from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sosrap.publish import release as REL
from sosrap.sources.snapshot import sha256_file
from support import copy_project, published_demo, run_sosrap

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def verify_build(tmp_path_factory) -> Path:
    """Where verify rebuilds (kept, so later tests can reuse the stage results)."""
    return tmp_path_factory.mktemp("verify") / "build"


def _chapter(root: Path) -> Path:
    return root / "reports/_shared/chapters/07-seuranta.qmd"


def test_release_folder_holds_everything_with_hashes(published):
    root, res = published
    rel = res.path
    assert res.created and rel == root / "releases/demo/1.0.0"
    base = "sosiaalinen-raportti-demo"
    for name in (f"{base}.html", f"{base}.docx", f"{base}.pdf", "CITATION.cff", f"{base}.bib", f"{base}.ris",
                 f"{base}.csl.json", "datapackage.json", "release.json",
                 "tables/toimenpide-ehdotukset/toimenpide-ehdotukset.csv",
                 "tables/toimenpide-ehdotukset/toimenpide-ehdotukset-seuranta.csv",
                 "tables/key_figures/trends.csv", "tables/comparison/comparison_latest.csv",
                 "tables/municipalities/municipalities_funnel.csv",
                 "notebooks/10_indicators.ipynb", "notebooks/20_trends.ipynb"):
        assert (rel / name).is_file(), name
    # A stage that reads private inputs publishes only its suppressed `published_*` tables.
    private = [p.name for p in (rel / "tables/client_work").glob("*.csv")]
    assert private and all(n.startswith("published_") for n in private)

    manifest = json.loads((rel / "release.json").read_text(encoding="utf-8"))
    assert manifest["release"] == "sosrap-release/1" and manifest["version"] == "1.0.0"
    assert manifest["date"] == "2025-10-15" and manifest["engine"]["name"] == "pandoc"
    files = {p.relative_to(rel).as_posix() for p in rel.rglob("*") if p.is_file()} - {"release.json"}
    assert set(manifest["files"]) == files
    for name, digest in manifest["files"].items():
        assert sha256_file(rel / name) == digest, name
    inputs = manifest["inputs"]
    assert "params/demo.yaml" in inputs["params"] and inputs["snapshot"]["files"]
    assert "reports/demo/proposals.yaml" in {f"reports/demo/{k}" for k in inputs["report_sources"]}
    assert inputs["private_inputs"], "the private client-work inputs are recorded by a keyed digest"
    assert all(h.startswith("hmac-sha256:") and len(h) == 76 for h in inputs["private_inputs"].values())
    # Immutable on disk too: files are read-only; readable by others (an intranet web server).
    assert not (rel / f"{base}.html").stat().st_mode & stat.S_IWUSR
    for p in [rel, *rel.rglob("*")]:
        assert stat.S_IMODE(p.stat().st_mode) == (0o444 if p.is_file() else 0o755), p
    # Made from a commit, and verified after writing.
    assert re.fullmatch(r"[0-9a-f]{40}", manifest["git_commit"]) and manifest["allow_dirty"] is False


def test_citation_cff_is_valid_per_cffconvert(published, tmp_path):
    """The release's CITATION.cff passes cffconvert's schema validation (Citation File Format 1.2.0),
    and a copy with a broken date fails it: the check can fail."""
    from cffconvert import Citation
    from jsonschema.exceptions import ValidationError
    text = (published[1].path / "CITATION.cff").read_text(encoding="utf-8")
    Citation(text).validate()
    assert "date-released:" in text
    broken = re.sub(r"(?m)^date-released: .*$", "date-released: 15.10.2025", text)
    with pytest.raises(ValidationError, match="is not a 'date'"):
        Citation(broken).validate()
    no_title = re.sub(r"(?m)^title: .*\n", "", text)
    with pytest.raises(ValidationError, match="'title' is a required property"):
        Citation(no_title).validate()
    # The command line a maintainer runs gives the same verdict.
    (tmp_path / "CITATION.cff").write_text(broken, encoding="utf-8")
    ok = subprocess.run([str(Path(sys.executable).with_name("cffconvert")), "--validate", "-i",
                         str(published[1].path / "CITATION.cff")], capture_output=True, text=True)
    bad = subprocess.run([str(Path(sys.executable).with_name("cffconvert")), "--validate", "-i",
                          str(tmp_path / "CITATION.cff")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert bad.returncode != 0


def test_released_notebooks_have_no_timestamps_or_local_paths(published):
    root, res = published
    for nb_path in (res.path / "notebooks").glob("*.ipynb"):
        text = nb_path.read_text(encoding="utf-8")
        nb = json.loads(text)
        assert str(root) not in text and "/tmp/" not in text, nb_path.name
        assert "start_time" not in text and "iopub.execute_input" not in text, nb_path.name
        assert any(c.get("outputs") for c in nb["cells"]), f"{nb_path.name} is executed"


def test_two_clean_builds_are_byte_identical(published, verify_build):
    """Point 5: verify rebuilds from scratch in another folder; every file,
    HTML, DOCX and PDF included, has the same bytes."""
    root, res = published
    result = REL.verify(res.path, root=root, build_dir=verify_build)
    assert result.rebuilt and result.identical, (result.changed, result.differ, result.inputs_changed)
    assert result.inputs_changed == []
    for ext in ("html", "docx", "pdf"):
        a = (res.path / f"sosiaalinen-raportti-demo.{ext}").read_bytes()
        b = (verify_build / f"sosiaalinen-raportti-demo.{ext}").read_bytes()
        assert a == b, ext
        assert str(root).encode() not in a and str(verify_build).encode() not in b, f"absolute path in {ext}"


def _tamper_key_figure(build: Path, stage: str) -> str:
    """Edit one key figure of *stage* by hand, as a notebook run into the build would; returns its key."""
    path = build / "artifacts" / stage / "keyfigures.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    node, keys = data, []
    while isinstance(node, dict):
        keys.append(next(iter(node)))
        if not isinstance(node[keys[-1]], dict):
            node[keys[-1]] = "99,9 %"
            break
        node = node[keys[-1]]
    path.write_text(json.dumps(data), encoding="utf-8")
    return ".".join(keys)


def test_a_hand_edited_result_is_rebuilt_not_published(published):
    """Point 1: status names it; publish rebuilds the stage, so the release is unchanged (a no-op)."""
    root, res = published
    build = root / "build" / "demo"
    _tamper_key_figure(build, "key_figures")
    from sosrap.pipeline.build import load_params      # as build, status and publish resolve them
    from sosrap.pipeline.runner import status
    rows = {n: (s, r) for n, s, r in status(load_params("demo", root), root, build)}
    assert rows["key_figures"][0] == "stale" and "outputs changed outside the build" in rows["key_figures"][1][0]
    with pytest.raises(REL.ReleaseError, match="key_figures"):
        REL.check_fresh(load_params("demo", root), root, build)
    said: list[str] = []
    again = REL.publish("demo", "1.0.0", root=root, progress=said.append)
    assert not again.created and again.files == res.files
    assert "99,9 %" not in (build / "sosiaalinen-raportti-demo.html").read_text(encoding="utf-8")
    assert all(s == "fresh" for _, s, _ in status(load_params("demo", root), root, build))


def test_publish_refuses_an_uncommitted_tree_unless_allowed(published):
    root, res = published
    chapter = _chapter(root)
    old = chapter.read_text(encoding="utf-8")
    chapter.write_text(old + "\nKorjattu lause.\n", encoding="utf-8")
    try:
        before = (res.path / "release.json").read_bytes()
        proc = run_sosrap("publish", "demo", "--version", "1.0.0", cwd=root)
        assert proc.returncode == 1 and "uncommitted changes" in proc.stderr and "--allow-dirty" in proc.stderr
        assert (res.path / "release.json").read_bytes() == before
    finally:
        chapter.write_text(old, encoding="utf-8")
    plain = copy_project(root.parent / "not-git")
    with pytest.raises(REL.ReleaseError, match="not a git checkout"):
        REL.publish("demo", "1.0.0", root=plain)


def test_republishing_changed_content_is_refused(published):
    root, res = published
    before = (res.path / "release.json").read_bytes()
    chapter = _chapter(root)
    old = chapter.read_text(encoding="utf-8")
    chapter.write_text(old + "\nKorjattu lause seurannasta.\n", encoding="utf-8")
    try:
        proc = run_sosrap("publish", "demo", "--version", "1.0.0", "--allow-dirty", cwd=root)
        assert proc.returncode == 1
        assert "already published" in proc.stderr and "sosiaalinen-raportti-demo.html" in proc.stderr
        assert (res.path / "release.json").read_bytes() == before
        assert not [p for p in res.path.parent.iterdir() if p.name.startswith(".")], "no staging left behind"
    finally:
        chapter.write_text(old, encoding="utf-8")


def test_new_version_needs_a_changelog_entry_and_shows_history(published):
    root, _ = published
    params = root / "params/demo.yaml"
    old_params = params.read_text(encoding="utf-8")
    with pytest.raises(REL.ReleaseError, match="changelog"):
        REL.publish("demo", "1.0.1", root=root, allow_dirty=True)
    with pytest.raises(REL.ReleaseError, match="not newer"):
        REL.publish("demo", "0.9.0", root=root, allow_dirty=True)
    params.write_text(old_params.replace(
        "  changelog: []",
        "  changelog:\n    - {version: 1.0.1, date: 2025-11-03, changes: Seurantalukuun lisätty puuttuva lause.}"),
        encoding="utf-8")
    try:
        said: list[str] = []
        res = REL.publish("demo", "1.0.1", root=root, allow_dirty=True, progress=said.append)
        assert res.created and res.path.name == "1.0.1"
        manifest = json.loads((res.path / "release.json").read_text(encoding="utf-8"))
        assert manifest["allow_dirty"] is True and manifest["git_commit"].endswith("+uncommitted")
        assert any(m.startswith("verified ") for m in said), said
        assert REL.published_versions(res.path.parent) == ["1.0.0", "1.0.1"]
        html = (res.path / "sosiaalinen-raportti-demo.html").read_text(encoding="utf-8")
        history = " ".join(html[html.index('id="sec-versiohistoria"'):].split())
        assert "1.0.1" in history and "3.11.2025" in history and "Seurantalukuun lisätty puuttuva lause" in history
        assert "1.0.0" in history and "15.10.2025" in history
        assert '<p class="version">1.0.1</p>' in html
        cff = (res.path / "CITATION.cff").read_text(encoding="utf-8")
        assert "version: 1.0.1" in cff and "date-released: '2025-11-03'" in cff
    finally:
        params.write_text(old_params, encoding="utf-8")


def test_verify_detects_a_changed_file(published, verify_build, tmp_path):
    root, res = published
    copy = tmp_path / "1.0.0"
    shutil.copytree(res.path, copy)
    html = copy / "sosiaalinen-raportti-demo.html"
    html.chmod(0o644)
    html.write_text(html.read_text(encoding="utf-8").replace("Tiivistelmä", "Tiivistelma", 1), encoding="utf-8")
    quick = REL.verify(copy, root=root, rebuild=False)
    assert quick.changed == ["sosiaalinen-raportti-demo.html"] and not quick.identical
    # The rebuild (stage results reused from the clean rebuild above) agrees.
    full = REL.verify(copy, root=root, build_dir=verify_build)
    assert full.changed == ["sosiaalinen-raportti-demo.html"] and full.differ == []
    proc = run_sosrap("verify", str(copy), "--no-rebuild", cwd=root)
    assert proc.returncode == 1
    assert "changed since publishing: sosiaalinen-raportti-demo.html" in proc.stdout
    proc = run_sosrap("verify", str(res.path), "--no-rebuild", cwd=root)
    assert proc.returncode == 0 and proc.stdout.strip().splitlines()[-1] == "identical"


def test_publish_without_metadata_is_refused(tmp_path):
    root = copy_project(tmp_path / "project")
    params = root / "params/demo.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(text[:text.index("\nmetadata:")] + "\n", encoding="utf-8")
    proc = run_sosrap("publish", "demo", "--version", "1.0.0", cwd=root)
    assert proc.returncode == 1 and "metadata" in proc.stderr
    proc = run_sosrap("publish", "demo", "--version", "1.0", cwd=root)
    assert proc.returncode == 1 and "semantic version" in proc.stderr


def test_an_html_only_build_leaves_no_stale_docx_or_pdf_and_a_failed_render_no_staging(published):
    """Point 5, on the published project's build (HTML, DOCX and PDF from publish); runs last."""
    from sosrap.errors import SosrapError
    from sosrap.pipeline.build import build
    root, _ = published
    out = root / "build" / "demo"
    base = "sosiaalinen-raportti-demo"
    assert all((out / f"{base}.{ext}").is_file() for ext in ("html", "docx", "pdf"))
    build("demo", root=root, quiet=True)
    assert (out / f"{base}.html").is_file()
    assert not (out / f"{base}.docx").exists() and not (out / f"{base}.pdf").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["outputs"]) == {"html"}
    chapter = _chapter(root)
    old = chapter.read_text(encoding="utf-8")
    chapter.write_text(old + "\n{{< var ei_ole.olemassa >}}\n", encoding="utf-8")
    try:
        with pytest.raises(SosrapError):
            build("demo", root=root, quiet=True)
    finally:
        chapter.write_text(old, encoding="utf-8")
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")], "staging left behind"
