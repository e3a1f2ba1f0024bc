"""End to end: the demo edition built by the real CLI, a real kernel and the
real pandoc, checked in the HTML it produces."""
from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from sosrap.pipeline import build as B
from support import DEMO_SNAPSHOT, copy_project, run_sosrap

pytestmark = pytest.mark.e2e
NBSP = "\u00a0"


sosrap = run_sosrap


@pytest.fixture(scope="module")
def built(demo_build):
    return demo_build


@pytest.fixture(scope="module")
def soup(built):
    return BeautifulSoup(built[1].read_text(encoding="utf-8"), "html.parser")


def text_of(soup) -> str:
    return re.sub(r"[ \t\r\n]+", " ", soup.get_text())   # keeps NBSP, folds line wrapping


def test_html_is_finnish_self_contained_with_toc(built, soup):
    html = built[1].read_text(encoding="utf-8")
    assert soup.html["lang"] == "fi"
    assert soup.select_one("nav#TOC a[href='#sec-indikaattorit']") is not None
    for tag, attr in (("img", "src"), ("script", "src"), ("link", "href"), ("iframe", "src")):
        for el in soup.find_all(tag):
            assert not (el.get(attr) or "").startswith(("http:", "https:", "//")), f"external {tag}: {el.get(attr)}"
    assert "@import" not in html


def test_figures_and_tables_are_numbered_and_decode(soup):
    figs = soup.select("figure.quarto-float-fig")      # Quarto's float structure (issue 15)
    assert len(figs) >= 10   # nine themes + a comparison figure
    for i, fig in enumerate(figs, 1):
        cap = fig.find("figcaption").get_text(" ", strip=True).replace(NBSP, " ")
        assert cap.startswith(f"Kuva {i}"), cap
        img = fig.find("img")
        assert img.get("alt"), f"figure {i} has no alt text"
        head, data = img["src"].split(",", 1)
        assert head == "data:image/png;base64"
        assert Image.open(io.BytesIO(base64.b64decode(data))).size[0] > 0
    caps = [f.find("figcaption").get_text(" ", strip=True).replace(NBSP, " ")
            for f in soup.select("figure.quarto-float-tbl")]
    assert len(caps) >= 2
    for i, cap in enumerate(caps, 1):
        assert cap.startswith(f"Taulukko {i}"), cap
    for t in soup.find_all("table"):
        assert t.find("th") is not None, "data tables need header cells"


def test_each_theme_shows_its_trend_then_the_counties_then_the_municipalities(soup):
    """Three stages record a theme's figures (trends, comparison, municipalities); the build merges
    a section's blocks in stage order, so every theme reads in that order."""
    step = {"fig-kehitys": 0, "fig-vertailu": 1, "fig-kunnat": 2, "tbl-kunnat": 2}
    themes = 0
    for sec in soup.select("section.level2[id^='sec-']"):
        ids = [el["id"] for el in sec.find_all(["div", "figure"], id=True) if "-caption-" not in el["id"]]
        steps = [step[p] for i in ids for p in step if i.startswith(p + "-")]
        if steps:
            themes += 1
            assert steps == sorted(steps) and steps[0] == 0, (sec["id"], ids)
    assert themes >= 9 and soup.select_one("[id^='fig-kunnat-']") is not None


def test_figure_alt_text_is_written_from_the_data(soup, built):
    """Issue 5 point 5: the alt text says what is shown, the range and the
    direction, from the data (the first theme figure: social assistance)."""
    alt = soup.find("div", id="fig-kehitys-toimeentulotuki").find("img")["alt"].replace(NBSP, " ")
    assert "2015–2024" in alt and "Pohjois-Pohjanmaan hyvinvointialue" in alt
    assert re.search(r"\d+,\d %", alt), alt                   # values in Finnish form
    assert re.search(r"kehitys (nouseva|laskeva|ei selvää muutosta)", alt), alt


