"""Statistics Finland (Tilastokeskus) PxWeb API v1: metadata, data, JSON-stat 2.0.

- `GET <base>/<path>/<table>.px` → table metadata (variables with codes,
  texts, values, valueTexts, elimination, time).
- `POST` the same URL with a query → data as JSON-stat 2.0.
- `GET <…/api/v1/<lang>/>?config` → limits (maxValues, maxCells, maxCalls,
  timeWindow): queries above the cell limit are split, calls are throttled.

Variable and value codes are **resolved from the table's metadata** (by code
or by the text a person sees), never hard-coded: the 8 June 2026
restructuring renamed them (`Alue` → `alue_23_20260101`, `Tiedot` →
`contentscode`, `vaesto` → `vaerak-vaesto`). Missing cells carry a status
marker (`.`, `..`, `...`); they become missing values with the marker kept,
never zeros.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

import pandas as pd

from sosrap.errors import FetchError
from sosrap.sources.http import Fetched, HttpClient, Throttle, endpoint

SOURCE = "statfin"
ENV_URL = "SOSRAP_STATFIN_URL"
DEFAULT_BASE_URL = "https://pxdata.stat.fi/PXWeb/api/v1/fi/StatFin/"
LICENCE = "CC BY 4.0 (Tilastokeskus)"
MISSING_MARKERS = {
    ".": "loogisesti mahdoton esittää",
    "..": "tietoa ei ole saatu tai se on liian epävarma esitettäväksi",
    "...": "tieto on salassapitosäännön alainen",
}
CONTENTS_NAMES = {"tiedot", "contentscode", "contents", "information", "uppgifter"}


@dataclass(frozen=True)
class PxConfig:
    """The API's published limits; `time_window` in seconds."""
    max_values: int = 120_000
    max_cells: int = 120_000
    max_calls: int = 40
    time_window: float = 60.0

    @property
    def cell_limit(self) -> int:
        return min(self.max_values, self.max_cells)

    @classmethod
    def from_json(cls, d: dict) -> "PxConfig":
        dflt = cls()
        return cls(max_values=int(d.get("maxValues") or dflt.max_values),
                   max_cells=int(d.get("maxCells") or d.get("maxValues") or dflt.max_cells),
                   max_calls=int(d.get("maxCalls") or dflt.max_calls),
                   time_window=float(d.get("timeWindow") or dflt.time_window))


@dataclass(frozen=True)
class Variable:
    code: str
    text: str
    values: tuple[str, ...]
    value_texts: tuple[str, ...]
    elimination: bool = False
    time: bool = False

    def resolve_values(self, refs: Iterable[str], *, table: str = "") -> list[str]:
        """Value codes for *refs*, each given as a code or as its text
        (case-insensitive; "KU564 Oulu" style texts also match "Oulu")."""
        by_code = {v: v for v in self.values}
        by_code_ci = {v.lower(): v for v in self.values}
        by_text = {t.lower(): v for v, t in zip(self.values, self.value_texts)}
        by_tail = {}
        for v, t in zip(self.values, self.value_texts):
            if t.startswith(v + " "):
                by_tail.setdefault(t[len(v) + 1:].lower(), v)
        out = []
        for ref in refs:
            r = str(ref)
            hit = by_code.get(r) or by_code_ci.get(r.lower()) or by_text.get(r.lower()) or by_tail.get(r.lower())
            if hit is None:
                sample = ", ".join(f"{v} ({t})" for v, t in list(zip(self.values, self.value_texts))[:8])
                raise FetchError(f"StatFin table {table}: variable {self.code} ({self.text}) has no value {r!r}; "
                                 f"values are e.g. {sample}{' …' if len(self.values) > 8 else ''}",
                                 what=f"StatFin table {table}")
            if hit not in out:
                out.append(hit)
        return out


