"""What every audit shares: a finding (the place of a hit, never its value),
the error that lists findings, and the text map that takes a hit in the
extracted text back to its place in the file."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from sosrap.errors import SosrapError
from sosrap.privacy.detect import KIND_FI, KINDS, NAME, NameIndex, find_all
from sosrap.privacy.normalise import normalise
from sosrap.privacy.protected import ProtectedTable

#: The fix a name finding suggests.
NAME_HINT = "a public person? add them to metadata.public_names"


@dataclass(frozen=True)
class Finding:
    """One audit finding: kind and place, never the value."""
    kind: str            # a detector kind (see detect.KINDS) | small_count | missing_table | unreadable
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
        hint = f" ({NAME_HINT})" if self.kind == NAME else ""
        return f"{KIND_FI.get(self.kind, self.kind)} ({self.kind}) at " + ", ".join(where) + hint


class PrivacyError(SosrapError):
    """The report failed the privacy audit; the message says where, never what."""

    def __init__(self, findings: Sequence[Finding]):
        self.findings = list(findings)
        lines = [f"  - {f}" for f in self.findings[:50]]
        more = len(self.findings) - 50
        if more > 0:
            lines.append(f"  … and {more} more")
        super().__init__(
            f"privacy audit failed: {len(self.findings)} finding(s) in files to be published "
            f"(values are not shown; open the file at the given place):\n" + "\n".join(lines))


@dataclass
class _Chunk:
    start: int          # offset in the joined text
    src: int            # offset in the source file (or document text)
    line: int
    section: str
    ids: tuple[str, ...]


class TextMap:
    """Joined visible text plus a map back to where each piece came from."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.chunks: list[_Chunk] = []
        self.length = 0

    def add(self, text: str, src: int, line: int, section: str, ids: tuple[str, ...]) -> None:
        text = normalise(text)     # the audit sees the same normalised text as screening and rendering
        if not text:
            return
        self.chunks.append(_Chunk(self.length, src, line, section, ids))
        self.parts.append(text)
        self.length += len(text)

    def brk(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")
            self.length += 1

    def add_lines(self, texts: Iterable[str], src: int, line: int, section: str, ids: tuple[str, ...]) -> None:
        """`add` then `brk` for each of *texts* (a data file's cells), all from one place: the
        same joined text, in one chunk instead of one per text (every text would map to the
        same place), which keeps the map small for a table of many cells."""
        parts, last = self.parts, (self.parts[-1] if self.parts else None)
        pending: list[str] = []
        start = None
        for text in texts:
            text = normalise(text)
            if text:
                if start is None:
                    parts.extend(pending)
                    self.length += sum(map(len, pending))
                    pending = []
                    start = self.length
                pending.append(text)
                last = text
            if last is not None and not last.endswith("\n"):
                pending.append("\n")
                last = "\n"
        if start is not None:
            self.chunks.append(_Chunk(start, src, line, section, ids))
        parts.extend(pending)
        self.length += sum(map(len, pending))

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


@dataclass(frozen=True)
class Rules:
    """What an audit looks for: *kinds* (default every detector), the private
    *names* (prepared once), *allow*ed public values (names, contact details,
    URLs) and the configured *client_patterns*."""
    names: NameIndex
    allow: tuple[str, ...] = ()
    client_patterns: tuple[str, ...] = ()
    kinds: tuple[str, ...] = KINDS

    @classmethod
    def of(cls, names: Iterable[str] | NameIndex | None = (), allow: Iterable[str] = (),
           client_patterns: Iterable[str] = (), kinds: Sequence[str] = KINDS) -> "Rules":
        allow = tuple(allow or ())
        index = names if isinstance(names, NameIndex) else NameIndex(names or (), allow)
        return cls(index, allow, tuple(client_patterns or ()), tuple(kinds))


# Hashes (sha256 hex) are not identifiers, whatever digits they happen to contain.
_HEX_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])")


def find_in(text: str, rules: Rules) -> list:
    """The hits of *rules* in *text* (normalised), hex hashes aside."""
    hits = find_all(text, rules.names, allow=rules.allow, client_patterns=rules.client_patterns, kinds=rules.kinds)
    if hits and _HEX_RUN.search(text):
        runs = [m.span() for m in _HEX_RUN.finditer(text)]
        hits = [h for h in hits if not any(a <= h.start and h.end <= b for a, b in runs)]
    return hits


def hits_to_findings(tm: TextMap, file: str, rules: Rules) -> list[Finding]:
    """Findings of *rules* in the mapped text, each placed in the file."""
    out = []
    for h in find_in(tm.text, rules):
        ch = tm.locate(h.start)
        if ch is None:
            out.append(Finding(h.kind, file, offset=h.start))
            continue
        out.append(Finding(h.kind, file, section=ch.section, table=ch.ids[-1] if ch.ids else "",
                           offset=ch.src + (h.start - ch.start), line=ch.line))
    return out


_NUM = re.compile(r"^[+]?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*$")


def small_count(cell_text: str, min_count: int) -> bool:
    """True when a table cell shows a count between 1 and *min_count* − 1."""
    s = cell_text.strip()
    if not _NUM.match(s):
        return False
    v = int(re.sub(r"\D", "", s))
    return 0 < v < min_count


def protected_map(protected: Iterable[ProtectedTable | str] | None, min_count: int) -> dict[str, ProtectedTable]:
    """Protected tables by id; a bare id gets *min_count* and the default marker."""
    out = {}
    for p in protected or []:
        t = p if isinstance(p, ProtectedTable) else ProtectedTable(str(p), min_count)
        out[t.id] = t
    return out

