"""The client-work stage (sosrap.clientwork.publish): what the notebook calls,
run on the demo edition's synthetic exports. Published tables show no small
count, the protected-table register, disclosure log and key figures are written
to the run directory, and quotes are approved, screened and stable."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from sosrap import clientwork as C
from sosrap import privacy
from sosrap.demo import clientwork as D
from sosrap.stage import ParamsView, StageContext


def test_stage_data_reads_both_exports_and_keeps_rejects_private(demo_stage):
    sd, root = demo_stage
    assert (sd.phenomena.rows_valid, sd.phenomena.rows_rejected) == (316, 4)
    assert sd.survey is not None and sd.survey.rows_valid == 419
    assert sd.min_count == 5 and sd.synthetic
    out = C.private_out_dir("demo", root)
    assert (out / "phenomena.rejects.csv").is_file() and (out / "survey.parquet").is_file()
    assert sd.cw.screen_names == D.PLANTED_NAMES          # read from the private names file


def test_stage_data_names_a_missing_export(tmp_path, client_work):
    cw = {**client_work.model_dump(), "phenomena_file": "data/private/x/ilmiot.csv",
          "survey_file": "data/private/x/kysely.xlsx"}
    with pytest.raises(C.IngestError, match="ilmiot.csv: file not found"):
        C.stage_data(cw, None, root=tmp_path, edition="x")
    with pytest.raises(C.IngestError, match="survey_file is not set"):
        C.stage_data({**cw, "survey_file": None}, None, root=tmp_path, edition="x")


def _cells(df: pd.DataFrame) -> list[str]:
    return [str(v) for v in df.drop(columns=df.columns[0]).to_numpy().ravel()]


def test_published_tables_show_no_small_count_and_are_saved(demo_stage, tmp_path):
    sd, root = demo_stage
    pub = C.publish_tables(sd)
    assert set(pub.tables) == {"category_area", "category_year", "actions", "survey_groups", "survey_items"}
    assert pub.tables["category_area"].hidden.to_numpy().any()          # the demo has small cells
    assert pub.plan.exposures() == []                                   # proved across all tables and texts
    ca, cy = pub.tables["category_area"], pub.tables["category_year"]   # shared row totals: hidden together
    assert (ca.hidden[privacy.TOTAL_LABEL] == cy.hidden[privacy.TOTAL_LABEL]).all()
    for name, st in pub.tables.items():
        assert not privacy.determined_cells(st), name
        for v in _cells(C.shown(st, "rivi")):
            assert v == sd.marker or v == "0" or int(v.replace("\u00a0", "")) >= sd.min_count, (name, v)
    assert list(pub.survey_groups.columns[:2]) == ["Vastaajaryhmä", "Vastaajia"]
    ctx = StageContext(name="client_work", edition="demo", params=ParamsView({}, "client_work"), run_dir=tmp_path,
                       inputs={}, root=root)
    log = C.save_published(ctx, sd, pub, ["tbl-a", "tbl-b"])
    for name in pub.tables:
        assert (tmp_path / f"published_{name}.parquet").is_file() and (tmp_path / f"published_{name}.csv").is_file()
    registered = json.loads((tmp_path / privacy.PROTECTED_FILE).read_text(encoding="utf-8"))
    assert [t["id"] for t in registered] == ["tbl-a", "tbl-b"] and registered[0]["min_count"] == sd.min_count
    assert json.loads((tmp_path / C.DISCLOSURE_LOG).read_text(encoding="utf-8")) == json.loads(json.dumps(log))
    assert set(log["tables"]) == set(pub.tables) and log["rejected_rows"] == {"phenomena": 4, "survey": 1}
    kf = json.loads((tmp_path / "keyfigures.json").read_text(encoding="utf-8"))["clientwork"]
    assert kf["reports"] == "316" and kf["rejected_rows"] == "4" and kf["survey_n"] == "419"
    assert kf["top_category"] and kf["marker"] == sd.marker
    assert kf["first_date"] == "tammikuu 2023" and kf["last_date"] == "toukokuu 2025"   # months, not days


def test_shares_of_a_hidden_group_are_hidden(demo_stage):
    sd, _ = demo_stage
    pub = C.publish_tables(sd)
    st = pub.tables["survey_groups"]
    hidden = [g for g in st.counts.index[:-1] if st.hidden.loc[g].iloc[0]]
    assert any(not st.primary.loc[g].iloc[0] for g in hidden)       # one hidden only as the complement
    rows = pub.survey_groups.set_index("Vastaajaryhmä")
    for g in hidden:
        assert set(rows.loc[g].drop("Vastaajia")) == {sd.marker}, g


def test_coarse_date_is_a_month_quarter_or_year():
    ds = pd.Series(pd.to_datetime(["2024-01-03"] * 5 + ["2024-02-01", "2024-07-09"] + ["2024-08-01"] * 9))
    assert C.coarse_date(ds, "first", 5) == "tammikuu 2024"
    assert C.coarse_date(ds[5:], "first", 5) == "2024"                 # one in Feb, one in Q1: the year
    assert C.coarse_date(ds[6:], "first", 5) == "3. neljännes 2024"    # one in July, ten in Q3


def test_quotes_markdown_escapes_markdown():
    md = C.quotes_markdown(pd.DataFrame({"quote": ["[linkki](http://x) # otsikko <b>"]}))
    assert md == r"> \[linkki\]\(http://x\) \# otsikko \<b\>"
    assert C.quotes_markdown(pd.DataFrame({"quote": []})) == "*Ei lainattavia vastauksia.*"
