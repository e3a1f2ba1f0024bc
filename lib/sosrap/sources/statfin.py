"""Statistics Finland (Tilastokeskus) PxWeb API v1: the client and its fetch step.

The module owns StatFin's verbs, like rOpenGov's R package `pxweb`: read
limits and metadata, post queries (`StatFinClient`), add the responses to a
new snapshot (`fetch_into`, the StatFin step of `sosrap fetch`), and read a
table back from a snapshot. Hand-written because pxdata.stat.fi serves PxWeb
v1 and pxwebpy supports only v2; a 403 "query too large" splits the query
further, and every raw response is kept for the snapshot.

- `GET <base>/<path>/<table>.px` → table metadata (variables with codes,
  texts, values, valueTexts, elimination, time).
- `POST` the same URL with a query → data as JSON-stat 2.0.
- `GET <…/api/v1/<lang>/>?config` → limits (maxValues, maxCells, maxCalls,
  timeWindow): queries above the cell limit are split, calls are throttled.

Metadata, code resolution and query planning are in `sources.pxweb`; parsing
the JSON-stat 2.0 answers (with their status markers) in `sources.jsonstat`.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import pandas as pd

from sosrap.errors import FetchError, SnapshotError
from sosrap.sources.http import Fetched, HttpClient, Throttle, endpoint
from sosrap.sources.jsonstat import concat_parts, parse_jsonstat2
from sosrap.sources.pxweb import (PxConfig, TableMeta, build_query, cell_count, config_url, halve, parse_metadata,
                                  plan_queries, resolve, split_order, table_id)
from sosrap.sources.snapshot import Draft, Snapshot, size_text

SOURCE = "statfin"
ENV_URL = "SOSRAP_STATFIN_URL"
DEFAULT_BASE_URL = "https://pxdata.stat.fi/PXWeb/api/v1/fi/StatFin/"
LICENCE = "CC BY 4.0 (Tilastokeskus)"


# --- area codes, to join StatFin figures onto Sotkanet regions ------------------------

_AREA_PREFIXES = [("KU", "KUNTA", 3), ("HV", "HYVINVOINTIALUE", 0), ("HYV", "HYVINVOINTIALUE", 0),
                  ("MK", "MAAKUNTA", 2), ("SK", "SEUTUKUNTA", 3)]


def area_key(code: str) -> tuple[str, str] | None:
    """A PxWeb area code → Sotkanet's (category, code): 'KU009' → ('KUNTA', '009'),
    'HV19' → ('HYVINVOINTIALUE', '19'), 'MK17' → ('MAAKUNTA', '17'), 'SSS' → ('MAA', '358').
    Codes after the 2026 restructuring may use other prefixes: unknown → None."""
    c = str(code).strip().upper()
    if c in ("SSS", "KOKO MAA"):
        return ("MAA", "358")
    for prefix, category, width in sorted(_AREA_PREFIXES, key=lambda p: -len(p[0])):
        rest = c[len(prefix):]
        if c.startswith(prefix) and rest.isdigit():
            return (category, rest.zfill(width) if width else str(int(rest)))
    return None


def _roles(df: pd.DataFrame, area: str | None) -> tuple[str, str | None, str | None]:
    """The (area, time, metric) dimensions of a parsed table: from its JSON-stat
    roles, else by name (`vuosi…`, `timeperiod…`); the area is the first other one."""
    dims = list(df.attrs.get("dimensions") or [c for c in df.columns if f"{c}_text" in df.columns])
    time = (df.attrs.get("time") or [None])[0] or next((d for d in dims if "vuosi" in d.lower()
                                                         or d.lower().startswith("timeperiod")), None)
    metric = (df.attrs.get("metric") or [None])[0]
    if area is None:
        area = next(d for d in dims if d not in (time, metric))
    return area, time, metric


def population(df: pd.DataFrame, *, area: str | None = None, contents_code: str | None = None) -> pd.DataFrame:
    """Population by area and year from a parsed table such as 11ra, keyed like
    Sotkanet regions: region_category, region_code, area code/name, year, population.
    (Sotkanet indicator 127 gives the same figures; this is the StatFin route.)"""
    area, time, metric = _roles(df, area)
    d = df
    if metric and contents_code:
        d = d[d[metric] == contents_code]
    keys = d[area].map(area_key)
    out = pd.DataFrame({
        "region_category": keys.map(lambda k: k[0] if k else None),
        "region_code": keys.map(lambda k: k[1] if k else None),
        "area_code": d[area], "area_name": d[f"{area}_text"],
        "year": pd.to_numeric(d[time], errors="coerce").astype("Int64") if time else pd.NA,
        "population": d["value"], "status": d["status"]})
    return out.reset_index(drop=True)


# --- the client -----------------------------------------------------------------

class StatFinClient:
    """PxWeb v1 client for one database (default StatFin, in Finnish)."""

    def __init__(self, base_url: str | None = None, http: HttpClient | None = None, *,
                 config: PxConfig | None = None):
        self.base_url = endpoint(ENV_URL, base_url or DEFAULT_BASE_URL)
        self.http = http or HttpClient()
        self._config = config
        self.config_fetched: Fetched | None = None
        self.throttle: Throttle | None = None
        self.notes: list[str] = []        # things a person may want to know (fallbacks taken)
        if config is not None:
            self.throttle = Throttle(config.max_calls, config.time_window, sleep=self.http._sleep)

    # limits
    def config(self) -> PxConfig:
        """`?config`, read once; sets the throttle. If the server does not answer
        it, the limits observed in 2026 are used (and noted)."""
        if self._config is None:
            url = config_url(self.base_url)
            try:
                self.config_fetched = self.http.get(url, what="StatFin API limits (?config)")
                self._config = PxConfig.from_json(self.config_fetched.data if isinstance(
                    self.config_fetched.data, dict) else {})
            except FetchError as e:
                self._config = PxConfig()
                self.notes.append(f"could not read {url} ({e}); using {self._config}")
            self.throttle = Throttle(self._config.max_calls, self._config.time_window, sleep=self.http._sleep)
        return self._config

    def table_url(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    # raw responses
    def fetch_metadata(self, path: str) -> Fetched:
        self.config()
        url = self.table_url(path)
        what = f"StatFin table {table_id(path)} metadata"
        f = self.http.get(url, what=what, throttle=self.throttle)
        try:
            parse_metadata(f.data)
        except (ValueError, KeyError, TypeError) as e:
            raise FetchError(f"{what}: unexpected response from {url}: {e}", url=url, what=what) from None
        return f

    def fetch_updated(self, path: str) -> tuple[str | None, str]:
        """The table's `updated` stamp from its folder listing (cheap: lets a
        re-fetch skip unchanged tables). Returns (updated or None, listing URL)."""
        self.config()
        folder, _, name = path.strip("/").rpartition("/")
        url = self.base_url + (folder + "/" if folder else "")
        try:
            f = self.http.get(url, what=f"StatFin folder {folder or '/'} listing", throttle=self.throttle)
        except FetchError as e:
            self.notes.append(f"no table listing at {url} ({e}); {name} will be compared by its metadata")
            return None, url
        for item in f.data if isinstance(f.data, list) else []:
            if isinstance(item, dict) and str(item.get("id", "")).lower() == name.lower():
                return (str(item["updated"]) if item.get("updated") else None), url
        return None, url

    def fetch_data(self, path: str, selection: dict[str, list[str]], *, meta: TableMeta | None = None,
                   contents: str | None = None) -> list[Fetched]:
        """POST the selection (split to the cell limit; a 403 "query too large"
        splits further). Returns the responses in order, each with its query."""
        tid = table_id(path)
        meta = meta or parse_metadata(self.fetch_metadata(path).data)
        cfg = self.config()
        order = split_order(meta, meta.contents_variable(contents, table=tid))
        pending = plan_queries(selection, limit=cfg.cell_limit, order=order, table=tid)
        out: list[Fetched] = []
        while pending:
            part = pending.pop(0)
            f = self._post(path, part, order)
            if f is None:
                pending[:0] = halve(part, order)
            else:
                out.append(f)
        return out

    def _post(self, path: str, part: dict[str, list[str]], order: list[str]) -> Fetched | None:
        """One query; None when the server says it is too large (403) and it can be halved."""
        tid, url = table_id(path), self.table_url(path)
        body = build_query(part)
        what = f"StatFin table {tid} data"
        try:
            f = self.http.post_json(url, body, what=what, throttle=self.throttle)
        except FetchError as e:
            if e.status == 403:          # PxWeb's "query too large" (an HTML page, not an auth error)
                if halve(part, order) is None:
                    raise FetchError(f"{what}: query too large (HTTP 403) for {url} even at "
                                     f"{cell_count(part)} cells and cannot be split further",
                                     url=url, what=what, status=403) from None
                self.notes.append(f"{tid}: server said query too large (403) at {cell_count(part)} cells; "
                                  f"split in two")
                return None
            if e.status == 400:
                raise FetchError(f"{what}: the server rejected the query as Bad Request (HTTP 400) at {url}; "
                                 f"query {body['query']!r}; check the table's variable and value codes "
                                 f"against its metadata", url=url, what=what, status=400) from None
            raise
        try:
            parse_jsonstat2(f.data)
        except (ValueError, KeyError, TypeError) as e:
            raise FetchError(f"{what}: response from {url} is not JSON-stat 2.0 as asked: {e}",
                             url=url, what=what) from None
        return f

    # selections → codes
    def resolve(self, meta: TableMeta, selections: Iterable[Any], *, years: Iterable[int] | None = None,
                table: str = "") -> dict[str, list[str]]:
        """Explicit value codes per variable (see `pxweb.resolve`)."""
        return resolve(meta, selections, years=years, table=table)

    # parsed
    def metadata(self, path: str) -> TableMeta:
        return parse_metadata(self.fetch_metadata(path).data)

    def get_table(self, path: str, selections: Iterable[Any] = (), *, years: Iterable[int] | None = None,
                  contents: str | None = None) -> pd.DataFrame:
        """Tidy frame of a table for the selections (see `jsonstat.parse_jsonstat2`)."""
        meta = self.metadata(path)
        sel = self.resolve(meta, selections, years=years, table=table_id(path))
        parts = self.fetch_data(path, sel, meta=meta, contents=contents)
        return concat_parts([parse_jsonstat2(f.data) for f in parts])


# --- the fetch step -------------------------------------------------------------

def fetch_into(draft: Draft, client: StatFinClient, tables: Iterable[Any], years: Iterable[int],
               progress: Callable[[str], None]) -> None:
    """StatFin's part of `sosrap fetch`: the `?config` limits, then per table its
    folder listing (small); metadata and data only when the table's `updated`
    stamp or its request in params differ from the previous snapshot's."""
    tables, years = list(tables), list(years)
    prev = draft.previous(SOURCE, client.base_url)
    cfg = client.config()
    if client.config_fetched is not None:
        draft.add("statfin/config.json", client.config_fetched, SOURCE, "config", None, LICENCE,
                  reuse_identical=prev is not None)
    progress(f"statfin limits: {cfg.cell_limit} cells per query, {cfg.max_calls} calls per {cfg.time_window:g} s")
    for n, t in enumerate(tables, 1):
        _fetch_table(draft, client, prev, t, years, f"[{n}/{len(tables)}] statfin {t.id} ({t.path})", progress)


