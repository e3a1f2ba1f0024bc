"""Small-count suppression of published count tables.

Cells with ``0 < n < min_count`` are hidden (primary), then more cells are
hidden (complementary) until no hidden cell can be worked out from the row
and column totals. The check is exact linear algebra on the table with its
margins, not a rule of thumb. Hand-written: the maintained SDC tools (sdcMicro,
tau-Argus) are R or Java programs, not Python libraries.

For a whole report the same steps run jointly over every published table
(`sosrap.privacy.plan`): `counts_table`, `complete` and `widen` are the
pieces it uses, table by table, between its cross-table attacks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# defined with the protected tables (which the audit reads without NumPy or pandas), used here
from sosrap.privacy.protected import DEFAULT_MARKER, DEFAULT_MIN_COUNT  # noqa: F401
from sosrap.report import fmt
from sosrap.report import wording as _wording
TOTAL_LABEL = "Yhteensä"


@dataclass
class SuppressedTable:
    """A count table with its margins and which cells are hidden, and why.

    ``counts`` includes the margins (last row and column, labelled
    ``TOTAL_LABEL``) when ``margins`` is true. ``primary`` and ``secondary`` are
    boolean frames of the same shape.
    """
    counts: pd.DataFrame
    primary: pd.DataFrame
    secondary: pd.DataFrame
    min_count: int
    marker: str = DEFAULT_MARKER
    margins: bool = True
    series: bool = False  # built from a Series: its total column only repeats the values

    @property
    def hidden(self) -> pd.DataFrame:
        return self.primary | self.secondary

    def display(self, decimals: int = 0) -> pd.DataFrame:
        """Strings ready to publish: Finnish number format, the marker for hidden cells."""
        hidden = self.hidden
        out = self.counts.copy().astype(object)
        for r in range(out.shape[0]):
            for c in range(out.shape[1]):
                out.iat[r, c] = self.marker if hidden.iat[r, c] else fmt.number(self.counts.iat[r, c], decimals)
        if self.series and self.margins:
            out = out.iloc[:, :1]
        return out

    def masked(self) -> pd.DataFrame:
        """Counts with hidden cells as missing (for charts: never plot a hidden value)."""
        return self.counts.astype("Float64").mask(self.hidden)

    def note(self, lang: str | None = None) -> str:
        return suppression_note(self.min_count, self.marker, lang)

    def log(self) -> dict:
        """The disclosure log entry: what was hidden, by which rule, as counts only."""
        return {"cells": int(self.counts.size), "primary": int(self.primary.values.sum()),
                "secondary": int(self.secondary.values.sum()), "min_count": self.min_count}


def suppression_note(min_count: int = DEFAULT_MIN_COUNT, marker: str = DEFAULT_MARKER, lang: str | None = None) -> str:
    """What the marker means, in *lang* (default: the report's language, `sosrap.report.wording`)."""
    if lang == "en":
        return (f"{marker} = hidden for privacy: a count between 1 and {min_count - 1}, or a count that "
                f"would let such a count be worked out from the totals.")
    return _wording.t("cw.suppression_note", lang, marker=marker, max=min_count - 1)


def _determined(hidden: np.ndarray) -> np.ndarray:
    """For a table whose last row and column are the margins, which hidden
    cells an attacker can compute exactly from the published ones.

    Each row i gives Σ_j<C x_ij − x_iC = 0, each column likewise. A hidden
    cell is determined iff every solution of the homogeneous system on the
    hidden cells has a zero in it, i.e. its component is zero in every
    null-space vector.
    """
    R, C = hidden.shape
    idx = np.argwhere(hidden)
    if len(idx) == 0:
        return np.zeros_like(hidden, dtype=bool)
    A = np.zeros((R + C, len(idx)))
    for k, (i, j) in enumerate(idx):
        A[i, k] = -1.0 if j == C - 1 else 1.0          # row constraint i
        A[R + j, k] = -1.0 if i == R - 1 else 1.0      # column constraint j
    # Null space by SVD (tables are small: at most a few hundred hidden cells).
    _, s, vt = np.linalg.svd(A, full_matrices=True)
    rank = int((s > 1e-9).sum())
    null = vt[rank:]
    det = np.zeros_like(hidden, dtype=bool)
    for k, (i, j) in enumerate(idx):
        det[i, j] = null.shape[0] == 0 or np.all(np.abs(null[:, k]) < 1e-9)
    return det


def determined_cells(st: SuppressedTable) -> list[tuple[str, str]]:
    """Hidden cells whose value follows from the published cells (should be none)."""
    if not st.margins:
        return []
    det = _determined(st.hidden.to_numpy())
    return [(str(st.counts.index[i]), str(st.counts.columns[j])) for i, j in np.argwhere(det)]


def suppress(table: pd.DataFrame | pd.Series, min_count: int = DEFAULT_MIN_COUNT, *, margins: bool = True,
             marker: str = DEFAULT_MARKER, total_label: str = TOTAL_LABEL) -> SuppressedTable:
    """Primary and complementary suppression of a count table.

    *table* holds counts without margins (a Series is a one-column table).
    With ``margins`` the row and column totals are added, and treated as
    published counts too: a small total is hidden, and enough further cells
    are hidden that no hidden cell (total or not) can be recovered.

    Complementary cells are chosen to close a rectangle through each
    recoverable cell at the least cost, preferring inner cells that are
    already publishable (n ≥ min_count, so hiding them loses little and the
    hidden cell's feasible range reaches past the threshold), and zeros last
    (a hidden zero next to a hidden small count can be bounded away).
    """
    series = isinstance(table, pd.Series)
    full = _counts_table(table, margins, total_label)
    vals = full.to_numpy()
    primary = (vals > 0) & (vals < min_count)
    hidden = _complement(vals, primary, min_count) if margins else primary.copy()
    prim = pd.DataFrame(primary, index=full.index, columns=full.columns)
    sec = pd.DataFrame(hidden & ~primary, index=full.index, columns=full.columns)
    return SuppressedTable(full, prim, sec, min_count, marker, margins, series)


def counts_table(table: pd.DataFrame | pd.Series, margins: bool = True,
                 total_label: str = TOTAL_LABEL) -> pd.DataFrame:
    """The table as `suppress` publishes it: integer counts with the margins."""
    return _counts_table(table, margins, total_label)


def complete(vals: np.ndarray, hidden: np.ndarray, min_count: int, fixed: np.ndarray | None = None) -> np.ndarray:
    """*hidden* plus the complementary cells that keep every hidden cell from
    following from the margins of this one table (last row and column).
    *fixed* cells stay published (their value is published elsewhere)."""
    return _complement(vals, hidden, min_count, fixed)


def widen(vals: np.ndarray, hidden: np.ndarray, i: int, j: int, min_count: int,
          fixed: np.ndarray | None = None) -> np.ndarray:
    """*hidden* plus the cheapest further rectangle through (i, j): used when an
    attack across tables narrows cell (i, j) too much. When every rectangle is
    already hidden, the rest of row i and column j are hidden. *fixed* cells
    stay published."""
    out = hidden.copy()
    best = _cheapest_rectangle(vals, out, i, j, min_count, fixed)
    if best:
        for c in best:
            out[c] = True
        return out
    out[i, :] = True
    out[:, j] = True
    return out if fixed is None else out & ~fixed


def _counts_table(table: pd.DataFrame | pd.Series, margins: bool, total_label: str) -> pd.DataFrame:
    """Non-negative integer counts (a Series becomes one column), with the row
    and column totals as the last column and row when *margins*."""
    if isinstance(table, pd.Series):
        table = table.to_frame(name=table.name if table.name is not None else "n")
    base = table.fillna(0)
    if (base.to_numpy() < 0).any():
        raise ValueError("suppress: counts must be non-negative")
    base = base.astype("int64")
    if not margins:
        return base
    full = base.copy()
    full[total_label] = full.sum(axis=1)
    full.loc[total_label] = full.sum(axis=0)
    return full


def _complement(vals: np.ndarray, primary: np.ndarray, min_count: int, fixed: np.ndarray | None = None
                ) -> np.ndarray:
    """The hidden cells: *primary* plus complementary cells, added one
    rectangle at a time until no hidden cell is determined by the margins
    (never a *fixed* cell: the attack of the plan then finds what is left)."""
    hidden = primary.copy()
    R, C = vals.shape
    for _ in range(R * C + 1):
        det = _determined(hidden)
        if not det.any():
            return hidden
        i, j = (int(x) for x in np.argwhere(det)[0])
        best = _cheapest_rectangle(vals, hidden, i, j, min_count, fixed)
        if best is None:  # 1×1 table (or every rectangle needs a fixed cell): nothing to pair with
            hidden[:] = True
            return hidden if fixed is None else hidden & ~fixed
        for c in best:
            hidden[c] = True
    hidden[:] = True  # pragma: no cover - the loop adds at least one cell each round
    return hidden


def _cheapest_rectangle(vals: np.ndarray, hidden: np.ndarray, i: int, j: int, min_count: int,
                        fixed: np.ndarray | None = None) -> list[tuple[int, int]] | None:
    """The cells still to hide to close the cheapest rectangle through (i, j),
    or None when there is no other row and column to close one with (a
    rectangle through a *fixed* cell does not count)."""
    R, C = vals.shape

    def cost(r: int, c: int) -> tuple:
        v = vals[r, c]
        is_total = r == R - 1 or c == C - 1
        return (v == 0, v < min_count, is_total, int(v))

    best, best_cost = None, None
    for i2 in range(R):
        if i2 == i:
            continue
        for j2 in range(C):
            if j2 == j:
                continue
            add = [c for c in [(i, j2), (i2, j), (i2, j2)] if not hidden[c]]
            if not add or (fixed is not None and any(fixed[c] for c in add)):
                continue
            costs = sorted((cost(*c) for c in add), reverse=True)
            key = (costs[0], len(add), sum(c[3] for c in costs))
            if best_cost is None or key < best_cost:
                best, best_cost = add, key
    return best


def hide_small_rates(values: pd.DataFrame | pd.Series, n: pd.DataFrame | pd.Series,
                     min_count: int = DEFAULT_MIN_COUNT) -> pd.DataFrame | pd.Series:
    """Rates, means and percentages derived from fewer than *min_count* units are hidden too."""
    return values.mask(n < min_count)
