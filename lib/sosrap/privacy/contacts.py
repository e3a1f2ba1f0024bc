"""Detectors for contact details: e-mail addresses (obfuscated forms too),
URLs, IP addresses (validated with :mod:`ipaddress`) and phone numbers
(validated with ``phonenumbers``, region FI)."""
from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import phonenumbers

from sosrap.privacy.kinds import EMAIL, IP, PHONE, URL, Hit, View, mapped, merge, prep

# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------

_AT_BR = r"(?:[(\[{<]\s*(?:at|ät|a)\s*[)\]}>])"
_DOT_BR = r"(?:[(\[{<]\s*(?:dot|piste|pt)\s*[)\]}>])"
_LOCAL = r"(?<![\w.+\-])[\w+\-](?:[\w.+\-]{0,63}[\w+\-])?"
_LABEL = r"[^\W_](?:[\w\-]{0,61}[^\W_])?"
_EMAIL_STRICT = re.compile(
    _LOCAL + r"(?:@|[ \t]@[ \t]|[ \t]?" + _AT_BR + r"[ \t]?)" + _LABEL
    + r"(?:(?:\.|[ \t]?" + _DOT_BR + r"[ \t]?)" + _LABEL + r")*(?![\w\-])", re.IGNORECASE)
_EMAIL_WORDS = re.compile(
    _LOCAL + r"[ \t]+at[ \t]+" + _LABEL
    + r"(?:(?:\.|[ \t]+(?:dot|piste)[ \t]+|[ \t]?" + _DOT_BR + r"[ \t]?)" + _LABEL + r")+(?![\w\-])",
    re.IGNORECASE)
# Prefilter: '@', a bracketed 'at' or 'at' between whitespace; in pieces the regex engine can skip
# ahead to ('@|' + _AT_BR + '|\sat\s' as one case-insensitive regex is slower)
_AT_BRACKETED = re.compile(_AT_BR, re.IGNORECASE)
_AT_WORD = re.compile(r"\s[aA][tT]\s")


def _maybe_email(t: str) -> bool:
    return "@" in t or _AT_WORD.search(t) is not None or _AT_BRACKETED.search(t) is not None


def _emails(view: View) -> list[tuple[int, int]]:
    t = view.text
    if not _maybe_email(t):
        return []
    out = [(m.start(), m.end()) for m in _EMAIL_STRICT.finditer(t)]
    for m in _EMAIL_WORDS.finditer(t):
        tld = re.split(r"[.\s)\]}>]", m.group(0))[-1]
        if tld.isalpha() and 2 <= len(tld) <= 24:
            out.append((m.start(), m.end()))
    return out


def find_emails(text: str) -> list[Hit]:
    """E-mail addresses: ordinary, without a top-level domain (``nimi@ouka``),
    full-width ``＠``, and the spellings ``(at)``, ``[at]``, ``{at}``, ``at``/``dot``."""
    v = prep(text)
    return mapped(v, EMAIL, _emails(v))


# ---------------------------------------------------------------------------
# URLs and IP addresses
# ---------------------------------------------------------------------------

_URL = re.compile(r"(?<![\w@.])(?:(?:https?|ftp)://|www\.)[^\s<>\"'\]\[{}|\\^`]+", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV4_PREFILTER = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?![\w:])")


def _urls(view: View) -> list[tuple[int, int]]:
    t = view.text
    if "://" not in t and "www." not in t.lower():
        return []
    out = []
    for m in _URL.finditer(t):
        s = m.group(0)
        s2 = s.rstrip(".,;:!?)")
        if s2.count("(") > s2.count(")") and s.startswith(s2) and len(s) > len(s2) and s[len(s2)] == ")":
            s2 += ")"
        rest = re.sub(r"^(?:(?:https?|ftp)://)?(?:www\.)?", "", s2, flags=re.IGNORECASE)
        if sum(ch.isalnum() for ch in rest) < 2:
            continue  # 'https://...' placeholder in documentation
        out.append((m.start(), m.start() + len(s2)))
    return out


def find_urls(text: str) -> list[Hit]:
    """Web addresses (``http(s)://``, ``ftp://``, ``www.``)."""
    v = prep(text)
    return mapped(v, URL, _urls(v))


def _ips(view: View) -> list[tuple[int, int]]:
    t = view.text
    out = []
    if _IPV4_PREFILTER.search(t):
        for m in _IPV4.finditer(t):
            s = m.group(0)
            parts = s.split(".")
            if all(len(p) == 1 for p in parts):
                continue  # section numbers like 3.2.1.1
            try:
                ipaddress.IPv4Address(s)
            except ValueError:
                continue
            out.append((m.start(), m.end()))
    if t.count(":") >= 2:
        for m in _IPV6.finditer(t):
            s = m.group(0)
            if not any(ch.isalnum() for ch in s) or (s.count(":") < 3 and "::" not in s):
                continue
            try:
                ipaddress.IPv6Address(s)
            except ValueError:
                continue
            out.append((m.start(), m.end()))
    return out


def find_ips(text: str) -> list[Hit]:
    """IPv4 and IPv6 addresses (validated with :mod:`ipaddress`)."""
    v = prep(text)
    return merge(mapped(v, IP, _ips(v)))


# ---------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------

