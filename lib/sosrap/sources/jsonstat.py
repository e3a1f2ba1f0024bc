"""JSON-stat 2.0 datasets (what PxWeb answers a query with) → tidy frames.

Hand-written rather than pyjstat: pyjstat's frame has only `value` and drops
the `status` array, and here a missing cell keeps its status marker (`.`,
`..`, `...`: impossible, unavailable, confidential) and becomes a missing
value, never a zero.
"""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

MISSING_MARKERS = {
    ".": "loogisesti mahdoton esittää",
    "..": "tietoa ei ole saatu tai se on liian epävarma esitettäväksi",
    "...": "tieto on salassapitosäännön alainen",
}


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


def _dimensions(raw: dict) -> tuple[list[str], list[int], list[list[str]]]:
    """Dimension ids, sizes and category codes of a dataset, checked against each other."""
    if not isinstance(raw, dict) or raw.get("class") != "dataset" or "id" not in raw:
        raise ValueError("expected a JSON-stat 2.0 dataset (class 'dataset' with id, size, dimension, value)")
    ids = [str(i) for i in raw["id"]]
    sizes = [int(s) for s in raw["size"]]
    codes = [_category_codes(raw["dimension"][i]) for i in ids]
    for i, c, s in zip(ids, codes, sizes):
        if len(c) != s:
            raise ValueError(f"dimension {i}: {len(c)} categories but size {s}")
    return ids, sizes, codes


def _values_and_status(raw: dict, n: int) -> tuple[Any, Any]:
    """`value` as floats (NaN where a missing-marker applies) and `status` as text or None."""
    values = _expand(raw.get("value"), n)
    status = _expand(raw.get("status"), n)
    val = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").astype("float64")
    st = pd.Series([None if s in (None, "") else str(s) for s in status], dtype="object")
    val[st.isin(list(MISSING_MARKERS)).to_numpy()] = float("nan")
    return val.to_numpy(), st.to_numpy()


def parse_jsonstat2(raw: dict) -> pd.DataFrame:
    """JSON-stat 2.0 dataset → tidy long frame.

    One row per cell: for each dimension a code column (named by the
    dimension id) and a `<id>_text` label column, then `value` (float, NaN
    when missing) and `status` (the marker, e.g. "..", or None). Dimension
    roles (time, metric) are kept in `df.attrs`.
    """
    ids, sizes, codes = _dimensions(raw)
    dims = raw["dimension"]
    values, status = _values_and_status(raw, math.prod(sizes))
    index = pd.MultiIndex.from_product(codes, names=ids)   # row-major: the last dimension varies fastest
    df = index.to_frame(index=False)
    for i in ids:
        labels = (dims[i].get("category") or {}).get("label") or {}
        df[f"{i}_text"] = df[i].map(lambda c, labels=labels: labels.get(c, c))
    df["value"] = values
    df["status"] = status
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