def test_cross_references_link_to_numbered_targets(soup):
    numbers = {}
    for kind, el_name, word in (("fig", "figure", "Kuva"), ("tbl", "figure", "Taulukko")):
        for el in soup.select(f"{el_name}.quarto-float-{kind}"):
            holder = el if el.get("id") else el.find_parent(id=True)
            cap = el.find("figcaption")
            if holder is not None and cap is not None and holder["id"].startswith(kind + "-"):
                cap_text = cap.get_text(" ", strip=True).replace(NBSP, " ")
                numbers[holder["id"]] = re.match(rf"{word} \d+", cap_text).group(0)
    refs = soup.select("a[href^='#fig-'], a[href^='#tbl-']")
    assert len(refs) >= 12
    for a in refs:
        target = a["href"][1:]
        assert target in numbers, f"cross-reference to missing {target}"
        assert a.get_text(strip=True).replace(NBSP, " ") == numbers[target]


def test_key_figures_equal_values_computed_from_snapshot(built, soup):
    root = built[0]
    rows = json.loads((root / DEMO_SNAPSHOT / "sotkanet/data/493.json").read_text(encoding="utf-8"))
    pohde = {r["year"]: r["value"] for r in rows if r["region"] == 973 and "value" in r}
    country = {r["year"]: r["value"] for r in rows if r["region"] == 658 and "value" in r}
    year = max(pohde)
    fi = lambda x: f"{x:.1f}".replace(".", ",")  # noqa: E731
    text = text_of(soup)
    assert (f"Indikaattorin ”Toimeentulotukea saaneet henkilöt vuoden aikana, % asukkaista” arvo oli "
            f"{fi(pohde[year])}{NBSP}% vuonna {year}") in text
    diff = round(pohde[year] - country[year], 1)
    word = "korkeampi" if diff > 0 else "matalampi"
    assert f"{fi(abs(diff))} prosenttiyksikköä {word} kuin koko maassa" in text
    assert "{{<" not in text, "an unresolved shortcode reached the report"


def test_synthetic_notice_near_title(soup):
    notice = soup.find(id="sosrap-notice")
    assert notice is not None and "synteettistä esimerkkiaineistoa" in notice.get_text()
    order = [el for el in soup.find_all(True) if el is notice or el.get("id") in ("TOC", "title-block-header")]
    ids = [el.get("id") for el in order]
    assert ids.index("sosrap-notice") < ids.index("TOC"), "the notice comes before the table of contents"


def test_citations_resolved(soup):
    refs = soup.find(id="refs")
    assert refs is not None and "Sosiaalihuoltolaki" in refs.get_text()
    assert "???" not in text_of(soup)


def test_manifest_records_provenance(built):
    root, html = built
    m = json.loads((html.parent / "manifest.json").read_text(encoding="utf-8"))
    assert m["engine"]["name"] == "pandoc" and m["engine"]["version"].startswith("3.")
    assert m["inputs"]["snapshot"]["synthetic"] is True
    assert all(len(h) == 64 for h in m["inputs"]["snapshot"]["files"].values())
    assert "params/demo.yaml" in m["inputs"]["params"]
    assert m["params"]["area"]["code"] == "19"
    assert m["packages"]["papermill"] != "not installed"
    assert m["git_commit"] == "uncommitted" or re.match(r"[0-9a-f]{40}", m["git_commit"])
    from sosrap.pipeline.graph import load_stages
    assert set(m["stages"]) == set(load_stages(root))       # the demo has every stage's inputs
    assert all(s["seconds"] >= 0 for s in m["stages"].values()) and m["seconds"]["total"] > 0
    assert m["outputs"]["html"]["sha256"]


