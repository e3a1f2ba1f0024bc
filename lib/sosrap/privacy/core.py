"""The privacy gate: everything that leaves the private area passes through here.

Client-work data is about social welfare clients. Four things keep a
published report from identifying anyone:

1. **Screening** free text for Finnish personal identity codes (every century
   sign, the 2023 letters included, checksum validated), phone numbers,
   e-mail addresses and a configurable list of names. Hits are redacted; what
   is reported about them is *counts by kind*, never the values, because a
   log or an executed notebook is itself an output.
2. **Small-count suppression** of every published count table: cells with
   ``0 < n < min_count`` are hidden (primary), then more cells are hidden
   (complementary) until no hidden cell can be worked out from the row and
   column totals. The check is exact linear algebra on the table with its
   margins, not a rule of thumb.
3. **Quotes** only from rows whose writer approved quoting, and only after
   screening (a quote that needed redaction is left out altogether).
4. **An audit** of the rendered report (HTML and DOCX text) at the end of
   every build. A finding says *where* (file, section heading, table id,
   character offset), never *what*, so the build log can be shared.
"""
from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Sequence
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
from stdnum.fi import hetu as _hetu

from sosrap.errors import SosrapError
from sosrap.report import fmt

DEFAULT_MIN_COUNT = 5
DEFAULT_MARKER = "x"
PROTECTED_FILE = "protected_tables.json"

# Kinds of identifying text, and the placeholder each becomes in redacted text.
IDENTITY_CODE, PHONE, EMAIL, NAME = "identity_code", "phone", "email", "name"
KINDS = (IDENTITY_CODE, PHONE, EMAIL, NAME)
PLACEHOLDER = {IDENTITY_CODE: "[henkilötunnus]", PHONE: "[puhelinnumero]",
               EMAIL: "[sähköposti]", NAME: "[nimi]"}
KIND_FI = {IDENTITY_CODE: "henkilötunnus", PHONE: "puhelinnumero", EMAIL: "sähköpostiosoite",
           NAME: "nimi", "small_count": "pieni lukumäärä"}


class PrivacyError(SosrapError):
    """The report failed the privacy audit; the message says where, never what."""

    def __init__(self, findings: Sequence["Finding"]):
        self.findings = list(findings)
        lines = [f"  - {f}" for f in self.findings[:50]]
        more = len(self.findings) - 50
        if more > 0:
            lines.append(f"  … and {more} more")
        super().__init__(
            f"privacy audit failed: {len(self.findings)} finding(s) in the rendered report "
            f"(values are not shown; open the file at the given place):\n" + "\n".join(lines))


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------

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
    pat = names if isinstance(names, re.Pattern) or names is None else names_pattern(names)
    if pat is None:
        return []
    return [Hit(NAME, m.start(), m.end()) for m in pat.finditer(text)]


def find_all(text: str, names: Iterable[str] | re.Pattern | None = None) -> list[Hit]:
    """Every hit, overlaps resolved by priority (identity code > e-mail > phone > name),
    so '010190-123A' counts as an identity code and not also as a phone number."""
    if not text:
        return []
    chosen: list[Hit] = []
    for finder in (find_identity_codes, find_emails, find_phones):
        for h in finder(text):
            if not any(h.start < c.end and c.start < h.end for c in chosen):
                chosen.append(h)
    for h in find_names(text, names):
        if not any(h.start < c.end and c.start < h.end for c in chosen):
            chosen.append(h)
    return sorted(chosen, key=lambda h: h.start)


def redact(text: str, hits: Sequence[Hit]) -> str:
    out, pos = [], 0
    for h in sorted(hits, key=lambda h: h.start):
        out.append(text[pos:h.start])
        out.append(PLACEHOLDER[h.kind])
        pos = h.end
    out.append(text[pos:])
    return "".join(out)


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


