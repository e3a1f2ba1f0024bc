"""Staging the report (sosrap.report.staging): `reports/_shared/` composed with
an edition's own files (the edition wins), the generated includes, and the
proposal link check on the composed project. Real params, snapshot and files."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from sosrap import params as P
from sosrap.errors import SosrapError
from sosrap.report import citation, proposals as PR, staging as S
from sosrap.sources.snapshot import Snapshot
from support import staging_inputs, ROOT

OVERRIDDEN = "chapters/04-ilmiot-asiakastyosta.qmd"     # the chapter the demo words its own way


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


# ----------------------------------------------------------------------------- composing the sources

def test_the_edition_wins_over_shared_and_generated_names_are_never_sources(tmp_path):
    reports = tmp_path / "reports"
    _write(reports, {"_shared/index.qmd": "shared index", "_shared/chapters/a.qmd": "shared a",
                     "_shared/chapters/b.qmd": "shared b", "_shared/_variables.yml": "x: 1",
                     "_shared/.quarto/cache": "q", "ed/_quarto.yml": "lang: fi", "ed/chapters/b.qmd": "own b",
                     "ed/chapters/_notice.qmd": "stale", "ed/_site/index.html": "old output"})
    files = S.source_files(reports / "ed")
    assert list(files) == ["_quarto.yml", "chapters/a.qmd", "chapters/b.qmd", "index.qmd"]
    assert {k: p.read_text(encoding="utf-8") for k, p in files.items()} == {
        "_quarto.yml": "lang: fi", "chapters/a.qmd": "shared a", "chapters/b.qmd": "own b", "index.qmd": "shared index"}
    assert set(S.own_files(reports / "ed")) == {"_quarto.yml", "chapters/b.qmd"}
    assert S.shared_dir(reports / "ed") == reports / "_shared"


def test_an_edition_without_shared_folder_is_only_its_own_files(tmp_path):
    _write(tmp_path, {"ed/_quarto.yml": "", "ed/index.qmd": ""})
    assert set(S.source_files(tmp_path / "ed")) == {"_quarto.yml", "index.qmd"}


def test_the_demo_and_2026_share_every_chapter_but_the_demo_s_override():
    demo, y2026 = S.source_files(ROOT / "reports/demo"), S.source_files(ROOT / "reports/2026")
    own_2026 = {"alue.bib", "alue/tausta.qmd"}           # the Pohde edition's own area texts
    assert set(demo) | own_2026 == set(y2026) and len([k for k in demo if k.startswith("chapters/")]) == 9
    differ = sorted(k for k in demo if demo[k].read_bytes() != y2026[k].read_bytes())
    assert differ == ["_quarto.yml", "alue/tausta.qmd", OVERRIDDEN, PR.REGISTER]
    assert demo[OVERRIDDEN] == ROOT / "reports/demo" / OVERRIDDEN
    assert y2026[OVERRIDDEN] == ROOT / "reports/_shared" / OVERRIDDEN
    assert demo["chapters/01-tiivistelma.qmd"] == y2026["chapters/01-tiivistelma.qmd"]


# ----------------------------------------------------------------------------- staging

@pytest.fixture
def demo(tmp_path):
    """The report sources in a throw-away project, the demo's params and snapshot."""
    shutil.copytree(ROOT / "reports", tmp_path / "reports")
    params = P.load("demo", ROOT)
    snap = Snapshot.open(ROOT / params.snapshot)
    notebooks = {p.name: p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    return tmp_path, params, snap, notebooks


def _stage(project: Path, params, snap, notebooks, dest: Path) -> Path:
    registers = PR.load(project, params)
    edition = citation.Edition.of(params, S.report_basename(params.edition))
    variables, blocks = staging_inputs(project, params)
    return S.stage_report(project / params.report, dest, params, snap, variables, notebooks, edition,
                          registers, blocks)


def test_staged_report_is_the_composed_sources_plus_generated_files(demo):
    project, params, snap, notebooks = demo
    dest = project / "build/report"
    assert _stage(project, params, snap, notebooks, dest) == dest
    staged = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    sources = S.source_files(project / "reports/demo")
    generated = ({g for g in S.GENERATED if g not in ("_notebooks", "_figures", "_extensions")}
                 | {f"_notebooks/{n}" for n in notebooks}
                 | {f"_figures/{b['label']}.png" for b in staging_inputs(project, params)[1]}
                 | {f"_extensions/sosrap/{p.name}" for p in S.EXTENSION.iterdir()})
    assert staged == set(sources) | generated
    for rel, src in sources.items():
        if rel != "_quarto.yml":
            assert (dest / rel).read_bytes() == src.read_bytes(), rel
    assert (dest / OVERRIDDEN).read_bytes() == (project / "reports/demo" / OVERRIDDEN).read_bytes()
    quarto = yaml.safe_load((dest / "_quarto.yml").read_text(encoding="utf-8"))
    assert quarto["title"] == params.title and quarto["version"] == params.metadata.version
    variables = yaml.safe_load((dest / "_variables.yml").read_text(encoding="utf-8"))
    assert variables["key"] == {"x": 1} and variables["edition"]["name"] == "demo"
    assert variables == {**S.edition_variables(params, snap), **staging_inputs(project, params)[0]}
    assert (dest / "_notice.qmd").read_text(encoding="utf-8") == S.notice_markdown(snap.id)
    assert "::: {#tbl-toimenpide-ehdotukset}" in (dest / "_proposals.qmd").read_text(encoding="utf-8")


def test_staging_replaces_the_folder_whole(demo):
    project, params, snap, notebooks = demo
    dest = project / "build/report"
    _stage(project, params, snap, notebooks, dest)
    (dest / "left-over.qmd").write_text("old", encoding="utf-8")
    (project / "reports/demo" / OVERRIDDEN).unlink()       # the demo stops overriding: the shared chapter returns
    _stage(project, params, snap, notebooks, dest)
    assert not (dest / "left-over.qmd").exists()
    assert (dest / OVERRIDDEN).read_bytes() == (project / "reports/_shared" / OVERRIDDEN).read_bytes()


def test_proposal_links_are_checked_against_the_composed_project(demo):
    """The demo's proposals link to figures in shared chapters; an edition that
    overrides such a chapter without the figure fails, naming the label."""
    project, params, snap, notebooks = demo
    linked = {x for p in PR.load(project, params).register.proposals for x in p.links}
    shared_labels = PR.report_labels((project / "reports/_shared").rglob("*.qmd"))
    assert "tbl-vertailu" in linked & shared_labels
    chapter = "chapters/03-indikaattorit.qmd"
    text = (project / "reports/_shared" / chapter).read_text(encoding="utf-8")
    assert "tbl-vertailu" in text
    embed = "{{< embed _notebooks/30_comparison.ipynb#tbl-vertailu >}}"
    assert embed in text
    edited = text.replace(embed, "").replace("@tbl-vertailu", "Taulukko")       # the table is left out
    _write(project / "reports/demo", {chapter: edited})
    with pytest.raises(PR.ProposalError, match="links to tbl-vertailu"):
        _stage(project, params, snap, notebooks, project / "build/report")
    assert not (project / "build/report").exists(), "a failed staging leaves nothing behind"


def test_an_edition_without_quarto_yml_is_not_a_project(demo):
    project, params, snap, notebooks = demo
    (project / "reports/demo/_quarto.yml").unlink()
    with pytest.raises(SosrapError, match=r"no _quarto.yml.*params/demo.yaml"):
        _stage(project, params, snap, notebooks, project / "build/report")


def test_proposal_tables(demo, tmp_path):
    project, params, _, _ = demo
    files = S.write_proposal_tables(PR.load(project, params), tmp_path / "tables")
    assert {k: p.name for k, p in files.items()} == {"proposals": "toimenpide-ehdotukset.csv",
                                                     "followup": "toimenpide-ehdotukset-seuranta.csv"}
    assert files["proposals"].read_text(encoding="utf-8").startswith("id,edition,title,")


# ----------------------------------------------------------------------------- editions that lack pieces

def test_a_chapter_using_a_missing_key_figure_fails_naming_chapter_line_key_and_neighbours(demo):
    project, params, snap, notebooks = demo
    chapter = "chapters/01-tiivistelma.qmd"
    text = (project / "reports/_shared" / chapter).read_text(encoding="utf-8")
    _write(project / "reports/demo", {chapter: text + "\nArvo {{< var vertailu.korkeampia_kuin_koko_maat >}}.\n"})
    variables, blocks = staging_inputs(project, params)
    variables["vertailu"].pop("korkeampia_kuin_koko_maat")
    with pytest.raises(SosrapError) as e:
        S.stage_report(project / params.report, project / "build/report", params, snap, variables, notebooks,
                       None, PR.load(project, params), blocks)
    line = len(text.splitlines()) + 2
    assert f"{chapter}:{line}: {{{{< var vertailu.korkeampia_kuin_koko_maat >}}}}" in str(e.value)
    assert "nearest: vertailu.korkeampia_kuin_koko_maa" in str(e.value)


def test_chapters_embedding_a_notebook_the_build_did_not_run_become_a_note(demo):
    """No `client_work:`: the client-work and residents' chapters say the edition has none."""
    project, params, snap, notebooks = demo
    without = {k: v for k, v in notebooks.items() if not k.startswith("40_")}
    variables, blocks = staging_inputs(project, params)
    left_out = tuple(k for k in notebooks if k.startswith("40_"))
    dest = S.stage_report(project / params.report, project / "build/report", params, snap, variables, without,
                          None, None, blocks, left_out)
    for chapter in ("chapters/04-ilmiot-asiakastyosta.qmd", "chapters/05-asukkaiden-aani.qmd"):
        text = (dest / chapter).read_text(encoding="utf-8")
        assert text.startswith("# ") and "{#sec-" in text.splitlines()[0]
        assert "ei ole asiakastyön aineistoja (`client_work:`)" in text and "embed" not in text
    assert "embed _notebooks/20_trends.ipynb" in (dest / "chapters/03-indikaattorit.qmd").read_text(encoding="utf-8")


def test_a_misspelt_notebook_name_is_an_error_not_a_note(demo):
    """Only the notebooks of stages the edition leaves out turn a chapter into a note."""
    project, params, snap, notebooks = demo
    without = {k: v for k, v in notebooks.items() if not k.startswith("40_")}
    variables, blocks = staging_inputs(project, params)
    with pytest.raises(SosrapError, match=r"04-ilmiot-asiakastyosta.qmd:\d+: embed of _notebooks/40_"):
        S.stage_report(project / params.report, project / "build/report", params, snap, variables, without,
                       None, None, blocks)


def test_the_variables_text_kept_in_state_is_used_only_for_the_same_values(tmp_path):
    import json
    from hypothesis import given, settings, strategies as st
    from sosrap.report.staging import variables_text
    cache = tmp_path / "state" / "variables-yml.json"
    values = st.one_of(st.text(max_size=8), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
    tables = st.dictionaries(st.text(min_size=1, max_size=6), st.dictionaries(st.text(min_size=1, max_size=6),
                                                                              values, max_size=4), max_size=4)

    @settings(max_examples=60, deadline=None)
    @given(tables, tables)
    def check(a, b):
        plain = variables_text(a)
        assert variables_text(a, cache) == plain                      # written
        assert variables_text(a, cache) == plain                      # read back
        assert variables_text(b, cache) == variables_text(b)          # other values: written again
    check()
    # 1, 1.0 and True are equal in Python but not in YAML: no text is taken for another's
    for x, y in ((1, 1.0), (1, True), (0, False)):
        variables_text({"k": {"v": x}}, cache)
        assert variables_text({"k": {"v": y}}, cache) == variables_text({"k": {"v": y}})
    # a planted text is believed only under its own key; damaged or foreign caches are passed over
    variables_text({"k": {"v": "a"}}, cache)
    kept = json.loads(cache.read_text(encoding="utf-8"))
    cache.write_text(json.dumps({**kept, "text": "# planted\n"}), encoding="utf-8")
    assert variables_text({"k": {"v": "a"}}, cache) == "# planted\n"
    assert variables_text({"k": {"v": "b"}}, cache) == variables_text({"k": {"v": "b"}})
    for damaged in ("{not json", "[]", json.dumps({"key": kept["key"], "text": 5})):
        cache.write_text(damaged, encoding="utf-8")
        assert variables_text({"k": {"v": "a"}}, cache) == variables_text({"k": {"v": "a"}})
