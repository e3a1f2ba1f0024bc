"""The demo report in a real headless Chromium (Debian's /usr/bin/chromium,
driven by Playwright) with the network blocked: what a coordination-group
member sees when opening the one HTML file."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support import ROOT

CHROMIUM = os.environ.get("SOSRAP_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Flags that keep Chromium from calling home on a machine with no network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing(what: str) -> None:
    # CI sets SOSRAP_REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
    if os.environ.get("SOSRAP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is required for the browser tests (see .ci/run)")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _missing(f"Chromium ({CHROMIUM})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_of(browser, demo_build):
    """Open the demo report with every request that would leave the file blocked and recorded."""
    opened = []

    def open_page(width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.outside = []

        def guard(route):
            url = route.request.url
            if url.startswith(("file:", "data:", "blob:", "about:")):
                route.continue_()
            else:
                page.outside.append(url)
                route.abort()
        page.route("**/*", guard)
        page.goto(demo_build[1].as_uri(), wait_until="load")
        opened.append(context)
        return page
    yield open_page
    for c in opened:
        c.close()


def test_no_request_leaves_the_file_and_images_decode(page_of):
    page = page_of()
    assert page.outside == [], f"requests left the file: {page.outside}"
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.complete ? e.naturalWidth : 0)")
    assert len(widths) >= 10 and min(widths) > 0
    alts = page.eval_on_selector_all("img", "els => els.map(e => (e.getAttribute('alt') || '').trim())")
    assert all(alts), "every figure needs alt text"
    assert page.eval_on_selector("html", "e => e.lang") == "fi"


def test_toc_links_land_on_their_headings(page_of):
    page = page_of(height=700)
    hrefs = page.eval_on_selector_all("nav#TOC a[href^='#']", "els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) >= 10
    for href in hrefs:
        page.click(f"nav#TOC a[href='{href}']")
        landed = page.evaluate("""id => {
            const t = document.getElementById(id);
            if (!t) return 'missing';
            const h = /^H[1-6]$/.test(t.tagName) ? t : t.querySelector('h1,h2,h3,h4,h5,h6');
            if (!h) return 'no heading';
            const r = h.getBoundingClientRect();
            return (r.top >= -2 && r.top < window.innerHeight) ? 'ok' : 'offscreen ' + r.top;
        }""", href[1:])
        assert landed == "ok", f"{href}: {landed}"


def test_document_structure(page_of):
    page = page_of()
    levels = page.eval_on_selector_all("h1,h2,h3,h4,h5,h6", "els => els.map(e => +e.tagName[1])")
    assert levels[0] == 1
    for a, b in zip(levels, levels[1:]):
        assert b <= a + 1, f"heading level jumps from h{a} to h{b}"
    tables = page.eval_on_selector_all("table", "els => els.map(t => t.querySelectorAll('th').length)")
    assert tables and min(tables) > 0, "data tables need header cells"


def test_print_hides_navigation(page_of):
    page = page_of()
    page.emulate_media(media="print")
    assert page.eval_on_selector("nav#TOC", "e => getComputedStyle(e).display") == "none"


def test_narrow_screen_scales_figures_and_scrolls_tables(page_of):
    page = page_of(width=375, height=800)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone"
    too_wide = page.eval_on_selector_all("img", "els => els.filter(e => e.getBoundingClientRect().width > 376).length")
    assert too_wide == 0


def test_axe_finds_no_serious_violations(page_of):
    if not AXE.is_file():
        _missing(f"axe-core ({AXE}; run `npm ci`)")
    page = page_of()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s), e.g. {v['nodes'][0]['target']}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(bad)


# ----------------------------------------------------------------------------- laptop reading (issue 15)

def test_laptop_side_toc_is_sticky(page_of):
    """At >= 1200 px the TOC is a sticky side column beside the text (Quarto's toc-location: left)."""
    page = page_of(width=1280, height=800)
    toc = page.eval_on_selector("nav#TOC", "e => { const r = e.getBoundingClientRect(); "
                                           "return {pos: getComputedStyle(e).position, right: r.right}; }")
    main_left = page.eval_on_selector("main#content", "e => e.getBoundingClientRect().left")
    assert toc["pos"] == "sticky" and toc["right"] <= main_left, toc
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    top = page.eval_on_selector("nav#TOC", "e => e.getBoundingClientRect().top")
    assert 0 <= top < 100, f"the TOC scrolled away (top {top}px)"
    # below 1200 px it is the ordinary block above the text
    narrow = page_of(width=1100, height=800)
    assert narrow.eval_on_selector("nav#TOC", "e => getComputedStyle(e).position") != "sticky"


def test_laptop_tables_fit_or_scroll_with_key_column_and_captions_whole(page_of):
    page = page_of(width=1280, height=800)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at 1280 px"
    report = page.evaluate("""() => [...document.querySelectorAll('table')].map(t => {
        const cap = t.closest('figure') && t.closest('figure').querySelector('figcaption');
        const c = cap ? cap.getBoundingClientRect() : null;
        const scrolls = t.scrollWidth > t.clientWidth + 1;
        let keyVisible = true;
        if (scrolls) {
            t.scrollLeft = t.scrollWidth;            // scrolled to the last column
            const first = t.querySelector('tbody tr > :first-child');
            const r = first.getBoundingClientRect(), box = t.getBoundingClientRect();
            keyVisible = r.left >= box.left - 1 && r.right <= box.right + 1;
            t.scrollLeft = 0;
        }
        return {id: (t.closest('[id]') || {}).id, scrolls, keyVisible,
                capClipped: c ? (c.right > document.documentElement.clientWidth + 1 ||
                                 cap.scrollWidth > cap.clientWidth + 1) : false};
    })""")
    assert report
    for t in report:
        assert t["keyVisible"], f"{t['id']}: the key column scrolls out of view"
        assert not t["capClipped"], f"{t['id']}: its caption is cut off"


def test_every_figure_and_table_offers_its_data_as_embedded_csv(page_of, demo_build):
    page = page_of()
    floats = page.eval_on_selector_all("div.quarto-float", """els => els.map(f => {
        const a = f.querySelector('a.sosrap-data-download');
        return {id: f.id, href: a ? a.getAttribute('href') : null, name: a ? a.getAttribute('download') : null};
    })""")
    assert len(floats) >= 15
    for f in floats:
        assert f["href"] and f["href"].startswith("data:text/csv"), f"{f['id']}: no embedded CSV download"
        assert f["name"] == f"{f['id']}.csv"
    csv = page.evaluate("href => fetch(href).then(r => r.text())", floats[0]["href"])
    assert csv.count("\n") >= 2 and "," in csv
    size = demo_build[1].stat().st_size
    assert size <= 3 * 1024 * 1024, f"the report is {size / 1e6:.2f} MB (limit 3 MB)"
