"""The exact attack (sosrap.privacy.attack): feasible ranges by integer programming."""
from __future__ import annotations

import pytest

from sosrap.privacy.attack import Relation, feasible_ranges


def test_ranges_of_a_hidden_rectangle_are_exact():
    # a 2×2 block hidden inside a table: a + b = 7, c + d = 12, a + c = 9, b + d = 10
    v = {"a": 2, "b": 5, "c": 7, "d": 5}
    rels = [Relation({"a": 1, "b": 1}, 7, 7), Relation({"c": 1, "d": 1}, 12, 12),
            Relation({"a": 1, "c": 1}, 9, 9), Relation({"b": 1, "d": 1}, 10, 10)]
    r = feasible_ranges(v, v, rels, v, upper=100)
    assert r == {"a": (0, 7), "b": (0, 7), "c": (2, 9), "d": (3, 10)}


def test_integrality_and_inequalities_narrow_the_range():
    # 2x = y + 1 with y ≤ 4: x ∈ {1, 2} over the integers, y ∈ {1, 3}
    v = {"x": 2, "y": 3}
    r = feasible_ranges(v, v, [Relation({"x": 2, "y": -1}, 1, 1), Relation({"y": 1}, 0, 4)], v, upper=100)
    assert r == {"x": (1, 2), "y": (1, 3)}


def test_a_published_cell_pins_a_hidden_one():
    v = {"hidden": 4, "shown": 6, "total": 10}
    r = feasible_ranges(v, ["hidden"], [Relation({"hidden": 1, "shown": 1, "total": -1}, 0, 0)], ["hidden"],
                        upper=100)
    assert r == {"hidden": (4, 4)}


def test_need_stops_early_but_never_hides_a_narrow_range():
    v = {"a": 2, "b": 5, "c": 7, "d": 5}
    rels = [Relation({"a": 1, "b": 1}, 7, 7), Relation({"c": 1, "d": 1}, 12, 12),
            Relation({"a": 1, "c": 1}, 9, 9), Relation({"b": 1, "d": 1}, 10, 10)]
    r = feasible_ranges(v, v, rels, v, upper=100, need=5)
    assert all(hi - lo >= 5 for lo, hi in r.values())
    r = feasible_ranges(v, v, rels, v, upper=100, need=8)    # every range is 7 wide: all solved exactly
    assert r == {"a": (0, 7), "b": (0, 7), "c": (2, 9), "d": (3, 10)}


def test_a_relation_the_data_break_is_an_error():
    with pytest.raises(ValueError, match="does not hold"):
        feasible_ranges({"a": 3}, ["a"], [Relation({"a": 1}, 0, 2)], ["a"], upper=10)
