"""Finnish and Finland-Swedish number formatting for report text, tables and figure axes.

Conventions (Kotus / Tilastokeskus practice; Finland-Swedish writes numbers the
same way, Institutet för de inhemska språken):

* decimal comma: ``12,3``;
* a non-breaking space (U+00A0) as the thousands separator: ``12 345``;
  four-digit numbers are grouped too (``1 234``) so columns line up;
* a non-breaking space before ``%`` and ``‰``: ``12,3 %``, ``5,4 ‰``;
* a real minus sign (U+2212), never a hyphen: ``−0,4``; zero is never signed
  (``0,0``, not ``−0,0``);
* rounding is half away from zero as people round (``0,05 → 0,1``,
  ``2,675 → 2,68``), not Python's banker's rounding nor binary-float
  artefacts: the *shortest repr* of the float is rounded in decimal.

Every function returns *missing* (default ``"–"``) for None/NaN, so a table or
a key figure never shows ``nan``. The words (units of a difference, "lkm",
"ja") are the current language's (`sosrap.report.wording`).
"""
from __future__ import annotations

import datetime as _dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from sosrap.report import wording

NBSP = "\u00a0"
MINUS = "\u2212"
NDASH = "\u2013"
ELLIPSIS = "\u2026"
MISSING = "–"

#: Units of a difference between two values of a value type ("percentage points"), in Finnish
#: (`diff` uses the current language's): written out, no abbreviation full stop, so a sentence
#: can end on it ("+4,1 %-yksikköä.", "+4,1 procentenheter.").
DIFF_UNIT = wording.group("num.diff_unit", "fi")
#: The same written out, for running text ("0,4 prosenttiyksikköä korkeampi").
DIFF_UNIT_WORD = wording.group("num.diff_word", "fi")


