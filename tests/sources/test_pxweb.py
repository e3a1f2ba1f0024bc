"""PxWeb v1 without HTTP: metadata, codes resolved by code or text, query splitting."""
from __future__ import annotations

import json

import pytest

from replay_server import FIXTURES
from sosrap.errors import FetchError
from sosrap.sources import pxweb


def _fx(name: str):
    return json.loads((FIXTURES / "statfin" / name).read_text(encoding="utf-8"))


@pytest.fixture
def meta() -> pxweb.TableMeta:
    return pxweb.parse_metadata(_fx("11ra_metadata.json"))


# --- metadata and selections ---------------------------------------------------------

def test_variables_and_values_resolve_by_code_or_text(meta):
    assert meta.variable("Alue").code == "alue_23_20260101"
    assert meta.variable("alue_23_20260101").text == "Alue"
    assert meta.variable("tiedot").code == "contentscode"
    area = meta.variable("Alue")
    assert area.resolve_values(["KU564", "Hailuoto", "koko maa"]) == ["KU564", "KU072", "SSS"]
    assert meta.time_variable().code == "timeperiod_y"
    assert meta.contents_variable().code == "contentscode"


def test_unknown_variable_or_value_names_what_exists(meta):
    with pytest.raises(FetchError, match=r"no variable 'Kunta'; variables are alue_23_20260101 \(Alue\)"):
        meta.variable("Kunta", table="11ra")
    with pytest.raises(FetchError, match=r"has no value 'vaesto'.*vaerak-vaesto"):
        meta.variable("Tiedot").resolve_values(["vaesto"], table="11ra")


def test_resolve_fills_time_from_edition_years_and_keeps_table_order(meta):
    sel = pxweb.resolve(meta, [{"variable": "Tiedot", "values": ["Väestö 31.12. (lkm)"]},
                           {"variable": "Alue", "values": ["Oulu"]}], years=range(2020, 2030))
    assert sel == {"alue_23_20260101": ["KU564"], "contentscode": ["vaerak-vaesto"],
                   "timeperiod_y": ["2020", "2021", "2022", "2023", "2024", "2025"]}
    top = pxweb.resolve(meta, [{"variable": "Vuosi", "top": 2}], years=None)
    assert top["timeperiod_y"] == ["2024", "2025"] and len(top["alue_23_20260101"]) == 6


# --- splitting ----------------------------------------------------------------------

def test_split_on_time_first_never_on_contents(meta):
    sel = {"alue_23_20260101": list("ABCDEF"), "contentscode": ["a", "b", "c"],
           "timeperiod_y": [str(y) for y in range(2015, 2026)]}
    order = pxweb.split_order(meta, meta.contents_variable())
    assert order[0] == "timeperiod_y" and "contentscode" not in order
    parts = pxweb.plan_queries(sel, limit=40, order=order)
    assert all(pxweb.cell_count(p) <= 40 for p in parts)
    assert all(p["contentscode"] == ["a", "b", "c"] for p in parts), "contents stay whole"
    assert sorted(y for p in parts for y in p["timeperiod_y"] if p["alue_23_20260101"][0] == "A") == \
        sel["timeperiod_y"], "every cell asked exactly once"
    assert sum(pxweb.cell_count(p) for p in parts) == pxweb.cell_count(sel)
    # one year still too large → split the next variable (area)
    small = pxweb.plan_queries(sel, limit=9, order=order)
    assert all(pxweb.cell_count(p) <= 9 for p in small) and all(len(p["timeperiod_y"]) == 1 for p in small)
    with pytest.raises(FetchError, match="cannot be split"):
        pxweb.plan_queries(sel, limit=2, order=order)


def test_config_url_from_database_url():
    assert pxweb.config_url("https://pxdata.stat.fi/PXWeb/api/v1/fi/StatFin/") == \
        "https://pxdata.stat.fi/PXWeb/api/v1/fi/?config"
    assert pxweb.table_id("tjt/statfin_tjt_pxt_128c.px") == "statfin_tjt_pxt_128c"


def test_halve_splits_the_first_splittable_variable_or_gives_none(meta):
    order = pxweb.split_order(meta, meta.contents_variable())
    sel = {"alue_23_20260101": ["KU564"], "contentscode": ["a", "b"], "timeperiod_y": ["2023", "2024", "2025"]}
    assert pxweb.halve(sel, order) == [{**sel, "timeperiod_y": ["2023"]}, {**sel, "timeperiod_y": ["2024", "2025"]}]
    assert pxweb.halve({**sel, "timeperiod_y": ["2025"]}, order) is None, "only the contents variable is left"
