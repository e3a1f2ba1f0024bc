"""Text normalisation shared by screening, rendering and the audit.

Two layers:

* :func:`normalise` is the *canonical text*: what is screened, redacted,
  rendered and audited. It decodes HTML entities (repeatedly, so ``&amp;#49;``
  becomes ``1``), applies NFKC (full-width ``＠``/``－`` and ``&nbsp;`` fold to
  ASCII, Finnish ``ä ö å`` stay as they are), drops invisible format
  characters (Unicode category Cf: zero-width space, word joiner, BOM, soft
  hyphen, bidi controls) and C0/C1 control characters except ``\\n`` and
  ``\\t``, and turns the Unicode line/paragraph separators into ``\\n``.
  It is idempotent: ``normalise(normalise(t)) == normalise(t)``.

* :func:`detection_view` is a *detector-only* view of already normalised text:
  dash look-alikes become ``-``, markdown emphasis marks (``*``, ``` ` ```,
  ``~`` and ``_`` outside words) are dropped and ``O``/``o`` touching a digit
  become ``0``. It keeps an index map back into the normalised text, so a span
  found in the view is redacted at the right place (:meth:`View.span`). The view is
  never shown to anyone: publishing would change the author's dashes.
"""
from __future__ import annotations

import html
import re
import sys
import unicodedata
from dataclasses import dataclass

__all__ = ["normalise", "detection_view", "View", "DASHES"]

# Dash and minus look-alikes that people (and word processors) put where '-' belongs.
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\ufe63\uff0d\u2212\u2043\ufe58\u2e3a\u2e3b"


#: The Unicode planes that hold every format (Cf) and control (Cc) character: the Basic and
#: Supplementary Multilingual Planes and the Supplementary Special-purpose Plane (tags). The
#: other planes hold ideographs, unassigned code points and private use only; scanning just
#: these three takes a sixth of the time of all 17 at every import (tests/privacy/test_normalise.py
#: checks the result against a scan of every code point of the running Python's Unicode).
PLANES = (0, 1, 14)


def _build_invisible_class(planes=PLANES) -> str:
    keep = {"\n", "\t"}
    ranges: list[tuple[int, int]] = []
    for cp in (c for p in planes for c in range(p << 16, min((p + 1) << 16, sys.maxunicode + 1))):
        ch = chr(cp)
        if ch in keep:
            continue
        cat = unicodedata.category(ch)
        if cat == "Cf" or cat == "Cc":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    parts = []
    for a, b in ranges:
        parts.append(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}")
    return "[" + "".join(parts) + "]"


_INVISIBLE_CLASS = _build_invisible_class()
_INVISIBLE = re.compile(_INVISIBLE_CLASS)
_LINE_SEP = re.compile("[\u2028\u2029\u0085]")
_CRLF = re.compile(r"\r\n?")
# anything `_once` would change besides NFKC: invisible characters, entities, carriage returns, separators
_NEEDS_WORK = re.compile(_INVISIBLE_CLASS[:-1] + "&\r\u2028\u2029\u0085]")


def _once(text: str) -> str:
    text = _INVISIBLE.sub("", text)  # first, so '&#4\u200b9;' is still an entity
    if "&" in text:
        for _ in range(5):  # nested escapes: &amp;amp;#49; → &amp;#49; → &#49; → 1
            un = html.unescape(text)
            if un == text:
                break
            text = un
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _CRLF.sub("\n", text)
    text = _LINE_SEP.sub("\n", text)
    return _INVISIBLE.sub("", text)


def normalise(text: str) -> str:
    """The canonical form of *text* (see the module docstring). Idempotent."""
    if not text:
        return "" if text is None else text
    if _NEEDS_WORK.search(text) is None and (text.isascii() or unicodedata.is_normalized("NFKC", text)):
        return text  # fast path: already canonical (no entities, controls or separators; NFKC)
    return _canonical(text)


def _canonical(text: str) -> str:
    """`_once` to a fixed point (what the fast path of :func:`normalise` must equal)."""
    for _ in range(5):  # removing a zero-width char may reveal an entity: repeat to a fixed point
        new = _once(text)
        if new == text:
            break
        text = new
    return text


