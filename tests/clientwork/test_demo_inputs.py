"""The demo edition's synthetic client-work exports (sosrap.demo.clientwork):
deterministic, with planted identifiers and small cells the privacy gate must stop."""
from __future__ import annotations

import openpyxl

from sosrap import clientwork as C
from sosrap import params as _params
from sosrap.demo import clientwork as D


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
