"""`sosrap quotes <edition>` (sosrap.cli.clientwork), run as a user runs it:
the private review sheet of candidate quotes (screened, findings marked, only
consent-covered fields, nothing quotable from groups or surveys below the
small-count threshold), `--record` binding each approval to the text's hash,
and any change to the text revoking it. The terminal shows counts, row
numbers and reasons, never a text."""
from __future__ import annotations

import csv
import hashlib
import io
import shutil
import unicodedata

import openpyxl
import pandas as pd
import pytest
from support import copy_project, run_sosrap

from sosrap import params as P
from sosrap.demo import clientwork as D

HEAD = ["Lähde", "Tunniste", "Kenttä", "Teksti (seulottu)", "Havainnot", "Lainattavissa", "Syy", "Tiiviste",
        "Hyväksyjä", "Hyväksytty (kyllä/ei)"]
REVIEWER = "Tarkastaja Testi"


def _sha(text: str) -> str:
    return hashlib.sha256(" ".join(unicodedata.normalize("NFC", text).split()).encode("utf-8")).hexdigest()


@pytest.fixture
def edition(tmp_path):
    """A copied project whose demo edition reads real (not regenerated) exports in data/private/."""
    root = copy_project(tmp_path / "project")
    cw = P.load("demo", root).client_work
    D.ensure_inputs(cw, root)
    y = root / "params" / "demo.yaml"
    y.write_text(y.read_text(encoding="utf-8").replace("synthetic_demo: true", "synthetic_demo: false"),
                 encoding="utf-8")
    return root, cw


