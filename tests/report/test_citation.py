"""Edition metadata and citation everywhere (issue #6, points 1 and 2).

Unit tests of sosrap.citation on the demo's params, the validation of the
metadata block, the HTML (meta tags, title block, citation appendix) of the
published demo, and what the Quarto engine is given (a stand-in `quarto`).
"""
from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from sosrap.pipeline import build as B
from sosrap.report import citation as C, citation_files as CF
from sosrap import params as P
from sosrap.report import render as R
from sosrap.errors import ParamsError
from support import ROOT
from support import published_demo

BASE = "sosiaalinen-raportti-demo"
_RESOLVED = B.load_params("demo", ROOT)
AREA, PLACE = _RESOLVED.area.name, _RESOLVED.metadata.place     # the demo area's, from the reference table


@pytest.fixture(scope="module")
def edition() -> C.Edition:
    return C.Edition.of(B.load_params("demo", ROOT), BASE)   # as a build resolves them


# ----------------------------------------------------------------------------- metadata validation

def _params_with(project: Path, edit) -> None:
    path = project / "params/demo.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data["metadata"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_demo_metadata_is_complete(edition):
    m = edition.meta
    assert m.year == 2025 and m.version == "1.0.0" and str(m.date) == "2025-10-15"
    assert m.license == "CC-BY-4.0" and m.publisher and m.place and m.abstract.fi and m.abstract.en
    assert any("responsible" in a.roles and a.public_office for a in m.authors)
    assert m.contributors and m.partners and m.keywords and m.series and m.number and m.doi and m.url


def test_a_responsible_social_worker_in_public_office_is_required(project):
    def drop(meta):
        for a in meta["authors"]:
            a["public_office"] = False
    _params_with(project, drop)
    with pytest.raises(ParamsError, match="responsible social worker in public office"):
        P.load("demo", project)


@pytest.mark.parametrize("key,value,msg", [
    ("version", "1.0", "metadata.version"),
    ("doi", "doi:10.1/x", "metadata.doi"),
    ("license", None, None),
    ("authors", [{"given": "Eeva"}], "family"),
])
def test_metadata_fields_are_validated(project, key, value, msg):
    def edit(meta):
        if value is None:
            meta.pop(key)
        else:
            meta[key] = value
    _params_with(project, edit)
    if msg is None:     # licence defaults to CC BY 4.0
        assert P.load("demo", project).metadata.license == "CC-BY-4.0"
        return
    with pytest.raises(ParamsError, match=msg):
        P.load("demo", project)


def test_recommended_citation_fi_en(edition):
    fi = C.recommended(edition, "fi")
    en = C.recommended(edition, "en")
    assert fi.startswith("Esimerkki, E. & Mallinen, M. (2025). Sosiaalinen raportti 2025")
    assert "Versio 1.0.0." in fi and f"{PLACE}: {AREA}." in fi
    assert "Version 1.0.0." in en and "[Social report 2025" in en
    assert fi.endswith("https://doi.org/10.5555/sosrap.demo.2025") and en.endswith("https://doi.org/10.5555/sosrap.demo.2025")


def test_version_override_and_dates(edition):
    params = P.load("demo", ROOT)
    assert B.with_version(params, "2.0.0").metadata.version == "2.0.0"
    with pytest.raises(Exception, match="semantic version"):
        B.with_version(params, "2.0")
    assert edition.source_date_epoch == 1760486400          # 2025-10-15T00:00:00Z
    assert edition.pdf_url == f"https://example.org/sosrap/demo/{BASE}.pdf"


# ----------------------------------------------------------------------------- in the report

@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def soup(published):
    return BeautifulSoup((published[1].path / f"{BASE}.html").read_text(encoding="utf-8"), "html.parser")


def _meta(soup, name: str) -> list[str]:
    return [" ".join(m["content"].split()) for m in soup.find_all("meta", attrs={"name": name})]


