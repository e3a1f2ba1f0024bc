"""Ingestion of phenomenon reports and survey exports (sosrap.clientwork) and
the demo generator; the CLI's `ingest` and `template` are tested in
tests/cli/test_clientwork.py. Files are generated in tmp_path: private-looking
fixtures never need to be committed."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sosrap import clientwork as C
from sosrap.demo import clientwork as D
from sosrap import params as _params
from sosrap.params import ClientWork

CW = ClientWork.model_validate({
    "categories": [{"code": "asuminen", "label": "Asuminen"}, {"code": "toimeentulo", "label": "Toimeentulo"},
                   {"code": "yksinaisyys", "label": "Yksinäisyys ja osallisuus"}],
    "service_areas": [{"code": "aikuiset", "label": "Aikuissosiaalityö"}, {"code": "nuoret", "label": "Nuorten palvelut"}],
    "likert_items": [{"code": "tieto", "text": "Tiedän mistä saan apua"}, {"code": "kohtelu", "text": "Kohtelu oli hyvää"}],
    "open_questions": [{"code": "avoin", "text": "Mitä pitäisi kehittää?"}],
    "screen_names": ["Meikäläinen"],
})
HEAD = ["Tunniste", "Päivämäärä", "Palvelualue", "Kunta", "Ilmiöluokka", "Kuvaus", "Arvio asiakasmäärästä",
        "Toimenpide-ehdotus", "Lainauslupa"]
ROWS = [
    ["A1", "5.3.2024", "Aikuissosiaalityö", "Oulu", "asuminen; Toimeentulo", "Häätöjä, ääkköset öö", "12,0",
     "Lisää asuntoja", "kyllä"],
    ["A2", "2024-03-06", "nuoret", "", "Yksinäisyys ja osallisuus", "Nuoret yksin", "1 200", "", "ei"],
    ["A3", "31.12.2023", "aikuiset", "Raahe", "toimeentulo", "Velkaa", "", "", ""],
]


def write_csv(path: Path, head, rows, *, encoding="utf-8", delimiter=";", bom=False) -> Path:
    def q(v: str) -> str:
        return f'"{v}"' if (delimiter in v or '"' in v or "\n" in v) else v
    text = "\r\n".join(delimiter.join(q(str(v)) for v in r) for r in [head, *rows]) + "\r\n"
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path: Path, head, rows) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(head)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


# --- encodings, delimiters, formats -----------------------------------------

@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1252", False)])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_each_encoding_and_delimiter(tmp_path, encoding, bom, delimiter):
    f = write_csv(tmp_path / "x.csv", HEAD, ROWS, encoding=encoding, delimiter=delimiter, bom=bom)
    res = C.ingest_phenomena(f, CW)
    assert res.rows_valid == 3 and res.rejects.empty
    d = res.data.set_index("id")
    assert d.loc["A1", "description"] == "Häätöjä, ääkköset öö"
    assert d.loc["A1", "categories"] == "asuminen;toimeentulo" and d.loc["A1", "category"] == "asuminen"
    assert d.loc["A1", "clients_affected"] == 12             # decimal comma
    assert d.loc["A2", "clients_affected"] == 1200           # space as thousands separator
    assert d.loc["A1", "date"] == pd.Timestamp(2024, 3, 5)  # Finnish date
    assert d.loc["A2", "service_area"] == "nuoret" and d.loc["A3", "year"] == 2023
    assert d["quote_ok"].tolist() == [True, False, False]   # empty = not approved
    assert res.encoding == ("utf-8-sig" if bom else encoding)


def test_xlsx_with_native_types(tmp_path):
    rows = [[r[0], dt.datetime(2024, 3, 5), *r[2:6], 12, *r[7:]] for r in ROWS]
    f = write_xlsx(tmp_path / "x.xlsx", HEAD, rows)
    res = C.ingest_phenomena(f, CW)
    assert res.rows_valid == 3 and res.data["clients_affected"].tolist() == [12, 12, 12]


def test_undecodable_bytes_fail_clearly(tmp_path):
    f = tmp_path / "x.csv"
    f.write_bytes(";".join(HEAD).encode() + b"\r\nA1;\x81\x8d\x90\r\n")
    with pytest.raises(C.IngestError, match="encoding"):
        C.ingest_phenomena(f, CW)


# --- columns -------------------------------------------------------------------

def test_missing_required_column_fails_naming_it(tmp_path):
    head = [h for h in HEAD if h != "Kuvaus"]
    rows = [[v for h, v in zip(HEAD, r) if h != "Kuvaus"] for r in ROWS]
    with pytest.raises(C.IngestError, match="required column.*'Kuvaus'"):
        C.ingest_phenomena(write_csv(tmp_path / "x.csv", head, rows), CW)


def test_extra_columns_are_ignored_and_reported(tmp_path):
    head = HEAD + ["Vastaajan sähköposti", "Selain"]
    rows = [r + ["x@example.com", "Firefox"] for r in ROWS]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", head, rows), CW)
    assert res.ignored_columns == ["Vastaajan sähköposti", "Selain"]
    assert "x@example.com" not in res.data.to_csv()
    assert "Selain" in res.summary()


def test_column_mapping_from_params(tmp_path):
    cw = CW.model_copy(update={"phenomena_columns": {"description": "Kuvaile ilmiö", "id": "ID-numero"}})
    head = ["ID-numero" if h == "Tunniste" else "Kuvaile ilmiö" if h == "Kuvaus" else h for h in HEAD]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", head, ROWS), cw)
    assert res.rows_valid == 3
    bad = CW.model_copy(update={"phenomena_columns": {"kuvaus": "X"}})
    with pytest.raises(C.IngestError, match="unknown field"):
        C.ingest_phenomena(write_csv(tmp_path / "y.csv", HEAD, ROWS), bad)


def test_english_headings_accepted(tmp_path):
    spec = {f.heading: f.heading_en for f in C.PHENOMENON_FIELDS}
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", [spec[h] for h in HEAD], ROWS), CW)
    assert res.rows_valid == 3


def test_duplicate_headings_fail(tmp_path):
    with pytest.raises(C.IngestError, match="twice"):
        C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD + ["Kuvaus"], [r + ["x"] for r in ROWS]), CW)


# --- rows ----------------------------------------------------------------------

@pytest.mark.parametrize("date,reason", [("31.2.2024", "impossible date"), ("2024-13-01", "impossible date"),
                                         ("30.2.2023", "impossible date"), ("1.2.24", "four digits"),
                                         ("huomenna", "not a date"), ("1.1.1899", "outside")])
def test_impossible_dates_are_rejected_with_row_field_value_reason(tmp_path, date, reason):
    rows = [ROWS[0], [ROWS[1][0], date, *ROWS[1][2:]], ROWS[2]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD, rows), CW)
    assert res.rows_valid == 2
    r = res.rejects.iloc[0]
    assert (r["row"], r["field"], r["value"]) == (3, "Päivämäärä", date)
    assert reason in r["reason"]


def test_duplicate_ids_keep_first_and_reject_later(tmp_path):
    rows = ROWS + [["A1", "1.1.2024", "nuoret", "", "asuminen", "toinen", "", "", ""]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD, rows), CW)
    assert res.rows_valid == 3 and res.rows_rejected == 1
    assert res.rejects.iloc[0]["row"] == 5 and "first on row 2" in res.rejects.iloc[0]["reason"]


def test_an_id_belongs_to_its_first_row_even_when_that_row_is_rejected(tmp_path):
    rows = [[ROWS[0][0], "31.2.2024", *ROWS[0][2:]], *ROWS[1:], [ROWS[0][0], *ROWS[0][1:]]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD, rows), CW)
    assert res.rows_valid == 2 and res.rows_rejected == 2
    assert "first on row 2" in res.rejects.set_index("row").loc[5, "reason"]


def test_every_problem_of_a_row_is_listed_nothing_silently_dropped(tmp_path):
    rows = ROWS + [["A4", "32.1.2024", "tuntematon", "", "", "", "-3", "", "ehkä"], ["", "", "", "", "", "", "", "", ""]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD, rows), CW)
    fields = set(res.rejects["field"])
    assert {"Päivämäärä", "Palvelualue", "Ilmiöluokka", "Kuvaus", "Arvio asiakasmäärästä", "Lainauslupa"} <= fields
    assert res.blank_rows == 1
    assert res.rows_valid + res.rows_rejected + res.blank_rows == 5
    assert "blank rows skipped: 1" in res.summary()


def test_unknown_code_and_municipality_list(tmp_path):
    cw = CW.model_copy(update={"municipalities": ["Oulu"]})
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD, ROWS), cw)
    assert res.rows_valid == 2                      # A2 has no municipality: allowed
    assert res.rejects.iloc[0]["reason"] == "not one of client_work.municipalities"


def test_id_that_is_personal_data_is_rejected(tmp_path):
    rows = [["100190-123E", *ROWS[0][1:]], *ROWS[1:]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD, rows), CW)
    assert "personal data" in res.rejects.iloc[0]["reason"]


def test_multiline_quoted_field(tmp_path):
    rows = [[*ROWS[0][:5], "rivi yksi\nrivi kaksi; puolipiste", *ROWS[0][6:]], ROWS[1]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD, rows), CW)
    assert res.rows_valid == 2 and "rivi kaksi; puolipiste" in res.data.loc[0, "description"]


# --- unusable files -----------------------------------------------------------

def test_empty_file(tmp_path):
    (tmp_path / "x.csv").write_bytes(b"")
    with pytest.raises(C.IngestError, match="empty"):
        C.ingest_phenomena(tmp_path / "x.csv", CW)
    (tmp_path / "y.csv").write_bytes(b"\xef\xbb\xbf\r\n  \r\n")
    with pytest.raises(C.IngestError, match="empty"):
        C.ingest_phenomena(tmp_path / "y.csv", CW)


def test_headings_only(tmp_path):
    with pytest.raises(C.IngestError, match="no data rows"):
        C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD, []), CW)


def test_no_usable_rows_names_the_problems(tmp_path):
    rows = [[r[0], "31.2.2024", *r[2:]] for r in ROWS]
    with pytest.raises(C.IngestError, match=r"no usable rows.*Päivämäärä: impossible date \(no such day\) \(3×\)"):
        C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD, rows), CW)


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04garbage", None])
def test_malformed_xlsx(tmp_path, content):
    f = tmp_path / "x.xlsx"
    if content is None:  # a valid zip that is not a workbook
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "hi")
        content = buf.getvalue()
    f.write_bytes(content)
    with pytest.raises(C.IngestError, match="XLSX"):
        C.ingest_phenomena(f, CW)


def test_unknown_suffix_and_missing_file(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(C.IngestError, match="unknown file type"):
        C.ingest_phenomena(tmp_path / "x.json", CW)
    with pytest.raises(C.IngestError, match="not found"):
        C.ingest_phenomena(tmp_path / "nope.csv", CW)


# --- survey ------------------------------------------------------------------------

SHEAD = ["Vastaustunniste", "Vastauspäivä", "Vastaajaryhmä", "Tiedän mistä saan apua", "Kohtelu oli hyvää",
         "Mitä pitäisi kehittää?", "Lainauslupa"]


def test_survey_likert_labels_numbers_dont_know(tmp_path):
    rows = [["K1", "1.3.2025", "asukas", "4", "Täysin samaa mieltä", "Enemmän aikoja", "kyllä"],
            ["K2", "2.3.2025", "Asiakas", "En osaa sanoa", "2,0", "", "ei"],
            ["K3", "", "asukas", "6", "3", "", ""],
            ["K4", "", "omainen", "jotain", "", "", ""]]
    res = C.ingest_survey(write_csv(tmp_path / "s.csv", SHEAD, rows), CW)
    d = res.data.set_index("id")
    assert d.loc["K1", "tieto"] == 4 and d.loc["K1", "kohtelu"] == 5
    assert pd.isna(d.loc["K2", "tieto"]) and d.loc["K2", "kohtelu"] == 2
    assert sorted(res.rejects["row"]) == [4, 5]
    assert "scale" in res.rejects.iloc[0]["reason"]


def test_survey_summaries_have_n_and_hide_small():
    df = pd.DataFrame({"respondent_group": ["asukas"] * 8 + ["omainen"] * 2,
                       "tieto": pd.array([5, 4, 4, 2, 1, 5, 4, 3, 5, 5], dtype="Int64"),
                       "kohtelu": pd.array([None] * 10, dtype="Int64")})
    s = C.likert_summary(df, CW)
    row = s.set_index("item").loc["tieto"]
    assert row["n"] == 10 and row["agree_pct"] == pytest.approx(70.0) and row["mean"] == pytest.approx(3.8)
    assert s.set_index("item").loc["kohtelu", "n"] == 0
    g = C.likert_summary(df, CW, by="respondent_group").set_index(["respondent_group", "item"])
    assert g.loc[("omainen", "tieto"), "n"] == 2 and pd.isna(g.loc[("omainen", "tieto"), "mean"])
    dist = C.likert_distribution(df, CW)
    assert dist.loc["Tiedän mistä saan apua"].sum() == 10 and list(dist.columns)[0] == "Täysin eri mieltä"


def test_survey_needs_questions(tmp_path):
    cw = CW.model_copy(update={"likert_items": [], "open_questions": []})
    with pytest.raises(C.IngestError, match="likert_items"):
        C.ingest_survey(tmp_path / "s.csv", cw)


# --- summaries ------------------------------------------------------------------------

def test_crosstab_and_cooccurrence(tmp_path):
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", HEAD, ROWS), CW)
    t = C.crosstab(res.data, "categories", "service_area", row_codes=CW.categories, col_codes=CW.service_areas,
                   explode=["categories"])
    assert t.shape == (3, 2) and t.loc["Toimeentulo", "Aikuissosiaalityö"] == 2
    co = C.cooccurrence(res.data, CW)
    assert co.iloc[0].tolist() == ["Asuminen", "Toimeentulo", 1]
    long = C.phenomena_counts(res.data, CW)
    assert long["n"].sum() == 4


# --- templates -------------------------------------------------------------------------

def test_template_has_finnish_headings_and_round_trips(tmp_path):
    paths = C.write_template("phenomena", tmp_path, CW)
    xlsx, csvp = paths
    heads = [c.value for c in openpyxl.load_workbook(xlsx).active[1]]
    assert heads == [f.heading for f in C.PHENOMENON_FIELDS]
    assert csvp.read_bytes().startswith(b"\xef\xbb\xbfTunniste;P\xc3\xa4iv\xc3\xa4m\xc3\xa4\xc3\xa4r\xc3\xa4;")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb.active
    ws.append(["B1", "1.2.2025", "nuoret", "", "asuminen", "", "", "kuvaus", "", "", "", "ei"])
    wb.save(xlsx)
    assert C.ingest_phenomena(xlsx, CW).rows_valid == 1
    assert {"Ohje", "Koodistot"} <= set(wb.sheetnames)
    s = C.write_template("survey", tmp_path, CW)
    assert [c.value for c in openpyxl.load_workbook(s[0]).active[1]][-2:] == ["Mitä pitäisi kehittää?", "Lainauslupa"]


# --- params --------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["data/demo.csv", "/tmp/x.csv", "data/private/../x.csv", "private/x.csv"])
def test_inputs_must_be_under_data_private(path):
    with pytest.raises(Exception, match="data/private"):
        ClientWork.model_validate({**CW.model_dump(), "phenomena_file": path})


def test_demo_params_have_client_work():
    p = _params.load("demo")
    assert p.client_work is not None and p.client_work.synthetic_demo
    assert p.privacy.min_count == 5


# --- demo generator -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory):
    cw = _params.load("demo").client_work
    return D.generate(tmp_path_factory.mktemp("demo"), cw), cw


def test_demo_is_deterministic(demo_inputs, tmp_path):
    (inp, cw) = demo_inputs
    again = D.generate(tmp_path, cw)
    assert again.phenomena.read_bytes() == inp.phenomena.read_bytes()
    assert again.survey.read_bytes() == inp.survey.read_bytes()


def test_demo_inputs_contain_planted_identifiers_and_small_cells(demo_inputs):
    inp, cw = demo_inputs
    text = inp.phenomena.read_bytes().decode("utf-8-sig")
    flat = " ".join(text.split())
    survey_text = " ".join(str(c) for row in openpyxl.load_workbook(inp.survey).active.iter_rows(values_only=True)
                           for c in row if c is not None)
    everything = flat + " " + survey_text + " " + text.replace("\n", "")
    for kind, values in D.planted().items():
        for v in values:
            assert v in everything, (kind, v)
    res = C.ingest_phenomena(inp.phenomena, cw)
    assert 250 <= res.rows_valid <= 400 and res.rows_rejected == 4
    assert res.screening.hits["identity_code"] == len(D.PLANTED_CODES)
    t = C.crosstab(res.data, "categories", "service_area", explode=["categories"])
    assert ((t > 0) & (t < 5)).to_numpy().any()           # small cells exist
    sv = C.ingest_survey(inp.survey, cw)
    assert (sv.data["respondent_group"] == "omainen").sum() == 3


def test_ensure_inputs_writes_missing_files(tmp_path):
    cw = _params.load("demo").client_work
    got = D.ensure_inputs(cw, tmp_path)
    assert got.phenomena == tmp_path / cw.phenomena_file and got.phenomena.is_file() and got.survey.is_file()
    mtime = got.phenomena.stat().st_mtime_ns
    D.ensure_inputs(cw, tmp_path)
    assert got.phenomena.stat().st_mtime_ns == mtime    # unchanged file is left alone
    # clients' names to screen live in the private area, not in (committed) params
    assert cw.screen_names == [] and cw.screen_names_file.startswith("data/private/")
    full = C.with_private_names(cw, tmp_path)
    assert full.screen_names == D.PLANTED_NAMES
    res = C.ingest_phenomena(got.phenomena, full)
    assert res.screening.hits["name"] == len(D.PLANTED_NAMES)


def test_missing_names_file_fails_clearly(tmp_path):
    cw = CW.model_copy(update={"screen_names_file": "data/private/x/nimet.txt"})
    with pytest.raises(C.IngestError, match="does not exist"):
        C.with_private_names(cw, tmp_path)


def test_a_share_from_a_small_count_is_hidden_everywhere_it_is_read():
    """'0,7 % agreed' of 420 answers says three people did: likert_summary, which
    the table, the figure and the key figures all read, hides it."""
    df = pd.DataFrame({"tieto": pd.array([5] * 3 + [3] * 417, dtype="Int64"),
                       "kohtelu": pd.array([1] * 2 + [5] * 418, dtype="Int64")})
    s = C.likert_summary(df, CW).set_index("item")
    assert s.loc["tieto", "n"] == 420 and pd.isna(s.loc["tieto", "agree_pct"])
    assert s.loc["tieto", "disagree_pct"] == 0.0                  # zero is no one: shown
    assert pd.isna(s.loc["kohtelu", "disagree_pct"]) and s.loc["kohtelu", "agree_pct"] > 99


def test_excel_serial_dates_obey_the_same_year_range():
    assert C.parse_date(45723) == dt.date(2025, 3, 7)
    with pytest.raises(ValueError, match="2000–2099"):
        C.parse_date(20000)                                   # 1954
