"""Reading exports (sosrap.clientwork.read): encodings, delimiters, XLSX cell
types, quoted line breaks and files that cannot be read at all."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest

from sosrap import clientwork as C


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1252", False)])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_each_encoding_and_delimiter(tmp_path, encoding, bom, delimiter, client_work, ph_head, ph_rows, write_csv):
    f = write_csv(tmp_path / "x.csv", ph_head, ph_rows, encoding=encoding, delimiter=delimiter, bom=bom)
    res = C.ingest_phenomena(f, client_work)
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


def test_xlsx_with_native_types(tmp_path, client_work, ph_head, ph_rows, write_xlsx):
    rows = [[r[0], dt.datetime(2024, 3, 5), *r[2:6], 12, *r[7:]] for r in ph_rows]
    f = write_xlsx(tmp_path / "x.xlsx", ph_head, rows)
    res = C.ingest_phenomena(f, client_work)
    assert res.rows_valid == 3 and res.data["clients_affected"].tolist() == [12, 12, 12]


def test_undecodable_bytes_fail_clearly(tmp_path, client_work, ph_head):
    f = tmp_path / "x.csv"
    f.write_bytes(";".join(ph_head).encode() + b"\r\nA1;\x81\x8d\x90\r\n")
    with pytest.raises(C.IngestError, match="encoding"):
        C.ingest_phenomena(f, client_work)


def test_multiline_quoted_field(tmp_path, client_work, ph_head, ph_rows, write_csv):
    rows = [[*ph_rows[0][:5], "rivi yksi\nrivi kaksi; puolipiste", *ph_rows[0][6:]], ph_rows[1]]
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head, rows), client_work)
    assert res.rows_valid == 2 and "rivi kaksi; puolipiste" in res.data.loc[0, "description"]


def test_empty_file(tmp_path, client_work):
    (tmp_path / "x.csv").write_bytes(b"")
    with pytest.raises(C.IngestError, match="empty"):
        C.ingest_phenomena(tmp_path / "x.csv", client_work)
    (tmp_path / "y.csv").write_bytes(b"\xef\xbb\xbf\r\n  \r\n")
    with pytest.raises(C.IngestError, match="empty"):
        C.ingest_phenomena(tmp_path / "y.csv", client_work)


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04garbage", None])
def test_malformed_xlsx(tmp_path, content, client_work):
    f = tmp_path / "x.xlsx"
    if content is None:  # a valid zip that is not a workbook
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "hi")
        content = buf.getvalue()
    f.write_bytes(content)
    with pytest.raises(C.IngestError, match="XLSX"):
        C.ingest_phenomena(f, client_work)


def test_unknown_suffix_and_missing_file(tmp_path, client_work):
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(C.IngestError, match="unknown file type"):
        C.ingest_phenomena(tmp_path / "x.json", client_work)
    with pytest.raises(C.IngestError, match="not found"):
        C.ingest_phenomena(tmp_path / "nope.csv", client_work)


def test_input_hashes_follow_the_private_files(tmp_path, client_work):
    cw = client_work.model_copy(update={"phenomena_file": "data/private/e/ilmiot.csv",
                                        "survey_file": "data/private/e/kysely.csv"})
    f = tmp_path / "data/private/e/ilmiot.csv"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"Tunniste\r\nA1\r\n")
    first = C.input_hashes(cw, tmp_path)
    assert first["private:data/private/e/kysely.csv"] == "missing"
    assert first["private:data/private/e/ilmiot.csv"].startswith("hmac-sha256:")   # keyed: no guessing
    f.write_bytes(b"Tunniste\r\nA2\r\n")
    assert C.input_hashes(cw.model_dump(), tmp_path)["private:data/private/e/ilmiot.csv"] != \
        first["private:data/private/e/ilmiot.csv"]
    demo = cw.model_copy(update={"synthetic_demo": True})
    assert set(C.input_hashes(demo, tmp_path).values()) == {"synthetic-demo"}
    assert C.input_hashes(None, tmp_path) == {}