def _quotes(root, *args) -> str:
    proc = run_sosrap("quotes", "demo", *args, cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _sheet(path) -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEAD
    return pd.DataFrame([["" if v is None else str(v) for v in r] for r in rows[1:]], columns=HEAD)


def _small_groups(root, min_count: int) -> tuple[set[str], set[str]]:
    """Ids of reports and answers in a group below the threshold, from the validated data."""
    ing = root / "data" / "private" / "demo" / "ingested"
    ph = pd.read_parquet(ing / "phenomena.parquet")
    long = ph.assign(c=ph["categories"].str.split(";")).explode("c")
    small = set()
    for cols in (["c"], ["service_area"], ["year"], ["c", "service_area"]):
        src = long if "c" in cols else ph                          # reports per group, not category mentions
        n = src.groupby(cols)["id"].transform("size")
        small |= set(src.loc[n < min_count, "id"])
    sv = pd.read_parquet(ing / "survey.parquet")
    n = sv.groupby("respondent_group")["id"].transform("size")
    return small, set(sv.loc[n < min_count, "id"]) if len(sv) >= min_count else set(sv["id"])


def test_review_sheet_record_and_revocation(edition):
    root, cw = edition
    out = _quotes(root)
    sheet_path = root / "data" / "private" / "demo" / "lainaukset-tarkastettavaksi.xlsx"
    assert sheet_path.is_file() and str(sheet_path.relative_to(root)) in out
    s = _sheet(sheet_path)
    assert f"{len(s)} candidate quotes, {int((s['Lainattavissa'] == 'kyllä').sum())} quotable" in out

    # only consent-covered fields: the descriptions of reports with consent, the open answers of answers with it
    ing = root / "data" / "private" / "demo" / "ingested"
    ph, sv = pd.read_parquet(ing / "phenomena.parquet"), pd.read_parquet(ing / "survey.parquet")
    open_codes = [q.code for q in cw.open_questions]
    want = {("phenomena", i, "description") for i in ph.loc[ph["quote_ok"] & ph["description"].notna(), "id"]}
    want |= {("survey", r.id, q) for r in sv[sv["quote_ok"]].itertuples() for q in open_codes
             if pd.notna(getattr(r, q))}
    assert set(zip(s["Lähde"], s["Tunniste"], s["Kenttä"])) == want

    # screened, findings marked by kind (never the value), and not quotable
    text = " ".join(s["Teksti (seulottu)"])
    assert not [v for vs in D.planted().values() for v in vs if v in text]
    flagged = s[s["Havainnot"] != ""]
    assert len(flagged) >= 5 and set(flagged["Lainattavissa"]) == {"ei"}
    assert set(flagged["Syy"]) == {"sisältää tunnistetietoja"}
    assert "[henkilötunnus]" in text and "[puhelinnumero]" in text
    assert all(h == _sha(t) for h, t in zip(s["Tiiviste"], s["Teksti (seulottu)"]))

    # nothing quotable from a group below the threshold (computed here from the validated data)
    small_ph, small_sv = _small_groups(root, 5)
    small = s[((s["Lähde"] == "phenomena") & s["Tunniste"].isin(small_ph))
              | ((s["Lähde"] == "survey") & s["Tunniste"].isin(small_sv))]
    assert len(small) and set(small["Lainattavissa"]) == {"ei"}
    assert set(small.loc[small["Havainnot"] == "", "Syy"]) <= {"alle 5 tapauksen ryhmästä"}

    # the reviewer approves three quotable texts (editing one of them) and one that is not quotable
    wb = openpyxl.load_workbook(sheet_path)
    ws = wb.active
    ok = [r for r in ws.iter_rows(min_row=2) if r[5].value == "kyllä" and r[0].value == "phenomena"]
    bad = next(r for r in ws.iter_rows(min_row=2) if r[5].value == "ei")
    for r in [*ok[:3], bad]:
        r[8].value, r[9].value = REVIEWER, "kyllä"
    ok[2][3].value += " Lisätty lause."
    filled = root / "data" / "private" / "demo" / "tarkastettu.xlsx"
    wb.save(filled)
    out = _quotes(root, "--record", str(filled))
    assert "approved 2, revoked 0, refused 2" in out
    assert f"row {ok[2][0].row}: teksti on muuttunut tarkastuksen jälkeen" in out
    assert f"row {bad[0].row}: ei lainattavissa:" in out
    assert not [t for t in s["Teksti (seulottu)"] if t and t in out]              # no text on the terminal

    approvals = root / "data" / "private" / "demo" / "lainaushyvaksynnat.csv"
    rows = list(csv.DictReader(io.StringIO(approvals.read_text(encoding="utf-8"))))
    assert {(a["id"], a["sha256"], a["reviewer"]) for a in rows} == \
        {(r[1].value, _sha(r[3].value), REVIEWER) for r in ok[:2]}

    # a fresh sheet shows the approvals; a corrected export revokes the one whose text changed
    _quotes(root)
    s = _sheet(sheet_path)
    assert set(s.loc[s["Hyväksyjä"] == REVIEWER, "Tunniste"]) == {ok[0][1].value, ok[1][1].value}
    export = root / cw.phenomena_file
    lines = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8-sig")), delimiter=";"))
    i, d = lines[0].index("Tunniste"), lines[0].index("Kuvaus")
    [row] = [ln for ln in lines[1:] if ln[i] == ok[0][1].value]
    row[d] += " Korjattu vienti."
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(lines)
    export.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    _quotes(root)
    s = _sheet(sheet_path)
    assert set(s.loc[s["Hyväksyjä"] == REVIEWER, "Tunniste"]) == {ok[1][1].value}

    # "ei" revokes
    shutil.copy(sheet_path, filled)
    wb = openpyxl.load_workbook(filled)
    ws = wb.active
    [r] = [r for r in ws.iter_rows(min_row=2) if r[1].value == ok[1][1].value]
    r[9].value = "ei"
    wb.save(filled)
    assert "revoked 1" in _quotes(root, "--record", str(filled))
    assert len(list(csv.DictReader(io.StringIO(approvals.read_text(encoding="utf-8"))))) == 1  # the stale one


def test_no_quotes_from_a_survey_below_the_threshold(edition):
    root, cw = edition
    sv = root / cw.survey_file
    wb = openpyxl.load_workbook(sv)
    ws = wb.active
    ws.delete_rows(6, ws.max_row)                                  # four answers left
    consent = [c.value for c in ws[1]].index("Lainauslupa") + 1
    col = [c.value for c in ws[1]].index(cw.open_questions[0].column or cw.open_questions[0].text) + 1
    for n in range(2, 6):
        ws.cell(row=n, column=consent, value="kyllä")
        ws.cell(row=n, column=col, value="Palvelut toimivat hyvin, mutta jonotusajat ovat liian pitkiä.")
    wb.save(sv)
    _quotes(root)
    s = _sheet(root / "data" / "private" / "demo" / "lainaukset-tarkastettavaksi.xlsx")
    survey = s[s["Lähde"] == "survey"]
    assert len(survey) >= 4 and set(survey["Lainattavissa"]) == {"ei"}
    assert set(survey["Syy"]) == {"alle 5 tapauksen ryhmästä"}


def test_record_errors_are_one_clear_message_without_contents(edition, tmp_path):
    root, cw = edition
    for sheet, msg in ((tmp_path / "puuttuu.xlsx", "puuttuu.xlsx: file not found"),
                       (root / cw.phenomena_file, "ilmioraportit.csv: not an XLSX workbook"),
                       (root / cw.survey_file, "asukaskysely.xlsx: not a review sheet of `sosrap quotes`")):
        proc = run_sosrap("quotes", "demo", "--record", str(sheet), cwd=root)
        assert proc.returncode == 1 and msg in proc.stderr, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
        assert not [v for vs in D.planted().values() for v in vs if v in proc.stdout + proc.stderr]
    assert not (root / "data" / "private" / "demo" / "lainaushyvaksynnat.csv").exists()


def test_a_synthetic_edition_does_not_record_approvals(tmp_path):
    root = copy_project(tmp_path / "project")
    proc = run_sosrap("quotes", "demo", "--record", str(tmp_path / "x.xlsx"), cwd=root)
    assert proc.returncode == 1 and "is synthetic (client_work.synthetic_demo: true)" in proc.stderr
