"""Detectors for identifying numbers: Finnish personal identity codes,
IBANs, car plates, configured client numbers and birth dates.

Hand-written regexes because no maintained library finds these inside running
Finnish text; python-stdnum decides checksums (identity codes, IBANs).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Pattern, Sequence

from stdnum import iban as _iban
from stdnum.fi import hetu as _hetu

from sosrap.privacy.kinds import BIRTH_DATE, CLIENT_NUMBER, IBAN, IDENTITY_CODE, PLATE, Hit, View, mapped, prep

# ---------------------------------------------------------------------------
# Identity codes (henkilötunnus)
# ---------------------------------------------------------------------------

_SEP = r"[ \t]{0,2}(?:\n[ \t]{0,2})?"
_HETU = re.compile(
    r"(?<![0-9])(?=("
    r"(?P<d>[0-9Oo](?:[ ]?[0-9Oo]){5})"
    r"(?P<s1>" + _SEP + r")(?P<c>[-+A-FU-Ya-fu-y])?(?P<s2>" + _SEP + r")"
    r"(?P<n>[0-9Oo](?:[ ]?[0-9Oo]){2})(?P<qs>[ ]?)(?P<q>[0-9A-Za-z])"
    r"))")
_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_HETU_PREFILTER = re.compile(r"[0-9Oo][ ]?[0-9Oo][ ]?[0-9Oo][ ]?[0-9Oo][ ]?[0-9Oo][ ]?[0-9Oo]")
_O_ZERO = str.maketrans("Oo", "00")


def _plausible_date(d: str) -> bool:
    day, month = int(d[:2]), int(d[2:4])
    return 1 <= day <= 31 and 1 <= month <= 12


def _shape_ok(m: re.Match, d: str, n: str, after: str) -> bool:
    """Not part of a longer number; spaced only when every character is spaced
    out (not a mixture, as in tables of grouped numbers)."""
    if after.isdigit():
        return False
    if " " in d or " " in n or m["qs"]:
        return d.count(" ") == 5 and n.count(" ") == 2 and bool(m["qs"]) and not after.isalnum()
    return True


def _valid(dc: str, sign: str, nc: str, qu: str) -> bool:
    return _hetu.is_valid(dc + sign + nc + qu, allow_temporary=True)


def _is_candidate(m: re.Match, text: str, after: str) -> bool:
    """Enough digits, not the decimals of a number, the right shape and a plausible date."""
    d, n = m["d"], m["n"]
    if sum(ch.isdigit() for ch in d + n) < 4:
        return False
    start = m.start(1)
    if start >= 2 and text[start - 1] in ".," and text[start - 2].isdigit():
        return False  # the decimals of a number ('125909.0909090909')
    return _shape_ok(m, d, n, after) and _plausible_date(d.replace(" ", "").translate(_O_ZERO))


def _classify_hetu(m: re.Match, text: str) -> str | None:
    d, n, q, c = m["d"], m["n"], m["q"], m["c"]
    end = m.end(1)
    after = text[end] if end < len(text) else ""
    if not _is_candidate(m, text, after):
        return None
    dc, nc = d.replace(" ", "").translate(_O_ZERO), n.replace(" ", "").translate(_O_ZERO)
    qu = q.upper().replace("O", "0")
    if not c:
        if q.isalpha() and after.isalpha():
            return None  # '…944 euroa': no sign and a word follows: too weak
        # without a century sign only a checksum-valid code counts
        return "valid" if any(_valid(dc, s, nc, qu) for s in ("-", "A", "+")) else None
    if _valid(dc, c.upper(), nc, qu):
        return "valid"
    if " " in d or " " in n:
        return "shape" if qu in _CHECK else None
    return "shape"  # shaped like a code (wrong check character, bad date): redact anyway


def _identity_codes(view: View) -> list[tuple[int, int, str]]:
    t = view.text
    if not _HETU_PREFILTER.search(t):
        return []
    out: list[tuple[int, int, str]] = []
    last = -1
    for m in _HETU.finditer(t):
        if m.start(1) < last:
            continue
        note = _classify_hetu(m, t)
        if note:
            out.append((m.start(1), m.end(1), note))
            last = m.end(1)
    return out


def find_identity_codes(text: str) -> list[Hit]:
    """Finnish personal identity codes: every century sign (2023 letters too),
    temporary numbers, typographic dashes, invisible characters, entities,
    emphasis, ``O`` for zero, spaced-out characters, an omitted century sign
    (checksum-valid only) and wrong check characters (``note="shape"``)."""
    v = prep(text)
    return mapped(v, IDENTITY_CODE, _identity_codes(v))


# ---------------------------------------------------------------------------
# IBAN
# ---------------------------------------------------------------------------

_IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){10,30})")
_FI_IBAN_SHAPE = re.compile(r"FI\d{16}")
_IBAN_PREFILTER = re.compile(r"\d\d(?:[ ]?[A-Za-z0-9]){10}")   # the check digits and ten more characters


def _ibans(view: View) -> list[tuple[int, int]]:
    t = view.text
    out = []
    if not _IBAN_PREFILTER.search(t):
        return out
    for m in _IBAN.finditer(t):
        s = m.group(1)
        # try the longest prefix that validates, ending at a character
        ends = [i + 1 for i, ch in enumerate(s) if ch != " "]
        for e in reversed(ends):
            compact = s[:e].replace(" ", "").upper()
            if len(compact) < 15:
                break
            if _iban.is_valid(compact) or (_FI_IBAN_SHAPE.fullmatch(compact)
                                           and (e == len(s) or not s[e:e + 1].isalnum())):
                out.append((m.start(1), m.start(1) + e))
                break
    return out


def find_ibans(text: str) -> list[Hit]:
    """Bank account numbers in IBAN form, with or without spaces (python-stdnum
    validates; a Finnish-shaped ``FI`` + 16 digits is redacted even with a bad checksum)."""
    v = prep(text)
    return mapped(v, IBAN, _ibans(v))


# ---------------------------------------------------------------------------
# Car plates, client numbers, birth dates
# ---------------------------------------------------------------------------

_PLATE = re.compile(r"(?<![\w\-])([A-ZÅÄÖ]{2,3})-(\d{1,3})(?![\w\-])")
_PLATE_EXCLUDE = frozenset("""EU YK HE SHL THL ISO SFS EN IEC PDF MP OY KPL HUS TE WHO ICD ICF SOL LSL PL HL
    AB LTD COVID SARS ATK IT ICT AI UN UK USA EY EHL VTT SVT SOS STM OKM TEM VM KELA PK ICD TK KK PV GDPR
    IR HTML CSV XLS API SQL LUKU OSA KOHTA LIITE KUVA UTF WIN CP SHA MD RFC ISBN ISSN""".split())


_PLATE_PREFILTER = re.compile(r"-\d")


def _plates(view: View) -> list[tuple[int, int]]:
    t = view.text
    if not _PLATE_PREFILTER.search(t):
        return []
    return [(m.start(), m.end()) for m in _PLATE.finditer(t) if m.group(1) not in _PLATE_EXCLUDE]


def find_plates(text: str) -> list[Hit]:
    """Finnish car registration plates (``ABC-123``; 2–3 letters, 1–3 digits)."""
    v = prep(text)
    return mapped(v, PLATE, _plates(v))


def _compile_patterns(patterns: Iterable[str | Pattern]) -> tuple[Pattern, ...]:
    return _compiled(tuple(patterns or ()))


@lru_cache(maxsize=256)
def _compiled(patterns: tuple[str | Pattern, ...]) -> tuple[Pattern, ...]:
    """Compiled once per set of patterns (screening calls this for every text)."""
    return tuple(p if isinstance(p, re.Pattern) else re.compile(p) for p in patterns)


def _client_numbers(view: View, patterns: Sequence[Pattern]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for p in patterns for m in p.finditer(view.text) if m.end() > m.start()]


def find_client_numbers(text: str, patterns: Iterable[str | Pattern] = ()) -> list[Hit]:
    """Client numbers by the configured regular expressions (searched in the
    detection view: dashes are ``-``, emphasis is gone)."""
    v = prep(text)
    return mapped(v, CLIENT_NUMBER, _client_numbers(v, _compile_patterns(patterns)))


_MONTHS = r"(?:tammi|helmi|maalis|huhti|touko|kesä|heinä|elo|syys|loka|marras|joulu)kuuta"
_DATE = (r"(?:\d{1,2}\.[ ]?\d{1,2}\.[ ]?(?:\d{4}|\d{2})(?!\d)|\d{4}-\d{1,2}-\d{1,2}(?!\d)"
         r"|\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})(?!\d)|\d{1,2}\.[ ]?" + _MONTHS + r"[ ]\d{4})")
_BIRTH = re.compile(
    r"(?<![\w])(?:s\.|synt\.|syntynyt|syntyneen|syntynyttä|syntyi|syntymäaika|syntymäaikansa|syntymäpäivä"
    r"|syntymäpv\.?|sa\.|born|född|f\.)[ \t]*:?[ \t]*(?:on[ \t]+)?(" + _DATE + r")", re.IGNORECASE)
_BIRTH_PREFILTER = re.compile(r"(?<![\w])(?:s\.|synt|syntymä|born|född|f\.|sa\.)", re.IGNORECASE)
_DATE_PREFILTER = re.compile(r"\d[./\-]")      # every date shape of _DATE has one


def _birth_dates(view: View) -> list[tuple[int, int]]:
    t = view.text
    if not _DATE_PREFILTER.search(t) or not _BIRTH_PREFILTER.search(t):
        return []
    return [(m.start(1), m.end(1)) for m in _BIRTH.finditer(t)]


def find_birth_dates(text: str) -> list[Hit]:
    """Birth dates after a birth word: ``s. 17.9.1985``, ``syntynyt 17.9.1985``,
    ``synt. 1985-09-17``, ``syntymäaika: 17. syyskuuta 1985``. The hit is the date."""
    v = prep(text)
    return mapped(v, BIRTH_DATE, _birth_dates(v))

