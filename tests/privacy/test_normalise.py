from hypothesis import given, strategies as st

from sosrap.privacy.normalise import DASHES, detection_view, normalise


def test_entities_repeated():
    assert normalise("&#49;70985-944L") == "170985-944L"
    assert normalise("&amp;#49;") == "1"
    assert normalise("&amp;amp;#x31;") == "1"
    assert normalise("R&D ja AT&T") == "R&D ja AT&T"


def test_format_and_control_characters_removed():
    s = "17\u200b09\u206085\ufeff-9\u00ad44L\u202e\x00\x07\r\n\tok"
    assert normalise(s) == "170985-944L\n\tok"


def test_nfkc_and_finnish_letters():
    assert normalise("etunimi\uff20example.fi") == "etunimi@example.fi"
    assert normalise("170985\uff0d944L") == "170985-944L"
    assert normalise("170985\ufe63944L") == "170985-944L"
    assert normalise("Äiti, Örö ja Åland") == "Äiti, Örö ja Åland"
    assert normalise("a\u00a0b\u2028c") == "a b\nc"
    assert normalise("A\u0308") == "Ä"  # combining diaeresis composed


def test_view_maps_dashes_emphasis_and_o():
    n = normalise("**010985**\u2015956N ja 17O985")
    v = detection_view(n)
    assert v.text == "010985-956N ja 170985"
    a, b = v.span(0, 11)
    assert n[a:b] == "010985**\u2015956N"


def test_view_keeps_words_and_inner_underscores():
    v = detection_view("Oulu 2024, etu_nimi@x.fi, _korostus_ ja Ovi")
    assert v.text == "Oulu 2024, etu_nimi@x.fi, korostus ja Ovi"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_normalise_idempotent(s):
    n = normalise(s)
    assert normalise(n) == n


@given(st.text(alphabet=st.sampled_from(list("0123456789Oo*_`~- aäx") + list(DASHES)), max_size=60))
def test_view_index_is_monotonic_and_points_at_source(s):
    n = normalise(s)
    v = detection_view(n)
    idx = [v.pos(i) for i in range(len(v.text))]
    assert idx == sorted(set(idx))
    for i, ch in enumerate(v.text):
        src = n[idx[i]]
        assert src == ch or (ch == "-" and src in DASHES) or (ch == "0" and src in "Oo")


def test_the_invisible_characters_are_those_of_every_plane():
    """The import scans only the planes that hold format and control characters (normalise.PLANES);
    a scan of all seventeen planes of this Python's Unicode finds the same characters."""
    import importlib
    n = importlib.import_module("sosrap.privacy.normalise")     # the module (the package exports the function)
    assert n._INVISIBLE_CLASS == n._build_invisible_class(range(17))
    assert n._INVISIBLE.fullmatch("\u200b") and n._INVISIBLE.fullmatch("\U000e0041")   # ZWSP, tag 'A'
    assert not n._INVISIBLE.search("\n\tä\u3000")
