"""Screening free text before it is published: redacted text, and a report of
*counts by kind*, never the values (a log or an executed notebook is itself
an output). Quotes come only from rows whose writer approved quoting, and
only after screening."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from sosrap.privacy.detect import KIND_FI, KINDS, NameIndex, context, find_all, find_in, redact
from sosrap.privacy.normalise import normalise


@dataclass
class ScreeningReport:
    """What screening found: counts only. Safe to print, log and publish."""
    texts: int = 0
    texts_with_hits: int = 0
    hits: Counter = field(default_factory=Counter)

    def add(self, other: "ScreeningReport") -> "ScreeningReport":
        self.texts += other.texts
        self.texts_with_hits += other.texts_with_hits
        self.hits.update(other.hits)
        return self

    def as_dict(self) -> dict:
        return {"texts": self.texts, "texts_with_hits": self.texts_with_hits,
                **{k: int(self.hits.get(k, 0)) for k in KINDS}}

    def __str__(self) -> str:
        parts = ", ".join(f"{KIND_FI[k]} {self.hits.get(k, 0)}" for k in KINDS)
        return (f"seulottu {self.texts} tekstiä, poistettu tunnistetietoja {self.texts_with_hits} "
                f"tekstistä ({parts})")


def screen_text(text: str | None, names: Iterable[str] | NameIndex | None = None, *,
                client_patterns: Sequence[str] = (), allow: Sequence[str] = ()
                ) -> tuple[str | None, ScreeningReport]:
    """Redacted text (normalised: see :mod:`~sosrap.privacy.normalise`) and a
    count-only report. Every detector runs; *names* are private names (any
    form), *client_patterns* regexes for client numbers, *allow* public values."""
    rep = ScreeningReport(texts=0 if text is None else 1)
    if not text:
        return text, rep
    norm = normalise(text)              # once: find_all and redact see it as already canonical
    hits = find_all(norm, names, allow=allow, client_patterns=client_patterns)
    if not hits:
        return norm, rep
    rep.texts_with_hits = 1
    rep.hits.update(h.kind for h in hits)
    return redact(norm, hits), rep


def screen_series(values: pd.Series, names: Iterable[str] | NameIndex | None = None, *,
                  client_patterns: Sequence[str] = ()) -> tuple[pd.Series, ScreeningReport, pd.Series]:
    """Screen a column of free text. Returns the redacted column, the report,
    and a boolean Series: which rows had a hit (for leaving them out of quotes)."""
    pat = names if isinstance(names, NameIndex) else NameIndex(names or ())
    ctx = context(pat, client_patterns)
    rep = ScreeningReport()
    out, flagged = [], []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(v)
            flagged.append(False)
            continue
        norm = normalise(str(v))
        hits = find_in(norm, ctx)
        rep.texts += 1
        if hits:
            rep.texts_with_hits += 1
            rep.hits.update(h.kind for h in hits)
        out.append(redact(norm, hits) if hits else norm)
        flagged.append(bool(hits))
    return (pd.Series(out, index=values.index, dtype=object), rep,
            pd.Series(flagged, index=values.index, dtype=bool))


def screen_frame(df: pd.DataFrame, columns: Sequence[str], names: Iterable[str] | NameIndex | None = None, *,
                 client_patterns: Sequence[str] = ()) -> tuple[pd.DataFrame, ScreeningReport, pd.Series]:
    """Screen several free-text columns; a row is flagged if any of them had a hit."""
    names = names if isinstance(names, NameIndex) else NameIndex(names or ())
    out = df.copy()
    rep = ScreeningReport()
    flagged = pd.Series(False, index=df.index)
    for col in columns:
        if col not in df.columns:
            continue
        red, r, f = screen_series(df[col], names, client_patterns=client_patterns)
        out[col] = red
        rep.add(r)
        flagged |= f
    return out, rep, flagged


def select_quotes(df: pd.DataFrame, text_col: str, approved_col: str, *,
                  names: Iterable[str] | NameIndex | None = None,
                  max_quotes: int = 5, min_chars: int = 40, max_chars: int = 400, seed: int = 0,
                  drop_screened: bool = True) -> pd.DataFrame:
    """Quotes for the report: only rows whose writer approved quoting, only after
    screening, and (by default) never a text that needed redaction, since
    contact details in a text suggest the rest of it may identify someone too.
    The choice is deterministic (seeded), so a rebuild quotes the same texts."""
    if df.empty or text_col not in df.columns:
        return pd.DataFrame(columns=["quote"])
    approved = df[approved_col].fillna(False).astype(bool) if approved_col in df.columns \
        else pd.Series(False, index=df.index)
    sub = df.loc[approved & df[text_col].notna(), [text_col]].copy()
    if sub.empty:
        return pd.DataFrame(columns=["quote"])
    red, _, flagged = screen_series(sub[text_col].astype(str), names)
    sub["quote"] = red.map(lambda s: " ".join(s.split()))
    if drop_screened:
        sub = sub[~flagged]
    lengths = sub["quote"].str.len()
    sub = sub[(lengths >= min_chars) & (lengths <= max_chars)]
    if len(sub) > max_quotes:
        sub = sub.sample(n=max_quotes, random_state=seed).sort_index()
    return sub[["quote"]].reset_index(drop=True)
