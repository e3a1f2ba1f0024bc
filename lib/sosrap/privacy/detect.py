"""Detection: where identifying text is in a string, and its redaction.

The API over the detectors (one module per family): identity codes, IBANs,
plates, client numbers and birth dates in :mod:`~sosrap.privacy.numbers`;
e-mails, URLs, IPs and phones in :mod:`~sosrap.privacy.contacts`; street
addresses in :mod:`~sosrap.privacy.addresses`; personal names (Voikko) in
:mod:`~sosrap.privacy.names`. Every detector searches the detection view of
``normalise(text)`` (:mod:`~sosrap.privacy.normalise`), and every span is a
span in ``normalise(text)``: screening, rendering and the audit see that one
normalised text. A hit is a span and a kind, never a value.

:data:`FINDERS` is the extension point: kind -> ``finder(view, context)``
returning ``(start, end[, note])`` spans in the view, in merge-priority order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Pattern, Sequence

from sosrap.privacy import addresses, contacts, names as _names, numbers
from sosrap.privacy.kinds import (ADDRESS, BIRTH_DATE, CLIENT_NUMBER, EMAIL, IBAN, IDENTITY_CODE, IP, KIND_FI,
                                  KINDS, LABEL_FI, NAME, PHONE, PLACEHOLDER, PLATE, URL, Hit, View, mapped, merge)
from sosrap.privacy.normalise import detection_view, normalise

# Re-exported detectors (each takes raw or normalised text).
from sosrap.privacy.addresses import find_addresses  # noqa: F401
from sosrap.privacy.contacts import find_emails, find_ips, find_phones, find_urls  # noqa: F401
from sosrap.privacy.names import NameIndex, VoikkoMissing, find_names, require_voikko, voikko_available  # noqa: F401
from sosrap.privacy.numbers import (find_birth_dates, find_client_numbers, find_ibans,  # noqa: F401
                                    find_identity_codes, find_plates)

__all__ = ["Hit", "KINDS", "KIND_FI", "LABEL_FI", "PLACEHOLDER", "IDENTITY_CODE", "PHONE", "EMAIL", "NAME",
           "ADDRESS", "IBAN", "PLATE", "CLIENT_NUMBER", "BIRTH_DATE", "URL", "IP", "Context", "FINDERS",
           "context", "find_in", "find_all", "redact", "screen", "is_identity_code", "NameIndex", "VoikkoMissing", "voikko_available",
           "require_voikko"]


@dataclass(frozen=True)
class Context:
    """What a finder may need besides the text: the prepared names and the
    configured client-number patterns."""
    names: NameIndex
    client_patterns: tuple[Pattern, ...] = ()


Finder = Callable[[View, Context], list]

#: Kinds whose every match has a (Unicode) digit in it: not searched for in a text without one.
NEEDS_DIGIT = frozenset({IBAN, IDENTITY_CODE, PHONE, BIRTH_DATE, PLATE, ADDRESS})
_DIGIT = re.compile(r"\d")

#: kind -> finder over the detection view, in merge-priority order (see :data:`KINDS`).
FINDERS: dict[str, Finder] = {
    IBAN: lambda v, c: numbers._ibans(v),
    IDENTITY_CODE: lambda v, c: numbers._identity_codes(v),
    EMAIL: lambda v, c: contacts._emails(v),
    URL: lambda v, c: contacts._urls(v),
    IP: lambda v, c: contacts._ips(v),
    PHONE: lambda v, c: contacts._phones(v),
    CLIENT_NUMBER: lambda v, c: numbers._client_numbers(v, c.client_patterns) if c.client_patterns else [],
    BIRTH_DATE: lambda v, c: numbers._birth_dates(v),
    PLATE: lambda v, c: numbers._plates(v),
    ADDRESS: lambda v, c: addresses._addresses(v),
    NAME: lambda v, c: _names.names_in(v, c.names),
}


def is_identity_code(text: str) -> bool:
    """True when *text* as a whole is a Finnish personal identity code (any
    century sign, temporary numbers included, typographic dashes tolerated)."""
    norm = normalise(text).strip()
    return any(h.start == 0 and h.end == len(norm) and h.note == "valid" for h in find_identity_codes(norm))


def _compact(s: str) -> str:
    return re.sub(r"\s+", "", s).lower()


def _allowed_filter(norm: str, allow: Sequence[str]) -> Callable[[Hit], bool]:
    """Keeps a hit unless its value is an *allow* entry (whitespace and case
    aside); a URL is also allowed by its host."""
    allowed = {_compact(normalise(str(a))) for a in allow}
    hosts = {re.sub(r"^(?:https?://)?(?:www\.)?", "", a).split("/")[0] for a in allowed if "." in a}
    numbers_ = {re.sub(r"\D", "", a) for a in allowed if sum(c.isdigit() for c in a) >= 6}

    def keep(h: Hit) -> bool:
        val = _compact(norm[h.start:h.end])
        if val in allowed or (h.kind == PHONE and re.sub(r"\D", "", val) in numbers_):
            return False
        if h.kind == URL:
            host = re.sub(r"^(?:https?://|ftp://)?(?:www\.)?", "", val).split("/")[0]
            return host not in hosts
        return True
    return keep


def find_all(text: str, names: Iterable[str] | NameIndex | None = (), *, allow: Iterable[str] = (),
             client_patterns: Iterable[str | Pattern] = (), kinds: Iterable[str] | None = None) -> list[Hit]:
    """Every hit in ``normalise(text)``, overlapping hits merged (the merged hit
    spans them all and has the highest-priority kind, see :data:`KINDS`).

    *names*: private names (any form; matched on lemmas). *allow*: public
    values: names (authors, ``metadata.public_names``; matched on lemmas) and
    exact contact values or URLs (whitespace and case aside; a URL is also
    allowed by its host). *client_patterns*: regular expressions for client
    numbers. *kinds*: only these kinds. Name detection needs Voikko
    (:class:`VoikkoMissing` otherwise)."""
    if not text:
        return []
    allow = tuple(allow or ())
    return find_in(normalise(text), context(names, client_patterns, allow), allow=allow, kinds=kinds)


def context(names: Iterable[str] | NameIndex | None = (), client_patterns: Iterable[str | Pattern] = (),
            allow: Iterable[str] = ()) -> Context:
    """The prepared names and compiled client-number patterns, once for many texts."""
    return Context(_names.make_index(names or (), tuple(allow or ())), numbers._compile_patterns(client_patterns))


def find_in(norm: str, ctx: Context, *, allow: Sequence[str] = (), kinds: Iterable[str] | None = None) -> list[Hit]:
    """:func:`find_all` over text that is already ``normalise``d, with a prepared :func:`context`
    (screening a column calls this for every row)."""
    if not norm:
        return []
    view = detection_view(norm)
    want = set(FINDERS if kinds is None else kinds)
    if _DIGIT.search(view.text) is None:
        want -= NEEDS_DIGIT
    hits: list[Hit] = []
    for kind, finder in FINDERS.items():
        if kind in want:
            spans = finder(view, ctx)
            if spans:
                hits += mapped(view, kind, spans)
    if allow and hits:
        hits = [h for h in hits if _allowed_filter(norm, allow)(h)]
    return merge(hits)


def redact(text: str, hits: Sequence[Hit], placeholder: dict[str, str] | None = None) -> str:
    """``normalise(text)`` with every hit replaced by its placeholder
    (``[henkilötunnus]``, ``[nimi]``, …). Hits are spans in the normalised text,
    as every ``find_*`` returns them; overlapping hits are merged first."""
    ph = placeholder or PLACEHOLDER
    norm = normalise(text or "")
    out, pos = [], 0
    for h in merge(list(hits)):
        if h.start < pos:
            continue
        out.append(norm[pos:h.start])
        out.append(ph[h.kind])
        pos = h.end
    out.append(norm[pos:])
    return "".join(out)


def screen(text: str, **kw) -> tuple[str, list[Hit]]:
    """``(redacted text, hits)``; keyword arguments as for :func:`find_all`."""
    hits = find_all(text, **kw)
    return redact(text, hits), hits
