"""Screening free text and choosing quotes (sosrap.privacy.screen)."""
from __future__ import annotations

import pandas as pd

from sosrap import privacy as P

CODE = "010190A2347"    # a valid identity code (2000s, checksum right)


def test_screen_text_reports_counts_not_values():
    c = CODE
    text = f"{c}, 040 123 4567, x@example.com, Aino"
    red, rep = P.screen_text(text, ["Aino"])
    assert red == "[henkilötunnus], [puhelinnumero], [sähköpostiosoite], [nimi]"
    assert rep.as_dict() == {"texts": 1, "texts_with_hits": 1, **{k: 0 for k in P.KINDS},
                             "identity_code": 1, "phone": 1, "email": 1, "name": 1}
    for s in (str(rep), repr(rep.as_dict())):
        assert c not in s and "4567" not in s and "example" not in s and "Aino" not in s


def test_screen_frame_flags_rows():
    df = pd.DataFrame({"a": ["ok", "soita 040 123 4567", None], "b": ["x@example.com", "ok", "ok"]})
    out, rep, flagged = P.screen_frame(df, ["a", "b"])
    assert flagged.tolist() == [True, True, False]
    assert rep.hits["phone"] == 1 and rep.hits["email"] == 1 and rep.texts == 5
    assert out.loc[1, "a"] == "soita [puhelinnumero]"


def test_quotes_only_approved_and_screened():
    long = "Tämä on riittävän pitkä lainaus palveluiden kehittämisestä arjessa. "
    df = pd.DataFrame({
        "text": [long + "A", long + "B soita 040 123 4567", long + "C", "lyhyt", long + "D Aino"],
        "ok": [True, True, False, True, True],
    })
    q = P.select_quotes(df, "text", "ok", names=["Aino"], max_quotes=10)
    assert q["quote"].tolist() == [long.strip() + " A"]
    q2 = P.select_quotes(df, "text", "ok", names=["Aino"], max_quotes=10, drop_screened=False)
    assert any("[puhelinnumero]" in s for s in q2["quote"]) and not any("4567" in s for s in q2["quote"])
    assert P.select_quotes(df.drop(columns="ok"), "text", "ok").empty


def test_quotes_deterministic():
    df = pd.DataFrame({"text": [f"Lainaus numero {i} joka on tarpeeksi pitkä tähän testiin." for i in range(30)],
                       "ok": True})
    a = P.select_quotes(df, "text", "ok", max_quotes=5)
    b = P.select_quotes(df, "text", "ok", max_quotes=5)
    assert a.equals(b) and len(a) == 5
