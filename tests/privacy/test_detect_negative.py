"""No false positives on real report prose, numbers, dates and tables."""
import glob
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from sosrap.privacy.detect import NAME, URL, find_all
from sosrap.privacy.normalise import normalise

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(str(p) for p in ROOT.glob("reports/*/chapters/*.qmd"))
DOCS = [str(p) for p in (ROOT / "docs/ilmioraportti.md", ROOT / "docs/toimittajan-opas.md") if p.exists()]
NEG = Path(__file__).parent / "data" / "negative_fi.txt"
# public people named in the reports (none so far) and public contacts/URLs would go here
PUBLIC = ["Närhi", "Pohjola"]


@pytest.mark.skipif(not CHAPTERS, reason="report chapters not available")
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.split("/reports/")[1])
def test_report_chapters_have_no_findings(path):
    text = Path(path).read_text(encoding="utf-8")
    hits = find_all(text, allow=PUBLIC)
    n = normalise(text)
    assert not hits, [(h.kind, n[max(0, h.start - 30):h.end + 10]) for h in hits]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.rsplit("/", 1)[1])
def test_finnish_docs_have_no_name_findings(path):
    text = Path(path).read_text(encoding="utf-8")
    hits = find_all(text, allow=PUBLIC)
    n = normalise(text)
    assert not hits, [(h.kind, n[max(0, h.start - 30):h.end + 10]) for h in hits]


@pytest.mark.parametrize("line", [l for l in NEG.read_text(encoding="utf-8").splitlines() if l.strip()])
def test_negative_sentences(line):
    hits = find_all(line)
    assert not hits, [(h.kind, line[h.start:h.end]) for h in hits]


def test_negative_corpus_as_one_text():
    text = NEG.read_text(encoding="utf-8")
    assert not find_all(text)


_num = st.integers(0, 9_999_999)


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", " ")


numbers = st.one_of(
    st.integers(1900, 2035).map(str),                                              # years
    st.tuples(st.integers(1990, 2030), st.integers(1, 6)).map(lambda t: f"{t[0]}–{t[0] + t[1]}"),
    st.tuples(st.integers(1, 28), st.integers(1, 12), st.integers(1990, 2030)).map(lambda t: f"{t[0]}.{t[1]}.{t[2]}"),
    st.tuples(st.integers(1, 28), st.integers(1, 12), st.integers(1990, 2030)).map(lambda t: f"{t[0]:02d}.{t[1]:02d}.{t[2]}"),
    st.tuples(st.integers(1990, 2030), st.integers(1, 12), st.integers(1, 28)).map(lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}"),
    st.floats(0, 100, allow_nan=False).map(lambda f: f"{f:.1f}".replace(".", ",") + " %"),
    st.integers(0, 10**9).map(lambda n: _grouped(n) + " euroa"),
    st.integers(0, 10**7).map(_grouped),
    st.integers(10000, 99999).map(lambda n: f"postinumero {n}"),
    st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"klo {t[0]}.{t[1]:02d}"),
    st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(1, 9)).map(lambda t: f"luku {t[0]}.{t[1]}.{t[2]}"),
)


@st.composite
def table_row(draw):
    cells = draw(st.lists(st.one_of(st.integers(0, 99999).map(_grouped), st.just("x"),
                                    st.floats(0, 100, allow_nan=False).map(lambda f: f"{f:.1f}".replace(".", ","))),
                          min_size=2, max_size=7))
    sep = draw(st.sampled_from([" | ", "\t", "  ", "; "]))
    label = draw(st.sampled_from(["Oulu", "Kempele", "Yhteensä", "Aikuissosiaalityö", "2024", "Miehet"]))
    return sep.join([label] + cells)


TEMPLATES = ["Vuonna 2024 luku oli {x}.", "{x}", "Taulukossa: {x} (lähde: Sotkanet).", "Osuus {x} kasvoi.",
             "Muutos {x} alkaen.", "Kuvassa 3 näkyy {x}."]


@given(numbers, st.sampled_from(TEMPLATES))
def test_numbers_dates_years_are_not_findings(x, tmpl):
    text = tmpl.format(x=x)
    assert not find_all(text), text


@given(st.lists(table_row(), min_size=1, max_size=6))
def test_tables_are_not_findings(rows):
    text = "\n".join(rows)
    hits = find_all(text)
    assert not hits, (text, [(h.kind, normalise(text)[h.start:h.end]) for h in hits])
