"""THL Sotkanet indicator bank (REST API 1.1): parsing, the client, the fetch step.

The module owns Sotkanet's verbs, like rOpenGov's R package `sotkanet`:
parse raw responses, fetch them (`SotkanetClient`) and add them to a new
snapshot (`fetch_into`, the Sotkanet step of `sosrap fetch`). Hand-written
because no maintained Python client exists, and the same parsers must read
the shipped demo snapshot and a fetched one, so the demo exercises the real
path. Output frames are tidy and long with stable
column names. Region codes collide across categories (a HYVINVOINTIALUE and a
MAAKUNTA can share a code), so regions are keyed by Sotkanet id, and
(category, code) is always used together.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Iterable

import pandas as pd

from sosrap.errors import FetchError, SnapshotError
from sosrap.sources.http import Fetched, HttpClient, endpoint
from sosrap.sources.snapshot import Draft, Snapshot, SnapshotFile, size_text

SOURCE = "sotkanet"
DEFAULT_BASE_URL = "https://sotkanet.fi/rest/1.1/"
PORTAL = "Tilasto- ja indikaattoripankki Sotkanet. Terveyden ja hyvinvoinnin laitos"
PORTAL_EN = "Statistics and Indicator Bank Sotkanet. Finnish Institute for Health and Welfare"
PORTAL_SV = "Statistik- och indikatorbanken Sotkanet. Institutet för hälsa och välfärd"
METADATA_LICENCE = "CC BY 4.0 (THL, Sotkanetin metatiedot)"

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
        "organization_sv": _text(org.get("title"), "sv"),
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


def citation(meta: dict, retrieved: str, *, lang: str = "fi") -> str:
    """Sotkanet's citation form for one indicator, built from metadata.

    fi: "Tilasto- ja indikaattoripankki Sotkanet. Terveyden ja hyvinvoinnin laitos.
    <title> (ind. <id>). Viitattu <d.m.yyyy>." (sv: "Statistik- och indikatorbanken Sotkanet.
    Institutet för hälsa och välfärd. <titel> (ind. <id>). Hämtad <d.m.yyyy>.")
    """
    info = meta if "title_fi" in meta else parse_indicator(meta)
    if lang == "en":
        d = _dt.date.fromisoformat(retrieved[:10])
        return (f"{PORTAL_EN}. {info['title_en'] or info['title_fi']} (ind. {info['id']}). "
                f"Accessed {d.isoformat()}.")
    d = _dt.date.fromisoformat(retrieved[:10])   # Sotkanet's form: d.m.yyyy
    if lang == "sv":
        return (f"{PORTAL_SV}. {info.get('title_sv') or info['title_fi']} (ind. {info['id']}). "
                f"Hämtad {d.day}.{d.month}.{d.year}.")
    return f"{PORTAL}. {info['title_fi']} (ind. {info['id']}). Viitattu {d.day}.{d.month}.{d.year}."


def in_language(info: dict, field: str, lang: str) -> str:
    """`title` or `organization` of parsed metadata in *lang* ("fi", "sv", "en"), else in Finnish:
    Sotkanet gives most titles in all three, but not every one."""
    return info.get(f"{field}_{lang}") or info.get(f"{field}_fi") or ""


def attribution(meta: dict, retrieved: str, licence: str, lang: str = "fi") -> dict:
    """Producer, title, id, data-updated, retrieval date, licence and citation of one indicator
    (title, producer and citation in *lang*)."""
    info = meta if "title_fi" in meta else parse_indicator(meta)
    return {
        "id": info["id"],
        "title": in_language(info, "title", lang),
        "producer": in_language(info, "organization", lang),
        "data_updated": info["data_updated"],
        "retrieved": retrieved[:10],
        "licence": licence,
        "citation": citation(info, retrieved, lang=lang),
    }


def data_url(base_url: str, indicator: int, years: Iterable[int], genders: Iterable[str] = ("total",)) -> str:
    """The /json URL for one indicator, years batched (years and genders repeat)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    q = [f"indicator={int(indicator)}"] + [f"years={int(y)}" for y in years] + [f"genders={g}" for g in genders]
    return f"{base}json?" + "&".join(q)


# --- HTTP client --------------------------------------------------------------
# Sotkanet has no documented rate limit, but THL asks for batch use: one
# request per indicator with all years at once, nothing per region.

