"""Sotkanet: parsers on fixtures, the client and its fetch step against the local replay server."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from replay_server import FIXTURES
from sosrap.errors import FetchError
from sosrap.sources import sotkanet
from sosrap.sources.snapshot import Draft, write_snapshot


def _fx(name: str):
    return json.loads((FIXTURES / "sotkanet" / name).read_text(encoding="utf-8"))


# --- parsers --------------------------------------------------------------------

def test_regions_keep_codes_as_text_and_colliding_codes_apart():
    regs = sotkanet.parse_regions(_fx("regions.json"))
    assert regs.loc[regs.region_id == 4, "code"].item() == "009"
    nineteen = regs[regs.code == "19"].set_index("category").region_id.to_dict()
    assert nineteen == {"MAAKUNTA": 508, "HYVINVOINTIALUE": 973}, "(category, code) together identify a region"
    assert regs.loc[regs.region_id == 30, "name_sv"].item() == "Karlö"


def test_data_keeps_value_and_absvalue_apart_and_missing_as_missing():
    df = sotkanet.parse_data(_fx("data_493_2023_2024.json"))
    hailuoto = df[df.region == 30].set_index("year")
    assert hailuoto.loc[2023, ["value", "absValue"]].isna().all(), "suppressed cell is missing, not zero"
    assert hailuoto.loc[2024, "value"] == 2.9 and pd.isna(hailuoto.loc[2024, "absValue"])
    tidy = sotkanet.tidy(df, sotkanet.parse_regions(_fx("regions.json")))
    oulu = tidy[tidy.region_id == 261].iloc[0]
    assert (oulu.region_category, oulu.region_code, oulu.region_name, oulu.region_name_sv) == \
        ("KUNTA", "564", "Oulu", "Uleåborg")
    assert list(tidy.columns) == ["indicator", "region_id", "region_category", "region_code", "region_name",
                                  "region_name_sv", "year", "gender", "value", "abs_value"]


def test_attribution_is_built_from_metadata_with_producer_and_licence():
    meta = _fx("indicator_493.json")
    a = sotkanet.attribution(meta, "2026-11-28T10:00:00Z", sotkanet.licence_for(meta))
    assert a["producer"] == "Terveyden ja hyvinvoinnin laitos (THL)" and a["licence"].startswith("CC BY 4.0")
    assert a["data_updated"] == "2026-04-14" and a["retrieved"] == "2026-11-28"
    assert a["citation"] == ("Tilasto- ja indikaattoripankki Sotkanet. Terveyden ja hyvinvoinnin laitos. "
                             "Toimeentulotukea saaneet henkilöt vuoden aikana, % asukkaista (ind. 493). "
                             "Viitattu 28.11.2026.")
    tem = sotkanet.licence_for(_fx("indicator_181.json"))
    assert "Työ- ja elinkeinoministeriö" in tem and not tem.startswith("CC BY"), "other producers: their terms"


# --- client -----------------------------------------------------------------------

def test_client_returns_tidy_frames_and_batches_years(replay, http):
    c = sotkanet.SotkanetClient(replay.sotkanet_url, http)
    regs = c.get_regions()
    assert {"KUNTA", "HYVINVOINTIALUE", "MAA"} <= set(regs.category) and len(regs[regs.category == "KUNTA"]) == 308
    df = c.get_data(493, [2023, 2024, 2025], regions=regs)
    assert set(df.year) == {2023, 2024, 2025} and df.region_name.notna().all()
    pohde = df[(df.region_category == "HYVINVOINTIALUE") & (df.region_code == "19")]
    assert pohde.region_name.iloc[0] == "Pohjois-Pohjanmaan hyvinvointialue"
    assert df.value.isna().any(), "suppressed rows stay missing"
    data_calls = replay.requests("GET", "/json")
    assert len(data_calls) == 1, "one request per indicator"
    assert data_calls[0].query["years"] == ["2023", "2024", "2025"] and data_calls[0].query["genders"] == ["total"]
    ua = data_calls[0].headers["User-Agent"]
    assert ua.startswith("sosrap/") and "social report" in ua


def test_client_attribution_from_live_metadata(replay, http):
    a = sotkanet.SotkanetClient(replay.sotkanet_url, http).get_attribution(181)
    assert a["title"] == "Työttömät, % työvoimasta" and a["producer"].startswith("Työ- ja elinkeino")
    assert "(ind. 181)" in a["citation"] and a["citation"].startswith("Tilasto- ja indikaattoripankki Sotkanet.")


def test_indicator_list(replay, http):
    ind = sotkanet.SotkanetClient(replay.sotkanet_url, http).get_indicators()
    assert {127, 181, 493} <= set(ind.id)


def test_env_variable_overrides_configured_url(replay, http, monkeypatch):
    monkeypatch.setenv("SOSRAP_SOTKANET_URL", replay.sotkanet_url)
    c = sotkanet.SotkanetClient("https://sotkanet.fi/rest/1.1/", http)
    assert c.base_url == replay.sotkanet_url and c.get_indicator(493)["id"] == 493


# --- answers that are errors ----------------------------------------------------------


def test_empty_data_for_unknown_indicator_is_an_error(replay, http):
    with pytest.raises(FetchError) as e:
        sotkanet.SotkanetClient(replay.sotkanet_url, http).fetch_data(99999, [2024, 2025])
    assert "indicator 99999" in str(e.value) and "no rows" in str(e.value) and "indicator=99999" in str(e.value)
    assert len(replay.requests("GET", "/json")) == 1, "an empty answer is not retried"


def test_unknown_indicator_metadata_404_is_not_retried(replay, http):
    with pytest.raises(FetchError) as e:
        sotkanet.SotkanetClient(replay.sotkanet_url, http).fetch_indicator(99999)
    assert e.value.status == 404 and "indicators/99999" in str(e.value)
    assert len(replay.requests("GET", "/indicators/99999")) == 1


# --- the fetch step ------------------------------------------------------------------

def _draft_fetch(client, prev=None, years=(2024, 2025)) -> Draft:
    draft = Draft(prev)
    sotkanet.fetch_into(draft, client, [493, 181], years, ["total"], lambda line: None)
    return draft


def test_fetch_into_carries_data_whose_data_updated_is_unchanged(replay, http, tmp_path):
    client = sotkanet.SotkanetClient(replay.sotkanet_url, http)
    first = _draft_fetch(client)
    assert sorted(p.path for p in first.pending) == [
        "sotkanet/data/181.json", "sotkanet/data/493.json", "sotkanet/indicators/181.json",
        "sotkanet/indicators/493.json", "sotkanet/regions.json"] and not first.carry
    meta = {"id": "s1", "sources": {"sotkanet": {"base_url": client.base_url}}}
    snap = write_snapshot(tmp_path / "s1", meta, first.pending)
    replay.world.data_updated[181] = "2026-11-27"
    n = len(replay.requests("GET", "/json"))
    second = _draft_fetch(client, snap)
    assert [p.path for p in second.pending] == ["sotkanet/indicators/181.json", "sotkanet/data/181.json"]
    assert sorted(f.path for f, _ in second.carry) == [
        "sotkanet/data/493.json", "sotkanet/indicators/493.json", "sotkanet/regions.json"]
    assert len(replay.requests("GET", "/json")) == n + 1, "only indicator 181's data is downloaded again"
    other_years = _draft_fetch(client, snap, years=(2025,))
    assert {"sotkanet/data/493.json", "sotkanet/data/181.json"} <= {p.path for p in other_years.pending}


def test_fetch_into_carries_nothing_from_another_base_url(replay, http, tmp_path):
    client = sotkanet.SotkanetClient(replay.sotkanet_url, http)
    first = _draft_fetch(client)
    snap = write_snapshot(tmp_path / "s1", {"id": "s1", "sources": {"sotkanet": {"base_url": "https://elsewhere/"}}},
                          first.pending)
    again = _draft_fetch(client, snap)
    assert not again.carry and len(again.pending) == len(first.pending)
