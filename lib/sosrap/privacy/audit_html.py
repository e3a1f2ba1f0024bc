"""The audit of rendered HTML (and SVG) text, with the small-count check of
protected tables.

The gate itself and the audits of the other kinds of published file are in
:mod:`sosrap.privacy.audit` and :mod:`sosrap.privacy.audit_files`; the DOCX
audit is in :mod:`sosrap.privacy.audit_docx`. A finding says *where* (file,
section heading, table id, line, character offset), never *what*.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable

from sosrap.privacy.detect import KINDS, NameIndex
from sosrap.privacy.findings import Finding, Rules, TextMap, hits_to_findings, protected_map, small_count
from sosrap.privacy.protected import DEFAULT_MIN_COUNT, ProtectedTable

# What the audit looks for: every detector, in the report's text and in every
# data file alike (the audit is independent of what screening did).
REPORT_KINDS = KINDS
DATA_KINDS = KINDS

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
        self.tm = TextMap()
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
        self._add_attributes(tag, a)

    def _add_attributes(self, tag: str, a: dict) -> None:
        """Alt, title and aria-label texts, and a data download's CSV (see `_add_csv`)."""
        off, line = self._offset()
        for k in _ATTRS:
            if a.get(k):
                self.tm.add(str(a[k]), off, line, self.section, self._ids())
                self.tm.brk()
        href = a.get("href") or ""
        if tag == "a" and href.startswith("data:text/csv"):
            self._add_csv(href, off, line)

    def _add_csv(self, href: str, off: int, line: int) -> None:
        """A figure's or table's data download (a CSV in a data: URI) is published text: cell by cell."""
        import csv
        import io
        from urllib.parse import unquote
        text = unquote(href.split(",", 1)[1] if "," in href else "").lstrip("\ufeff")
        cells = (cell for row in csv.reader(io.StringIO(text)) for cell in row)
        self.tm.add_lines(cells, off, line, self.section, self._ids())

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
            if prot and small_count("".join(self.cell), prot.min_count):
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



def html_textmap(source: str, protected: dict[str, ProtectedTable] | None = None, file: str = ""
                 ) -> tuple[TextMap, list[Finding], set[str]]:
    """The visible text of an HTML (or SVG) document, its small-count findings
    in *protected* tables, and the element ids seen."""
    p = _HTMLAudit(source, protected or {})
    p.file = file
    p.feed(source)
    p.close()
    return p.tm, p.small, p.seen_ids


def audit_html(path: Path | str, protected: Iterable[ProtectedTable | str] | None = None, *,
               min_count: int = DEFAULT_MIN_COUNT, names: Iterable[str] | NameIndex | None = None,
               allow: Iterable[str] = (), require_protected: bool = False, file: str | None = None,
               rules: Rules | None = None) -> list[Finding]:
    """Audit a rendered HTML file: the visible text (and alt/title texts; not
    scripts, styles or embedded data) for identifiers, and every body cell of
    each protected table for an unsuppressed small count. With
    *require_protected*, a protected table missing from the file is a finding
    too (it means the audit could not check it). Findings name the file
    *file* (default: the file's name). *rules* (or *names*/*allow*) say what to look for."""
    path = Path(path)
    name = file or path.name
    source = path.read_text(encoding="utf-8", errors="replace")
    prot = protected_map(protected, min_count)
    tm, small, seen = html_textmap(source, prot, name)
    findings = hits_to_findings(tm, name, rules or Rules.of(names, allow)) + small
    if require_protected:
        for t in prot:
            if t not in seen:
                findings.append(Finding("missing_table", name, table=t,
                                        detail="protected table not found by id, so it could not be checked"))
    return sorted(findings, key=lambda f: (f.offset, f.kind))
