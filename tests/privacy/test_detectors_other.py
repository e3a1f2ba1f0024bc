import pytest
from hypothesis import given, strategies as st

from sosrap.privacy.detect import (ADDRESS, BIRTH_DATE, CLIENT_NUMBER, IBAN, IP, PLATE, URL, find_addresses, find_all,
                    find_birth_dates, find_client_numbers, find_ibans, find_ips, find_plates, find_urls, redact,
                    KINDS, LABEL_FI, PLACEHOLDER)
from privacy_strategies import CF_CHARS, DASH_VARIANTS, assert_detected, sentence

STREETS = ["Kauppurienkatu", "Isokatu", "Rantatie", "Koulukuja", "Metsäpolku", "Rantaväylä", "Kuusikaari",
           "Myllyrinne", "Kirkkoraitti", "Kauppatori", "Storgatan", "Strandvägen", "Hiihtäjäntie", "Ylä-Lyötyntie"]


@pytest.mark.parametrize("s", ["Kauppurienkatu 12 B 34, 90100 Oulu", "Isokatu 5", "Rantatie 3 as. 4",
                               "Koulukuja 7 a", "Storgatan 3", "Hiihtäjäntie 4-6 C 12", "90100 Oulu",
                               "Kauppurienkadulla 12", "90570 OULU"])
def test_address_forms(s):
    assert_detected("Asiakas asuu osoitteessa ", s, ".", {ADDRESS})


@pytest.mark.parametrize("s", ["Valtatie 4 varrella", "Rantatie", "vuonna 2024 Oulu", "tie 5", "12 345 Oulu",
                               "Kaavio 3 näyttää", "Taulukko 12"])
def test_not_addresses(s):
    assert not find_addresses(s), s


@st.composite
def address(draw):
    s = draw(st.sampled_from(STREETS)) + " " + str(draw(st.integers(1, 199)))
    if draw(st.booleans()):
        s += draw(st.sampled_from([" a", " B 34", " as. 4", " C 7", " A"]))
    if draw(st.booleans()):
        s += draw(st.sampled_from([", ", " "])) + draw(st.sampled_from(["90100 Oulu", "00100 Helsinki",
                                                                        "33100 Tampere", "90570 OULU"]))
    return s


@given(sentence(address()))
def test_planted_addresses(parts):
    pre, item, post = parts
    assert_detected(pre, item, post, {ADDRESS})


def _fi_iban(bban: str) -> str:
    from stdnum import iban
    check = 98 - int("".join(str(int(c, 36)) for c in bban + "FI00")) % 97
    return f"FI{check:02d}{bban}"


@given(st.text("0123456789", min_size=14, max_size=14), st.booleans(), st.sampled_from(["", "\u200b"]))
def test_planted_ibans(bban, spaced, cf):
    code = _fi_iban(bban)
    from stdnum import iban
    assert iban.is_valid(code)
    if spaced:
        code = " ".join(code[i:i + 4] for i in range(0, len(code), 4))
    code = code[:5] + cf + code[5:]
    for pre, post in (("Tilinumero ", "."), ("IBAN: ", " (Nordea)"), ("", "")):
        assert_detected(pre, code, post, {IBAN})


def test_iban_examples():
    assert find_ibans("FI21 1234 5600 0007 85 ja") and find_ibans("FI2112345600000785")
    assert find_ibans("DE89 3704 0044 0532 0130 00")
    assert not find_ibans("FIN 2024 raportti")


@given(st.text("ABCDEFGHJKLMNOPRSTUVXYZÅÄÖ", min_size=2, max_size=3), st.integers(1, 999),
       st.sampled_from(DASH_VARIANTS))
def test_planted_plates(letters, num, dash):
    from sosrap.privacy.numbers import _PLATE_EXCLUDE
    if letters in _PLATE_EXCLUDE:
        return
    assert_detected("Auto ", f"{letters}{dash}{num}", " oli pihalla.", {PLATE})


def test_not_plates():
    assert not find_plates("EU-27 ja UTF-8, COVID-19, IR-2024-0001, 0–17-vuotiaat, SHL-7")


@pytest.mark.parametrize("s", ["s. 17.9.1985", "syntynyt 17.9.1985", "synt. 1985-09-17", "s.17.9.1985",
                               "syntymäaika: 17. syyskuuta 1985", "Syntynyt 01.02.03"])
def test_birth_dates(s):
    hits = find_all(s)
    assert any(h.kind == BIRTH_DATE for h in hits), s


def test_birth_date_needs_birth_word():
    assert not find_birth_dates("Muutos 1.2.2024 alkaen. Kokous 17.9.2025. s. 12–15")


def test_urls_and_ips():
    assert find_urls("katso https://example.fi/x?y=1.")[0].end == len("katso https://example.fi/x?y=1")
    assert find_urls("www.ouka.fi/palvelut")
    assert not find_urls("linkit `[teksti](https://...)`")
    assert len(find_ips("IP 192.168.1.10 ja 2001:db8::1, myös ::ffff:10.0.0.1")) == 3
    assert not find_ips("luku 3.2.1.1, klo 12:30:45, suhde 1:2:3, versio 1.2.3")


def test_client_numbers():
    pats = [r"AS-\d{6}", r"(?i)asiakasnro\s*\d{5,8}"]
    hits = find_client_numbers("Asiakas AS\u2013123456 ja asiakasnro 1234567.", pats)
    assert [h.kind for h in hits] == [CLIENT_NUMBER, CLIENT_NUMBER]
    assert "[asiakasnumero]" in redact("AS-123456", find_all("AS-123456", client_patterns=pats))


def test_labels_and_placeholders():
    assert set(LABEL_FI) == set(KINDS) == set(PLACEHOLDER)
    assert PLACEHOLDER[IBAN] == "[tilinumero]" and PLACEHOLDER[IP] == "[IP-osoite]"


def test_merge_and_redact():
    text = "Matti Virtanen, 170985-944L, puh. 040 123 4567, matti@example.fi, Isokatu 5, 90100 Oulu."
    hits = find_all(text)
    out = redact(text, hits)
    assert out == ("[nimi], [henkilötunnus], puh. [puhelinnumero], [sähköpostiosoite], [osoite].")
    # overlapping hits merge to one of the highest priority kind
    assert all(a.end <= b.start for a, b in zip(hits, hits[1:]))


def test_spans_index_normalised_text():
    raw = "&#49;70985-944L ja \u200bLiisa Korhonen"
    hits = find_all(raw)
    from sosrap.privacy.normalise import normalise
    n = normalise(raw)
    assert [n[h.start:h.end] for h in hits] == ["170985-944L", "Liisa Korhonen"]
    assert redact(raw, hits) == "[henkilötunnus] ja [nimi]"
