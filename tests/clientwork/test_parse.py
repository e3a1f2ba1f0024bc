"""Value parsers (sosrap.clientwork.parse): each returns the value or raises
ValueError with a reason that names the rule, not the value."""
from __future__ import annotations

import datetime as dt

import pytest

from sosrap import clientwork as C


def test_excel_serial_dates_obey_the_same_year_range():
    assert C.parse_date(45723) == dt.date(2025, 3, 7)
    with pytest.raises(ValueError, match="2000–2099"):
        C.parse_date(20000)                                   # 1954


@pytest.mark.parametrize("text,value", [("1 234,5", 1234.5), ("1234.5", 1234.5), ("12,0", 12.0),
                                        ("\u22123", -3.0), ("1\u00a0000", 1000.0), (7, 7.0)])
def test_numbers_with_decimal_comma_or_point(text, value):
    assert C.parse_number(text) == value


@pytest.mark.parametrize("text", ["1.234,5", "12,", "noin 10", True, float("nan")])
def test_not_numbers(text):
    with pytest.raises(ValueError, match="not a number"):
        C.parse_number(text)


@pytest.mark.parametrize("text,reason", [("1,5", "whole number"), ("-2", "negative"), ("2000000", "implausibly")])
def test_ints_name_the_rule_broken(text, reason):
    with pytest.raises(ValueError, match=reason):
        C.parse_int(text)


def test_yes_no_words():
    assert all(C.parse_bool(w) for w in ("Kyllä", " x ", "1", True, 1))
    assert not any(C.parse_bool(w) for w in ("ei", "", "Nej", 0, False))
    with pytest.raises(ValueError, match="kyllä/ei"):
        C.parse_bool("ehkä")


def test_codes_by_code_or_label_in_any_case(client_work):
    lk = C.code_lookup(client_work.categories)
    assert C.parse_code(" ASUMINEN ", lk, "categories") == "asuminen"
    assert C.parse_codes("Toimeentulo | asuminen; toimeentulo", lk, "categories") == ["toimeentulo", "asuminen"]
    assert C.parse_codes("Yksinäisyys ja osallisuus", lk, "categories") == ["yksinaisyys"]
    with pytest.raises(ValueError, match="1 value.*categories"):
        C.parse_codes("asuminen; tuntematon", lk, "categories")
