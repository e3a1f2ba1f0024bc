"""Detection: where identifying text is in a string, and its redaction.

Finnish personal identity codes (every century sign, the 2023 letters
included, checksum validated by python-stdnum), phone numbers, e-mail
addresses and a configurable list of names. A hit is a span and a kind, never
a value. The regexes are hand-written because no maintained library finds
Finnish identity codes inside running text; issue #17 adds normalisation (a
``normalise.py`` that runs first) and richer detectors here, behind the same
``find_all`` / ``Hit`` interface.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from stdnum.fi import hetu as _hetu

# Kinds of identifying text, and the placeholder each becomes in redacted text.
IDENTITY_CODE, PHONE, EMAIL, NAME = "identity_code", "phone", "email", "name"
KINDS = (IDENTITY_CODE, PHONE, EMAIL, NAME)
PLACEHOLDER = {IDENTITY_CODE: "[henkilötunnus]", PHONE: "[puhelinnumero]",
               EMAIL: "[sähköposti]", NAME: "[nimi]"}
KIND_FI = {IDENTITY_CODE: "henkilötunnus", PHONE: "puhelinnumero", EMAIL: "sähköpostiosoite",
           NAME: "nimi", "small_count": "pieni lukumäärä"}


# Hyphen look-alikes that word processors substitute for the '-' century sign.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"
# Between the parts of an identity code: spaces, and at most one line break
# (a code wrapped at its hyphen in a form field or a PDF is still a code).
_SEP = r"[ \t\u00a0]{0,2}(?:\r?\n[ \t\u00a0]{0,2})?"
_HETU_CANDIDATE = re.compile(
    r"(?<!\d)(?=(\d{6}" + _SEP + r"[-+ABCDEFUVWXY" + _DASHES + r"]" + _SEP + r"\d{3}" + _SEP
    + r"[0-9ABCDEFHJKLMNPRSTUVWXY]))", re.IGNORECASE)
_WS = re.compile(r"\s+")
_SIX_DIGITS = re.compile(r"\d{6}")
_AT_WORD = re.compile(r"[(\[{]at[)\]}]", re.IGNORECASE)

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}[ \t]?(?:@|\(at\)|\[at\]|\{at\})[ \t]?"
    r"[\w-]{1,63}(?:\.[\w-]{1,63})*\.[A-Za-z]{2,24}(?![\w-])", re.IGNORECASE)

_PSEP = r"[ \u00a0\-]?"
_PHONE = re.compile(
    r"(?<![\w+/.,])(?:"
    r"(?:\+|00)358" + _PSEP + r"(?:\(0\)" + _PSEP + r")?\d(?:" + _PSEP + r"\d){5,10}"
    r"|\(0\d{1,2}\)" + _PSEP + r"\d(?:" + _PSEP + r"\d){4,8}"
    r"|0\d(?:" + _PSEP + r"\d){5,9}"
    r")(?!\w)")
# Shaped like an identity code whose checksum failed: not a phone number either.
_HETU_SHAPE = re.compile(r"\d{6}[-+]\d{3}\w?")


@dataclass(frozen=True)
class Hit:
    """Where identifying text is: a span and a kind. Deliberately no value."""
    kind: str
    start: int
    end: int


def is_identity_code(text: str) -> bool:
    """True for a valid Finnish personal identity code, temporary ones (900–999)
    included, any century sign (+, -, Y X W V U, A B C D E F)."""
    s = _WS.sub("", text).upper()
    for d in _DASHES:
        s = s.replace(d, "-")
    return _hetu.is_valid(s, allow_temporary=True)


def find_identity_codes(text: str) -> list[Hit]:
    """Checksum-valid identity codes anywhere in *text*: inside words, wrapped
    over a line break, with a typographic dash. Wrong checksums are not hits
    (a random ten-character string is not a person)."""
    hits: list[Hit] = []
    if not _SIX_DIGITS.search(text):  # fast path: most texts have no six-digit run
        return hits
    last_end = -1
    for m in _HETU_CANDIDATE.finditer(text):
        start = m.start(1)
        if start < last_end:
            continue
        if is_identity_code(m.group(1)):
            hits.append(Hit(IDENTITY_CODE, start, m.end(1)))
            last_end = m.end(1)
    return hits


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def find_phones(text: str) -> list[Hit]:
    """Finnish phone numbers: +358/00358 forms, (09) area codes and domestic
    numbers starting with 0, spaced or hyphenated. Report figures never start
    with a zero followed by more digits, so this stays quiet on statistics."""
    out = []
    for m in _PHONE.finditer(text):
        s = m.group(0)
        if _HETU_SHAPE.fullmatch(s) or _HETU_SHAPE.fullmatch(text[m.start():m.end() + 1]):
            continue
        n = _digits(s)
        if s.startswith(("+", "00")):
            ok = 9 <= n <= 15
        else:
            ok = 7 <= n <= 11
        if ok:
            out.append(Hit(PHONE, m.start(), m.end()))
    return out


def find_emails(text: str) -> list[Hit]:
    """E-mail addresses, also the '(at)' spellings people use to dodge harvesters."""
    if "@" not in text and not _AT_WORD.search(text):
        return []
    return [Hit(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]


def names_pattern(names: Iterable[str]) -> re.Pattern | None:
    """A pattern for the configured names with Finnish case endings
    ('Aino' → 'Ainon', 'Ainolle'). Case-sensitive: names are capitalised,
    and 'aino' inside 'ainoastaan' is not a name."""
    cleaned = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    alts = "|".join(r"\s+".join(re.escape(p) for p in n.split()) for n in cleaned)
    return re.compile(r"(?<!\w)(?:" + alts + r")(?::?\w{0,6})(?!\w)")


def find_names(text: str, names: Iterable[str] | re.Pattern | None) -> list[Hit]:
    """The configured names (a list, or a pattern from :func:`names_pattern`)."""
    pat = names if isinstance(names, re.Pattern) or names is None else names_pattern(names)
    if pat is None:
        return []
    return [Hit(NAME, m.start(), m.end()) for m in pat.finditer(text)]


# The detectors in priority order: where two hits overlap, the earlier detector
# wins. Names come last, after these (they need the configured list).
FINDERS = (find_identity_codes, find_emails, find_phones)


def _overlaps(h: Hit, chosen: Sequence[Hit]) -> bool:
    return any(h.start < c.end and c.start < h.end for c in chosen)


def find_all(text: str, names: Iterable[str] | re.Pattern | None = None) -> list[Hit]:
    """Every hit, overlaps resolved by priority (identity code > e-mail > phone > name),
    so '010190-123A' counts as an identity code and not also as a phone number."""
    if not text:
        return []
    chosen: list[Hit] = []
    for hits in [finder(text) for finder in FINDERS] + [find_names(text, names)]:
        for h in hits:
            if not _overlaps(h, chosen):
                chosen.append(h)
    return sorted(chosen, key=lambda h: h.start)


def redact(text: str, hits: Sequence[Hit]) -> str:
    """*text* with each hit replaced by its kind's placeholder."""
    out, pos = [], 0
    for h in sorted(hits, key=lambda h: h.start):
        out.append(text[pos:h.start])
        out.append(PLACEHOLDER[h.kind])
        pos = h.end
    out.append(text[pos:])
    return "".join(out)

