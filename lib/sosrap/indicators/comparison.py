"""The report's area against Koko maa and the other wellbeing counties."""
from __future__ import annotations

import pandas as pd


def latest_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: the area's latest year, its value, Koko maa, and the peers' min, median, max
    and the area's rank among all counties (1 = highest value) in that year."""
    rows = []
    for key, k in table.groupby("key", sort=False):
        area = k[(k.role == "area")].dropna(subset=["value"])
        if area.empty:
            continue
        year = int(area.year.max())
        y = k[k.year == year]
        counties = y[y.role.isin(["area", "peer"])].dropna(subset=["value"])
        peers = counties[counties.role == "peer"].value
        country = y[y.role == "country"].value
        av = float(area[area.year == year].value.iloc[0])
        rows.append({
            "key": key, "indicator": int(k.indicator.iloc[0]), "indicator_title": k.indicator_title.iloc[0],
            "theme_title": k.theme_title.iloc[0], "value_type": k.value_type.iloc[0],
            "decimals": int(k.decimals.iloc[0]), "year": year, "area": av,
            "country": float(country.iloc[0]) if len(country) and pd.notna(country.iloc[0]) else float("nan"),
            "peer_min": float(peers.min()) if len(peers) else float("nan"),
            "peer_median": float(peers.median()) if len(peers) else float("nan"),
            "peer_max": float(peers.max()) if len(peers) else float("nan"),
            "rank": int((counties.value > av).sum() + 1), "n_counties": int(len(counties)),
        })
    return pd.DataFrame(rows)
