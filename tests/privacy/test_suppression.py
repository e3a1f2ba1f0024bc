"""Small-count suppression, primary and complementary (sosrap.privacy.suppression)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from sosrap import privacy as P


def _exact_cells(st: P.SuppressedTable) -> list[tuple[int, int]]:
    """Independent check by linear programming: hidden cells whose value is pinned
    down exactly by the published cells, the totals and non-negativity."""
    vals = st.counts.to_numpy().astype(float)
    hidden = st.hidden.to_numpy()
    R, C = vals.shape
    idx = [tuple(x) for x in np.argwhere(hidden)]
    if not idx:
        return []
    pos = {c: k for k, c in enumerate(idx)}
    A, b = [], []
    for i in range(R):   # row i: Σ_j<C-1 x_ij = x_i,C-1
        row, rhs = np.zeros(len(idx)), 0.0
        for j in range(C):
            sgn = -1.0 if j == C - 1 else 1.0
            if (i, j) in pos:
                row[pos[(i, j)]] += sgn
            else:
                rhs -= sgn * vals[i, j]
        A.append(row)
        b.append(rhs)
    for j in range(C):
        row, rhs = np.zeros(len(idx)), 0.0
        for i in range(R):
            sgn = -1.0 if i == R - 1 else 1.0
            if (i, j) in pos:
                row[pos[(i, j)]] += sgn
            else:
                rhs -= sgn * vals[i, j]
        A.append(row)
        b.append(rhs)
    exact = []
    for k, cell in enumerate(idx):
        cvec = np.zeros(len(idx))
        cvec[k] = 1
        lo = linprog(cvec, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-cvec, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status == 0
        if abs(-hi.fun - lo.fun) < 1e-6:
            exact.append(cell)
    return exact


def test_primary_and_complementary_suppression():
    t = pd.DataFrame([[10, 3, 20], [8, 12, 9], [15, 7, 30]], index=list("abc"), columns=list("XYZ"))
    st = P.suppress(t, 5)
    disp = st.display()
    assert disp.loc["a", "Y"] == "x"
    assert st.primary.values.sum() == 1 and st.secondary.values.sum() >= 3
    assert P.determined_cells(st) == []
    assert _exact_cells(st) == []
    # rows/columns with a hidden cell have at least two hidden cells
    h = st.hidden.to_numpy()
    for line in list(h) + list(h.T):
        assert line.sum() in (0,) or line.sum() >= 2
    assert disp.loc["Yhteensä", "Yhteensä"] == "114"


def test_small_total_is_suppressed_and_protected():
    t = pd.DataFrame([[1, 2, 0], [10, 12, 9], [15, 7, 30]], index=list("abc"), columns=list("XYZ"))
    st = P.suppress(t, 5)
    assert st.hidden.loc["a", "Yhteensä"]          # row total 3 < 5
    assert not st.primary.loc["a", "Z"]            # a zero is not a small count
    assert _exact_cells(st) == []


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_leave_nothing_recoverable(seed):
    rng = np.random.default_rng(seed)
    R, C = int(rng.integers(2, 8)), int(rng.integers(2, 7))
    vals = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 30], size=(R, C), p=[.1, .12, .1, .08, .1, .15, .15, .1, .1])
    st = P.suppress(pd.DataFrame(vals), 5)
    shown = st.display()
    for i in range(st.counts.shape[0]):
        for j in range(st.counts.shape[1]):
            v = st.counts.iat[i, j]
            if 0 < v < 5:
                assert shown.iat[i, j] == "x"
    assert P.determined_cells(st) == []
    assert _exact_cells(st) == []


def test_series_suppression_hides_two():
    s = pd.Series([10, 3, 20, 0, 40], index=list("abcde"), name="n")
    st = P.suppress(s, 5)
    disp = st.display()
    assert list(disp.columns) == ["n"]                 # no repeated total column
    assert disp.loc["b", "n"] == "x"
    assert (disp["n"] == "x").sum() >= 2
    assert _exact_cells(st) == []


def test_one_cell_table_fully_hidden():
    st = P.suppress(pd.DataFrame([[3]]), 5)
    assert st.hidden.to_numpy().all()


def test_masked_and_note_and_log():
    st = P.suppress(pd.DataFrame([[1, 9], [9, 9]]), 5, marker="..")
    assert st.masked().isna().to_numpy().sum() == st.hidden.to_numpy().sum()
    assert ".." in st.note() and "1–4" in st.note()
    assert st.log()["primary"] == 1
    assert "hidden" in st.note("en")


def test_hide_small_rates():
    pct = pd.Series([50.0, 20.0])
    assert P.hide_small_rates(pct, pd.Series([10, 4])).isna().tolist() == [False, True]


def test_suppress_rejects_negative():
    with pytest.raises(ValueError):
        P.suppress(pd.DataFrame([[-1, 2]]))
