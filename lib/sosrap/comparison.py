"""The report's area against Koko maa and the other wellbeing counties."""
from __future__ import annotations

import pandas as pd

from . import fmt


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


def display_table(latest: pd.DataFrame) -> pd.DataFrame:
    """Finnish, formatted strings for the report."""
    def f(row, col):
        return fmt.value(getattr(row, col), row.value_type, row.decimals)
    return pd.DataFrame({
        "Teema": latest.theme_title,
        "Indikaattori": latest.indicator_title,
        "Vuosi": latest.year.astype(str),
        "Alue": [f(r, "area") for r in latest.itertuples()],
        "Koko maa": [f(r, "country") for r in latest.itertuples()],
        "Muut alueet (vaihteluväli)": [f"{f(r, 'peer_min')} – {f(r, 'peer_max')}" for r in latest.itertuples()],
        "Sija": [f"{r.rank}/{r.n_counties}" for r in latest.itertuples()],
    })


def key_figures(latest: pd.DataFrame) -> dict:
    """{key: {rank, n, above_country}} + counts of indicators above / below Koko maa."""
    out: dict = {}
    above = below = 0
    for r in latest.itertuples():
        if pd.notna(r.country):
            above += r.area > r.country
            below += r.area < r.country
        out[r.key] = {"sija": str(r.rank), "alueita": str(r.n_counties)}
    out["yli_koko_maan"] = str(int(above))
    out["alle_koko_maan"] = str(int(below))
    out["indikaattoreita"] = str(len(latest))
    return out
