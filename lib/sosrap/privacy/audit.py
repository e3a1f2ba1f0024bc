"""The audit of published files, and THE privacy gate that build and publish call.

:func:`gate` reads each published file by its kind (HTML and DOCX report
text, executed notebooks, CSV tables) and fails on an identity code, e-mail,
phone number, configured name or an unsuppressed small count in a protected
table. A finding says *where* (file, section heading, table id, line,
character offset), never *what*, so the build log can be shared. The HTML
audit is here; the DOCX audit is in :mod:`sosrap.privacy.audit_docx`.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from sosrap.privacy.audit_docx import audit_docx
from sosrap.privacy.detect import EMAIL, IDENTITY_CODE, NAME, PHONE
from sosrap.privacy.findings import Finding, PrivacyError, TextMap, hits_to_findings, protected_map, small_count
from sosrap.privacy.protected import ProtectedTable
from sosrap.privacy.suppression import DEFAULT_MIN_COUNT

# What the gate looks for: everything in the report's own text; in data files
# (executed notebooks, CSV tables) identity codes and e-mail addresses.
REPORT_KINDS = (IDENTITY_CODE, EMAIL, PHONE, NAME)
DATA_KINDS = (IDENTITY_CODE, EMAIL)

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



def audit_text(text: str, *, file: str = "<text>", names: Iterable[str] | None = None,
               allow: Iterable[str] = (), kinds: Sequence[str] = REPORT_KINDS
               ) -> list[Finding]:
    """Findings in plain text (offsets are character offsets into *text*)."""
    tm = TextMap()
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    # one chunk per line keeps line numbers right
    for n, start in enumerate(line_starts, 1):
        end = line_starts[n] if n < len(line_starts) else len(text)
        tm.add(text[start:end], start, n, "", ())
    return hits_to_findings(tm, file, names, kinds, allow)


def audit_html(path: Path | str, protected: Iterable[ProtectedTable | str] | None = None, *,
               min_count: int = DEFAULT_MIN_COUNT, names: Iterable[str] | None = None,
               allow: Iterable[str] = (), require_protected: bool = False, file: str | None = None
               ) -> list[Finding]:
    """Audit a rendered HTML file: the visible text (and alt/title texts; not
    scripts, styles or embedded data) for identifiers, and every body cell of
    each protected table for an unsuppressed small count. With
    *require_protected*, a protected table missing from the file is a finding
    too (it means the audit could not check it). Findings name the file
    *file* (default: the file's name)."""
    path = Path(path)
    name = file or path.name
    source = path.read_text(encoding="utf-8", errors="replace")
    prot = protected_map(protected, min_count)
    p = _HTMLAudit(source, prot)
    p.file = name
    p.feed(source)
    p.close()
    findings = hits_to_findings(p.tm, name, names, REPORT_KINDS, allow)
    findings += p.small
    if require_protected:
        for t in prot:
            if t not in p.seen_ids:
                findings.append(Finding("missing_table", name, table=t,
                                        detail="protected table not found by id, so it could not be checked"))
    return sorted(findings, key=lambda f: (f.offset, f.kind))


def notebook_text(path: Path) -> str:
    """The text an executed notebook publishes: every output's stream text and plain-text data."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(o.get("text", "")) + "\n" + "".join((o.get("data") or {}).get("text/plain", ""))
                     for c in nb.get("cells", []) for o in c.get("outputs", []))


# ---------------------------------------------------------------------------
# The gate
# ---------------------------------------------------------------------------

_Audit = Callable[..., list[Finding]]


def _audit_html_file(path: Path, name: str, *, protected, min_count, allow, names) -> list[Finding]:
    return audit_html(path, protected, min_count=min_count, names=names, allow=allow,
                      require_protected=True, file=name)


def _audit_docx_file(path: Path, name: str, *, protected, min_count, allow, names) -> list[Finding]:
    return audit_docx(path, protected, min_count=min_count, names=names, allow=allow, file=name)


def _audit_notebook(path: Path, name: str, *, allow, names, **_) -> list[Finding]:
    return audit_text(notebook_text(path), file=name, names=names, allow=allow, kinds=DATA_KINDS)


def _audit_csv(path: Path, name: str, *, allow, names, **_) -> list[Finding]:
    return audit_text(path.read_text(encoding="utf-8"), file=name, names=names, allow=allow, kinds=DATA_KINDS)


# How the gate reads each kind of published file. Files of other kinds (the
# PDF, images, citation files) are not read yet; issue #17 adds them here.
AUDITS: dict[str, _Audit] = {".html": _audit_html_file, ".docx": _audit_docx_file,
                             ".ipynb": _audit_notebook, ".csv": _audit_csv}


def gate(files: Mapping[str, Path] | Sequence[Path], *, protected: Iterable[ProtectedTable | str],
         min_count: int, allow: Iterable[str], names: Iterable[str] = ()) -> None:
    """THE privacy gate: audit every file before it is published, and raise
    :class:`PrivacyError` listing the findings (file and place, never the
    value) if there is any. The build calls it on the rendered report before
    moving it into place, ``publish`` on the release's notebooks and tables.

    *files* maps the name a finding shows to the file, or is a list of files
    (named by their file name). Each file is read by its suffix (see
    :data:`AUDITS`): HTML and DOCX for every kind of identifier and, in the
    *protected* tables, for small counts (an HTML file must contain every
    protected table); notebooks and CSV tables for identity codes and e-mail
    addresses. *allow* lists public contact details; *names* private names.
    """
    named = files.items() if isinstance(files, Mapping) else ((Path(p).name, p) for p in files)
    protected, allow, names = list(protected), list(allow), list(names)
    findings: list[Finding] = []
    for name, path in named:
        audit = AUDITS.get(Path(path).suffix)
        if audit is not None:
            findings += audit(Path(path), name, protected=protected, min_count=min_count, allow=allow, names=names)
    if findings:
        raise PrivacyError(findings)
