"""Validation (sosrap.clientwork.validate): column mapping, every rejected
value listed with row, field, value and reason, survey exports, and the
private names list."""
from __future__ import annotations

import pandas as pd
import pytest

from sosrap import clientwork as C

SURVEY_HEAD = ["Vastaustunniste", "Vastauspäivä", "Vastaajaryhmä", "Tiedän mistä saan apua", "Kohtelu oli hyvää",
               "Mitä pitäisi kehittää?", "Lainauslupa"]


def test_missing_required_column_fails_naming_it(tmp_path, client_work, ph_head, ph_rows, write_csv):
    head = [h for h in ph_head if h != "Kuvaus"]
    rows = [[v for h, v in zip(ph_head, r) if h != "Kuvaus"] for r in ph_rows]
    with pytest.raises(C.IngestError, match="required column.*'Kuvaus'"):
        C.ingest_phenomena(write_csv(tmp_path / "x.csv", head, rows), client_work)


def test_extra_columns_are_ignored_and_reported(tmp_path, client_work, ph_head, ph_rows, write_csv):
    head = ph_head + ["Vastaajan sähköposti", "Selain"]
    rows = [r + ["x@example.com", "Firefox"] for r in ph_rows]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", head, rows), client_work)
    assert res.ignored_columns == [f"column {len(ph_head) + 1}", f"column {len(ph_head) + 2}"]
    assert "x@example.com" not in res.data.to_csv()
    assert "column" in res.summary() and "Selain" not in res.summary()   # headings may hold client data


def test_column_mapping_from_params(tmp_path, client_work, ph_head, ph_rows, write_csv):
    cw = client_work.model_copy(update={"phenomena_columns": {"description": "Kuvaile ilmiö", "id": "ID-numero"}})
    head = ["ID-numero" if h == "Tunniste" else "Kuvaile ilmiö" if h == "Kuvaus" else h for h in ph_head]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", head, ph_rows), cw)
    assert res.rows_valid == 3
    bad = client_work.model_copy(update={"phenomena_columns": {"kuvaus": "X"}})
    with pytest.raises(C.IngestError, match="unknown field"):
        C.ingest_phenomena(write_csv(tmp_path / "y.csv", ph_head, ph_rows), bad)


def test_english_headings_accepted(tmp_path, client_work, ph_head, ph_rows, write_csv):
    spec = {f.heading: f.heading_en for f in C.PHENOMENON_FIELDS}
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", [spec[h] for h in ph_head], ph_rows), client_work)
    assert res.rows_valid == 3


def test_duplicate_headings_fail(tmp_path, client_work, ph_head, ph_rows, write_csv):
    with pytest.raises(C.IngestError, match="twice"):
        C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head + ["Kuvaus"], [r + ["x"] for r in ph_rows]),
                           client_work)


@pytest.mark.parametrize("date,reason", [("31.2.2024", "impossible date"), ("2024-13-01", "impossible date"),
                                         ("30.2.2023", "impossible date"), ("1.2.24", "four digits"),
                                         ("huomenna", "not a date"), ("1.1.1899", "outside")])
def test_impossible_dates_are_rejected_with_row_field_value_reason(tmp_path, date, reason, client_work, ph_head,
                                                                    ph_rows, write_csv):
    rows = [ph_rows[0], [ph_rows[1][0], date, *ph_rows[1][2:]], ph_rows[2]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head, rows), client_work)
    assert res.rows_valid == 2
    r = res.rejects.iloc[0]
    assert (r["row"], r["field"], r["value"]) == (3, "Päivämäärä", date)
    assert reason in r["reason"]


def test_duplicate_ids_keep_first_and_reject_later(tmp_path, client_work, ph_head, ph_rows, write_csv):
    rows = ph_rows + [["A1", "1.1.2024", "nuoret", "", "asuminen", "toinen", "", "", ""]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head, rows), client_work)
    assert res.rows_valid == 3 and res.rows_rejected == 1
    assert res.rejects.iloc[0]["row"] == 5 and "first on row 2" in res.rejects.iloc[0]["reason"]


