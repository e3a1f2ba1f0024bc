"""THL Sotkanet indicator bank (REST API 1.1): parsing raw responses.

The same functions parse the shipped demo snapshot and a fetched one, so the
demo exercises the real path. Output frames are tidy and long with stable
column names. Region codes collide across categories (HYVINVOINTIALUE "19" is
Pohde, MAAKUNTA "19" is Lappi), so regions are keyed by Sotkanet id, and
(category, code) is always used together.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable

import pandas as pd

SOURCE = "sotkanet"
DEFAULT_BASE_URL = "https://sotkanet.fi/rest/1.1/"
PORTAL = "Tilasto- ja indikaattoripankki Sotkanet. Terveyden ja hyvinvoinnin laitos"
PORTAL_EN = "Statistics and Indicator Bank Sotkanet. Finnish Institute for Health and Welfare"

DATA_COLUMNS = ["indicator", "region", "year", "gender", "value", "absValue"]


def _text(d: Any, lang: str = "fi") -> str:
    if isinstance(d, dict):
        return d.get(lang) or d.get("fi") or next((v for v in d.values() if v), "") or ""
    return "" if d is None else str(d)


def parse_regions(raw: list[dict]) -> pd.DataFrame:
    """GET /regions → one row per region: region_id, category, code, name_fi/sv/en, member_of."""
    rows = []
    for r in raw:
        title = r.get("title") or {}
        rows.append({
            "region_id": int(r["id"]),
            "category": str(r["category"]),
            "code": str(r["code"]),
            "name_fi": _text(title, "fi"),
            "name_sv": _text(title, "sv"),
            "name_en": _text(title, "en"),
            "member_of": tuple(int(x) for x in r.get("memberOf") or ()),
        })
    df = pd.DataFrame(rows, columns=["region_id", "category", "code", "name_fi", "name_sv", "name_en", "member_of"])
    return df.sort_values("region_id", kind="stable").reset_index(drop=True)


def parse_indicator(raw: dict) -> dict:
    """GET /indicators/{id} → the facts the report uses (titles are read here, never hard-coded)."""
    org = raw.get("organization") or {}
    pvt = raw.get("primaryValueType") or {}
    rng = raw.get("range") or {}
    return {
        "id": int(raw["id"]),
        "title_fi": _text(raw.get("title"), "fi"),
        "title_sv": _text(raw.get("title"), "sv"),
        "title_en": _text(raw.get("title"), "en"),
        "organization_fi": _text(org.get("title"), "fi"),
        "organization_en": _text(org.get("title"), "en"),
        "value_type": pvt.get("code") or "",
        "value_type_fi": _text(pvt.get("title"), "fi"),
        "decimals": int(raw["decimals"]) if raw.get("decimals") is not None else None,
        "data_updated": raw.get("data-updated") or "",
        "range_start": rng.get("start"),
        "range_end": rng.get("end"),
    }


def parse_data(raw: list[dict]) -> pd.DataFrame:
    """GET /json → rows with `value` and `absValue` kept separately; a missing key stays missing (NaN)."""
    if not isinstance(raw, list):
        raise ValueError(f"expected a JSON array of data rows, got {type(raw).__name__}")
    df = pd.DataFrame.from_records(raw, columns=DATA_COLUMNS)
    df["indicator"] = df["indicator"].astype("int64")
    df["region"] = df["region"].astype("int64")
    df["year"] = df["year"].astype("int64")
    df["gender"] = df["gender"].astype(str)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    df["absValue"] = pd.to_numeric(df["absValue"], errors="coerce").astype("float64")
    return df


def tidy(data: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Join region category, code and names onto parsed data rows."""
    reg = regions[["region_id", "category", "code", "name_fi", "name_sv"]].rename(
        columns={"category": "region_category", "code": "region_code",
                 "name_fi": "region_name", "name_sv": "region_name_sv"})
    out = data.rename(columns={"region": "region_id", "absValue": "abs_value"}).merge(
        reg, on="region_id", how="left", validate="many_to_one")
    cols = ["indicator", "region_id", "region_category", "region_code", "region_name", "region_name_sv",
            "year", "gender", "value", "abs_value"]
    return out[cols].sort_values(["indicator", "region_id", "year", "gender"], kind="stable").reset_index(drop=True)


def fi_date(iso: str) -> str:
    """'2026-03-05…' → '5.3.2026' (Finnish citation date form)."""
    d = _dt.date.fromisoformat(iso[:10])
    return f"{d.day}.{d.month}.{d.year}"


def citation(meta: dict, retrieved: str, *, lang: str = "fi") -> str:
    """Sotkanet's citation form for one indicator, built from metadata.

    fi: "Tilasto- ja indikaattoripankki Sotkanet. Terveyden ja hyvinvoinnin laitos.
    <title> (ind. <id>). Viitattu <d.m.yyyy>."
    """
    info = meta if "title_fi" in meta else parse_indicator(meta)
    if lang == "en":
        d = _dt.date.fromisoformat(retrieved[:10])
        return (f"{PORTAL_EN}. {info['title_en'] or info['title_fi']} (ind. {info['id']}). "
                f"Accessed {d.isoformat()}.")
    return f"{PORTAL}. {info['title_fi']} (ind. {info['id']}). Viitattu {fi_date(retrieved)}."


def attribution(meta: dict, retrieved: str, licence: str) -> dict:
    """Producer, title, id, data-updated, retrieval date, licence and citation of one indicator."""
    info = meta if "title_fi" in meta else parse_indicator(meta)
    return {
        "id": info["id"],
        "title": info["title_fi"],
        "producer": info["organization_fi"],
        "data_updated": info["data_updated"],
        "retrieved": retrieved[:10],
        "licence": licence,
        "citation": citation(info, retrieved),
    }


def data_url(base_url: str, indicator: int, years: Iterable[int], genders: Iterable[str] = ("total",)) -> str:
    """The /json URL for one indicator, years batched (years and genders repeat)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    q = [f"indicator={int(indicator)}"] + [f"years={int(y)}" for y in years] + [f"genders={g}" for g in genders]
    return f"{base}json?" + "&".join(q)
