import pytest
from hypothesis import given

from sosrap.privacy.detect import PHONE, IDENTITY_CODE, find_all, find_phones
from privacy_strategies import assert_detected, foreign_phone, phone_text, sentence

AUDIT = ["040.111.2208", "040/1112209", "040\u20131112210", "puh.0401112211", "358401112207", "401112214",
         "+46 70 111 22 15", "+372 5111 2216", "040 123 4567", "+358 40 123 4567", "(09) 123 4567",
         "09-123 4567", "00358 40 123 4567", "+358 (0)40 123 4567", "050 123 45 67", "0800 123 456"]


@pytest.mark.parametrize("s", AUDIT)
def test_audit_forms(s):
    assert_detected("Soita numeroon ", s, " arkisin.", {PHONE}, only=str.isdigit)


@pytest.mark.parametrize("s", [
    "vuonna 2024", "vuosina 2019–2024", "1.2.2024", "01.02.2024", "2024-01-15", "90100 Oulu", "12 345",
    "1 200 000 euroa", "12,5 %", "0,5 %", "klo 8.00–16.00", "Taulukko 3.2.1", "12 345 678", "p < 0,05",
    "40 123 4567", "indikaattori 3220", "3,040 miljoonaa", "401112214 euroa", "1 512 vastaajaa",
    "0 1 234 5 678", "IR-2024-0001", "§ 7", "s. 12–15", "ISBN 978-952-343-123-4"])
def test_not_phones(s):
    assert not find_phones(s), s


def test_phone_after_year():
    hits = find_phones("vuonna 2024 040 123 4567")
    assert len(hits) == 1 and hits[0].start == len("vuonna 2024 ")


@given(sentence(phone_text()))
def test_planted_finnish_phones(parts):
    pre, item, post = parts
    # (1 in 31 sign-less 10-digit numbers also pass the identity-code checksum: still redacted)
    assert_detected(pre, item, post, {PHONE, IDENTITY_CODE}, only=str.isdigit)


@given(sentence(foreign_phone()))
def test_planted_foreign_phones(parts):
    pre, item, post = parts
    assert_detected(pre, item, post, {PHONE}, only=str.isdigit)


def test_warm_loads_the_metadata_and_changes_no_answer():
    """`contacts.warm` (called while the engine renders) only loads phonenumbers' metadata early."""
    from sosrap.privacy import contacts, detect
    text = "Soita 040 123 4567 tai +358 9 123 4567; arvo 0,68–0,85 ‰ vuonna 2024."
    before = detect.find_all(text)
    contacts.warm()
    contacts._valid_phone.cache_clear()
    assert detect.find_all(text) == before and before
