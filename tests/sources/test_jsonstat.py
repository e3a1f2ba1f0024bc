"""JSON-stat 2.0 → tidy frame: status markers become missing values with the marker kept."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from replay_server import FIXTURES
from sosrap.sources import jsonstat


def _fx(name: str):
    return json.loads((FIXTURES / "statfin" / name).read_text(encoding="utf-8"))


def test_jsonstat2_status_markers_are_missing_with_marker_kept():
    df = jsonstat.parse_jsonstat2(_fx("jsonstat2_status.json"))
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
    df = jsonstat.parse_jsonstat2(raw)
    assert df.value.tolist()[:3] == [1.0, 2.0, 3.0] and df.value.iloc[3:].isna().all()
    assert df.status.isna().tolist()[:3] == [True] * 3 and df.status.tolist()[3:] == ["...", "..", "."]


def test_jsonstat2_shape_errors_are_value_errors():
    raw = _fx("jsonstat2_status.json")
    with pytest.raises(ValueError, match="JSON-stat 2.0 dataset"):
        jsonstat.parse_jsonstat2({**raw, "class": "collection"})
    with pytest.raises(ValueError, match="categories but size"):
        jsonstat.parse_jsonstat2({**raw, "size": [s + 1 for s in raw["size"]]})
    with pytest.raises(ValueError, match="array has"):
        jsonstat.parse_jsonstat2({**raw, "value": [1, 2]})


def test_split_parts_join_into_one_frame_without_duplicates():
    df = jsonstat.parse_jsonstat2(_fx("jsonstat2_status.json"))
    joined = jsonstat.concat_parts([df.iloc[:4], df.iloc[2:]])
    assert len(joined) == len(df) and joined.attrs == df.attrs
    assert jsonstat.concat_parts([]).empty