def test_an_id_belongs_to_its_first_row_even_when_that_row_is_rejected(tmp_path, client_work, ph_head, ph_rows,
                                                                        write_csv):
    rows = [[ph_rows[0][0], "31.2.2024", *ph_rows[0][2:]], *ph_rows[1:], [ph_rows[0][0], *ph_rows[0][1:]]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head, rows), client_work)
    assert res.rows_valid == 2 and res.rows_rejected == 2
    assert "first on row 2" in res.rejects.set_index("row").loc[5, "reason"]


def test_every_problem_of_a_row_is_listed_nothing_silently_dropped(tmp_path, client_work, ph_head, ph_rows, write_csv):
    rows = ph_rows + [["A4", "32.1.2024", "tuntematon", "", "", "", "-3", "", "ehkä"], ["", "", "", "", "", "", "", "", ""]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head, rows), client_work)
    fields = set(res.rejects["field"])
    assert {"Päivämäärä", "Palvelualue", "Ilmiöluokka", "Kuvaus", "Arvio asiakasmäärästä", "Lainauslupa"} <= fields
    assert res.blank_rows == 1
    assert res.rows_valid + res.rows_rejected + res.blank_rows == 5
    assert "blank rows skipped: 1" in res.summary()


def test_unknown_code_and_municipality_list(tmp_path, client_work, ph_head, ph_rows, write_csv):
    cw = client_work.model_copy(update={"municipalities": ["Oulu"]})
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head, ph_rows), cw)
    assert res.rows_valid == 2                      # A2 has no municipality: allowed
    assert res.rejects.iloc[0]["reason"] == "not one of client_work.municipalities"


def test_id_that_is_personal_data_is_rejected(tmp_path, client_work, ph_head, ph_rows, write_csv):
    rows = [["100190-123E", *ph_rows[0][1:]], *ph_rows[1:]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head, rows), client_work)
    assert "personal data" in res.rejects.iloc[0]["reason"]


def test_headings_only(tmp_path, client_work, ph_head, write_csv):
    with pytest.raises(C.IngestError, match="no data rows"):
        C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head, []), client_work)


def test_no_usable_rows_names_the_problems(tmp_path, client_work, ph_head, ph_rows, write_csv):
    rows = [[r[0], "31.2.2024", *r[2:]] for r in ph_rows]
    with pytest.raises(C.IngestError, match=r"no usable rows.*Päivämäärä: impossible date \(no such day\) \(3×\)"):
        C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head, rows), client_work)


def test_survey_likert_labels_numbers_dont_know(tmp_path, client_work, write_csv):
    rows = [["K1", "1.3.2025", "asukas", "4", "Täysin samaa mieltä", "Enemmän aikoja", "kyllä"],
            ["K2", "2.3.2025", "Asiakas", "En osaa sanoa", "2,0", "", "ei"],
            ["K3", "", "asukas", "6", "3", "", ""],
            ["K4", "", "omainen", "jotain", "", "", ""]]
    res = C.ingest_survey(write_csv(tmp_path / "s.csv", SURVEY_HEAD, rows), client_work)
    d = res.data.set_index("id")
    assert d.loc["K1", "tieto"] == 4 and d.loc["K1", "kohtelu"] == 5
    assert pd.isna(d.loc["K2", "tieto"]) and d.loc["K2", "kohtelu"] == 2
    assert sorted(res.rejects["row"]) == [4, 5]
    assert "scale" in res.rejects.iloc[0]["reason"]


def test_survey_needs_questions(tmp_path, client_work):
    cw = client_work.model_copy(update={"likert_items": [], "open_questions": []})
    with pytest.raises(C.IngestError, match="likert_items"):
        C.ingest_survey(tmp_path / "s.csv", cw)


def test_missing_names_file_fails_clearly(tmp_path, client_work):
    cw = client_work.model_copy(update={"screen_names_file": "data/private/x/nimet.txt"})
    with pytest.raises(C.IngestError, match="does not exist"):
        C.with_private_names(cw, tmp_path)
