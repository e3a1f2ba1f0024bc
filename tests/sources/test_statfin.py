"""StatFin PxWeb v1: metadata resolution, query splitting, throttling, JSON-stat 2.0,
and the client against the local replay server (403 too large, 400, 429)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from replay_server import FIXTURES, Fault
from sosrap.errors import FetchError
from sosrap.sources import statfin
from sosrap.sources.http import Throttle

TABLE = "vaerak/11ra.px"


def _fx(name: str):
    return json.loads((FIXTURES / "statfin" / name).read_text(encoding="utf-8"))


@pytest.fixture
def meta() -> statfin.TableMeta:
    return statfin.parse_metadata(_fx("11ra_metadata.json"))


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
    c = statfin.StatFinClient("http://127.0.0.1:9/PXWeb/api/v1/fi/StatFin/", config=statfin.PxConfig())
    sel = c.resolve(meta, [{"variable": "Tiedot", "values": ["Väestö 31.12. (lkm)"]},
                           {"variable": "Alue", "values": ["Oulu"]}], years=range(2020, 2030))
    assert sel == {"alue_23_20260101": ["KU564"], "contentscode": ["vaerak-vaesto"],
                   "timeperiod_y": ["2020", "2021", "2022", "2023", "2024", "2025"]}
    top = c.resolve(meta, [{"variable": "Vuosi", "top": 2}], years=None)
    assert top["timeperiod_y"] == ["2024", "2025"] and len(top["alue_23_20260101"]) == 6


# --- splitting ----------------------------------------------------------------------

def test_split_on_time_first_never_on_contents(meta):
    sel = {"alue_23_20260101": list("ABCDEF"), "contentscode": ["a", "b", "c"],
           "timeperiod_y": [str(y) for y in range(2015, 2026)]}
    order = statfin.split_order(meta, meta.contents_variable())
    assert order[0] == "timeperiod_y" and "contentscode" not in order
    parts = statfin.plan_queries(sel, limit=40, order=order)
    assert all(statfin.cell_count(p) <= 40 for p in parts)
    assert all(p["contentscode"] == ["a", "b", "c"] for p in parts), "contents stay whole"
    assert sorted(y for p in parts for y in p["timeperiod_y"] if p["alue_23_20260101"][0] == "A") == \
        sel["timeperiod_y"], "every cell asked exactly once"
    assert sum(statfin.cell_count(p) for p in parts) == statfin.cell_count(sel)
    # one year still too large → split the next variable (area)
    small = statfin.plan_queries(sel, limit=9, order=order)
    assert all(statfin.cell_count(p) <= 9 for p in small) and all(len(p["timeperiod_y"]) == 1 for p in small)
    with pytest.raises(FetchError, match="cannot be split"):
        statfin.plan_queries(sel, limit=2, order=order)


def test_config_url_from_database_url():
    assert statfin.config_url("https://pxdata.stat.fi/PXWeb/api/v1/fi/StatFin/") == \
        "https://pxdata.stat.fi/PXWeb/api/v1/fi/?config"
    assert statfin.table_id("tjt/statfin_tjt_pxt_128c.px") == "statfin_tjt_pxt_128c"


def test_throttle_waits_when_the_window_is_full():
    now = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s
    t = Throttle(2, 10.0, sleep=sleep, clock=lambda: now[0])
    t.acquire(); now[0] += 1; t.acquire()
    t.acquire()
    assert waits == [pytest.approx(9.0)], "the oldest call (t=0) leaves the 10 s window at t=10"
    now[0] += 20
    t.acquire()
    assert len(waits) == 1, "an empty window does not wait"


# --- JSON-stat 2.0 ---------------------------------------------------------------------

def test_jsonstat2_status_markers_are_missing_with_marker_kept():
    df = statfin.parse_jsonstat2(_fx("jsonstat2_status.json"))
    assert list(df.columns) == ["alue_23_20260101", "alue_23_20260101_text", "contentscode", "contentscode_text",
                                "timeperiod_y", "timeperiod_y_text", "value", "status"]
    assert len(df) == 6 and df.attrs["time"] == ["timeperiod_y"] and df.attrs["metric"] == ["contentscode"]
    hailuoto = df[df.alue_23_20260101 == "KU072"].set_index("timeperiod_y")
    assert hailuoto.loc["2024", "value"] == 951 and pd.isna(hailuoto.loc["2024", "status"])
    assert pd.isna(hailuoto.loc["2025", "value"]) and hailuoto.loc["2025", "status"] == ".."
    oulu = df[df.alue_23_20260101 == "KU564"].set_index("timeperiod_y")
    assert pd.isna(oulu.loc["2025", "value"]) and oulu.loc["2025", "status"] == "."
    assert (df.value.fillna(-1) != 0).all(), "never read a marker as zero"


def test_jsonstat2_sparse_values_and_marker_on_a_number():
    raw = _fx("jsonstat2_status.json")
    raw["value"] = {"0": 1, "1": 2, "2": 3}                      # sparse object form
    raw["status"] = ["", "", "", "...", "..", "."]                # array form; a marker wins over a number
    raw["value"]["4"] = 17
    df = statfin.parse_jsonstat2(raw)
    assert df.value.tolist()[:3] == [1.0, 2.0, 3.0] and df.value.iloc[3:].isna().all()
    assert df.status.isna().tolist()[:3] == [True] * 3 and df.status.tolist()[3:] == ["...", "..", "."]


def test_area_codes_map_to_sotkanet_keys():
    assert statfin.area_key("KU009") == ("KUNTA", "009")
    assert statfin.area_key("HV19") == ("HYVINVOINTIALUE", "19")
    assert statfin.area_key("MK17") == ("MAAKUNTA", "17")
    assert statfin.area_key("SSS") == ("MAA", "358")
    assert statfin.area_key("X123") is None


# --- client against the replay server -----------------------------------------------------

def test_get_table_reads_config_resolves_and_tidies(replay, http):
    c = statfin.StatFinClient(replay.statfin_url, http)
    df = c.get_table(TABLE, [{"variable": "Alue", "values": "all"}, {"variable": "Tiedot", "values": ["vaerak-vaesto"]}],
                     years=[2023, 2024, 2025])
    assert c.config().max_calls == 30 and c.throttle.max_calls == 30 and c.throttle.window == 10
    assert len(df) == 6 * 3 and set(df.timeperiod_y) == {"2023", "2024", "2025"}
    pop = statfin.population(df, contents_code="vaerak-vaesto")
    assert set(pop.region_category) == {"MAA", "HYVINVOINTIALUE", "KUNTA"}
    assert pop[pop.region_code == "564"].area_name.iloc[0] == "Oulu"
    post = replay.requests("POST")[0]
    assert post.body["response"] == {"format": "json-stat2"}
    assert [q["code"] for q in post.body["query"]] == ["alue_23_20260101", "contentscode", "timeperiod_y"]


def test_query_above_config_limit_is_split_on_time(replay, http):
    replay.world.statfin_config = {**replay.world.statfin_config, "maxCells": 12, "maxValues": 12}
    c = statfin.StatFinClient(replay.statfin_url, http)
    df = c.get_table(TABLE, [{"variable": "Tiedot", "values": "all"}], years=range(2015, 2026))
    posts = replay.requests("POST")
    assert len(posts) > 1
    for p in posts:
        sel = {q["code"]: q["selection"]["values"] for q in p.body["query"]}
        assert statfin.cell_count(sel) <= 12 and len(sel["contentscode"]) == 3
    assert len(df) == 6 * 3 * 11 and not df.duplicated(["alue_23_20260101", "contentscode", "timeperiod_y"]).any()


def test_403_too_large_is_split_and_succeeds(replay, http):
    replay.world.statfin_403_above = 20
    c = statfin.StatFinClient(replay.statfin_url, http)
    df = c.get_table(TABLE, [{"variable": "Tiedot", "values": ["vaerak-vaesto"]}], years=range(2015, 2026))
    assert len(df) == 66
    statuses = [p for p in replay.requests("POST")]
    assert len(statuses) > 2 and any("too large" in n for n in c.notes)


def test_403_that_cannot_be_split_is_reported_as_query_too_large(replay, http):
    replay.inject("POST", "11ra.px", *[Fault.http(403, (FIXTURES / "statfin/too_large_403.html").read_bytes(),
                                                  content_type="text/html")] * 5)
    c = statfin.StatFinClient(replay.statfin_url, http)
    with pytest.raises(FetchError) as e:
        c.get_table(TABLE, [{"variable": "Alue", "values": ["Oulu"]}, {"variable": "Tiedot", "values": ["vaerak-vaesto"]},
                            {"variable": "Vuosi", "values": ["2024"]}])
    assert "query too large" in str(e.value) and "11ra" in str(e.value) and replay.statfin_url in str(e.value)


def test_400_is_one_clear_error_naming_table_and_url(replay, http):
    replay.inject("POST", "11ra.px", Fault.http(400, b"Bad Request"))
    with pytest.raises(FetchError) as e:
        statfin.StatFinClient(replay.statfin_url, http).get_table(TABLE, years=[2025])
    msg = str(e.value)
    assert e.value.status == 400 and "table 11ra" in msg and replay.statfin_url + TABLE in msg
    assert "Bad Request" in msg and len(replay.requests("POST")) == 1, "400 is not retried"


def test_429_on_post_honours_retry_after(replay, http, sleeps):
    replay.inject("POST", "11ra.px", Fault.http(429, b"Too Many Requests", {"Retry-After": "3"}))
    statfin.StatFinClient(replay.statfin_url, http).get_table(TABLE, years=[2025])
    assert 3.0 in sleeps.calls and len(replay.requests("POST")) == 2


def test_missing_config_falls_back_to_observed_limits(replay, http):
    replay.inject("GET", "/api/v1/fi/", *[Fault.http(404)] * 1)
    c = statfin.StatFinClient(replay.statfin_url, http)
    assert c.config() == statfin.PxConfig() and c.notes and "?config" in c.notes[0]


def test_folder_listing_gives_the_updated_stamp(replay, http):
    updated, url = statfin.StatFinClient(replay.statfin_url, http).fetch_updated(TABLE)
    assert updated == "2026-05-29T05:00:00" and url == replay.statfin_url + "vaerak/"