def test_rebuilds_noop_text_only_and_deterministic(built):
    root, html = built
    original = html.read_bytes()
    # Nothing changed: no notebook runs, nothing is rendered, the report is untouched.
    r = B.build("demo", root=root, quiet=True)
    assert {s.state for s in r.stages} == {"skipped"} and not r.rendered
    assert html.read_bytes() == original
    # Only chapter text changes: re-render without executing notebooks.
    chapter = root / "reports/_shared/chapters/07-seuranta.qmd"
    old = chapter.read_text(encoding="utf-8")
    chapter.write_text(old + "\nLisätty testilause seurannasta.\n", encoding="utf-8")
    r = B.build("demo", root=root, quiet=True)
    assert {s.state for s in r.stages} == {"skipped"} and r.rendered
    assert "Lisätty testilause seurannasta." in html.read_text(encoding="utf-8")
    # that build knew the stages fresh from its stamp (only reports/ changed); the ordinary path,
    # which hashes every stage's inputs, finds the same and renders the same bytes
    from sosrap.pipeline import stamp
    from sosrap.pipeline.graph import REPORT_STAGE
    shortcut, manifest = html.read_bytes(), json.loads((html.parent / "manifest.json").read_text(encoding="utf-8"))
    stamp.remove(html.parent)
    (html.parent / "state" / f"{REPORT_STAGE}.json").unlink()
    r = B.build("demo", root=root, quiet=True)
    assert {s.state for s in r.stages} == {"skipped"} and r.rendered
    assert html.read_bytes() == shortcut
    again = json.loads((html.parent / "manifest.json").read_text(encoding="utf-8"))
    assert again["stages"] == manifest["stages"] and again["inputs"] == manifest["inputs"]
    # Back to the same inputs: byte-identical report (forced full re-run included).
    chapter.write_text(old, encoding="utf-8")
    r = B.build("demo", root=root, quiet=True, force=True)
    assert {s.state for s in r.stages} == {"ran"}
    assert html.read_bytes() == original
    # the forced build's zygote, told to stop after the stages, was reaped before the build returned
    import psutil
    assert psutil.Process().children(recursive=True) == []
    # and the build it stopped during (its log in state/) still ends with a stamp: the next build is a no-op
    r = B.build("demo", root=root, quiet=True)
    assert {s.state for s in r.stages} == {"skipped"} and not r.rendered and not r.seconds
    proc = sosrap("status", "demo", cwd=root)
    assert proc.returncode == 0 and "stale" not in proc.stdout and proc.stdout.count("fresh") >= 3


def test_failing_stage_stops_before_render(tmp_path):
    root = copy_project(tmp_path / "project")
    nb_path = root / "notebooks" / "10_indicators.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["cells"].insert(3, {"cell_type": "code", "metadata": {}, "source": "1 / 0", "outputs": [],
                           "execution_count": None, "id": "boom"})
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    proc = sosrap("build", "demo", cwd=root)
    assert proc.returncode == 1
    err = re.sub(r"\s+", " ", proc.stderr)
    assert "stage 'indicators' failed in cell" in err and "ZeroDivisionError" in err and "`1 / 0`" in err
    assert "Traceback" not in proc.stderr
    build = root / "build" / "demo"
    assert (build / "notebooks" / "10_indicators.ipynb").is_file(), "the failed notebook is kept"
    assert not list(build.glob("*.html")), "no report from partial results"
    assert not (build / "report").exists()


def test_html_within_size_budget(built):
    size = built[1].stat().st_size
    assert size < 3_000_000, f"the self-contained report is {size / 1e6:.2f} MB (budget 3 MB)"


def test_privacy_gate_stops_a_report_with_an_identity_code(built):
    """The rendered report is audited before it is written: an identity code
    typed into a chapter fails the build, and the message does not repeat it."""
    root, html = built
    original = html.read_bytes()
    chapter = root / "reports/_shared/chapters/07-seuranta.qmd"
    old = chapter.read_text(encoding="utf-8")
    chapter.write_text(old + "\nAsiakas 131052-308T ja puhelin 040 123 4567.\n", encoding="utf-8")
    try:
        proc = sosrap("build", "demo", cwd=root)
        assert proc.returncode == 1
        assert "131052-308T" not in proc.stderr + proc.stdout and "123 4567" not in proc.stderr + proc.stdout
        assert "henkilötunnus" in proc.stderr.lower() or "identity" in proc.stderr.lower(), proc.stderr
        assert html.read_bytes() == original, "the failing report was not written"
    finally:
        chapter.write_text(old, encoding="utf-8")
