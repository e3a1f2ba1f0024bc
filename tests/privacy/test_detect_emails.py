import pytest
from hypothesis import given

from sosrap.privacy.detect import EMAIL, find_emails
from privacy_strategies import assert_detected, email_text, sentence


@pytest.mark.parametrize("s", ["etunimi.sukunimi@example.fi", "etunimi at example dot fi",
                               "etunimi [at] example [dot] fi", "etunimi(at)example.fi", "e07.virtanen@ouka",
                               "etunimi\uff20example.fi", "ETUNIMI@EXAMPLE.FI", "etu_nimi@example.fi"])
def test_audit_forms(s):
    assert_detected("Yhteys: ", s, ".", {EMAIL})


@pytest.mark.parametrize("s", ["Taulukossa @tbl-ilmiot ja [@shl2014]", "kuvaa @fig-x", "he at the door",
                               "tarvitsevat apua", "vastaat tähän", "at least"])
def test_not_emails(s):
    assert not find_emails(s), s


@given(sentence(email_text()))
def test_planted_emails(parts):
    pre, item, post = parts
    assert_detected(pre, item, post, {EMAIL})
