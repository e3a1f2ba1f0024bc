"""Quotes only after human review: approvals bound to the exact text.

A reviewer approves a quote by name; the approval records the sha256 of the
text the reviewer read (screened, whitespace collapsed, Unicode NFC). A quote
is published only while its current text has that same hash, so any change
to the text — a corrected export, a changed screening rule, an edited sheet —
revokes the approval. The approvals file lives in the private area next to
the exports (it holds hashes of private texts, which are never published).
"""
from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sosrap.privacy.detect import KIND_FI

APPROVAL_COLUMNS = ["source", "id", "field", "sha256", "reviewer", "approved"]


def canonical(text: str) -> str:
    """The form a quote is reviewed, hashed and published in."""
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def quote_hash(text: str) -> str:
    return hashlib.sha256(canonical(text).encode("utf-8")).hexdigest()


def findings_label(kinds: Iterable[str]) -> str:
    """What screening found in a text, by kind and count ("puhelinnumero 1, nimi 2"); never the values."""
    c = Counter(kinds)
    return ", ".join(f"{KIND_FI.get(k, k)} {n}" for k, n in sorted(c.items()))


@dataclass(frozen=True)
class Approval:
    source: str
    id: str
    field: str
    sha256: str
    reviewer: str
    approved: str    # ISO date

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.id, self.field)


def read_approvals(path: Path) -> dict[tuple[str, str, str], Approval]:
    """The approvals file (CSV, UTF-8); missing file: no approvals. The last
    approval of a (source, id, field) wins."""
    if not path.is_file():
        return {}
    out: dict[tuple[str, str, str], Approval] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            missing = [c for c in APPROVAL_COLUMNS if not (row.get(c) or "").strip()]
            if missing:
                raise ValueError(f"{path.name}: row {n}: empty or missing column(s) {', '.join(missing)}")
            a = Approval(*(row[c].strip() for c in APPROVAL_COLUMNS))
            out[a.key] = a
    return out


def approvals_bytes(approvals: Iterable[Approval]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(APPROVAL_COLUMNS)
    for a in sorted(approvals, key=lambda a: a.key):
        w.writerow([a.source, a.id, a.field, a.sha256, a.reviewer, a.approved])
    return buf.getvalue().encode("utf-8")


def is_approved(approvals: dict[tuple[str, str, str], Approval], key: tuple[str, str, str], text: str) -> bool:
    """True when a named reviewer approved exactly this text for this field of this row."""
    a = approvals.get(key)
    return a is not None and bool(a.reviewer) and a.sha256 == quote_hash(text)
