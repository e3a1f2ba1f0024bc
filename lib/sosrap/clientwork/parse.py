"""Value parsers: each takes one cell as read (text, or an Excel-typed value)
and returns the parsed value or raises ValueError(reason). The reason names
the rule broken, never the value, so it can be printed in a shared log.

Hand-written rather than `pandas.to_datetime`/`to_numeric`: exports mix
Finnish dates (d.m.yyyy), decimal commas, thousands spaces and Excel serial
numbers in one column, and every rejected cell needs its own reason.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable, Sequence

import numpy as np

from sosrap import privacy
from sosrap.clientwork.schema import NO_WORDS, YES_WORDS, FieldSpec
from sosrap.params import ClientWork, CodeItem

_DATE_FI = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2,4})\.?(?:\s+(?:klo\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(v: Any) -> dt.date:
    """d.m.yyyy (Finnish), yyyy-mm-dd, an Excel date cell, or an Excel serial number."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if not 20000 <= v <= 80000:
            raise ValueError("not a date")
        return _in_years(_EXCEL_EPOCH + dt.timedelta(days=int(v)))
    s = str(v).strip()
    m = _DATE_FI.match(s)
    if m:
        d, mo, y = (int(x) for x in m.groups())
        if len(m.group(3)) != 4:
            raise ValueError("year must have four digits (d.m.yyyy)")
    else:
        m = _DATE_ISO.match(s)
        if not m:
            raise ValueError("not a date (expected d.m.yyyy, e.g. 5.3.2025)")
        y, mo, d = (int(x) for x in m.groups())
    try:
        out = dt.date(y, mo, d)
    except ValueError:
        raise ValueError("impossible date (no such day)") from None
    return _in_years(out)


def _in_years(d: dt.date) -> dt.date:
    if not 2000 <= d.year <= 2099:
        raise ValueError("date outside 2000–2099")
    return d


_NUM_CLEAN = re.compile(r"[\s\u00a0\u202f]")


def parse_number(v: Any) -> float:
    """'1 234,5' / '1234.5' / '12,0' → float; decimal comma or point."""
    if isinstance(v, bool):
        raise ValueError("not a number")
    if isinstance(v, (int, float)):
        if isinstance(v, float) and np.isnan(v):
            raise ValueError("not a number")
        return float(v)
    s = _NUM_CLEAN.sub("", str(v)).replace("\u2212", "-")
    if re.fullmatch(r"-?\d+(,\d+)?", s):
        s = s.replace(",", ".")
    elif not re.fullmatch(r"-?\d+(\.\d+)?", s):
        raise ValueError("not a number")
    return float(s)


def parse_int(v: Any) -> int:
    x = parse_number(v)
    if x != int(x):
        raise ValueError("must be a whole number")
    if x < 0:
        raise ValueError("must not be negative")
    if x > 1_000_000:
        raise ValueError("implausibly large (over 1 000 000)")
    return int(x)


def parse_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    s = str(v).strip().lower()
    if s in YES_WORDS:
        return True
    if s in NO_WORDS:
        return False
    raise ValueError("expected kyllä/ei (yes/no)")


def norm(s: Any) -> str:
    """Case- and whitespace-insensitive key for matching headings, codes and labels."""
    return " ".join(str(s).strip().lower().split())


def code_lookup(items: Sequence[CodeItem]) -> dict[str, str]:
    """Code, Finnish label and English label (case-insensitive) → code."""
    out: dict[str, str] = {}
    for it in items:
        for key in (it.code, it.label, it.label_en):
            if key:
                out[norm(key)] = it.code
    return out


_SPLIT = re.compile(r"\s*[;|,\n]\s*")


def parse_code(v: Any, lookup: dict[str, str], list_name: str) -> str:
    key = norm(v)
    if key in lookup:
        return lookup[key]
    raise ValueError(f"not in the code list {list_name}")


def parse_codes(v: Any, lookup: dict[str, str], list_name: str) -> list[str]:
    s = str(v).strip()
    if norm(s) in lookup:  # a label that itself contains a comma
        return [lookup[norm(s)]]
    parts = [p for p in _SPLIT.split(s) if p.strip()]
    out = []
    bad = [p for p in parts if norm(p) not in lookup]
    if bad:
        raise ValueError(f"{len(bad)} value(s) not in the code list {list_name}")
    for p in parts:
        c = lookup[norm(p)]
        if c not in out:
            out.append(c)
    return out



# ---------------------------------------------------------------------------
# One parser per schema field
# ---------------------------------------------------------------------------

def _id_value(v: Any) -> str:
    if isinstance(v, float) and v == int(v):
        v = int(v)
    s = str(v).strip()
    if len(s) > 64:
        raise ValueError("id longer than 64 characters")
    if privacy.find_all(s):
        raise ValueError("id looks like personal data (identity code, phone or e-mail)")
    return s


def _code_parser(f: FieldSpec, cw: ClientWork) -> Callable[[Any], Any]:
    lk = code_lookup(getattr(cw, f.codes or ""))
    if f.kind == "code":
        return lambda v: parse_code(v, lk, f.codes or "")
    return lambda v: parse_codes(v, lk, f.codes or "")


def likert_scale_keys(cw: ClientWork) -> dict[str, int]:
    """Scale labels (normalised) → scale point 1…k."""
    return {norm(lbl): i for i, lbl in enumerate(cw.likert_scale, 1)}


def _likert_parser(cw: ClientWork, scale: dict[str, int]) -> Callable[[Any], int]:
    n = len(cw.likert_scale)

    def lik(v: Any) -> int:
        key = norm(v)
        if key in scale:
            return scale[key]
        try:
            x = parse_number(v)
        except ValueError:
            raise ValueError(f"not on the scale 1–{n} (or its labels)") from None
        if x != int(x) or not 1 <= x <= n:
            raise ValueError(f"not on the scale 1–{n}")
        return int(x)
    return lik


def _text_parser(f: FieldSpec, cw: ClientWork) -> Callable[[Any], str]:
    municipalities = {norm(m): m for m in cw.municipalities}

    def txt(v: Any) -> str:
        s = str(v).strip()
        if f.name == "municipality" and municipalities:
            if norm(s) not in municipalities:
                raise ValueError("not one of client_work.municipalities")
            return municipalities[norm(s)]
        if len(s) > 10_000:
            raise ValueError("text longer than 10 000 characters")
        return s
    return txt


_SIMPLE: dict[str, Callable[[Any], Any]] = {"id": _id_value, "date": parse_date, "int": parse_int,
                                            "bool": parse_bool}


def field_parser(f: FieldSpec, cw: ClientWork, scale: dict[str, int] | None = None) -> Callable[[Any], Any]:
    """The parser for one field of the schema; *scale* from `likert_scale_keys` for Likert items."""
    if f.kind in _SIMPLE:
        return _SIMPLE[f.kind]
    if f.kind in ("code", "codes"):
        return _code_parser(f, cw)
    if f.kind == "likert":
        assert scale is not None
        return _likert_parser(cw, scale)
    if f.kind == "text":
        return _text_parser(f, cw)
    raise AssertionError(f.kind)
