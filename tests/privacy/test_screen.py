"""Screening, suppression and quotes (sosrap.privacy)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

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
def test_wrong_checksum_is_not_flagged(sign):
    bad = hetu("010203", sign, 345, wrong=True)
    assert not P.is_identity_code(bad)
    assert kinds(f"Koodi {bad} ei ole oikea.") == []


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
    "310299-123A",                        # impossible date (31 Feb)
    "010190-001" + CHECK[10190001 % 31],  # individual numbers start at 002
    "Vuodet 2015–2024, 12 345 asiakasta, 0,5 %.",
])
def test_not_identity_codes(text):
    assert "identity_code" not in kinds(text)


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


def test_screen_text_reports_counts_not_values():
    c = hetu("010190", "A", 234)
    text = f"{c}, 040 123 4567, x@example.com, Aino"
    red, rep = P.screen_text(text, ["Aino"])
    assert red == "[henkilötunnus], [puhelinnumero], [sähköposti], [nimi]"
    assert rep.as_dict() == {"texts": 1, "texts_with_hits": 1, "identity_code": 1, "phone": 1, "email": 1, "name": 1}
    for s in (str(rep), repr(rep.as_dict())):
        assert c not in s and "4567" not in s and "example" not in s and "Aino" not in s


def test_screen_frame_flags_rows():
    df = pd.DataFrame({"a": ["ok", "soita 040 123 4567", None], "b": ["x@example.com", "ok", "ok"]})
    out, rep, flagged = P.screen_frame(df, ["a", "b"])
    assert flagged.tolist() == [True, True, False]
    assert rep.hits["phone"] == 1 and rep.hits["email"] == 1 and rep.texts == 5
    assert out.loc[1, "a"] == "soita [puhelinnumero]"


# --- suppression ------------------------------------------------------------

def _exact_cells(st: P.SuppressedTable) -> list[tuple[int, int]]:
    """Independent check by linear programming: hidden cells whose value is pinned
    down exactly by the published cells, the totals and non-negativity."""
    vals = st.counts.to_numpy().astype(float)
    hidden = st.hidden.to_numpy()
    R, C = vals.shape
    idx = [tuple(x) for x in np.argwhere(hidden)]
    if not idx:
        return []
    pos = {c: k for k, c in enumerate(idx)}
    A, b = [], []
    for i in range(R):   # row i: Σ_j<C-1 x_ij = x_i,C-1
        row, rhs = np.zeros(len(idx)), 0.0
        for j in range(C):
            sgn = -1.0 if j == C - 1 else 1.0
            if (i, j) in pos:
                row[pos[(i, j)]] += sgn
            else:
                rhs -= sgn * vals[i, j]
        A.append(row)
        b.append(rhs)
    for j in range(C):
        row, rhs = np.zeros(len(idx)), 0.0
        for i in range(R):
            sgn = -1.0 if i == R - 1 else 1.0
            if (i, j) in pos:
                row[pos[(i, j)]] += sgn
            else:
                rhs -= sgn * vals[i, j]
        A.append(row)
        b.append(rhs)
    exact = []
    for k, cell in enumerate(idx):
        cvec = np.zeros(len(idx))
        cvec[k] = 1
        lo = linprog(cvec, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-cvec, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status == 0
        if abs(-hi.fun - lo.fun) < 1e-6:
            exact.append(cell)
    return exact


def test_primary_and_complementary_suppression():
    t = pd.DataFrame([[10, 3, 20], [8, 12, 9], [15, 7, 30]], index=list("abc"), columns=list("XYZ"))
    st = P.suppress(t, 5)
    disp = st.display()
    assert disp.loc["a", "Y"] == "x"
    assert st.primary.values.sum() == 1 and st.secondary.values.sum() >= 3
    assert P.determined_cells(st) == []
    assert _exact_cells(st) == []
    # rows/columns with a hidden cell have at least two hidden cells
    h = st.hidden.to_numpy()
    for line in list(h) + list(h.T):
        assert line.sum() in (0,) or line.sum() >= 2
    assert disp.loc["Yhteensä", "Yhteensä"] == "114"


def test_small_total_is_suppressed_and_protected():
    t = pd.DataFrame([[1, 2, 0], [10, 12, 9], [15, 7, 30]], index=list("abc"), columns=list("XYZ"))
    st = P.suppress(t, 5)
    assert st.hidden.loc["a", "Yhteensä"]          # row total 3 < 5
    assert not st.primary.loc["a", "Z"]            # a zero is not a small count
    assert _exact_cells(st) == []


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_leave_nothing_recoverable(seed):
    rng = np.random.default_rng(seed)
    R, C = int(rng.integers(2, 8)), int(rng.integers(2, 7))
    vals = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 30], size=(R, C), p=[.1, .12, .1, .08, .1, .15, .15, .1, .1])
    st = P.suppress(pd.DataFrame(vals), 5)
    shown = st.display()
    for i in range(st.counts.shape[0]):
        for j in range(st.counts.shape[1]):
            v = st.counts.iat[i, j]
            if 0 < v < 5:
                assert shown.iat[i, j] == "x"
    assert P.determined_cells(st) == []
    assert _exact_cells(st) == []


def test_series_suppression_hides_two():
    s = pd.Series([10, 3, 20, 0, 40], index=list("abcde"), name="n")
    st = P.suppress(s, 5)
    disp = st.display()
    assert list(disp.columns) == ["n"]                 # no repeated total column
    assert disp.loc["b", "n"] == "x"
    assert (disp["n"] == "x").sum() >= 2
    assert _exact_cells(st) == []


def test_one_cell_table_fully_hidden():
    st = P.suppress(pd.DataFrame([[3]]), 5)
    assert st.hidden.to_numpy().all()


def test_masked_and_note_and_log():
    st = P.suppress(pd.DataFrame([[1, 9], [9, 9]]), 5, marker="..")
    assert st.masked().isna().to_numpy().sum() == st.hidden.to_numpy().sum()
    assert ".." in st.note() and "1–4" in st.note()
    assert st.log()["primary"] == 1
    assert "hidden" in st.note("en")


def test_hide_small_rates():
    pct = pd.Series([50.0, 20.0])
    assert P.hide_small_rates(pct, pd.Series([10, 4])).isna().tolist() == [False, True]


def test_suppress_rejects_negative():
    with pytest.raises(ValueError):
        P.suppress(pd.DataFrame([[-1, 2]]))


# --- quotes ------------------------------------------------------------------

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


def test_register_and_load_protected(tmp_path):
    (tmp_path / "artifacts" / "s").mkdir(parents=True)
    P.register_protected(tmp_path / "artifacts" / "s", "tbl-a", 5)
    P.register_protected(tmp_path / "artifacts" / "s", "tbl-b", 3, "..")
    P.register_protected(tmp_path / "artifacts" / "s", "tbl-a", 6)
    got = sorted(P.load_protected(tmp_path), key=lambda t: t.id)
    assert got == [P.ProtectedTable("tbl-a", 6), P.ProtectedTable("tbl-b", 3, "..")]
