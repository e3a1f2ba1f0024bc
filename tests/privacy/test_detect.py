"""Finding identifying text (sosrap.privacy.detect): identity codes, phones, e-mails, names."""
from __future__ import annotations

import pytest

from sosrap import privacy as P

CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
SIGNS = {"+": "1800s", "-": "1900s", "Y": "1900s", "X": "1900s", "W": "1900s", "V": "1900s", "U": "1900s",
         "A": "2000s", "B": "2000s", "C": "2000s", "D": "2000s", "E": "2000s", "F": "2000s"}


def hetu(ddmmyy: str, sign: str, ind: int, *, wrong: bool = False) -> str:
    c = CHECK[int(ddmmyy + f"{ind:03d}") % 31]
    if wrong:
        c = CHECK[(CHECK.index(c) + 1) % 31]
    return f"{ddmmyy}{sign}{ind:03d}{c}"


def kinds(text: str, names=None) -> list[str]:
    return [h.kind for h in P.find_all(text, names)]


# --- identity codes ---------------------------------------------------------

@pytest.mark.parametrize("sign", list(SIGNS))
def test_identity_code_every_century_sign(sign):
    code = hetu("010203", sign, 345)
    assert P.is_identity_code(code)
    assert kinds(f"Asiakas {code} soitti.") == ["identity_code"]
    assert kinds(f"asiakas {code.lower()} soitti") == ["identity_code"]  # case does not hide it


@pytest.mark.parametrize("sign", list(SIGNS))
def test_wrong_checksum_is_still_redacted(sign):
    """Issue #17: a one-character typo still shows a birth date and an individual number."""
    bad = hetu("010203", sign, 345, wrong=True)
    assert not P.is_identity_code(bad)
    hits = P.find_all(f"Koodi {bad} ei ole oikea.")
    assert [(h.kind, h.note) for h in hits] == [("identity_code", "shape")]


def test_temporary_codes_are_identity_codes_too():
    assert kinds("tilapäinen " + hetu("150385", "-", 912)) == ["identity_code"]


def test_same_digits_different_sign_are_different_codes():
    # 100190-123E and 100190Y123E: both valid, both screened
    assert kinds("100190-123E ja 100190Y123E") == ["identity_code", "identity_code"]


@pytest.mark.parametrize("fmt", [
    "asiakasnro{c}kävi",                 # inside a word
    "tunnus:{c}.",                       # punctuation
    "{a}\n{b}",                          # wrapped after the century sign
    "{a}\r\n{b}",                        # Windows line break
    "{d}\n{s}{b}",                       # wrapped before the century sign
    "{d} {s} {b}",                       # spaced out
])
def test_identity_code_inside_words_and_across_line_breaks(fmt):
    c = hetu("311299", "-", 934)
    text = "Teksti " + fmt.format(c=c, a=c[:7], b=c[7:], d=c[:6], s=c[6]) + " loppuu."
    assert kinds(text) == ["identity_code"]
    red, rep = P.screen_text(text)
    assert c[7:] not in red and rep.hits["identity_code"] == 1


def test_typographic_dash_as_century_sign():
    c = hetu("010190", "-", 123)
    assert kinds(c.replace("-", "\u2013")) == ["identity_code"]
    assert kinds(c.replace("-", "\u2011")) == ["identity_code"]


@pytest.mark.parametrize("text", [
    "1" + hetu("010190", "-", 123),      # part of a longer digit run: not code-shaped
    "Vuodet 2015–2024, 12 345 asiakasta, 0,5 %.",
])
def test_not_identity_codes(text):
    assert "identity_code" not in kinds(text)


@pytest.mark.parametrize("shaped", ["310299-123A", "010190-001" + CHECK[10190001 % 31]])
def test_invalid_but_code_shaped_is_redacted(shaped):
    """An impossible date or individual number is still redacted as shaped like a code."""
    assert not P.is_identity_code(shaped)
    assert [(h.kind, h.note) for h in P.find_all(shaped)] == [("identity_code", "shape")]


# --- phones, e-mails, names ------------------------------------------------

@pytest.mark.parametrize("phone", ["040 123 4567", "0401234567", "040-1234567", "+358 40 123 4567",
                                   "+358401234567", "00358 50 765 4321", "(08) 558 4410", "09 310 1234",
                                   "+358 (0)40 123 4567"])
def test_phone_numbers(phone):
    assert kinds(f"Soita {phone} huomenna.") == ["phone"]


@pytest.mark.parametrize("text", ["Asiakkaita oli 12 345 vuonna 2024.", "Osuus 0,5 % (2015–2024).",
                                  "Taulukko 1 234 567", "ISBN 978-952-302-123-4", "versio 0.1.0",
                                  "päivä 22.1.2026"])
def test_statistics_are_not_phone_numbers(text):
    assert kinds(text) == []


@pytest.mark.parametrize("mail", ["matti.meikalainen@example.com", "a_b+c@sub.example.fi",
                                  "kirjaamo(at)example.fi", "nimi [at] example.org"])
def test_emails(mail):
    assert kinds(f"Osoite {mail}.") == ["email"]


def test_names_with_case_endings_but_not_inside_other_words():
    names = ["Aino", "Teppo Testaaja"]
    assert kinds("Ainolle soitettiin ja Teppo Testaajan kanssa sovittiin", names) == ["name", "name"]
    assert kinds("ainoastaan yksi asia", names) == []


def test_redact_replaces_each_hit_with_its_placeholder():
    text = "soita 040 123 4567 tai x@example.com"
    assert P.redact(text, P.find_all(text)) == "soita [puhelinnumero] tai [sähköpostiosoite]"