def screen_text(text: str | None, names: Iterable[str] | re.Pattern | None = None) -> tuple[str | None, ScreeningReport]:
    """Redacted text and a count-only report."""
    rep = ScreeningReport(texts=0 if text is None else 1)
    if not text:
        return text, rep
    hits = find_all(text, names)
    if hits:
        rep.texts_with_hits = 1
        rep.hits.update(h.kind for h in hits)
        text = redact(text, hits)
    return text, rep


def screen_series(values: pd.Series, names: Iterable[str] | None = None) -> tuple[pd.Series, ScreeningReport, pd.Series]:
    """Screen a column of free text. Returns the redacted column, the report,
    and a boolean Series: which rows had a hit (for leaving them out of quotes)."""
    pat = names_pattern(names or [])
    rep = ScreeningReport()
    out, flagged = [], []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(v)
            flagged.append(False)
            continue
        red, r = screen_text(str(v), pat)
        rep.add(r)
        out.append(red)
        flagged.append(r.texts_with_hits > 0)
    return (pd.Series(out, index=values.index, dtype=object), rep,
            pd.Series(flagged, index=values.index, dtype=bool))


def screen_frame(df: pd.DataFrame, columns: Sequence[str], names: Iterable[str] | None = None
                 ) -> tuple[pd.DataFrame, ScreeningReport, pd.Series]:
    """Screen several free-text columns; a row is flagged if any of them had a hit."""
    out = df.copy()
    rep = ScreeningReport()
    flagged = pd.Series(False, index=df.index)
    for col in columns:
        if col not in df.columns:
            continue
        red, r, f = screen_series(df[col], names)
        out[col] = red
        rep.add(r)
        flagged |= f
    return out, rep, flagged


# ---------------------------------------------------------------------------
# Quotes
# ---------------------------------------------------------------------------

