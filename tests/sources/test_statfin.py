"""StatFin: area codes, and the PxWeb v1 client and its fetch step against the
local replay server (config limits, splitting, 403 too large, 400, 429)."""
from __future__ import annotations

import pytest

from replay_server import FIXTURES, Fault
from sosrap.errors import FetchError
from sosrap.params import Sources
from sosrap.sources import pxweb, statfin
from sosrap.sources.snapshot import Draft, write_snapshot

TABLE = "vaerak/11ra.px"


# --- area codes ----------------------------------------------------------------------


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
        assert pxweb.cell_count(sel) <= 12 and len(sel["contentscode"]) == 3
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
    assert c.config() == pxweb.PxConfig() and c.notes and "?config" in c.notes[0]


def test_folder_listing_gives_the_updated_stamp(replay, http):
    updated, url = statfin.StatFinClient(replay.statfin_url, http).fetch_updated(TABLE)
    assert updated == "2026-05-29T05:00:00" and url == replay.statfin_url + "vaerak/"


def test_resolve_is_the_pxweb_resolution(replay, http):
    c = statfin.StatFinClient(replay.statfin_url, http)
    meta = c.metadata(TABLE)
    assert c.resolve(meta, [{"variable": "Alue", "values": ["Oulu"]}], years=[2025]) == \
        pxweb.resolve(meta, [{"variable": "Alue", "values": ["Oulu"]}], years=[2025])


# --- the fetch step ------------------------------------------------------------------

TABLES = [Sources.StatFinTable(id="11ra", path=TABLE, selections=[
    {"variable": "Alue", "values": "all"}, {"variable": "Tiedot", "values": ["vaerak-vaesto"]}])]


def _draft_fetch(client, prev=None, tables=TABLES) -> Draft:
    draft = Draft(prev)
    statfin.fetch_into(draft, client, tables, [2024, 2025], lambda line: None)
    return draft


def test_fetch_into_carries_a_table_whose_updated_stamp_and_request_are_unchanged(replay, http, tmp_path):
    client = statfin.StatFinClient(replay.statfin_url, http)
    first = _draft_fetch(client)
    assert [p.path for p in first.pending] == ["statfin/config.json", "statfin/11ra/metadata.json",
                                               "statfin/11ra/data-001.json"]
    data = first.pending[-1]
    assert data.extra["cells"] == 6 * 1 * 2 and data.extra["query"]["response"] == {"format": "json-stat2"}
    snap = write_snapshot(tmp_path / "s1", {"id": "s1", "sources": {"statfin": {"base_url": client.base_url}}},
                          first.pending)
    n_posts = len(replay.requests("POST"))
    second = _draft_fetch(statfin.StatFinClient(replay.statfin_url, http), snap)
    assert not second.pending and len(second.carry) == 3 and len(replay.requests("POST")) == n_posts
    assert statfin.read_snapshot_table(snap, "11ra").value.notna().all()
    other = [TABLES[0].model_copy(update={"selections": TABLES[0].selections[:1]})]
    changed = _draft_fetch(statfin.StatFinClient(replay.statfin_url, http), snap, tables=other)
    assert "statfin/11ra/data-001.json" in {p.path for p in changed.pending}, "a changed request is refetched"