@dataclass(frozen=True)
class TableMeta:
    title: str
    variables: tuple[Variable, ...]

    def variable(self, ref: str, *, table: str = "") -> Variable:
        """A variable by code or by text (case-insensitive)."""
        r = str(ref).lower()
        for v in self.variables:
            if v.code.lower() == r:
                return v
        for v in self.variables:
            if v.text.lower() == r:
                return v
        known = ", ".join(f"{v.code} ({v.text})" for v in self.variables)
        raise FetchError(f"StatFin table {table}: no variable {ref!r}; variables are {known}",
                         what=f"StatFin table {table}")

    def time_variable(self) -> Variable | None:
        return next((v for v in self.variables if v.time), None)

    def contents_variable(self, override: str | None = None, *, table: str = "") -> Variable | None:
        """The "Tiedot"/contents variable: never split on it (each query must
        keep whole measures). Found by code or text, or named in params."""
        if override:
            return self.variable(override, table=table)
        return next((v for v in self.variables
                     if v.code.lower() in CONTENTS_NAMES or v.text.lower() in CONTENTS_NAMES), None)


def parse_metadata(raw: dict) -> TableMeta:
    """GET on a table URL → `TableMeta`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("variables"), list):
        raise ValueError("expected PxWeb table metadata {title, variables:[…]}")
    vs = []
    for v in raw["variables"]:
        values = tuple(str(x) for x in v.get("values") or ())
        texts = tuple(str(x) for x in v.get("valueTexts") or values)
        vs.append(Variable(code=str(v["code"]), text=str(v.get("text") or v["code"]), values=values,
                           value_texts=texts, elimination=bool(v.get("elimination")), time=bool(v.get("time"))))
    return TableMeta(title=str(raw.get("title") or ""), variables=tuple(vs))


def config_url(base_url: str) -> str:
    """`…/api/v1/<lang>/?config` from a database base URL such as `…/api/v1/fi/StatFin/`."""
    m = re.match(r"^(.*?/api/v1/[A-Za-z]{2}/)", base_url)
    root = m.group(1) if m else base_url.rstrip("/").rsplit("/", 1)[0] + "/"
    return root + "?config"


def table_id(path: str) -> str:
    """'vaerak/11ra.px' → '11ra'; 'tjt/statfin_tjt_pxt_128c.px' → 'statfin_tjt_pxt_128c'."""
    return path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".px")


def cell_count(selection: dict[str, list[str]]) -> int:
    return math.prod(len(v) for v in selection.values()) if selection else 0


def build_query(selection: dict[str, list[str]]) -> dict:
    """The POST body (always explicit `item` filters, so a query is reproducible
    and splittable)."""
    return {"query": [{"code": code, "selection": {"filter": "item", "values": list(values)}}
                      for code, values in selection.items()],
            "response": {"format": "json-stat2"}}


def split_order(meta: TableMeta, contents: Variable | None) -> list[str]:
    """Variables a too-large query may be split on: time first, then eliminable
    ones, then other classifiers as a last resort; never the contents variable."""
    skip = {contents.code} if contents else set()
    time = [v.code for v in meta.variables if v.time and v.code not in skip]
    elim = [v.code for v in meta.variables if v.elimination and not v.time and v.code not in skip]
    rest = [v.code for v in meta.variables if v.code not in skip and v.code not in time and v.code not in elim]
    return time + elim + rest


def plan_queries(selection: dict[str, list[str]], *, limit: int, order: list[str],
                 table: str = "") -> list[dict[str, list[str]]]:
    """Split *selection* into parts of at most *limit* cells each, by chunking
    the first splittable variable (then the next, if one value is still too
    many)."""
    n = cell_count(selection)
    if n <= limit:
        return [selection]
    for code in order:
        vals = selection.get(code) or []
        if len(vals) > 1:
            per_value = n // len(vals)
            chunk = max(1, limit // max(1, per_value))
            out: list[dict[str, list[str]]] = []
            for i in range(0, len(vals), chunk):
                out.extend(plan_queries({**selection, code: vals[i:i + chunk]}, limit=limit, order=order,
                                        table=table))
            return out
    raise FetchError(f"StatFin table {table}: a query of {n} cells exceeds the limit of {limit} and cannot be "
                     f"split further without splitting the contents variable; select fewer values",
                     what=f"StatFin table {table}")


def _halve(selection: dict[str, list[str]], order: list[str]) -> list[dict[str, list[str]]] | None:
    for code in order:
        vals = selection.get(code) or []
        if len(vals) > 1:
            mid = len(vals) // 2
            return [{**selection, code: vals[:mid]}, {**selection, code: vals[mid:]}]
    return None


# --- JSON-stat 2.0 -------------------------------------------------------------

def _category_codes(dim: dict) -> list[str]:
    cat = dim.get("category") or {}
    index = cat.get("index")
    if isinstance(index, list):
        return [str(x) for x in index]
    if isinstance(index, dict):
        return [str(k) for k, _ in sorted(index.items(), key=lambda kv: kv[1])]
    labels = cat.get("label") or {}
    return [str(k) for k in labels]            # a single-category dimension may omit index


def _expand(x: Any, n: int) -> list:
    """JSON-stat `value`/`status`: an array, an object {index: item} (sparse) or one item for all."""
    if x is None:
        return [None] * n
    if isinstance(x, list):
        if len(x) != n:
            raise ValueError(f"JSON-stat array has {len(x)} items, dimensions give {n}")
        return list(x)
    if isinstance(x, dict):
        out = [None] * n
        for k, v in x.items():
            out[int(k)] = v
        return out
    return [x] * n


def parse_jsonstat2(raw: dict) -> pd.DataFrame:
    """JSON-stat 2.0 dataset → tidy long frame.

    One row per cell: for each dimension a code column (named by the
    dimension id) and a `<id>_text` label column, then `value` (float, NaN
    when missing) and `status` (the marker, e.g. "..", or None). Dimension
    roles (time, metric) are kept in `df.attrs`.
    """
    if not isinstance(raw, dict) or raw.get("class") != "dataset" or "id" not in raw:
        raise ValueError("expected a JSON-stat 2.0 dataset (class 'dataset' with id, size, dimension, value)")
    ids = [str(i) for i in raw["id"]]
    sizes = [int(s) for s in raw["size"]]
    dims = raw["dimension"]
    codes = [_category_codes(dims[i]) for i in ids]
    for i, c, s in zip(ids, codes, sizes):
        if len(c) != s:
            raise ValueError(f"dimension {i}: {len(c)} categories but size {s}")
    n = math.prod(sizes)
    values = _expand(raw.get("value"), n)
    status = _expand(raw.get("status"), n)
    index = pd.MultiIndex.from_product(codes, names=ids)   # row-major: the last dimension varies fastest
    df = index.to_frame(index=False)
    for i in ids:
        labels = (dims[i].get("category") or {}).get("label") or {}
        df[f"{i}_text"] = df[i].map(lambda c, labels=labels: labels.get(c, c))
    val = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").astype("float64")
    st = pd.Series([None if s in (None, "") else str(s) for s in status], dtype="object")
    val[st.isin(list(MISSING_MARKERS)).to_numpy()] = float("nan")
    df["value"] = val.to_numpy()
    df["status"] = st.to_numpy()
    df = df[[c for i in ids for c in (i, f"{i}_text")] + ["value", "status"]]
    role = raw.get("role") or {}
    df.attrs = {"dimensions": ids, "time": list(role.get("time") or []), "metric": list(role.get("metric") or []),
                "label": raw.get("label", ""), "updated": raw.get("updated", ""), "source": raw.get("source", "")}
    return df


def concat_parts(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Join the frames of a split query (same dimensions) into one."""
    if not parts:
        return pd.DataFrame()
    attrs = parts[0].attrs
    df = pd.concat(parts, ignore_index=True)
    dims = attrs.get("dimensions") or []
    if dims:
        df = df.drop_duplicates(subset=dims, keep="first").reset_index(drop=True)
    df.attrs = attrs
    return df


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