ENV_URL = "SOSRAP_SOTKANET_URL"
_OPEN_PRODUCERS = {  # producers whose Sotkanet data is known to be CC BY 4.0
    "terveyden ja hyvinvoinnin laitos": "CC BY 4.0 (THL)",
    "thl": "CC BY 4.0 (THL)",
    "tilastokeskus": "CC BY 4.0 (Tilastokeskus)",
}


def licence_for(meta: dict) -> str:
    """Licence of one indicator's data, from its producer.

    THL's own indicators and all metadata are CC BY 4.0; other producers'
    indicators carry their producers' terms, so the report must name them."""
    info = meta if "title_fi" in meta else parse_indicator(meta)
    producer = info["organization_fi"] or "tuntematon tuottaja"
    words = producer.lower().replace("(", " ").replace(")", " ")
    for needle, lic in _OPEN_PRODUCERS.items():
        if needle in words.split() or words.startswith(needle):
            return lic
    return f"tuottajan käyttöehdot: {producer} (Sotkanetin metatiedot CC BY 4.0)"


class SotkanetClient:
    """Sotkanet REST 1.1: one method per API concept.

    `fetch_*` return the raw `Fetched` response (bytes kept for snapshots);
    `get_*` return parsed frames. Shapes are checked here so a changed API
    fails at fetch time with the URL named, not later in a notebook."""

    def __init__(self, base_url: str | None = None, http: HttpClient | None = None):
        self.base_url = endpoint(ENV_URL, base_url or DEFAULT_BASE_URL)
        self.http = http or HttpClient()

    # raw responses
    def fetch_indicators(self) -> Fetched:
        url = self.base_url + "indicators"
        f = self.http.get(url, what="Sotkanet indicator list")
        _check(isinstance(f.data, list) and all(isinstance(x, dict) and "id" in x for x in f.data),
               "Sotkanet indicator list", url, "expected a JSON array of indicators with `id`")
        return f

    def fetch_indicator(self, indicator: int) -> Fetched:
        url = f"{self.base_url}indicators/{int(indicator)}"
        what = f"Sotkanet indicator {int(indicator)} metadata"
        f = self.http.get(url, what=what)
        _check(isinstance(f.data, dict) and str(f.data.get("id")) == str(int(indicator)), what, url,
               "expected a JSON object with the same `id` (unknown indicator?)")
        return f

    def fetch_regions(self) -> Fetched:
        url = self.base_url + "regions"
        f = self.http.get(url, what="Sotkanet regions")
        _check(isinstance(f.data, list) and len(f.data) > 0
               and all(isinstance(r, dict) and {"id", "code", "category"} <= r.keys() for r in f.data),
               "Sotkanet regions", url, "expected a non-empty JSON array of {id, code, category, title}")
        return f

    def fetch_data(self, indicator: int, years: Iterable[int], genders: Iterable[str] = ("total",)) -> Fetched:
        """All regions' rows of one indicator for *years* (one request).

        An empty array means Sotkanet knows no data for that indicator and
        years: for a report that is an error (wrong id, or years outside the
        indicator's range), not an empty chart."""
        years, genders = list(years), list(genders)
        url = data_url(self.base_url, indicator, years, genders)
        what = f"Sotkanet indicator {int(indicator)} data"
        f = self.http.get(url, what=what)
        _check(isinstance(f.data, list), what, url, "expected a JSON array of data rows")
        if not f.data:
            raise FetchError(f"{what}: Sotkanet returned no rows for years {years[0]}–{years[-1]}, genders "
                             f"{','.join(genders)} ({url}); check the indicator id and its year range "
                             f"(`sosrap fetch` reads the range from /indicators/{int(indicator)})",
                             url=url, what=what)
        bad = [r for r in f.data[:50] if not isinstance(r, dict) or not {"indicator", "region", "year"} <= r.keys()]
        _check(not bad, what, url, f"rows lack indicator/region/year, e.g. {bad[:1]}")
        wrong = {r["indicator"] for r in f.data} - {int(indicator)}
        _check(not wrong, what, url, f"rows of other indicators {sorted(wrong)[:5]}")
        return f

    # parsed
    def get_regions(self) -> pd.DataFrame:
        return parse_regions(self.fetch_regions().data)

    def get_indicator(self, indicator: int) -> dict:
        f = self.fetch_indicator(indicator)
        info = parse_indicator(f.data)
        info["retrieved"] = f.retrieved
        info["licence"] = licence_for(info)
        return info

    def get_indicators(self) -> pd.DataFrame:
        """The indicator list: id, titles and producer."""
        rows = [{"id": int(x["id"]), "title_fi": _text(x.get("title"), "fi"), "title_en": _text(x.get("title"), "en"),
                 "organization_fi": _text((x.get("organization") or {}).get("title"), "fi")}
                for x in self.fetch_indicators().data]
        return pd.DataFrame(rows, columns=["id", "title_fi", "title_en", "organization_fi"])

    def get_data(self, indicator: int, years: Iterable[int], genders: Iterable[str] = ("total",), *,
                 regions: pd.DataFrame | None = None) -> pd.DataFrame:
        """Tidy long rows with region category, code and names joined (see `tidy`)."""
        regs = regions if regions is not None else self.get_regions()
        return tidy(parse_data(self.fetch_data(indicator, years, genders).data), regs)

    def get_attribution(self, indicator: int) -> dict:
        """Producer, title, id, data-updated, retrieval date, licence and citation, from live metadata."""
        info = self.get_indicator(indicator)
        return attribution(info, info["retrieved"], info["licence"])