def test_html_citation_meta_tags(soup):
    assert _meta(soup, "citation_title") == ["Sosiaalinen raportti 2025"]
    assert _meta(soup, "citation_author") == ["Eeva Esimerkki", "Matti Mallinen"]
    assert _meta(soup, "citation_publication_date") == ["2025-10-15"]
    assert _meta(soup, "citation_technical_report_institution") == [AREA]
    assert _meta(soup, "citation_doi") == ["10.5555/sosrap.demo.2025"]
    assert _meta(soup, "citation_language") == ["fi"]
    assert _meta(soup, "citation_pdf_url") == [f"https://example.org/sosrap/demo/{BASE}.pdf"]


def test_title_block_shows_version_and_date(soup):
    block = soup.find(id="title-block-header")
    assert block.select_one("p.date").get_text(strip=True) == "15.10.2025"
    assert block.select_one("p.version").get_text(strip=True) == "1.0.0"
    assert "vastuullinen sosiaalityöntekijä (virkasuhteinen)" in " ".join(block.get_text(" ").split())


def test_citation_appendix_fi_en_with_bibtex(soup, edition):
    appendix = soup.find(id="sec-julkaisutiedot")
    text = " ".join(appendix.get_text(" ").split())
    assert " ".join(C.recommended(edition, "fi").split()) in text
    assert " ".join(C.recommended(edition, "en").split()) in text
    assert "Creative Commons Nimeä 4.0" in text and "Kuvailulehti" in text and "Abstract" in text
    code = appendix.find("code", class_="bibtex") or appendix.find("pre")
    assert code is not None and "doi = {10.5555/sosrap.demo.2025}" in code.get_text()
    assert soup.find(id="sec-versiohistoria") is not None
    # In the table of contents, so readers find it.
    assert soup.select_one("nav#TOC a[href='#sec-julkaisutiedot']") is not None


def test_build_writes_the_citation_files(published, edition):
    rel = published[1].path
    assert (rel / "CITATION.cff").read_text(encoding="utf-8") == CF.cff_text(edition)
    assert (rel / f"{BASE}.bib").read_text(encoding="utf-8") == CF.biblatex_text(edition)
    assert (rel / f"{BASE}.ris").read_text(encoding="utf-8") == CF.ris_text(edition)
    assert json.loads((rel / f"{BASE}.csl.json").read_text(encoding="utf-8")) == [CF.csl_item(edition)]


# ----------------------------------------------------------------------------- the Quarto engine

def test_quarto_engine_gets_the_same_metadata(published, tmp_path, monkeypatch):
    """Quarto cannot be installed here: a stand-in `quarto` records what it is
    given. The staged _quarto.yml carries Quarto's own citation keys (so Quarto
    writes its citation appendix and `citation_*` tags with google-scholar),
    the version goes into the title block with the date, and PDF is typst."""
    root, _ = published
    B.build("demo", root=root, quiet=True)      # the staged report of the current params (no stage re-runs)
    staged = root / "build/demo/report"
    config = yaml.safe_load((staged / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["google-scholar"] is True and config["version"] == "1.0.0" and config["date"] == "2025-10-15"
    assert config["citation"]["doi"] == "10.5555/sosrap.demo.2025" and config["citation"]["type"] == "report"
    assert config["citation"]["version"] == "1.0.0" and config["citation"]["publisher"]
    assert [a["name"] for a in config["author"]] == ["Eeva Esimerkki", "Matti Mallinen"]

    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "calls.jsonl"
    fake = bindir / "quarto"
    fake.write_text(f"""#!{sys.executable}
import json, sys, os
args = sys.argv[1:]
if args[:1] == ["--version"]:
    print("1.6.0"); sys.exit(0)
open({str(log)!r}, "a").write(json.dumps({{"args": args, "epoch": os.environ.get("SOURCE_DATE_EPOCH")}}) + "\\n")
out = os.path.join(args[args.index("--output-dir") + 1], args[args.index("--output") + 1])
open(out, "w").write("stand-in")
""", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    res = R.render(staged, tmp_path / "out", engine="quarto", formats=["html", "pdf"], output_name=BASE,
                   source_date_epoch=1760486400)
    assert set(res.outputs) == {"html", "pdf"}
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [c["args"][c["args"].index("--to") + 1] for c in calls] == ["html", "typst"]
    assert all("date:15.10.2025 · versio 1.0.0" in c["args"] for c in calls)
    assert all(c["epoch"] == "1760486400" for c in calls)