def _fetch_table(draft: Draft, client: StatFinClient, prev: Snapshot | None, t: Any, years: list[int], label: str,
                 progress: Callable[[str], None]) -> None:
    request = {"path": t.path, "contents_variable": t.contents_variable,
               "selections": [s.model_dump() for s in t.selections], "years": years}
    updated, listing_url = client.fetch_updated(t.path)
    if _carry_table(draft, prev, t.id, updated, request):
        progress(f"{label}: unchanged (updated {updated}), kept from {prev.id}")
        return
    meta_f = client.fetch_metadata(t.path)
    meta = parse_metadata(meta_f.data)
    sel = client.resolve(meta, t.selections, years=years, table=t.id)
    draft.add(f"statfin/{t.id}/metadata.json", meta_f, SOURCE, "metadata", t.id, LICENCE,
              extra={"updated": updated, "listing_url": listing_url, "request": request, "title": meta.title},
              reuse_identical=False)
    parts = client.fetch_data(t.path, sel, meta=meta, contents=t.contents_variable)
    cells = 0
    for i, f in enumerate(parts, 1):
        n_cells = cell_count({q["code"]: q["selection"]["values"] for q in f.body["query"]})
        cells += n_cells
        draft.add(f"statfin/{t.id}/data-{i:03d}.json", f, SOURCE, "data", t.id, LICENCE,
                  extra={"method": "POST", "query": f.body, "cells": n_cells, "updated": updated},
                  reuse_identical=False)
    progress(f"{label}: {cells} cells in {len(parts)} quer{'y' if len(parts) == 1 else 'ies'}, "
             f"{size_text(sum(len(f.content) for f in parts))}")


