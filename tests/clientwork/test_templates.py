"""Templates (sosrap.clientwork.templates): Finnish headings, instructions and
code lists, and a filled template that ingests."""
from __future__ import annotations

import openpyxl

from sosrap import clientwork as C


def test_template_has_finnish_headings_and_round_trips(tmp_path, client_work):
    paths = C.write_template("phenomena", tmp_path, client_work)
    xlsx, csvp = paths
    heads = [c.value for c in openpyxl.load_workbook(xlsx).active[1]]
    assert heads == [f.heading for f in C.PHENOMENON_FIELDS]
    assert csvp.read_bytes().startswith(b"\xef\xbb\xbfTunniste;P\xc3\xa4iv\xc3\xa4m\xc3\xa4\xc3\xa4r\xc3\xa4;")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb.active
    ws.append(["B1", "1.2.2025", "nuoret", "", "asuminen", "", "", "kuvaus", "", "", "", "ei"])
    wb.save(xlsx)
    assert C.ingest_phenomena(xlsx, client_work).rows_valid == 1
    assert {"Ohje", "Koodistot"} <= set(wb.sheetnames)
    s = C.write_template("survey", tmp_path, client_work)
    assert [c.value for c in openpyxl.load_workbook(s[0]).active[1]][-2:] == ["Mitä pitäisi kehittää?", "Lainauslupa"]
