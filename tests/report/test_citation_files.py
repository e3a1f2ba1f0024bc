"""The citation files of an edition (sosrap.report.citation_files): CSL-JSON,
biblatex (through pandoc), RIS and CITATION.cff, from the demo's metadata;
`write_files` writes them all under their published names."""
from __future__ import annotations

import json

import pytest
import yaml

from sosrap import params as P
from sosrap.pipeline import build as B
from sosrap.report import citation as C, citation_files as CF
from support import ROOT

BASE = "sosiaalinen-raportti-demo"
_RESOLVED = B.load_params("demo", ROOT)
AREA, PLACE = _RESOLVED.area.name, _RESOLVED.metadata.place     # the demo area's, from the reference table


@pytest.fixture(scope="module")
def edition() -> C.Edition:
    return C.Edition.of(B.load_params("demo", ROOT), BASE)   # as a build resolves them


def test_csl_json_item(edition):
    item = CF.csl_item(edition)
    assert item["type"] == "report" and item["id"] == BASE
    assert item["author"][0] == {"family": "Esimerkki", "given": "Eeva"}
    assert item["issued"] == {"date-parts": [[2025, 10, 15]]}
    assert item["DOI"] == "10.5555/sosrap.demo.2025" and item["version"] == "1.0.0"
    assert item["publisher"] == AREA and item["publisher-place"] == PLACE
    assert json.loads(CF.csljson_text(edition)) == [item]


def test_biblatex_keeps_doi_and_version(edition):
    bib = CF.biblatex_text(edition)
    assert bib.startswith(f"@report{{{BASE},")
    for line in ("doi = {10.5555/sosrap.demo.2025}", "version = {1.0.0}", "date = {2025-10-15}",
                 f"institution = {{{AREA}}}", "author = {Esimerkki, Eeva and Mallinen, Matti}"):
        assert line in bib, line


def test_ris(edition):
    ris = CF.ris_text(edition).splitlines()
    assert ris[0] == "TY  - RPRT" and ris[-1] == "ER  -"
    for line in ("AU  - Esimerkki, Eeva", "PY  - 2025", "DA  - 2025/10/15", "DO  - 10.5555/sosrap.demo.2025",
                 "ET  - 1.0.0", f"PB  - {AREA}", f"CY  - {PLACE}", "LA  - fi"):
        assert line in ris, line


def test_citation_cff_1_2_0(edition):
    cff = yaml.safe_load(CF.cff_text(edition))
    assert cff["cff-version"] == "1.2.0" and cff["message"] and cff["title"].startswith("Sosiaalinen raportti 2025")
    assert cff["authors"][0]["family-names"] == "Esimerkki" and cff["authors"][0]["given-names"] == "Eeva"
    assert cff["version"] == "1.0.0" and cff["date-released"] == "2025-10-15" and cff["license"] == "CC-BY-4.0"
    assert cff["doi"] == "10.5555/sosrap.demo.2025" and cff["type"] in ("software", "dataset")
    pref = cff["preferred-citation"]
    assert pref["type"] == "report" and pref["publisher"]["name"] == AREA
    assert pref["collection-title"] == "Sosiaalisen raportoinnin julkaisuja" and pref["number"] == "1/2025"


def test_write_files_names_and_contents(edition, tmp_path):
    files = CF.write_files(edition, tmp_path / "out")
    assert {k: p.name for k, p in files.items()} == {
        "cff": "CITATION.cff", "biblatex": f"{BASE}.bib", "ris": f"{BASE}.ris", "csljson": f"{BASE}.csl.json"}
    assert files["ris"].read_text(encoding="utf-8") == CF.ris_text(edition)
    # the citation appendix names the same files
    assert all(f"`{p.name}`" in C.appendix_markdown(edition) for p in files.values())