def _check(ok: bool, what: str, url: str, expectation: str) -> None:
    if not ok:
        raise FetchError(f"{what}: unexpected response from {url}: {expectation}", url=url, what=what)


# --- the fetch step -------------------------------------------------------------

def fetch_into(draft: Draft, client: SotkanetClient, indicators: Iterable[int], years: Iterable[int],
               genders: Iterable[str], progress: Callable[[str], None]) -> None:
    """Sotkanet's part of `sosrap fetch`: regions and each indicator's metadata
    always (small), its data only when `data-updated`, the years, the genders
    or the licence differ from the previous snapshot's (else carried over)."""
    ids, years, genders = list(indicators), list(years), list(genders)
    prev = draft.previous(SOURCE, client.base_url)
    regions = client.fetch_regions()
    kept = draft.add("sotkanet/regions.json", regions, SOURCE, "regions", None, METADATA_LICENCE,
                     reuse_identical=prev is not None)
    progress(f"sotkanet regions: {len(regions.data)} regions, "
             f"{'unchanged' if kept else size_text(len(regions.content))}")
    for n, iid in enumerate(ids, 1):
        _fetch_indicator(draft, client, prev, iid, years, genders, f"[{n}/{len(ids)}] sotkanet {iid}", progress)


def _fetch_indicator(draft: Draft, client: SotkanetClient, prev: Snapshot | None, iid: int, years: list[int],
                     genders: list[str], label: str, progress: Callable[[str], None]) -> None:
    meta_f = client.fetch_indicator(iid)
    info = parse_indicator(meta_f.data)
    licence = licence_for(info)
    updated = info["data_updated"]
    draft.add(f"sotkanet/indicators/{iid}.json", meta_f, SOURCE, "indicator", str(iid), METADATA_LICENCE,
              extra={"data_updated": updated}, reuse_identical=prev is not None)
    label = f"{label} {info['title_fi'][:60]}"
    old_data, old_updated = _previous_data(prev, iid)
    if (old_data is not None and updated and old_updated == updated and old_data.extra.get("years") == years
            and old_data.extra.get("genders") == genders and old_data.licence == licence):
        draft.keep(old_data)
        progress(f"{label}: unchanged (data-updated {updated}), kept from {prev.id}")
        return
    data_f = client.fetch_data(iid, years, genders)
    draft.add(f"sotkanet/data/{iid}.json", data_f, SOURCE, "data", str(iid), licence,
              extra={"years": years, "genders": genders, "data_updated": updated}, reuse_identical=False)
    progress(f"{label}: {len(data_f.data)} rows, {size_text(len(data_f.content))}"
             + (f" (data-updated {old_updated} → {updated})" if old_updated else ""))


def _previous_data(prev: Snapshot | None, iid: int) -> tuple[SnapshotFile | None, str | None]:
    """The previous snapshot's data file of *iid* and the `data-updated` of its metadata."""
    if prev is None:
        return None, None
    old_meta = prev.find(SOURCE, "indicator", iid)
    old_updated = None
    if old_meta is not None:
        try:
            old_updated = parse_indicator(prev.read_json(old_meta))["data_updated"]
        except (SnapshotError, KeyError, ValueError, TypeError):
            old_updated = None
    return prev.find(SOURCE, "data", iid), old_updated
