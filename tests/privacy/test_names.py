import pytest
from hypothesis import assume, given, strategies as st

from sosrap.privacy.detect import NAME, NameIndex, find_all, find_names
from privacy_strategies import (AMBIGUOUS, FIRST_NAMES, INITIAL_TEMPLATES, MID_TEMPLATES, SURNAMES, CF_CHARS, assert_detected,
                 clitic_forms, inflected_forms)


def _split(template):
    pre, post = template.split("{x}")
    return pre, post


@pytest.mark.parametrize("text,names", [
    ("Tapasin Meikäläisen eilen.", ["Meikäläinen"]), ("Asiakas Matti Virtasen kanssa sovittiin.", []),
    ("Soitin Jukalle.", []), ("Viesti tuli Korhoselta.", []), ("Virtasenkin mukaan tuki myöhästyi.", []),
    ("Paikalla oli Anna-Liisa.", []), ("Virtanen-Korhonen kertoi.", []), ("Liisa Korhonen kertoi.", []),
    ("Kotona oli Jussi Närhi.", []), ("Toivo Virtanen soitti.", []), ("Asiakas Liisa Smith soitti.", []),
    ("Kävimme Toivon luona.", ["Toivo"]), ("Toivo soitti.", ["Toivo"]), ("virtasen perhe", ["Virtanen"]),
    ("VIRTANEN MATTI", []), ("Hän kertoi Niemiselle.", []), ("Lainetta kuultiin, sanoi asiakas Laine.", []),
    ("Smithille lähetettiin kirje.", ["Smith"]), ("Mäkinen kertoi.", []),
])
def test_examples(text, names):
    assert find_names(text, names), text


@pytest.mark.parametrize("text", [
    "Toivo paremmasta näkyi.", "Usko on koetuksella.", "Onni oli myötä.", "Lahti ja Oulu.",
    "Toimeentulotuki kasvoi.", "Kuva 3.", "Taulukko 2.", "toivo ja usko",
    "Laine tulvi rantaan.", "Järvi on jäässä.", "Satu luettiin lapsille."])
def test_common_words_not_names(text):
    assert not find_names(text), text


def test_lowercase_listed_name_with_common_reading_is_not_matched():
    assert not find_names("toivo paremmasta", ["Toivo"])
    assert find_names("Toivo paremmasta", ["Toivo"])  # capitalised listed: redacted (precision traded for recall)


def test_allow_on_lemmas():
    assert not find_names("Närhen (2020) mukaan Matti Närhi totesi", allow=["Matti Närhi"])
    assert not find_names("Pohjolan mukaan", allow=["Pohjola"])
    hits = find_all("Virtasen ja Korhosen mukaan", allow=["Virtanen"])
    assert len(hits) == 1 and hits[0].kind == NAME
    idx = NameIndex(["Meikäläinen"], ["Korhonen"])
    assert len(find_all("Meikäläiselle ja Korhoselle", names=idx)) == 1


names_all = st.sampled_from(FIRST_NAMES + SURNAMES)


@st.composite
def obfuscate(draw, word):
    style = draw(st.sampled_from(["plain", "plain", "cf", "emph", "entity", "upper"]))
    if style == "cf":
        i = draw(st.integers(1, len(word) - 1))
        return word[:i] + draw(st.sampled_from(CF_CHARS)) + word[i:]
    if style == "emph":
        return draw(st.sampled_from(["**{}**", "*{}*", "_{}_"])).format(word)
    if style == "entity":
        return f"&#{ord(word[0])};" + word[1:]
    if style == "upper":
        return word.upper()
    return word


@given(st.data())
def test_unlisted_single_names_mid_sentence(data):
    name = data.draw(names_all)
    forms = inflected_forms(name) + clitic_forms(name)
    assume(forms)
    form = data.draw(st.sampled_from(forms))
    item = data.draw(obfuscate(form))
    pre, post = _split(data.draw(st.sampled_from(MID_TEMPLATES)))
    assert_detected(pre, item, post, {NAME})


@given(st.data())
def test_unlisted_pairs_anywhere(data):
    first = data.draw(st.sampled_from(FIRST_NAMES + ["Toivo", "Onni", "Helmi", "Satu"]))
    sur = data.draw(st.sampled_from(SURNAMES + ["Laine", "Aalto", "Närhi", "Smith", "Kivi"]))
    sforms = inflected_forms(sur) or (sur,)
    form = first + " " + data.draw(st.sampled_from(sforms))
    tmpl = data.draw(st.sampled_from(MID_TEMPLATES + INITIAL_TEMPLATES))
    pre, post = _split(tmpl)
    assert_detected(pre, form, post, {NAME})


@given(st.data())
def test_listed_names_any_position_and_case(data):
    name = data.draw(st.sampled_from(AMBIGUOUS + SURNAMES + FIRST_NAMES))
    forms = inflected_forms(name) or (name, name + "lle", name + "n")
    form = data.draw(st.sampled_from(forms))
    if form.lower().startswith(name.lower()[:2]) is False:
        assume(False)
    tmpl = data.draw(st.sampled_from(MID_TEMPLATES + INITIAL_TEMPLATES))
    pre, post = _split(tmpl)
    listed = [data.draw(st.sampled_from([name, name.lower(), name.upper()]))]
    item = data.draw(obfuscate(form))
    assert_detected(pre, item, post, {NAME}, names=listed)


@given(st.data())
def test_listed_surname_lowercase_detected_when_unambiguous(data):
    name = data.draw(st.sampled_from([s for s in SURNAMES if "-" not in s and s not in ("Laine", "Mäkinen",
                                                                                       "Koskinen", "Saarinen",
                                                                                       "Järvinen")]))
    forms = inflected_forms(name)
    assume(forms)
    form = data.draw(st.sampled_from(forms)).lower()
    from sosrap.privacy.names import _analyse
    assume(all(c in ("etunimi", "sukunimi") for c, _ in _analyse(form)))
    pre, post = _split(data.draw(st.sampled_from(MID_TEMPLATES)))
    assert_detected(pre, form, post, {NAME}, names=[name])
