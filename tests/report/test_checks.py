"""Checks that stop a build before rendering (sosrap.report.checks, issue #14):
misspelt citation keys (point 4), misspelt embed labels reported at the embed
(point 7), `_quarto.yml` keys the build would silently replace (point 9)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sosrap import params as P
from sosrap.errors import SosrapError
from sosrap.report import checks as C, citation, proposals as PR, staging as S
from sosrap.sources.snapshot import Snapshot
from support import ROOT, staging_inputs

CHAPTER = "reports/_shared/chapters/02-tausta.qmd"
FIGURES = "reports/_shared/chapters/03-indikaattorit.qmd"


def test_citations_are_found_outside_code_and_cross_references_and_e_mail_are_not():
    text = ("Teksti [@shl2041; -@pohde2026] ja @sotkanet sanoo. Ks. @fig-x, @tbl-y ja @sec-z.\n"
            "Postia: nimi@oulu.fi. `@koodi` {{< var a@b >}} @{outo.avain}\n"
            "```\n@koodilohkossa\n```\n<!-- @kommentti\n -->\nViimeinen [@shl2014, s. 3].\n")
    assert list(C.citations(text)) == [(1, "shl2041"), (1, "pohde2026"), (1, "sotkanet"), (2, "outo.avain"),
                                       (8, "shl2014")]


def test_bib_keys():
    bib = "@misc{shl2014,\n title={x}}\n@comment{not,}\n@TechReport{ pohde2026 ,\n}\n"
    assert C.bib_keys(bib) == {"shl2014", "pohde2026"}
    assert C.bib_keys((ROOT / "reports/_shared/references.bib").read_text(encoding="utf-8")) >= {"shl2014",
                                                                                                 "sotkanet"}


@pytest.fixture
def demo(tmp_path):
    shutil.copytree(ROOT / "reports", tmp_path / "reports")
    params = P.load("demo", ROOT)
    notebooks = {p.name: p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    return tmp_path, params, Snapshot.open(ROOT / params.snapshot), notebooks


def _stage(project: Path, params, snap, notebooks) -> Path:
    edition = citation.Edition.of(params, S.report_basename(params.edition))
    variables, blocks = staging_inputs(project, params)
    return S.stage_report(project / params.report, project / "build/report", params, snap, variables, notebooks,
                          edition, PR.load(project, params), blocks)


def _edit(path: Path, old: str, new: str) -> int:
    """Replace *old* once; returns the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1


def test_the_demo_report_passes(demo):
    assert (_stage(*demo) / "_quarto.yml").is_file()


def test_a_misspelt_citation_key_stops_the_build_naming_chapter_line_and_nearest_keys(demo):
    project = demo[0]
    line = _edit(project / CHAPTER, "[@shl2014]", "[@shl2041]")
    with pytest.raises(SosrapError) as e:
        _stage(*demo)
    msg = str(e.value)
    assert f"{CHAPTER}:{line}: citation @shl2041 is not in the bibliography; did you mean @shl2014" in msg
    assert "references.bib" in msg
    assert not (project / "build/report").exists()


def test_a_misspelt_embed_label_is_reported_at_the_embed_not_in_the_proposals(demo):
    project = demo[0]
    line = _edit(project / FIGURES, "#tbl-kehitys >}}", "#tbl-kehityz >}}")
    with pytest.raises(SosrapError) as e:
        _stage(*demo)
    msg = str(e.value)
    assert f"{FIGURES}:{line}: embed label 'tbl-kehityz' is not a cell label of 20_trends.ipynb" in msg
    assert "did you mean tbl-kehitys" in msg and "proposals.yaml" not in msg


@pytest.mark.parametrize("key", ["author", "date", "title"])
def test_quarto_yml_keys_the_params_own_are_rejected_with_a_pointer(demo, key):
    project = demo[0]
    quarto = project / "reports/demo/_quarto.yml"
    quarto.write_text(quarto.read_text(encoding="utf-8") + f"{key}: Joku\n", encoding="utf-8")
    with pytest.raises(SosrapError) as e:
        _stage(*demo)
    msg = str(e.value)
    assert f"reports/demo/_quarto.yml sets `{key}:`" in msg and "metadata:" in msg
    assert "docs/toimittajan-opas.md" in msg