def is_missing(x: object) -> bool:
    """None, NaN (float or numpy), pandas NA."""
    if x is None:
        return True
    try:
        return bool(math.isnan(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _round(x: float, decimals: int) -> Decimal:
    q = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)


def number(x: float | int | None, decimals: int = 0, *, missing: str = MISSING) -> str:
    """12345.678 → '12 345,7' (with NBSP); None/NaN → *missing*; ±inf → '∞'."""
    if is_missing(x):
        return missing
    if math.isinf(float(x)):  # type: ignore[arg-type]
        return ("" if float(x) > 0 else MINUS) + "∞"  # type: ignore[arg-type]
    decimals = max(int(decimals), 0)
    d = _round(x, decimals)  # type: ignore[arg-type]
    if d == 0:
        d = abs(d)  # no "−0,0"
    sign = MINUS if d < 0 else ""
    s = f"{abs(d):,.{decimals}f}"
    s = s.replace(",", NBSP).replace(".", ",")
    return sign + s


def percent(x: float | None, decimals: int = 1, **kw) -> str:
    """x already in percent: 12.34 → '12,3 %'."""
    missing = kw.get("missing", MISSING)
    s = number(x, decimals, **kw)
    return missing if is_missing(x) else f"{s}{NBSP}%"


def per_mille(x: float | None, decimals: int = 1, **kw) -> str:
    """x already per thousand: 5.43 → '5,4 ‰'."""
    missing = kw.get("missing", MISSING)
    s = number(x, decimals, **kw)
    return missing if is_missing(x) else f"{s}{NBSP}‰"


def signed(x: float | None, decimals: int = 1, unit: str = "", **kw) -> str:
    """A change with an explicit sign: '+1,2 %-yksikköä' / '−0,4' / '0,0' (zero after rounding is unsigned)."""
    missing = kw.get("missing", MISSING)
    if is_missing(x):
        return missing
    s = number(x, decimals, **kw)
    if _round(x, decimals) > 0:  # type: ignore[arg-type]
        s = "+" + s
    return f"{s}{NBSP}{unit}" if unit else s


def value(x: float | None, value_type: str, decimals: int = 1, **kw) -> str:
    """Format an indicator value by its Sotkanet primary value type (PROS, PER1000, PER100000, LKM)."""
    if value_type == "PROS":
        return percent(x, decimals, **kw)
    if value_type == "PER1000":
        return per_mille(x, decimals, **kw)
    if value_type == "PER100000":
        s = number(x, decimals, **kw)
        return s if is_missing(x) else f"{s}{NBSP}/{NBSP}100{NBSP}000"
    return number(x, decimals, **kw)


def unit_label(value_type: str) -> str:
    """Short unit for axis labels and table headers."""
    return {"PROS": "%", "PER1000": "‰", "PER100000": "/ 100 000",
            "LKM": wording.t("num.count_unit")}.get(value_type, "")


def diff(x: float | None, value_type: str, decimals: int = 1, **kw) -> str:
    """A signed difference of two values in the value type's points: '−0,1 %-yksikköä', '+0,3 ‰-yksikköä'
    ('−0,1 procentenheter' in Swedish)."""
    return signed(x, decimals, wording.group("num.diff_unit").get(value_type, ""), **kw)


def pct_change(x: float | None, decimals: int = 1, **kw) -> str:
    """A signed *relative* change already in percent: -1.23 → '−1,2 %'."""
    return signed(x, decimals, "%", **kw)


def interval(lo: float | None, hi: float | None, value_type: str | None = None, decimals: int = 1, *,
             signed_: bool = False, missing: str = MISSING) -> str:
    """A 95 % interval as text with the unit once at the end.

    Non-negative bounds get an en dash ('6,1–6,3 %'); when a bound can be
    negative (changes, *signed_*) an ellipsis keeps minus signs readable
    ('−1,8…−0,6 %', '−0,4…+1,0 %').
    """
    if is_missing(lo) or is_missing(hi):
        return missing
    if signed_:
        a, b, sep = signed(lo, decimals), signed(hi, decimals), ELLIPSIS
    else:
        a, b = number(lo, decimals), number(hi, decimals)
        sep = ELLIPSIS if (a.startswith(MINUS) or b.startswith(MINUS)) else NDASH
    unit = {"PROS": "%", "PER1000": "‰", "PCT": "%"}.get(value_type or "", "")
    if value_type == "PER100000":
        unit = f"/{NBSP}100{NBSP}000"
    return f"{a}{sep}{b}{NBSP}{unit}" if unit else f"{a}{sep}{b}"


def join(items: Iterable[str], conj: str | None = None) -> str:
    """['A', 'B', 'C'] → 'A, B ja C' / 'A, B och C' (no serial comma in Finnish or Swedish)."""
    conj = wording.t("num.and") if conj is None else conj
    xs = [str(i) for i in items]
    if not xs:
        return ""
    if len(xs) == 1:
        return xs[0]
    return f"{', '.join(xs[:-1])} {conj} {xs[-1]}"


def years(ys: Iterable[int]) -> str:
    """Years as text, consecutive runs as ranges: [2016, 2018, 2019, 2020] → '2016 ja 2018–2020'."""
    ys = sorted(set(int(y) for y in ys))
    runs: list[list[int]] = []
    for y in ys:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return join(str(r[0]) if len(r) == 1 else f"{r[0]}{NDASH}{r[-1]}" for r in runs)


def count_noun(n: int, singular: str, plural_partitive: str) -> str:
    """'1 kunta' / '3 kuntaa' / '0 kuntaa' (Finnish partitive after numbers other than one;
    '1 kommun' / '3 kommuner' in Swedish)."""
    return f"{number(n)}{NBSP}{singular if n == 1 else plural_partitive}"


def fi_date(d: "_dt.date | str") -> str:
    """A date the Finnish (and Finland-Swedish) way: date(2026, 3, 5) or '2026-03-05…' → '5.3.2026'.
    A string that is not an ISO date is returned as it is."""
    if isinstance(d, str):
        try:
            d = _dt.date.fromisoformat(d[:10])
        except ValueError:
            return d
    return f"{d.day}.{d.month}.{d.year}"