def _carry_table(draft: Draft, prev: Snapshot | None, tid: str, updated: str | None, request: dict) -> bool:
    """Keep the previous snapshot's metadata and data parts of *tid* when its
    `updated` stamp and request are the same (returns True when kept)."""
    if prev is None or not updated:
        return False
    old_meta = prev.find(SOURCE, "metadata", tid)
    old_parts = [f for f in prev.files if f.source == SOURCE and f.kind == "data" and f.key == tid]
    if (old_meta is None or not old_parts or old_meta.extra.get("updated") != updated
            or old_meta.extra.get("request") != request):
        return False
    draft.keep(old_meta)
    for p in old_parts:
        draft.keep(p)
    return True


def read_snapshot_table(snapshot: Snapshot, table: str) -> pd.DataFrame:
    """All data parts of one StatFin table in a snapshot, as one tidy frame."""
    parts = sorted((f for f in snapshot.files if f.source == SOURCE and f.kind == "data" and f.key == table),
                   key=lambda f: f.path)
    if not parts:
        raise SnapshotError(f"{snapshot.root}: snapshot {snapshot.id!r} has no StatFin table {table}; add it to "
                            f"the edition's sources.statfin.tables and run `sosrap fetch`")
    return concat_parts([parse_jsonstat2(snapshot.read_json(f)) for f in parts])
