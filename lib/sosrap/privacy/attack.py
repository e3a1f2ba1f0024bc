"""The exact attack a disclosure-control plan must survive.

An attacker knows every published number and every linear relation between
the published pieces (table margins, cells two tables share, totals written
in the text, what a rounded share says). For each hidden cell, integer
programming finds the least and the greatest value it can take given all of
that: its feasible range. scipy's `milp` (HiGHS) does the solving; this
module only builds the problem.

Variables are the unknown cells (hidden ones and latent quantities such as
"reports per year", which are never published but are tied to what is); the
published cells are constants. All variables are non-negative integers below
*upper*.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable, Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

Key = Hashable


@dataclass(frozen=True)
class Relation:
    """``lo ≤ Σ coef·x ≤ hi`` over cells of the plan (lo == hi: an equality)."""
    coefs: Mapping[Key, float]
    lo: float
    hi: float


def _system(values: Mapping[Key, int], pos: Mapping[Key, int], relations: Sequence[Relation]
            ) -> tuple[list[np.ndarray], list[float], list[float]]:
    """The relations as rows over the unknown cells, published cells moved to the bounds."""
    rows, lbs, ubs = [], [], []
    for rel in relations:
        known = sum(c * values[k] for k, c in rel.coefs.items() if k not in pos)
        truth = sum(c * values[k] for k, c in rel.coefs.items())
        if truth < rel.lo - 1e-9 or truth > rel.hi + 1e-9:
            raise ValueError("a relation of the disclosure plan does not hold for the data")
        if not any(k in pos for k in rel.coefs):
            continue
        row = np.zeros(len(pos))
        for k, c in rel.coefs.items():
            if k in pos:
                row[pos[k]] += c
        rows.append(row)
        lbs.append(rel.lo - known)
        ubs.append(rel.hi - known)
    return rows, lbs, ubs


def feasible_ranges(values: Mapping[Key, int], unknown: Iterable[Key], relations: Sequence[Relation],
                    targets: Iterable[Key], *, upper: float, need: float | None = None
                    ) -> dict[Key, tuple[float, float]]:
    """The least and greatest value of each *target* over all non-negative
    integer assignments of the *unknown* cells that satisfy every relation,
    the other cells fixed at their published *values*.

    With *need*, a target is not solved for once two solutions found on the
    way (for other targets, or the true values) already differ by *need*: its
    range is then at least what is returned. A range narrower than *need* is
    always exact.

    Raises ValueError when the true values themselves break a relation (the
    plan would then be attacking a different table from the one published)."""
    unknown = list(dict.fromkeys(unknown))
    pos = {k: n for n, k in enumerate(unknown)}
    rows, lbs, ubs = _system(values, pos, relations)
    out: dict[Key, tuple[float, float]] = {}
    if not unknown:
        return out
    cons = [LinearConstraint(np.array(rows), np.array(lbs), np.array(ubs))] if rows else []
    bounds = Bounds(np.zeros(len(unknown)), np.full(len(unknown), float(upper)))
    integrality = np.ones(len(unknown))
    truth = np.array([values[k] for k in unknown], dtype=float)
    seen_lo, seen_hi = truth.copy(), truth.copy()      # values some feasible solution gives each cell
    targets = list(targets)
    for t in targets:
        n = pos[t]
        if need is not None and seen_hi[n] - seen_lo[n] >= need:
            continue                                    # two solutions already differ enough
        for sign in (1.0, -1.0):
            c = np.zeros(len(unknown))
            c[n] = sign
            res = milp(c, constraints=cons, bounds=bounds, integrality=integrality)
            if res.status != 0:                         # infeasible cannot happen: the true values solve it
                raise RuntimeError(f"disclosure attack: the solver stopped ({res.message})")
            x = np.round(res.x)
            seen_lo, seen_hi = np.minimum(seen_lo, x), np.maximum(seen_hi, x)
    for t in targets:
        out[t] = (float(seen_lo[pos[t]]), float(seen_hi[pos[t]]))
    return out