# a run of digits joined by at most three separator characters
_PHONE_RUN = re.compile(r"(?<![\d+])\+?\(?\d(?:(?:[ ]|[ ]?[\-./()]{1,2}[ ]?)?\d)+\)?")
_GROUP = re.compile(r"\d+")
_DATE_SHAPE = re.compile(r"\(?\d{1,2}[./-]\d{1,2}[./-](?:\d{2}|\d{4})\)?|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[.:]\d{2}")
_UNIT_AFTER = re.compile(r"[ ]?(?:€|e\b|eur|euro|%|kpl|hlö|henk|asiak|m2|m²|km|kg|v\b|vuo)", re.IGNORECASE)
_PHONE_PREFILTER = re.compile(r"\d[ \-./()]{0,3}\d[ \-./()]{0,3}\d[ \-./()]{0,3}\d[ \-./()]{0,3}\d[ \-./()]{0,3}\d")


def _parse_phone(s: str, digits: str):
    """The phonenumbers parse of a candidate, or None when its shape is no phone."""
    if s.startswith("+"):
        return phonenumbers.parse(s, None) if 8 <= len(digits) <= 15 else None
    if digits.startswith("00") and len(digits) >= 10:
        return phonenumbers.parse("+" + digits[2:], None)
    if digits.startswith("358") and 10 <= len(digits) <= 13 and not s.startswith("0"):
        return phonenumbers.parse("+" + digits, None)
    if digits.startswith("0"):
        return phonenumbers.parse(s, "FI") if 6 <= len(digits) <= 12 else None
    if len(digits) == 9 and digits[0] in "45" and digits == s:
        num = phonenumbers.parse("0" + digits, "FI")  # spreadsheet cell lost its leading zero
        mobile = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
        return num if phonenumbers.number_type(num) in mobile else None
    return None


@lru_cache(maxsize=65536)
def _valid_phone(s: str) -> bool:
    if s.startswith("(") and ")" not in s:
        s = s[1:]
    try:
        num = _parse_phone(s, re.sub(r"\D", "", s))
    except phonenumbers.NumberParseException:
        return False
    return num is not None and phonenumbers.is_valid_number(num)


def warm() -> None:
    """Load phonenumbers' metadata for Finnish and international numbers now (it loads lazily, on
    the first number of each kind): the build calls this while the engine renders, so that the
    gate over the rendered report does not pay it."""
    for text, region in (("040 123 4567", "FI"), ("09 123 4567", "FI"), ("+358 40 123 4567", None),
                         ("+46 8 123 456 78", None)):
        try:
            num = phonenumbers.parse(text, region)
            phonenumbers.is_valid_number(num)
            phonenumbers.number_type(num)
        except phonenumbers.NumberParseException:
            pass


def _start_of(r: str, groups: list[tuple[int, int]], i: int) -> tuple[int, bool]:
    """Where a phone starting at digit group *i* of run *r* starts, and whether
    the group may start one at all (a leading +, (, 0, 358, or a 9-digit mobile
    number without its zero; never the continuation of a decimal or a date)."""
    gs, ge = groups[i]
    start = gs
    if i == 0 and r.startswith("+"):
        start = 0
    elif gs > 0 and r[gs - 1] == "(":
        start = gs - 1
    first = r[gs:ge]
    eligible = r[start] in "+(" or first.startswith(("0", "358")) or (len(first) == 9 and first[0] in "45")
    if eligible and gs > 0 and start == gs and r[gs - 1] in ".," and i > 0:
        eligible = False
    return start, eligible


def _candidate_ok(s: str, t: str, at: int, strong_lead: bool) -> bool:
    """A candidate string *s* ending at *at* in *t*: enough digits, no date, not
    running into a word, no unit after a number without a leading 0 or +."""
    nd = sum(ch.isdigit() for ch in s)
    if nd < 6 or nd > 15 or _DATE_SHAPE.fullmatch(s):
        return False
    if t[at:at + 1].isalnum() or (nd < 7 and not s.startswith("+")):
        return False  # '081023F…' runs into a word; six digits is no number
    return strong_lead or not _UNIT_AFTER.match(t[at:at + 6])


def _phone_from(r: str, base: int, t: str, groups: list[tuple[int, int]], i: int) -> tuple[int, int, int] | None:
    """The longest valid phone starting at group *i*: (start, end, last group)."""
    start, eligible = _start_of(r, groups, i)
    if not eligible:
        return None
    strong_lead = r[start] in "+(" or r[groups[i][0]:groups[i][1]].startswith("0")
    for j in range(min(len(groups) - 1, i + 7), i - 1, -1):
        end = groups[j][1]
        if end < len(r) and r[end] == ")" and "(" in r[start:end]:
            end += 1
        s = r[start:end]
        if _candidate_ok(s, t, base + end, strong_lead) and _valid_phone(s):
            return base + start, base + end, j
    return None


def _phones(view: View) -> list[tuple[int, int]]:
    t = view.text
    if not _PHONE_PREFILTER.search(t):
        return []
    out = []
    for run in _PHONE_RUN.finditer(t):
        r = run.group(0)
        if len(r) < 6:
            continue          # fewer than six digits: no candidate can pass `_candidate_ok`
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(r)]
        i = 0
        while i < len(groups):
            found = _phone_from(r, run.start(), t, groups, i)
            if found:
                out.append(found[:2])
                i = found[2] + 1
            else:
                i += 1
    return out


def find_phones(text: str) -> list[Hit]:
    """Phone numbers, Finnish and international, validated with ``phonenumbers``
    (region FI): spaces, hyphens, dots, slashes and dashes as separators, ``(09)``,
    ``+358``/``00358``/``358`` prefixes, ``+46``/``+372`` etc., a mobile number
    whose leading zero a spreadsheet dropped (``401112214``), ``puh.040…``.
    Years, dates, postal codes, amounts and grouped table numbers (``12 345``)
    are not phones: a domestic number must start with 0."""
    v = prep(text)
    return mapped(v, PHONE, _phones(v))

