"""Kinds of identifying text, the :class:`Hit` every detector returns, and
the helpers the detectors share (the detection view, span mapping, merging).

A hit is a span in ``normalise(text)`` and a kind, never a value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sosrap.privacy.normalise import View, detection_view, normalise

IDENTITY_CODE = "identity_code"
PHONE = "phone"
EMAIL = "email"
NAME = "name"
ADDRESS = "address"
IBAN = "iban"
PLATE = "plate"
CLIENT_NUMBER = "client_number"
BIRTH_DATE = "birth_date"
URL = "url"
IP = "ip"

# Highest priority first: when hits overlap they merge into one hit of the
# highest-priority kind, spanning all of them.
KINDS = (IBAN, IDENTITY_CODE, EMAIL, URL, IP, PHONE, CLIENT_NUMBER, BIRTH_DATE, PLATE, ADDRESS, NAME)
PRIORITY = {k: i for i, k in enumerate(KINDS)}

LABEL_FI = {
    IDENTITY_CODE: "henkilötunnus", PHONE: "puhelinnumero", EMAIL: "sähköpostiosoite", NAME: "nimi",
    ADDRESS: "osoite", IBAN: "tilinumero", PLATE: "rekisterinumero", CLIENT_NUMBER: "asiakasnumero",
    BIRTH_DATE: "syntymäaika", URL: "verkko-osoite", IP: "IP-osoite",
}
PLACEHOLDER = {k: f"[{v}]" for k, v in LABEL_FI.items()}


@dataclass(frozen=True, order=True)
class Hit:
    """Where identifying text is, in ``normalise(text)``: a kind and a span.

    ``note`` is a classification, never the value: for identity codes
    ``"valid"`` (checksum and date valid per python-stdnum) or ``"shape"``
    (shaped like a code: redacted all the same)."""
    start: int
    end: int
    kind: str
    note: str = ""

    def __init__(self, kind: str, start: int, end: int, note: str = ""):
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "note", note)

    def __repr__(self) -> str:
        return f"Hit({self.kind!r}, {self.start}, {self.end}{', ' + repr(self.note) if self.note else ''})"


def prep(text: str | View) -> View:
    if isinstance(text, View):
        return text
    return detection_view(normalise(text or ""))


def mapped(view: View, kind: str, spans: Iterable[tuple[int, int] | tuple[int, int, str]]) -> list[Hit]:
    out = []
    for sp in spans:
        a, b = view.span(sp[0], sp[1])
        out.append(Hit(kind, a, b, sp[2] if len(sp) > 2 else ""))
    return out


# Finnish labels for findings that are not detector kinds.
KIND_FI = {**LABEL_FI, "small_count": "pieni lukumäärä", "missing_table": "suojattu taulukko puuttuu",
           "unreadable": "lukukelvoton tiedosto"}


def merge(hits: list[Hit]) -> list[Hit]:
    if not hits:
        return []
    hits = sorted(hits, key=lambda h: (h.start, -h.end))
    out: list[Hit] = []
    for h in hits:
        if out and h.start < out[-1].end:
            last = out[-1]
            kind, note = (last.kind, last.note) if PRIORITY[last.kind] <= PRIORITY[h.kind] else (h.kind, h.note)
            out[-1] = Hit(kind, last.start, max(last.end, h.end), note)
        else:
            out.append(h)
    return out

