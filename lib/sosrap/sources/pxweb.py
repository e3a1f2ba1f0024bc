"""PxWeb API v1 without HTTP: `?config` limits, table metadata, selections
resolved to value codes, and queries split under the cell limit.

Hand-written because Statistics Finland serves PxWeb v1 and pxwebpy supports
only v2; the splitting follows rOpenGov's R `pxweb` (time first, never the
contents variable). Variable and value codes are **resolved from the table's
metadata** (by code or by the text a person sees), never hard-coded: the
8 June 2026 restructuring renamed them (`Alue` → `alue_23_20260101`,
`Tiedot` → `contentscode`, `vaesto` → `vaerak-vaesto`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

from sosrap.errors import FetchError

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


def halve(selection: dict[str, list[str]], order: list[str]) -> list[dict[str, list[str]]] | None:
    for code in order:
        vals = selection.get(code) or []
        if len(vals) > 1:
            mid = len(vals) // 2
            return [{**selection, code: vals[:mid]}, {**selection, code: vals[mid:]}]
    return None



def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, dict) else getattr(obj, key, default)


def _chosen_values(var: Variable, selection: Any, table: str) -> list[str]:
    values, top = _get(selection, "values", "all"), _get(selection, "top")
    if top:
        return list(var.values[-int(top):])
    if values in (None, "all", "*"):
        return list(var.values)
    return var.resolve_values(values if isinstance(values, (list, tuple)) else [values], table=table)


def resolve(meta: TableMeta, selections: Iterable[Any], *, years: Iterable[int] | None = None,
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
        chosen[var.code] = _chosen_values(var, s, table)
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
