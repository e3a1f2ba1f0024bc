"""The Swedish edition (issue 15): `params/demo-sv.yaml` (`language: sv`, area 17) built by the real
CLI, a real kernel and the real pandoc, and read in the HTML it produces: Swedish language and
labels, no Finnish words of sosrap's own (the Finnish catalogue's, not a hand-typed list), Swedish
numbers, the area's Swedish name, none of the Finnish shared chapters."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sosrap.demo import clientwork as demo_clientwork
from support import ROOT, WORD, copy_project, finnish_only_words, run_sosrap

pytestmark = pytest.mark.e2e
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    root = copy_project(tmp_path_factory.mktemp("demo-sv") / "project")
    proc = run_sosrap("build", "demo-sv", cwd=root)
    assert proc.returncode == 0, proc.stderr[-4000:]
    html = Path(proc.stdout.strip().splitlines()[-1])
    assert html.is_file() and html.name == "social-rapport-demo-sv.html", proc.stdout
    return root, html


@pytest.fixture(scope="module")
def soup(built) -> BeautifulSoup:
    soup = BeautifulSoup(built[1].read_text(encoding="utf-8"), "html.parser")
    for el in soup(["script", "style"]):
        el.decompose()
    return soup


def shown_text(soup: BeautifulSoup) -> str:
    """What a reader sees or a screen reader says: the text, alt texts, titles and labels."""
    attrs = [el.get(a, "") for el in soup.find_all(True) for a in ("alt", "title", "aria-label")]
    return re.sub(r"[ \t\r\n]+", " ", soup.get_text(" ") + " " + " ".join(a for a in attrs if isinstance(a, str)))


def test_the_report_is_in_swedish_with_quartos_swedish_labels(soup):
    assert soup.html["lang"] == "sv"
    figs = [f.find("figcaption").get_text(" ", strip=True).replace(NBSP, " ")
            for f in soup.select("figure.quarto-float-fig")]
    tbls = [f.find("figcaption").get_text(" ", strip=True).replace(NBSP, " ")
            for f in soup.select("figure.quarto-float-tbl")]
    assert len(figs) >= 10 and len(tbls) >= 10
    assert all(c.startswith(f"Figur {i}") for i, c in enumerate(figs, 1)), figs[:3]
    assert all(c.startswith(f"Tabell {i}") for i, c in enumerate(tbls, 1)), tbls[:3]
    text = shown_text(soup)
    assert not re.search(rf"\b(Kuva|Taulukko)[ {NBSP}]\d", text)
    assert soup.select_one("nav#TOC").get_text(" ", strip=True).startswith("Innehåll")
    assert "Källor" in text and "Ladda ner data (CSV)" in text


def test_nothing_sosrap_writes_is_finnish(soup):
    """Not one word of the Finnish catalogue that the Swedish one does not also use: the generated
    sentences, key figures, table headings, captions, alt texts, the notice and the citation block."""
    only = finnish_only_words()
    words = WORD.findall(shown_text(soup))
    leaks = sorted({w for w in words if w.lower() in only})
    assert not leaks, leaks
    for expected in ("konfidensintervall", "hela landet", "välfärdsområde", "procentenheter",
                     "Exempelmaterial – inte statistik", "Presentationsblad", "Rekommenderad hänvisning"):
        assert expected in shown_text(soup), expected


def test_no_finnish_shared_chapter_leaks_in(soup):
    text = shown_text(soup)
    for qmd in sorted((ROOT / "reports/_shared/chapters").glob("*.qmd")):
        heading = re.search(r"^# (.+?)(?: \{#[^}]*\})?$", qmd.read_text(encoding="utf-8"), re.M).group(1)
        assert heading not in text, f"{qmd.name}: {heading!r}"
    assert "Sammandrag och de viktigaste åtgärdsförslagen" in text


def test_numbers_are_written_the_swedish_way(soup):
    text = shown_text(soup)
    assert re.search(rf"\b\d+,\d{NBSP}%", text)                       # decimal comma, NBSP before %
    assert re.search(rf"\b\d{{1,3}}{NBSP}\d{{3}}\b", text)             # NBSP between thousands
    assert re.search(rf"[+\u2212]\d+,\d{NBSP}procentenheter", text)     # a difference in points, signed
    assert "\u2212" in text and not re.search(r"\d\.\d{1,2}\s?%", text)
    assert "%-yksikköä" not in text and "lkm" not in text.split()


def test_the_area_has_its_swedish_name(soup, built):
    text = shown_text(soup)
    assert soup.find("title").get_text().startswith("Social rapport 2025")
    assert "Österbottens välfärdsområde – exempelrapport med syntetiskt material" in text
    assert "Pohjanmaan hyvinvointialue" not in text
    alt = soup.find("div", id="fig-kehitys-toimeentulotuki").find("img")["alt"]
    assert "Österbottens välfärdsområde" in alt and re.search(r"utvecklingen (stigande|sjunkande|ingen tydlig)", alt)
    for name in ("Vasa", "Korsholm", "Jakobstad"):           # the municipalities in Swedish
        assert name in text, name


def test_the_privacy_gate_held_in_swedish_too(built):
    html = built[1].read_text(encoding="utf-8")
    for kind, values in demo_clientwork.planted().items():
        for v in values:
            assert v not in html, kind


def test_quarto_reads_swedish_captions_from_the_staged_notebooks(built):
    """What real Quarto's `{{< embed >}}` reads: the staged notebooks' `#|` caption and alt lines are
    the Swedish texts the outputs recorded, not the cells' static Finnish ones."""
    import json

    import yaml
    root, _html = built
    report = root / "build" / "demo-sv" / "report"
    assert yaml.safe_load((report / "_quarto.yml").read_text(encoding="utf-8"))["sosrap-data-download"] == \
        "Ladda ner data (CSV)"
    only = finnish_only_words()
    seen = 0
    for nb in sorted((report / "_notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            src = "".join(cell.get("source", ""))
            lines = [ln[2:] for ln in src.splitlines() if ln.startswith("#|")]
            options = yaml.safe_load("\n".join(lines)) if lines else None
            for key in ("fig-cap", "tbl-cap", "fig-alt"):
                if options and key in options:
                    seen += 1
                    leaks = {w for w in WORD.findall(str(options[key])) if w.lower() in only}
                    assert not leaks, (nb.name, options.get("label"), key, sorted(leaks))
    assert seen >= 10
