"""Finnish number formatting: the edge cases a report reader would notice."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sosrap.report import fmt

NB = "\u00a0"
M = "\u2212"


@pytest.mark.parametrize("x, dec, want", [
    (0, 0, "0"),
    (0.0, 1, "0,0"),
    (-0.0, 1, "0,0"),
    (-0.04, 1, "0,0"),            # rounds to zero: no "−0,0"
    (-1.25, 1, f"{M}1,3"),        # half away from zero, real minus sign
    (0.05, 1, "0,1"),             # half up (banker's rounding would give 0,0)
    (0.15, 1, "0,2"),             # 0.15 is 0.1499999… in binary; people round it up
    (2.675, 2, "2,68"),
    (2.5, 0, "3"),
    (3.5, 0, "4"),
    (-2.5, 0, f"{M}3"),
    (999.95, 1, f"1{NB}000,0"),   # rounding carries into the thousands
    (1234, 0, f"1{NB}234"),
    (1234567.891, 2, f"1{NB}234{NB}567,89"),
    (-5563970, 0, f"{M}5{NB}563{NB}970"),
    (12.34, 1, "12,3"),
    (np.float64(6.25), 1, "6,3"),
    (np.int64(24174), 0, f"24{NB}174"),
])
def test_number(x, dec, want):
    assert fmt.number(x, dec) == want


@pytest.mark.parametrize("x", [None, float("nan"), np.nan])
def test_missing(x):
    assert fmt.number(x) == "–"
    assert fmt.percent(x) == "–"
    assert fmt.per_mille(x) == "–"
    assert fmt.signed(x) == "–"
    assert fmt.value(x, "PROS") == "–"
    assert fmt.interval(x, 1.0, "PROS") == "–"
    assert fmt.number(x, missing="ei tietoa") == "ei tietoa"


def test_percent_and_per_mille_have_nbsp():
    assert fmt.percent(12.34) == f"12,3{NB}%"
    assert fmt.per_mille(5.43) == f"5,4{NB}‰"
    assert fmt.percent(0) == f"0,0{NB}%"
    assert fmt.percent(-1.26) == f"{M}1,3{NB}%"


def test_value_by_type():
    assert fmt.value(6.2, "PROS") == f"6,2{NB}%"
    assert fmt.value(5.4, "PER1000") == f"5,4{NB}‰"
    assert fmt.value(12.3, "PER100000") == f"12,3{NB}/{NB}100{NB}000"
    assert fmt.value(416543, "LKM", 0) == f"416{NB}543"


def test_signed_and_diff():
    assert fmt.signed(1.23) == "+1,2"
    assert fmt.signed(-0.44) == f"{M}0,4"
    assert fmt.signed(0.04) == "0,0"          # zero after rounding carries no sign
    assert fmt.signed(-0.04) == "0,0"
    assert fmt.signed(0.05) == "+0,1"
    assert fmt.diff(-0.1, "PROS") == f"{M}0,1{NB}%-yksikköä"      # issue 13: no "%-yks.." at a sentence end
    assert fmt.diff(0.3, "PER1000") == f"+0,3{NB}‰-yksikköä"
    assert fmt.pct_change(-1.234) == f"{M}1,2{NB}%"


def test_interval():
    assert fmt.interval(6.1, 6.3, "PROS") == f"6,1–6,3{NB}%"
    assert fmt.interval(-1.8, -0.6, "PCT", signed_=True) == f"{M}1,8…{M}0,6{NB}%"
    assert fmt.interval(-0.4, 1.0, "PCT", signed_=True) == f"{M}0,4…+1,0{NB}%"
    assert fmt.interval(-0.4, 1.0) == f"{M}0,4…1,0"    # never "−0,4–1,0"
    assert fmt.interval(1000, 2500, None, 0) == f"1{NB}000–2{NB}500"


def test_lists_and_years():
    assert fmt.join([]) == ""
    assert fmt.join(["Oulu"]) == "Oulu"
    assert fmt.join(["Oulu", "Ii"]) == "Oulu ja Ii"
    assert fmt.join(["Oulu", "Ii", "Muhos"]) == "Oulu, Ii ja Muhos"
    assert fmt.years([2016]) == "2016"
    assert fmt.years([2020, 2016, 2018, 2019]) == "2016 ja 2018–2020"
    assert fmt.count_noun(1, "kunta", "kuntaa") == f"1{NB}kunta"
    assert fmt.count_noun(0, "kunta", "kuntaa") == f"0{NB}kuntaa"


def test_infinity_is_not_nan():
    assert fmt.number(math.inf) == "∞"
    assert fmt.number(-math.inf) == f"{M}∞"


def test_units():
    assert fmt.unit_label("PROS") == "%"
    assert fmt.unit_label("PER1000") == "‰"
    assert fmt.unit_label("nope") == ""
