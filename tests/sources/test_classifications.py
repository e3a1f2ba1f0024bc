"""The shipped municipality / wellbeing county table, and its refresh from the
classification API (served by the local replay server)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from support import ROOT
from replay_server import FIXTURES, Fault
from sosrap.sources import classifications as reference
from sosrap.errors import FetchError

POHDE = ("009 Alavieska, 069 Haapajärvi, 071 Haapavesi, 072 Hailuoto, 139 Ii, 208 Kalajoki, 244 Kempele, "
         "305 Kuusamo, 317 Kärsämäki, 425 Liminka, 436 Lumijoki, 483 Merijärvi, 494 Muhos, 535 Nivala, "
         "563 Oulainen, 564 Oulu, 615 Pudasjärvi, 625 Pyhäjoki, 626 Pyhäjärvi, 630 Pyhäntä, 678 Raahe, "
         "691 Reisjärvi, 746 Sievi, 748 Siikajoki, 785 Vaala, 791 Siikalatva, 832 Taivalkoski, 859 Tyrnävä, "
         "889 Utajärvi, 977 Ylivieska")


def test_shipped_table_has_every_municipality_and_county():
    m, c = reference.municipalities(ROOT), reference.counties(ROOT)
    assert len(m) == 308 and m.municipality_code.str.fullmatch(r"\d{3}").all() and m.municipality_code.is_unique
    assert set(c.county_code) == {str(i) for i in range(1, 22)} | {"90", "91"}
    assert c.municipalities.sum() == 308
    assert (m.county_name_fi.notna() & m.name_sv.ne("")).all()
    oulu = m.set_index("municipality_code").loc["564"]
    assert (oulu.name_fi, oulu.name_sv, oulu.county_code) == ("Oulu", "Uleåborg", "19")


def test_pohde_has_its_thirty_municipalities():
    members = reference.members("19", ROOT)
    expected = dict(item.split(" ", 1) for item in POHDE.split(", "))
    assert dict(zip(members.municipality_code, members.name_fi)) == expected


def test_table_is_dated_and_attributed():
    info = reference.meta(ROOT)
    assert info["licence"] == "CC BY 4.0" and info["classification"] == "kunta_1_20260101#hyvinvointialue_1_20260101"
    assert info["valid_from"] == "2026-01-01" and info["retrieved"][:4] == "2026"
    assert info["attribution"].startswith("Lähde: Tilastokeskus")
    readme = (ROOT / "data/reference/README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and info["retrieved"] in readme
    assert reference.attribution(ROOT).startswith("Lähde: Tilastokeskus")


def test_parse_maps_reads_codes_and_names():
    df = reference.parse_maps(json.loads((FIXTURES / "statfin/classification_maps_fi_sample.json").read_text(
        encoding="utf-8")), "fi")
    assert df.to_dict("records")[0] == {"municipality_code": "009", "name_fi": "Alavieska", "county_code": "19",
                                        "county_name_fi": "Pohjois-Pohjanmaan hyvinvointialue"}
    assert df.county_code.tolist() == ["19", "90", "91"]


def test_refresh_rebuilds_the_same_table_from_the_api(replay, http, tmp_path):
    res = reference.refresh(year=2026, base_url=replay.classifications_url, http=http, dest=tmp_path / "ref")
    assert (res.municipalities, res.counties, res.requests) == (308, 23, 2)
    langs = [r.query["lang"] for r in replay.requests("GET", "/maps")]
    assert langs == [["fi"], ["sv"]] and "kunta_1_20260101%23hyvinvointialue_1_20260101" in replay.log[0].path
    for name in (reference.MUNICIPALITIES, reference.COUNTIES):
        got = pd.read_csv(tmp_path / "ref" / name, dtype=str, keep_default_na=False)
        shipped = pd.read_csv(ROOT / "data/reference" / name, dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(got, shipped)            # "01" from the API is written "1", as shipped
    info = json.loads((tmp_path / "ref/reference.json").read_text(encoding="utf-8"))
    assert info["urls"][0].startswith(replay.classifications_url) and info["retrieved"].endswith("Z")


def test_failed_refresh_leaves_the_table_untouched(replay, http, tmp_path):
    dest = tmp_path / "ref"
    shutil.copytree(ROOT / "data/reference", dest)
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    replay.inject("GET", "/maps", Fault.http(200), *[Fault.http(500)] * 10)      # fi ok-ish (not JSON), sv fails
    with pytest.raises(FetchError, match=r"classification .*hyvinvointialue.*(not valid JSON|HTTP 500)"):
        reference.refresh(year=2026, base_url=replay.classifications_url, http=http, dest=dest)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["ref"], "no temporary folder left"


def test_cli_fetch_reference(fetch_project):
    (fetch_project / "data").mkdir()
    proc = subprocess.run([sys.executable, "-m", "sosrap", "fetch", "reference", "--year", "2026"],
                          cwd=fetch_project, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "308 municipalities, 23 wellbeing counties" in proc.stderr
    assert (fetch_project / "data/reference/municipalities.csv").is_file()
