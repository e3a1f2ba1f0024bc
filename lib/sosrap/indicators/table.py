"""From a data snapshot to the report's tidy indicator table.

One row per indicator × region × year (gender "total"), with the region's role
in the report: the report's area (params `area`), the country, peer wellbeing counties
and the area's municipalities. `value` is the published rate, `count` the
published numerator (Sotkanet absValue), `population` the region's total
population from the population indicator (127). Missing stays missing.
"""
from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

from sosrap.errors import SnapshotError
from sosrap.sources.snapshot import Snapshot
from sosrap.sources import sotkanet
from sosrap.report.wording import t

COLUMNS = ["indicator", "indicator_title", "theme", "theme_title", "key", "value_type", "decimals", "producer",
           "region_id", "region_category", "region_code", "region_name", "role", "year", "value", "count",
           "population"]
ROLE_ORDER = {"area": 0, "country": 1, "peer": 2, "municipality": 3}


def _get(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


def regions(snapshot: Snapshot) -> pd.DataFrame:
    return sotkanet.parse_regions(snapshot.read_json(snapshot.require("sotkanet", "regions")))


def region_roles(regs: pd.DataFrame, *, area: Any, country: Any, peer_category: str,
                 municipality_category: str) -> pd.DataFrame:
    """region_id → role, for the regions the report uses."""
    def find(ref: Any, what: str) -> int:
        cat, code = _get(ref, "category"), str(_get(ref, "code"))
        hit = regs[(regs.category == cat) & (regs.code == code)]
        if hit.empty:
            raise SnapshotError(f"the snapshot's regions have no {what} with category {cat} and code {code!r}")
        return int(hit.region_id.iloc[0])

    area_id, country_id = find(area, "area"), find(country, "country")
    roles = {area_id: "area", country_id: "country"}
    for rid in regs.loc[regs.category == peer_category, "region_id"]:
        roles.setdefault(int(rid), "peer")
    munis = regs[(regs.category == municipality_category) & regs.member_of.map(lambda m: area_id in m)]
    for rid in munis.region_id:
        roles.setdefault(int(rid), "municipality")
    return pd.DataFrame({"region_id": list(roles), "role": list(roles.values())})


def indicator_info(snapshot: Snapshot, indicator_id: int) -> dict:
    f = snapshot.require("sotkanet", "indicator", indicator_id)
    info = sotkanet.parse_indicator(snapshot.read_json(f))
    info["retrieved"] = f.retrieved
    info["licence"] = f.licence
    return info


def data(snapshot: Snapshot, indicator_id: int, years: Iterable[int]) -> pd.DataFrame:
    f = snapshot.require("sotkanet", "data", indicator_id)
    try:
        df = sotkanet.parse_data(snapshot.read_json(f))
    except (ValueError, KeyError, TypeError) as e:
        raise SnapshotError(f"{snapshot.path(f)}: cannot parse Sotkanet data rows: {e}") from None
    ys = set(int(y) for y in years)
    return df[(df.gender == "total") & df.year.isin(ys)]


def build_table(snapshot: Snapshot, *, indicators: list, themes: dict, area: Any, country: Any,
                peer_category: str, municipality_category: str, years: Any,
                population_indicator: int, language: str = "fi") -> pd.DataFrame:
    """The tidy long table every later stage reads. Indicator titles, producers and region names are
    the snapshot's in *language* (the report's; Finnish where Sotkanet has no translation)."""
    year_list = list(range(int(_get(years, "start")), int(_get(years, "end")) + 1))
    regs = regions(snapshot)
    roles = region_roles(regs, area=area, country=country, peer_category=peer_category,
                         municipality_category=municipality_category)
    pop = data(snapshot, population_indicator, year_list)
    pop = pop.rename(columns={"region": "region_id", "value": "population"})[["region_id", "year", "population"]]
    frames = []
    for ind in indicators:
        iid, theme = int(_get(ind, "id")), _get(ind, "theme")
        key = (ind.get("key") if isinstance(ind, dict) else getattr(ind, "key", None)) or theme
        info = indicator_info(snapshot, iid)
        d = sotkanet.tidy(data(snapshot, iid, year_list), regs).merge(roles, on="region_id", how="inner")
        d = d.rename(columns={"abs_value": "count"})
        if language != "fi":
            names = regs.set_index("region_id")[f"name_{language}"]
            named = d.region_id.map(names).fillna("").astype(str)
            d["region_name"] = named.where(named != "", d.region_name)
        d["indicator_title"] = sotkanet.in_language(info, "title", language)
        d["theme"] = theme
        d["theme_title"] = _get(themes, theme) if isinstance(themes, dict) else getattr(themes, theme)
        d["key"] = key
        d["value_type"] = info["value_type"]
        d["decimals"] = info["decimals"] if info["decimals"] is not None else 1
        d["producer"] = sotkanet.in_language(info, "organization", language)
        frames.append(d)
    table = pd.concat(frames, ignore_index=True).merge(pop, on=["region_id", "year"], how="left")
    # Keep the params' indicator order (the report's reading order), then area, country, peers, municipalities.
    order = {int(_get(ind, "id")): i for i, ind in enumerate(indicators)}
    table["_ind"] = table.indicator.map(order)
    table["_role"] = table.role.map(ROLE_ORDER)
    table = table.sort_values(["_ind", "_role", "region_name", "year"], kind="stable")
    return table[COLUMNS].reset_index(drop=True)


def sources_table(snapshot: Snapshot, indicators: list, language: str = "fi") -> pd.DataFrame:
    """Attribution of every indicator (producer, title, id, dates, licence, citation) in *language*."""
    rows = []
    for ind in indicators:
        info = indicator_info(snapshot, int(_get(ind, "id")))
        rows.append(sotkanet.attribution(info, info["retrieved"], info["licence"], language))
    return pd.DataFrame(rows)


def municipality_names(regs: pd.DataFrame, roles: pd.DataFrame, language: str = "fi") -> list[str]:
    """The names (in *language*, else Finnish) of the area's municipalities in the snapshot's regions, sorted."""
    m = regs[regs.region_id.isin(roles[roles.role == "municipality"].region_id)]
    names = m[f"name_{language}"].where(m[f"name_{language}"].astype(bool), m.name_fi) if language != "fi" \
        else m.name_fi
    return sorted(names)


def coverage_notes(table: pd.DataFrame, expected: list[str]) -> list[str]:
    """Notes on the area's municipalities: none in the data, or some of *expected* (the reference
    table's names) missing from it."""
    present = set(table[table.role == "municipality"].region_name)
    if not present:
        return [t("sec.no_munis")]
    missing = [m for m in expected if m not in present]
    if not missing:
        return []
    return [t("sec.munis_missing_one" if len(missing) == 1 else "sec.munis_missing_many", names=", ".join(missing))]
