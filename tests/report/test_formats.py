"""DOCX and PDF from the same sources as the HTML (issue #6, point 3).

Checked in the published demo release (shared with test_release): Word
heading styles, Finnish caption fields and real tables in DOCX; the PDF
(typst) numbers figures and tables exactly as the HTML does; the edition date
is the only time written (SOURCE_DATE_EPOCH).
"""
from __future__ import annotations

import re
import zipfile

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from support import run_sosrap
from support import published_demo

pytestmark = pytest.mark.e2e
NBSP = "\u00a0"
BASE = "sosiaalinen-raportti-demo"


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return published_demo(tmp_path_factory)[1].path


@pytest.fixture(scope="module")
def html_captions(release) -> list[str]:
    soup = BeautifulSoup((release / f"{BASE}.html").read_text(encoding="utf-8"), "html.parser")
    caps = []
    for el in soup.find_all(["figcaption", "caption"]):
        m = re.match(r"(Kuva|Taulukko) (\d+)", el.get_text(" ", strip=True).replace(NBSP, " "))
        if m:
            caps.append(f"{m.group(1)} {m.group(2)}")
    return caps


@pytest.fixture(scope="module")
def docx_xml(release) -> dict[str, str]:
    with zipfile.ZipFile(release / f"{BASE}.docx") as z:
        return {n: z.read(n).decode("utf-8") for n in ("word/document.xml", "word/styles.xml", "docProps/core.xml")}


def test_html_has_figures_and_tables_in_order(html_captions):
    assert html_captions.count("Kuva 1") == 1 and html_captions.count("Taulukko 1") == 1
    assert len([c for c in html_captions if c.startswith("Kuva")]) >= 10
    assert len([c for c in html_captions if c.startswith("Taulukko")]) >= 5


def test_docx_word_headings_finnish_captions_real_tables(docx_xml, html_captions):
    doc = docx_xml["word/document.xml"]
    for style in ("Title", "Subtitle", "Heading1", "Heading2"):
        assert f'<w:pStyle w:val="{style}" />' in doc, style
    assert doc.count('<w:pStyle w:val="Heading1" />') >= 9      # one per chapter and appendix
    # Captions are Word caption fields (SEQ) with Finnish labels, numbered like the HTML.
    figs = doc.count("SEQ Figure")
    tbls = doc.count("SEQ Table")
    assert figs == len([c for c in html_captions if c.startswith("Kuva")])
    assert tbls == len([c for c in html_captions if c.startswith("Taulukko")])
    assert re.search(r">Kuva[ \u00a0]</w:t>", doc) and re.search(r">Taulukko[ \u00a0]</w:t>", doc)
    assert "Figure " not in re.sub(r"SEQ Figure", "", doc)
    # Real tables (not images of tables): at least every captioned table, with header text.
    assert doc.count("<w:tbl>") >= tbls
    assert "Toimenpide-ehdotukset: päättävä taho" in doc and "Päättää" in doc
    # Finnish proofing language; the edition metadata in the document properties.
    assert 'w:lang w:bidi="ar-SA" w:eastAsia="zh-CN" w:val="fi"' in docx_xml["word/styles.xml"] \
        or 'w:val="fi-FI"' in docx_xml["word/styles.xml"]
    core = docx_xml["docProps/core.xml"]
    assert "<dc:title>Sosiaalinen raportti 2025</dc:title>" in core and "Eeva Esimerkki" in core
    assert "2025-10-15T00:00:00Z" in core, "SOURCE_DATE_EPOCH from the edition date"
    # The title block carries the version with the date.
    assert "15.10.2025 · versio 1.0.0" in doc


def test_docx_cross_references_are_internal_links(docx_xml):
    doc = docx_xml["word/document.xml"]
    anchors = set(re.findall(r'<w:hyperlink w:anchor="((?:fig|tbl)-[^"]+)"', doc))
    bookmarks = set(re.findall(r'<w:bookmarkStart w:id="\d+" w:name="((?:fig|tbl)-[^"]+)"', doc))
    assert len(anchors) >= 10 and anchors <= bookmarks


def test_pdf_numbers_like_the_html(release, html_captions):
    reader = PdfReader(release / f"{BASE}.pdf")
    assert len(reader.pages) >= 10
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"[\s\u00a0]+", " ", text)
    # Captions are "Kuva 3: …" / "Taulukko 2: …" (typst's Finnish supplements).
    pdf_caps = [f"{m.group(1)} {m.group(2)}" for m in re.finditer(r"(Kuva|Taulukko) ?(\d+) ?:", flat)]
    assert pdf_caps == html_captions
    assert "Versio 1.0.0" in flat and "Julkaistu 15.10.2025" in flat
    assert "Sisällys" in flat                                  # typst's Finnish outline title
    first = re.sub(r"[\s\u00a0]+", " ", reader.pages[0].extract_text())
    assert "synteettistä esimerkkiaineistoa" in first, "the example-data notice under the title"
    assert first.index("synteettistä esimerkkiaineistoa") < first.index("Sisällys")
    meta = reader.metadata
    assert meta.title == "Sosiaalinen raportti 2025" and "Eeva Esimerkki" in meta.author
    assert str(meta.get("/CreationDate", "")).startswith("D:20251015"), "SOURCE_DATE_EPOCH from the edition date"


def test_build_format_option_rejects_unknown_formats(release):
    root = release.parents[2]
    proc = run_sosrap("build", "demo", "--format", "html,odt", cwd=root)
    assert proc.returncode == 1 and "unknown output format" in proc.stderr and "odt" in proc.stderr
