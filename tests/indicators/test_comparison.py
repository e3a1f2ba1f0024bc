"""The area against Koko maa and the other wellbeing counties, on a hand-made table."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sosrap.indicators import comparison


def _table() -> pd.DataFrame:
    base = dict(indicator=7, indicator_title="Testi", theme="t", theme_title="Teema", key="k", value_type="PROS",
                decimals=1)
    rows = [("area", 1, 2023, 4.0), ("area", 1, 2024, 5.0), ("country", 2, 2024, 4.5), ("peer", 3, 2024, 6.0),
            ("peer", 4, 2024, 3.0), ("peer", 5, 2024, np.nan), ("peer", 3, 2025, 9.0), ("municipality", 9, 2024, 99.0)]
    t = pd.DataFrame([{**base, "role": r, "region_id": i, "year": y, "value": v} for r, i, y, v in rows])
    other = pd.DataFrame([{**base, "key": "x", "indicator": 8, "role": "country", "region_id": 2, "year": 2024,
                           "value": 1.0}])                     # no area value: no row
    return pd.concat([t, other], ignore_index=True)


def test_latest_table_uses_the_areas_latest_year():
    out = comparison.latest_table(_table())
    assert out.key.tolist() == ["k"]
    r = out.iloc[0]
    assert r.year == 2024 and r.area == 5.0 and r.country == 4.5          # not the peers' later 2025
    assert (r.peer_min, r.peer_median, r.peer_max) == (3.0, 4.5, 6.0)   # the suppressed peer is left out
    assert r["rank"] == 2 and r.n_counties == 3                          # municipalities never rank


def test_latest_table_without_country_or_peers():
    t = _table()
    t = t[~t.role.isin(["country", "peer"])]
    r = comparison.latest_table(t).iloc[0]
    assert math.isnan(r.country) and math.isnan(r.peer_min) and r["rank"] == 1 and r.n_counties == 1
