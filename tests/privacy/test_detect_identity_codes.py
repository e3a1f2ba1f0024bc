import pytest
from hypothesis import given, strategies as st

from sosrap.privacy.detect import IDENTITY_CODE, find_all, find_identity_codes, redact
from privacy_strategies import CHECK, assert_detected, obfuscated_hetu, sentence

AUDIT = ["170985\u200b-944L", "1709\u206085-944L", "\ufeff170985-944L", "1709\u00ad85-944L", "170985\u2015944L",
         "170985\ufe63944L", "170985\uff0d944L", "170985944L", "1 7 0 9 8 5 - 9 4 4 L", "17O985-944L",
         "**010985**-956N", "&#49;70985-944L", "170985-944X", "150385-\n912E", "Asiakasnro030772Y9349hyväksytty",
         "100190Y999P", "010110A982P", "240899+969R", "170985-944l"]


@pytest.mark.parametrize("s", AUDIT)
def test_audit_forms(s):
    hits = find_all(s)
    assert any(h.kind == IDENTITY_CODE for h in hits), s
    assert "[henkilötunnus]" in redact(s, hits)


def test_classification_valid_vs_shape():
    (h,) = find_identity_codes("tunnus 170985-944L")
    assert h.note == "valid"
    (h,) = find_identity_codes("tunnus 170985-944X")
    assert h.note == "shape"


@pytest.mark.parametrize("s", ["100000-2000 euroa", "vuodet 2019-2024", "IR-2024-0001", "123456 789 euroa",
                               "12 34 56 78 90", "puh 0401112211", "Taulukko 202401-202412", "170985944X"])
def test_not_codes(s):
    assert not find_identity_codes(s), s


@given(sentence(obfuscated_hetu()))
def test_planted_codes_detected(parts):
    pre, (code, glued), post = parts
    if glued:
        pre, post = "Asiakasnro", "hyväksytty"
    assert_detected(pre, code, post, {IDENTITY_CODE})
