"""The screen's fast paths give what the full computation gives (issue #17:
screening ≥ 10,000 rows/s without weakening detection). Each shortcut is
checked against the slow reference on generated text that is dense in the
characters the shortcut is about: dashes, emphasis marks, O beside digits,
invisible characters, entities, street words, postal codes, 'at' spellings,
names written in lower case."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from privacy_strategies import CF_CHARS, DASH_VARIANTS

from sosrap.privacy import addresses, contacts, detect, names
from sosrap.privacy.normalise import View, _canonical, _full_view, detection_view, normalise

PIECES = ["Isokatu", "kadulla", "Koulukujan", "tie", "puistikko", "bulevardin", "Rantaraitti", "kauppatori",
          "indikaattori", "esplanadiltaan", "puistikkoonsa", "90100", "Oulu", "OULU", "12", "5", "B", "as.", "at", "AT", "(at)", "[ät]", "{a}", "@",
          "dot", "meikäläinen", "MEIKÄLÄINEN", "Meikäläisen", "tepon", "Matti", "Virtanen", "ja", "asiakas",
          "2024", "O", "o", "0", "1O", "*", "**", "`", "~", "_", "-", "&", "&amp;", "&#49;", "&nbsp;", "\r\n",
          "\u2028", "ＡＳ", "１２", "＠", "ﬁ", "\u00a0", "\n", ".", ",", ":", "|", "#", "+358", "(09)",
          *DASH_VARIANTS, *CF_CHARS]
texts = st.lists(st.sampled_from(PIECES), max_size=14).flatmap(
    lambda ps: st.lists(st.sampled_from(["", " ", " ", "  "]), min_size=len(ps), max_size=len(ps)).map(
        lambda gaps: "".join(p + g for p, g in zip(ps, gaps))))
any_text = st.one_of(texts, st.text(alphabet=st.sampled_from("".join(PIECES)), max_size=40))


def _same_view(a: View, b: View) -> bool:
    def index(v: View) -> tuple[int, ...]:
        return tuple(range(len(v.text))) if v.index is None else v.index
    return a.text == b.text and a.source_len == b.source_len and index(a) == index(b)


@given(any_text)
def test_normalise_fast_path_is_the_full_normalisation(t):
    assert normalise(t) == _canonical(t)
    n = normalise(t)
    assert normalise(n) == n == _canonical(n)


@given(any_text)
def test_detection_view_fast_paths_are_the_full_view(t):
    n = normalise(t)
    assert _same_view(detection_view(n), _full_view(n))


STREET_PREFILTER = re.compile(addresses._STREET_STEMS + "[" + addresses._LOWER + r"]{0,5}[ ]\d|\d{5}[ ]["
                              + addresses._UPPER + "]")
EMAIL_PREFILTER = re.compile(r"@|" + contacts._AT_BR + r"|\sat\s", re.IGNORECASE)


@given(any_text)
def test_prefilters_are_the_regexes_they_replace(t):
    v = detection_view(normalise(t)).text
    assert addresses._maybe_address(v) == bool(STREET_PREFILTER.search(v))
    assert contacts._maybe_email(v) == bool(EMAIL_PREFILTER.search(v))


def _reference_tokens(t: str, prefixes: frozenset[str]) -> list[tuple[int, int, str]]:
    alts = "[" + names._UPPER_START + "]"
    if prefixes:
        alts = "(?:" + alts + "|(?i:" + "|".join(sorted(map(re.escape, prefixes))) + "))"
    found = re.compile(r"(?<![^\W\d_])" + alts + names._WORD_TAIL).finditer(t)
    return [(m.start(), m.end(), m.group(0)) for m in found
            if m.group(0)[0].isupper() or m.group(0)[:3].lower() in prefixes]


@given(any_text, st.sampled_from([frozenset(), frozenset({"mei", "tep"}), frozenset({"vir"})]))
def test_name_tokens_are_the_words_the_full_regex_finds(t, prefixes):
    v = detection_view(normalise(t)).text
    got = [(k.start, k.end) for k in names._tokens(v, prefixes)]
    want = [(a, b) for a, b, _ in _reference_tokens(v, prefixes) if not v.startswith(("- ", "-\n"), b)]
    assert got == want


@given(any_text)
def test_kinds_that_need_a_digit_find_nothing_without_one(t):
    v = detection_view(normalise(re.sub(r"\d", "", t)))
    if re.search(r"\d", v.text):
        return                                          # a full-width digit folded into one
    ctx = detect.context(["Meikäläinen"], [r"AS-\d{6}"])
    for kind in detect.NEEDS_DIGIT:
        assert detect.FINDERS[kind](v, ctx) == [], kind


STEMS = re.findall(r"[a-zäöå]+", addresses._STREET_STEMS)


@pytest.mark.parametrize("stem", STEMS)
@settings(max_examples=40)
@given(pre=st.text(alphabet="AEIKLMNOPRSTUVaeiklmnoprstuvyäö-", max_size=8),
       tail=st.integers(0, 7).flatmap(lambda k: st.text(alphabet="aeiklmnstuäö", min_size=k, max_size=k)),
       gap=st.sampled_from([" ", " ", "  ", ""]), n=st.integers(0, 999), post=st.sampled_from(["", ", 90100 Oulu"]))
def test_street_prefilter_on_street_like_text(stem, pre, tail, gap, n, post):
    v = f"Osoite {pre}{stem}{tail}{gap}{n}{post}"
    assert addresses._maybe_address(v) == bool(STREET_PREFILTER.search(v))


def _mapped(tm) -> tuple:
    """The joined text and, for every position, where the map places it."""
    where = tuple((c.src, c.line, c.section, c.ids) if c else None
                  for c in (tm.locate(i) for i in range(tm.length)))
    return tm.text, tm.length, where


@given(st.lists(any_text, max_size=5), st.lists(any_text, max_size=12), st.lists(any_text, max_size=3))
def test_a_data_files_cells_in_one_chunk_map_as_cell_by_cell(before, cells, after):
    """`TextMap.add_lines` (the HTML audit's data downloads) gives the same text, and maps every
    position to the same place, as `add` and `brk` per cell; also around other text, empty cells
    and cells that end a line."""
    from sosrap.privacy.findings import TextMap
    one, each = TextMap(), TextMap()
    for tm in (one, each):
        for i, t in enumerate(before):
            tm.add(t, i, i + 1, "s", ("a",))
            if i % 2:
                tm.brk()
    one.add_lines(iter(cells), 100, 7, "osio", ("tbl-x", "d"))
    for c in cells:
        each.add(c, 100, 7, "osio", ("tbl-x", "d"))
        each.brk()
    for tm in (one, each):
        for i, t in enumerate(after):
            tm.add(t, 200 + i, 9, "t", ())
    assert _mapped(one) == _mapped(each)
    assert len(one.chunks) <= len(each.chunks)
