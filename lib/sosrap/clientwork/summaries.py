"""Summaries of validated client-work data: code labels, one row per code,
count tables with every code of the code lists, co-occurring categories and
Likert summaries. Aggregates only; publication goes through
`sosrap.privacy.suppress`."""
from __future__ import annotations

from itertools import combinations
from typing import Sequence

import numpy as np
import pandas as pd

from sosrap import privacy
from sosrap.params import ClientWork, CodeItem
from sosrap.report.wording import t


def labels(items: Sequence[CodeItem]) -> dict[str, str]:
    return {it.code: it.label for it in items}


def explode_codes(df: pd.DataFrame, col: str) -> pd.DataFrame:
    """One row per (report, code) for a `;`-joined code column."""
    out = df.assign(**{col: df[col].fillna("").str.split(";")}).explode(col)
    return out[out[col].astype(bool)]


def phenomena_counts(df: pd.DataFrame, cw: ClientWork) -> pd.DataFrame:
    """Reports per category × service area × year (long). A report with two
    categories counts once in each, so category totals exceed the report count."""
    long = explode_codes(df, "categories")
    out = long.groupby(["categories", "service_area", "year"]).size().rename("n").reset_index()
    return out.rename(columns={"categories": "category"})


def crosstab(df: pd.DataFrame, rows: str, cols: str, *, row_codes: Sequence[CodeItem] | None = None,
             col_codes: Sequence[CodeItem] | None = None, explode: Sequence[str] = ()) -> pd.DataFrame:
    """A count table with every code of the code lists (zeros included, so the
    table's shape does not reveal which cells are empty), labelled with the code lists' labels."""
    d = df
    for col in explode:
        d = explode_codes(d, col)
    t = pd.crosstab(d[rows], d[cols])
    if row_codes is not None:
        t = t.reindex([c.code for c in row_codes], fill_value=0)
        t.index = [c.label for c in row_codes]
    if col_codes is not None:
        t = t.reindex(columns=[c.code for c in col_codes], fill_value=0)
        t.columns = [c.label for c in col_codes]
    t.index.name = None
    t.columns.name = None
    return t.astype("int64")


def cooccurrence(df: pd.DataFrame, cw: ClientWork) -> pd.DataFrame:
    """Pairs of categories reported together, most frequent first: (a, b, n)."""
    pairs: dict[tuple[str, str], int] = {}
    for cats in df["categories"].fillna(""):
        cs = sorted(set(c for c in cats.split(";") if c))
        for a, b in combinations(cs, 2):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    lab = labels(cw.categories)
    rows = [(lab.get(a, a), lab.get(b, b), n) for (a, b), n in pairs.items()]
    ca, cb = t("cw.category_a"), t("cw.category_b")
    out = pd.DataFrame(rows, columns=[ca, cb, "n"])
    return out.sort_values(["n", ca, cb], ascending=[False, True, True]).reset_index(drop=True)


def likert_summary(df: pd.DataFrame, cw: ClientWork, *, min_count: int = privacy.DEFAULT_MIN_COUNT,
                   by: str | None = None) -> pd.DataFrame:
    """Per item (and group): n answers, mean on the 1–k scale, % agreeing (top
    two) and % disagreeing (bottom two). Means and shares from fewer than
    *min_count* answers are hidden (NaN) — the count n itself is kept for the
    table's suppression to handle — and so is a share whose numerator is a
    small count ('0,7 % agree' of 420 answers says that three people agreed).
    Every table, figure and key figure reads shares from here, so none can
    show what another hides."""
    k = len(cw.likert_scale)
    rows = []
    groups = [(None, df)] if by is None else list(df.groupby(by, sort=True))
    for g, sub in groups:
        for q in cw.likert_items:
            s = sub[q.code].dropna().astype(int)
            n = int(len(s))
            agree, disagree = int((s >= k - 1).sum()), int((s <= 2).sum())
            row = {"item": q.code, "statement": q.text, "n": n,
                   "mean": float(s.mean()) if n else np.nan,
                   "agree_pct": 100.0 * agree / n if n and not 0 < agree < min_count else np.nan,
                   "disagree_pct": 100.0 * disagree / n if n and not 0 < disagree < min_count else np.nan}
            if by is not None:
                row = {by: g, **row}
            if n < min_count:
                row.update(mean=np.nan, agree_pct=np.nan, disagree_pct=np.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def likert_distribution(df: pd.DataFrame, cw: ClientWork) -> pd.DataFrame:
    """Answers per item × scale point (counts, for suppression and charts)."""
    k = len(cw.likert_scale)
    t = pd.DataFrame({q.text: df[q.code].dropna().astype(int).value_counts().reindex(range(1, k + 1), fill_value=0)
                      for q in cw.likert_items}).T
    t.columns = list(cw.likert_scale)
    return t.astype("int64")