# ---------------------------------------------------------------------------
# Detection view
# ---------------------------------------------------------------------------

_DASH_SET = frozenset(DASHES)
_DASH_TABLE = str.maketrans({d: "-" for d in DASHES})
_VIEW_MARKS = re.compile(r"[*`~_]")
_VIEW_CHARS = re.compile("[" + DASHES + r"*`~_]")
_O_BY_DIGIT = re.compile(r"[0-9Oo](?:(?<=[0-9])[Oo]|(?<=[Oo])[0-9])")
# a run of digits and O/o with at least one digit and one O: 'O' stands for zero there
_O_RUN = re.compile(r"(?=[0-9Oo]*[Oo])[0-9Oo]*[0-9][0-9Oo]*")
_EMPH = frozenset("*`~")


@dataclass(frozen=True)
class View:
    """A detector's view of normalised text.

    ``text`` is what detectors search; ``index[i]`` is the position in the
    normalised text of ``text[i]`` (``None`` when the view is the text itself).
    """
    text: str
    source_len: int
    index: tuple[int, ...] | None = None

    def pos(self, i: int) -> int:
        if self.index is None:
            return i
        if i >= len(self.index):
            return self.source_len
        return self.index[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a view span [start, end) to the normalised text. Characters dropped
        from the view inside the span (emphasis marks) stay inside it."""
        if self.index is None:
            return start, end
        if end <= start:
            p = self.pos(start)
            return p, p
        return self.index[start], self.index[end - 1] + 1


def _trim_word_edges(text: str, a: int, b: int) -> tuple[int, int]:
    """Shrink a digit-and-O run so that Os continuing a word stay letters."""
    n = len(text)

    def letter(j: int) -> bool:
        return 0 <= j < n and text[j].isalpha() and text[j] not in "Oo"

    if letter(a - 1) and letter(a - 2):
        while a < b and text[a] in "Oo":
            a += 1
    if letter(b) and letter(b + 1):
        while b > a and text[b - 1] in "Oo":
            b -= 1
    return a, b


def _zero_positions(text: str) -> set[int]:
    """Positions of O/o that stand for zero: in a run of digits and Os, unless
    the O at the run's edge belongs to a word ('nro030772')."""
    n = len(text)
    zero: set[int] = set()
    for m in _O_RUN.finditer(text):
        a, b = _trim_word_edges(text, *m.span())
        os_ = [k for k in range(a, b) if text[k] in "Oo"]
        beside_word = (a and text[a - 1].isalpha()) or (b < n and text[b].isalpha())
        if os_ and (b - a >= 3 or not beside_word):
            zero.update(os_)
    return zero


def _view_char(text: str, i: int, zero: set[int]) -> str | None:
    """What the view shows for text[i] (None: dropped)."""
    ch = text[i]
    if ch in _DASH_SET:
        return "-"
    if ch in _EMPH:
        return None
    if ch == "_":
        inside = 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
        return ch if inside else None  # kept inside a word or an address: etu_nimi@…
    return "0" if i in zero else ch    # 17O985 → 170985 (O for zero)


def detection_view(text: str) -> View:
    """A view of normalised *text* for detectors (see the module docstring)."""
    if _O_BY_DIGIT.search(text) is None:
        if _VIEW_CHARS.search(text) is None:
            return View(text, len(text))
        if _VIEW_MARKS.search(text) is None:
            # nothing dropped or read as zero: only dashes change, position for position
            return View(text.translate(_DASH_TABLE), len(text))
    return _full_view(text)


def _full_view(text: str) -> View:
    """The view character by character, with its index map (what the fast paths of
    :func:`detection_view` must equal)."""
    zero = _zero_positions(text)
    out: list[str] = []
    idx: list[int] = []
    for i in range(len(text)):
        ch = _view_char(text, i, zero)
        if ch is not None:
            out.append(ch)
            idx.append(i)
    return View("".join(out), len(text), tuple(idx))