def population(df: pd.DataFrame, *, area: str | None = None, contents_code: str | None = None) -> pd.DataFrame:
    """Population by area and year from a parsed table such as 11ra, keyed like
    Sotkanet regions: region_category, region_code, area code/name, year, population.
    (Sotkanet indicator 127 gives the same figures; this is the StatFin route.)"""
    dims = list(df.attrs.get("dimensions") or [c for c in df.columns if f"{c}_text" in df.columns])
    time = (df.attrs.get("time") or [None])[0] or next((d for d in dims if "vuosi" in d.lower()
                                                         or d.lower().startswith("timeperiod")), None)
    metric = (df.attrs.get("metric") or [None])[0]
    if area is None:
        area = next(d for d in dims if d not in (time, metric))
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

def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, dict) else getattr(obj, key, default)


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
        url = self.table_url(path)
        out: list[Fetched] = []
        while pending:
            part = pending.pop(0)
            body = build_query(part)
            what = f"StatFin table {tid} data"
            try:
                f = self.http.post_json(url, body, what=what, throttle=self.throttle)
            except FetchError as e:
                if e.status == 403:          # PxWeb's "query too large" (an HTML page, not an auth error)
                    halves = _halve(part, order)
                    if halves is None:
                        raise FetchError(f"{what}: query too large (HTTP 403) for {url} even at "
                                         f"{cell_count(part)} cells and cannot be split further",
                                         url=url, what=what, status=403) from None
                    self.notes.append(f"{tid}: server said query too large (403) at {cell_count(part)} cells; "
                                      f"split in two")
                    pending[:0] = halves
                    continue
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
            out.append(f)
        return out

    # selections → codes
    def resolve(self, meta: TableMeta, selections: Iterable[Any], *, years: Iterable[int] | None = None,
                table: str = "") -> dict[str, list[str]]:
        """Explicit value codes per variable, in the table's variable order.

        Each selection names a variable (code or text) and `values` (codes or
        texts, or "all") or `top` (the latest n, for time). Unnamed variables:
        the time variable gets the edition's *years* that the table has;
        eliminable ones are left out (the API aggregates them); others get
        all values."""
        chosen: dict[str, list[str]] = {}
        for s in selections:
            var = meta.variable(_get(s, "variable"), table=table)
            values, top = _get(s, "values", "all"), _get(s, "top")
            if top:
                chosen[var.code] = list(var.values[-int(top):])
            elif values in (None, "all", "*"):
                chosen[var.code] = list(var.values)
            else:
                chosen[var.code] = var.resolve_values(values if isinstance(values, (list, tuple)) else [values],
                                                      table=table)
        tv = meta.time_variable()
        if tv is not None and tv.code not in chosen and years is not None:
            want = {str(y) for y in years}
            have = [v for v in tv.values if v in want]
            if not have:
                raise FetchError(f"StatFin table {table}: none of the years {min(want)}–{max(want)} is in "
                                 f"{tv.code} ({tv.values[0]}–{tv.values[-1]})", what=f"StatFin table {table}")
            chosen[tv.code] = have
        out = {}
        for v in meta.variables:
            if v.code in chosen:
                out[v.code] = chosen[v.code]
            elif not v.elimination:
                out[v.code] = list(v.values)
        return out

    # parsed
    def metadata(self, path: str) -> TableMeta:
        return parse_metadata(self.fetch_metadata(path).data)

    def get_table(self, path: str, selections: Iterable[Any] = (), *, years: Iterable[int] | None = None,
                  contents: str | None = None) -> pd.DataFrame:
        """Tidy frame of a table for the selections (see `parse_jsonstat2`)."""
        meta = self.metadata(path)
        sel = self.resolve(meta, selections, years=years, table=table_id(path))
        parts = self.fetch_data(path, sel, meta=meta, contents=contents)
        return concat_parts([parse_jsonstat2(f.data) for f in parts])


def read_snapshot_table(snapshot: Any, table: str) -> pd.DataFrame:
    """All data parts of one StatFin table in a snapshot, as one tidy frame."""
    parts = sorted((f for f in snapshot.files if f.source == SOURCE and f.kind == "data" and f.key == table),
                   key=lambda f: f.path)
    if not parts:
        from sosrap.errors import SnapshotError
        raise SnapshotError(f"{snapshot.root}: snapshot {snapshot.id!r} has no StatFin table {table}; add it to "
                            f"the edition's sources.statfin.tables and run `sosrap fetch`")
    return concat_parts([parse_jsonstat2(snapshot.read_json(f)) for f in parts])