def select_quotes(df: pd.DataFrame, text_col: str, approved_col: str, *, names: Iterable[str] | None = None,
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


# ---------------------------------------------------------------------------
# Small-count suppression (primary + complementary)
# ---------------------------------------------------------------------------

TOTAL_LABEL = "Yhteensä"


@dataclass
class SuppressedTable:
    """A count table with its margins and which cells are hidden, and why.

    ``counts`` includes the margins (last row and column, labelled
    ``TOTAL_LABEL``) when ``margins`` is true. ``primary`` and ``secondary`` are
    boolean frames of the same shape.
    """
    counts: pd.DataFrame
    primary: pd.DataFrame
    secondary: pd.DataFrame
    min_count: int
    marker: str = DEFAULT_MARKER
    margins: bool = True
    series: bool = False  # built from a Series: its total column only repeats the values

    @property
    def hidden(self) -> pd.DataFrame:
        return self.primary | self.secondary

    def display(self, decimals: int = 0) -> pd.DataFrame:
        """Strings ready to publish: Finnish number format, the marker for hidden cells."""
        hidden = self.hidden
        out = self.counts.copy().astype(object)
        for r in range(out.shape[0]):
            for c in range(out.shape[1]):
                out.iat[r, c] = self.marker if hidden.iat[r, c] else fmt.number(self.counts.iat[r, c], decimals)
        if self.series and self.margins:
            out = out.iloc[:, :1]
        return out

    def masked(self) -> pd.DataFrame:
        """Counts with hidden cells as missing (for charts: never plot a hidden value)."""
        return self.counts.astype("Float64").mask(self.hidden)

    def note(self, lang: str = "fi") -> str:
        return suppression_note(self.min_count, self.marker, lang)

    def log(self) -> dict:
        """The disclosure log entry: what was hidden, by which rule, as counts only."""
        return {"cells": int(self.counts.size), "primary": int(self.primary.values.sum()),
                "secondary": int(self.secondary.values.sum()), "min_count": self.min_count}


def suppression_note(min_count: int = DEFAULT_MIN_COUNT, marker: str = DEFAULT_MARKER, lang: str = "fi") -> str:
    if lang == "en":
        return (f"{marker} = hidden for privacy: a count between 1 and {min_count - 1}, or a count that "
                f"would let such a count be worked out from the totals.")
    return (f"{marker} = tietosuojasyistä salattu: 1–{min_count - 1} tapausta tai luku, josta "
            f"sellainen voitaisiin päätellä summien avulla.")


def _determined(hidden: np.ndarray) -> np.ndarray:
    """For a table whose last row and column are the margins, which hidden
    cells an attacker can compute exactly from the published ones.

    Each row i gives Σ_j<C x_ij − x_iC = 0, each column likewise. A hidden
    cell is determined iff every solution of the homogeneous system on the
    hidden cells has a zero in it, i.e. its component is zero in every
    null-space vector.
    """
    R, C = hidden.shape
    idx = np.argwhere(hidden)
    if len(idx) == 0:
        return np.zeros_like(hidden, dtype=bool)
    A = np.zeros((R + C, len(idx)))
    for k, (i, j) in enumerate(idx):
        A[i, k] = -1.0 if j == C - 1 else 1.0          # row constraint i
        A[R + j, k] = -1.0 if i == R - 1 else 1.0      # column constraint j
    # Null space by SVD (tables are small: at most a few hundred hidden cells).
    _, s, vt = np.linalg.svd(A, full_matrices=True)
    rank = int((s > 1e-9).sum())
    null = vt[rank:]
    det = np.zeros_like(hidden, dtype=bool)
    for k, (i, j) in enumerate(idx):
        det[i, j] = null.shape[0] == 0 or np.all(np.abs(null[:, k]) < 1e-9)
    return det


def determined_cells(st: SuppressedTable) -> list[tuple[str, str]]:
    """Hidden cells whose value follows from the published cells (should be none)."""
    if not st.margins:
        return []
    det = _determined(st.hidden.to_numpy())
    return [(str(st.counts.index[i]), str(st.counts.columns[j])) for i, j in np.argwhere(det)]


def suppress(table: pd.DataFrame | pd.Series, min_count: int = DEFAULT_MIN_COUNT, *, margins: bool = True,
             marker: str = DEFAULT_MARKER, total_label: str = TOTAL_LABEL) -> SuppressedTable:
    """Primary and complementary suppression of a count table.

    *table* holds counts without margins (a Series is a one-column table).
    With ``margins`` the row and column totals are added, and treated as
    published counts too: a small total is hidden, and enough further cells
    are hidden that no hidden cell (total or not) can be recovered.

    Complementary cells are chosen to close a rectangle through each
    recoverable cell at the least cost, preferring inner cells that are
    already publishable (n ≥ min_count, so hiding them loses little and the
    hidden cell's feasible range reaches past the threshold), and zeros last
    (a hidden zero next to a hidden small count can be bounded away).
    """
    series = isinstance(table, pd.Series)
    if series:
        table = table.to_frame(name=table.name if table.name is not None else "n")
    base = table.fillna(0)
    if (base.to_numpy() < 0).any():
        raise ValueError("suppress: counts must be non-negative")
    base = base.astype("int64")
    if margins:
        full = base.copy()
        full[total_label] = full.sum(axis=1)
        full.loc[total_label] = full.sum(axis=0)
    else:
        full = base
    vals = full.to_numpy()
    primary = (vals > 0) & (vals < min_count)
    hidden = primary.copy()
    if margins:
        R, C = vals.shape
        def cost(i: int, j: int) -> tuple:
            v = vals[i, j]
            is_total = i == R - 1 or j == C - 1
            return (v == 0, v < min_count, is_total, int(v))

        for _ in range(R * C + 1):
            det = _determined(hidden)
            if not det.any():
                break
            i, j = (int(x) for x in np.argwhere(det)[0])
            best, best_cost = None, None
            for i2 in range(R):
                if i2 == i:
                    continue
                for j2 in range(C):
                    if j2 == j:
                        continue
                    corners = [(i, j2), (i2, j), (i2, j2)]
                    add = [c for c in corners if not hidden[c]]
                    if not add:
                        continue
                    costs = sorted((cost(*c) for c in add), reverse=True)
                    key = (costs[0], len(add), sum(c[3] for c in costs))
                    if best_cost is None or key < best_cost:
                        best, best_cost = add, key
            if best is None:  # 1×1 table: nothing to pair with
                hidden[:] = True
                break
            for c in best:
                hidden[c] = True
        else:  # pragma: no cover - the loop adds at least one cell each round
            hidden[:] = True
    prim = pd.DataFrame(primary, index=full.index, columns=full.columns)
    sec = pd.DataFrame(hidden & ~primary, index=full.index, columns=full.columns)
    return SuppressedTable(full, prim, sec, min_count, marker, margins, series)


def hide_small_rates(values: pd.DataFrame | pd.Series, n: pd.DataFrame | pd.Series,
                     min_count: int = DEFAULT_MIN_COUNT) -> pd.DataFrame | pd.Series:
    """Rates, means and percentages derived from fewer than *min_count* units are hidden too."""
    return values.mask(n < min_count)


# ---------------------------------------------------------------------------
# Protected tables: the stage registers them, the audit checks them
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ProtectedTable:
    """A published table whose cells must not show small counts. *id* is the
    table's label as the report renders it (e.g. ``tbl-ilmiot-alue``)."""
    id: str
    min_count: int = DEFAULT_MIN_COUNT
    marker: str = DEFAULT_MARKER


def register_protected(run_dir: Path | str, table_id: str, min_count: int = DEFAULT_MIN_COUNT,
                       marker: str = DEFAULT_MARKER) -> Path:
    """Record in the stage's run directory that *table_id* is a protected count table."""
    path = Path(run_dir) / PROTECTED_FILE
    cur = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    cur = [t for t in cur if t["id"] != table_id]
    cur.append({"id": table_id, "min_count": int(min_count), "marker": marker})
    path.write_text(json.dumps(sorted(cur, key=lambda t: t["id"]), ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    return path


def load_protected(build_dir: Path | str) -> list[ProtectedTable]:
    """Every protected table registered by any stage under *build_dir*."""
    out: dict[str, ProtectedTable] = {}
    for p in sorted(Path(build_dir).rglob(PROTECTED_FILE)):
        for t in json.loads(p.read_text(encoding="utf-8")):
            out[t["id"]] = ProtectedTable(t["id"], int(t.get("min_count", DEFAULT_MIN_COUNT)),
                                          t.get("marker", DEFAULT_MARKER))
    return list(out.values())


# ---------------------------------------------------------------------------
# Audit of rendered output
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """One audit finding: kind and place, never the value."""
    kind: str            # identity_code | phone | email | name | small_count
    file: str
    section: str = ""    # nearest heading above
    table: str = ""      # enclosing element/table id, if any
    offset: int = -1     # character offset in the file (HTML) or in the document text (DOCX)
    line: int = 0
    detail: str = ""     # e.g. "row 3, column 2" — positions, not contents

    def __str__(self) -> str:
        where = [self.file]
        if self.line:
            where.append(f"line {self.line}")
        if self.offset >= 0:
            where.append(f"char {self.offset}")
        if self.section:
            where.append(f"section {self.section!r}")
        if self.table:
            where.append(f"table #{self.table}")
        if self.detail:
            where.append(self.detail)
        return f"{KIND_FI.get(self.kind, self.kind)} ({self.kind}) at " + ", ".join(where)


@dataclass
class _Chunk:
    start: int          # offset in the joined text
    src: int            # offset in the source file (or document text)
    line: int
    section: str
    ids: tuple[str, ...]


class _TextMap:
    """Joined visible text plus a map back to where each piece came from."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.chunks: list[_Chunk] = []
        self.length = 0

    def add(self, text: str, src: int, line: int, section: str, ids: tuple[str, ...]) -> None:
        if not text:
            return
        self.chunks.append(_Chunk(self.length, src, line, section, ids))
        self.parts.append(text)
        self.length += len(text)

    def brk(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")
            self.length += 1

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def locate(self, pos: int) -> _Chunk | None:
        lo, hi = 0, len(self.chunks) - 1
        best = None
        while lo <= hi:
            mid = (lo + hi) // 2
            if self.chunks[mid].start <= pos:
                best = self.chunks[mid]
                lo = mid + 1
            else:
                hi = mid - 1
        return best


def _hits_to_findings(tm: _TextMap, file: str, names: Iterable[str] | None, kinds: Sequence[str],
                      allow: Iterable[str]) -> list[Finding]:
    text = tm.text
    allowed = {_norm_allow(a) for a in allow}
    out = []
    for h in find_all(text, names):
        if h.kind not in kinds:
            continue
        if _norm_allow(text[h.start:h.end]) in allowed:
            continue
        ch = tm.locate(h.start)
        if ch is None:
            out.append(Finding(h.kind, file, offset=h.start))
            continue
        out.append(Finding(h.kind, file, section=ch.section, table=ch.ids[-1] if ch.ids else "",
                           offset=ch.src + (h.start - ch.start), line=ch.line))
    return out


def _norm_allow(s: str) -> str:
    return re.sub(r"[\s\u00a0\-()]", "", s).lower()


_NUM = re.compile(r"^[+]?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*$")


def _small_count(cell_text: str, min_count: int) -> bool:
    s = cell_text.strip()
    if not _NUM.match(s):
        return False
    v = int(re.sub(r"\D", "", s))
    return 0 < v < min_count


_BLOCK = {"p", "div", "section", "article", "header", "footer", "nav", "aside", "main", "li", "ul", "ol",
          "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "figure", "figcaption",
          "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "dt", "dd", "dl", "pre", "blockquote", "title"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
         "wbr", "param"}
_SKIP = {"script", "style", "template", "noscript"}
_ATTRS = ("alt", "title", "aria-label")


class _HTMLAudit(HTMLParser):
    def __init__(self, source: str, protected: dict[str, ProtectedTable]):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0]
        for m in re.finditer("\n", source):
            self.line_starts.append(m.end())
        self.tm = _TextMap()
        self.protected = protected
        self.stack: list[tuple[str, str | None]] = []
        self.skip = 0
        self.section = ""
        self.heading: list[str] | None = None
        self.cell: list[str] | None = None
        self.cell_pos = (0, 0)
        self.row_i = 0
        self.col_i = 0
        self.small: list[Finding] = []
        self.file = ""
        self.seen_ids: set[str] = set()

    def _offset(self) -> tuple[int, int]:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col, line

    def _ids(self) -> tuple[str, ...]:
        return tuple(i for _, i in self.stack if i)

    def _protected_here(self) -> ProtectedTable | None:
        for _, i in reversed(self.stack):
            if i and i in self.protected:
                return self.protected[i]
        return None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag in _SKIP:
            self.skip += 1
        if self.skip:
            if tag not in _VOID:
                self.stack.append((tag, None))
            return
        if tag in _BLOCK:
            self.tm.brk()
        el_id = a.get("id")
        if el_id:
            self.seen_ids.add(el_id)
        if tag not in _VOID:
            self.stack.append((tag, el_id))
        if re.fullmatch(r"h[1-6]", tag):
            self.heading = []
        if tag == "tr":
            self.row_i += 1
            self.col_i = 0
        if tag == "table":
            self.row_i = 0
        if tag in ("td", "th"):
            self.col_i += 1
            if tag == "td":
                self.cell = []
                self.cell_pos = self._offset()
        off, line = self._offset()
        for k in _ATTRS:
            if a.get(k):
                self.tm.add(str(a[k]), off, line, self.section, self._ids())
                self.tm.brk()

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # pop to the matching open tag (tolerate sloppy HTML)
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                break
        else:
            return
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "td" and self.cell is not None:
            prot = self._protected_here()
            if prot and _small_count("".join(self.cell), prot.min_count):
                off, line = self.cell_pos
                self.small.append(Finding("small_count", self.file, section=self.section, table=prot.id,
                                          offset=off, line=line,
                                          detail=f"table row {self.row_i} (headings included), column {self.col_i}"))
            self.cell = None
        if re.fullmatch(r"h[1-6]", tag) and self.heading is not None:
            self.section = " ".join("".join(self.heading).split())[:80]
            self.heading = None
        if tag in _BLOCK:
            self.tm.brk()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        off, line = self._offset()
        self.tm.add(data, off, line, self.section, self._ids())
        if self.heading is not None:
            self.heading.append(data)
        if self.cell is not None:
            self.cell.append(data)


def _protected_map(protected: Iterable[ProtectedTable | str] | None, min_count: int) -> dict[str, ProtectedTable]:
    out = {}
    for p in protected or []:
        t = p if isinstance(p, ProtectedTable) else ProtectedTable(str(p), min_count)
        out[t.id] = t
    return out


def audit_text(text: str, *, file: str = "<text>", names: Iterable[str] | None = None,
               allow: Iterable[str] = (), kinds: Sequence[str] = (IDENTITY_CODE, EMAIL, PHONE, NAME)
               ) -> list[Finding]:
    """Findings in plain text (offsets are character offsets into *text*)."""
    tm = _TextMap()
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    # one chunk per line keeps line numbers right
    for n, start in enumerate(line_starts, 1):
        end = line_starts[n] if n < len(line_starts) else len(text)
        tm.add(text[start:end], start, n, "", ())
    return _hits_to_findings(tm, file, names, kinds, allow)


def audit_html(path: Path | str, protected: Iterable[ProtectedTable | str] | None = None, *,
               min_count: int = DEFAULT_MIN_COUNT, names: Iterable[str] | None = None,
               allow: Iterable[str] = (), require_protected: bool = False) -> list[Finding]:
    """Audit a rendered HTML file: the visible text (and alt/title texts; not
    scripts, styles or embedded data) for identifiers, and every body cell of
    each protected table for an unsuppressed small count. With
    *require_protected*, a protected table missing from the file is a finding
    too (it means the audit could not check it)."""
    path = Path(path)
    source = path.read_text(encoding="utf-8", errors="replace")
    prot = _protected_map(protected, min_count)
    p = _HTMLAudit(source, prot)
    p.file = path.name
    p.feed(source)
    p.close()
    findings = _hits_to_findings(p.tm, path.name, names, (IDENTITY_CODE, EMAIL, PHONE, NAME), allow)
    findings += p.small
    if require_protected:
        for t in prot:
            if t not in p.seen_ids:
                findings.append(Finding("missing_table", path.name, table=t,
                                        detail="protected table not found by id, so it could not be checked"))
    return sorted(findings, key=lambda f: (f.offset, f.kind))


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def audit_docx(path: Path | str, protected: Iterable[ProtectedTable | str] | None = None, *,
               min_count: int = DEFAULT_MIN_COUNT, names: Iterable[str] | None = None,
               allow: Iterable[str] = ()) -> list[Finding]:
    """Audit a DOCX's text (body, footnotes, headers) the same way. A table is
    protected when it sits inside a bookmark named like a protected id (pandoc
    turns element ids into bookmarks) or its caption paragraph has that bookmark.
    Offsets are character offsets into the document's extracted text; `line`
    is the paragraph number."""
    path = Path(path)
    prot = _protected_map(protected, min_count)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SosrapError(f"{path}: not a valid DOCX file (cannot open as a zip archive)") from None
    tm = _TextMap()
    small: list[Finding] = []
    state = {"section": "", "bookmarks": {}, "recent": [], "para": 0}

    def para_text(p: ET.Element) -> str:
        buf = []
        for el in p.iter():
            if el.tag == _W + "t" and el.text:
                buf.append(el.text)
            elif el.tag in (_W + "tab",):
                buf.append("\t")
            elif el.tag in (_W + "br", _W + "cr"):
                buf.append("\n")
        return "".join(buf)

    def active_protected() -> ProtectedTable | None:
        for name in list(state["bookmarks"].values()) + state["recent"]:
            if name in prot:
                return prot[name]
        return None

    def walk(el: ET.Element, part: str, table: str = "", protected_t: ProtectedTable | None = None,
             row: int = 0, col: int = 0) -> None:
        for child in el:
            tag = child.tag
            if tag == _W + "bookmarkStart":
                state["bookmarks"][child.get(_W + "id")] = child.get(_W + "name", "")
                state["recent"].append(child.get(_W + "name", ""))
                state["recent"] = state["recent"][-3:]
            elif tag == _W + "bookmarkEnd":
                state["bookmarks"].pop(child.get(_W + "id"), None)
            elif tag == _W + "p":
                for bm in child.iter(_W + "bookmarkStart"):
                    state["recent"].append(bm.get(_W + "name", ""))
                    state["recent"] = state["recent"][-3:]
                state["para"] += 1
                style = child.find(f"{_W}pPr/{_W}pStyle")
                sval = style.get(_W + "val", "") if style is not None else ""
                txt = para_text(child)
                if sval.lower().startswith("heading") or sval.lower() == "title":
                    state["section"] = " ".join(txt.split())[:80]
                tm.add(txt, tm.length, state["para"], state["section"],
                       (table,) if table else ())
                tm.brk()
                if protected_t and col and _small_count(txt, protected_t.min_count):
                    small.append(Finding("small_count", f"{path.name}:{part}", section=state["section"],
                                         table=protected_t.id, offset=tm.length, line=state["para"],
                                         detail=f"table row {row} (headings included), column {col}"))
                # paragraphs carry bookmarkStart/End inside; handle them too
                for bm in child.iter(_W + "bookmarkEnd"):
                    state["bookmarks"].pop(bm.get(_W + "id"), None)
            elif tag == _W + "tbl":
                pt = active_protected()
                tid = pt.id if pt else table
                state["recent"] = []
                r = 0
                for tr in child.findall(_W + "tr"):
                    r += 1
                    c = 0
                    header = tr.find(f"{_W}trPr/{_W}tblHeader") is not None
                    for tc in tr.findall(_W + "tc"):
                        c += 1
                        # header rows and the first (label) column are not counts
                        walk(tc, part, tid, pt if (not header and c > 1) else None, r, c)
            else:
                walk(child, part, table, protected_t, row, col)

    parts = [n for n in zf.namelist() if re.fullmatch(r"word/(document|footnotes|endnotes|header\d*|footer\d*)\.xml", n)]
    if "word/document.xml" not in parts:
        raise SosrapError(f"{path}: not a valid DOCX file (word/document.xml is missing)")
    for name in sorted(parts, key=lambda n: n != "word/document.xml"):
        try:
            root = ET.fromstring(zf.read(name))
        except ET.ParseError:
            raise SosrapError(f"{path}: {name} is not well-formed XML") from None
        walk(root, name.split("/")[-1])
    findings = _hits_to_findings(tm, path.name, names, (IDENTITY_CODE, EMAIL, PHONE, NAME), allow)
    return sorted(findings + small, key=lambda f: (f.file, f.offset))


def audit_report(html_path: Path | str, protected: Iterable[ProtectedTable | str] | None = None, *,
                 docx_path: Path | str | None = None, min_count: int = DEFAULT_MIN_COUNT,
                 allow: Iterable[str] = (), names: Iterable[str] | None = None,
                 require_protected: bool = False) -> list[Finding]:
    """The end-of-build audit. Returns findings (empty = passed); see
    :func:`check_report` for the raising variant the build uses."""
    findings = audit_html(html_path, protected, min_count=min_count, allow=allow, names=names,
                          require_protected=require_protected)
    if docx_path is not None and Path(docx_path).is_file():
        findings += audit_docx(docx_path, protected, min_count=min_count, allow=allow, names=names)
    return findings


def check_report(html_path: Path | str, protected: Iterable[ProtectedTable | str] | None = None, **kw) -> None:
    """Raise PrivacyError (a SosrapError, message says where, not what) on any finding."""
    findings = audit_report(html_path, protected, **kw)
    if findings:
        raise PrivacyError(findings)
