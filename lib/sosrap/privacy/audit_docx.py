"""The audit of a DOCX report: its text (body, footnotes, endnotes, headers,
footers) for identifiers, and the cells of protected tables for small counts.

Reads the WordprocessingML parts with the standard library's ElementTree: the
audit needs every text run with its paragraph, table cell and bookmark, which
python-docx does not expose for footnotes or bookmarks.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterable, NamedTuple
from xml.etree import ElementTree as ET

from sosrap.errors import SosrapError
from sosrap.privacy.detect import NameIndex
from sosrap.privacy.findings import Finding, Rules, TextMap, hits_to_findings, protected_map, small_count
from sosrap.privacy.protected import DEFAULT_MIN_COUNT, ProtectedTable

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARTS = re.compile(r"word/(document|footnotes|endnotes|header\d*|footer\d*)\.xml")


class _Cell(NamedTuple):
    """Where a paragraph sits: the enclosing table id, and for a body cell of a
    protected table the table and the cell's position (row, column from 1)."""
    table: str = ""
    protected: ProtectedTable | None = None
    row: int = 0
    col: int = 0


def _para_text(p: ET.Element) -> str:
    buf = []
    for el in p.iter():
        if el.tag == _W + "t" and el.text:
            buf.append(el.text)
        elif el.tag in (_W + "tab",):
            buf.append("\t")
        elif el.tag in (_W + "br", _W + "cr"):
            buf.append("\n")
    return "".join(buf)


class _DocxAudit:
    """One walk over a document's parts, collecting the text map and small counts."""

    def __init__(self, file: str, protected: dict[str, ProtectedTable]):
        self.file = file
        self.protected = protected
        self.tm = TextMap()
        self.small: list[Finding] = []
        self.section = ""
        self.bookmarks: dict[str | None, str] = {}   # open bookmarks by id
        self.recent: list[str] = []                  # the last few bookmark names seen
        self.para = 0

    def _remember(self, bookmark: str) -> None:
        self.recent = (self.recent + [bookmark])[-3:]

    def _active_protected(self) -> ProtectedTable | None:
        for name in list(self.bookmarks.values()) + self.recent:
            if name in self.protected:
                return self.protected[name]
        return None

    def walk(self, el: ET.Element, part: str, cell: _Cell = _Cell()) -> None:
        for child in el:
            tag = child.tag
            if tag == _W + "bookmarkStart":
                self.bookmarks[child.get(_W + "id")] = child.get(_W + "name", "")
                self._remember(child.get(_W + "name", ""))
            elif tag == _W + "bookmarkEnd":
                self.bookmarks.pop(child.get(_W + "id"), None)
            elif tag == _W + "p":
                self._paragraph(child, part, cell)
            elif tag == _W + "tbl":
                self._table(child, part, cell.table)
            else:
                self.walk(child, part, cell)

    def _paragraph(self, p: ET.Element, part: str, cell: _Cell) -> None:
        for bm in p.iter(_W + "bookmarkStart"):
            self._remember(bm.get(_W + "name", ""))
        self.para += 1
        style = p.find(f"{_W}pPr/{_W}pStyle")
        sval = style.get(_W + "val", "") if style is not None else ""
        txt = _para_text(p)
        if sval.lower().startswith("heading") or sval.lower() == "title":
            self.section = " ".join(txt.split())[:80]
        self.tm.add(txt, self.tm.length, self.para, self.section, (cell.table,) if cell.table else ())
        self.tm.brk()
        if cell.protected and cell.col and small_count(txt, cell.protected.min_count):
            self.small.append(Finding("small_count", f"{self.file}:{part}", section=self.section,
                                      table=cell.protected.id, offset=self.tm.length, line=self.para,
                                      detail=f"table row {cell.row} (headings included), column {cell.col}"))
        # paragraphs carry bookmarkStart/End inside; handle them too
        for bm in p.iter(_W + "bookmarkEnd"):
            self.bookmarks.pop(bm.get(_W + "id"), None)

    def _table(self, tbl: ET.Element, part: str, outer_table: str) -> None:
        pt = self._active_protected()
        tid = pt.id if pt else outer_table
        self.recent = []
        for r, tr in enumerate(tbl.findall(_W + "tr"), 1):
            header = tr.find(f"{_W}trPr/{_W}tblHeader") is not None
            for c, tc in enumerate(tr.findall(_W + "tc"), 1):
                # header rows and the first (label) column are not counts
                self.walk(tc, part, _Cell(tid, pt if (not header and c > 1) else None, r, c))


def audit_docx(path: Path | str, protected: Iterable[ProtectedTable | str] | None = None, *,
               min_count: int = DEFAULT_MIN_COUNT, names: Iterable[str] | NameIndex | None = None,
               allow: Iterable[str] = (), file: str | None = None, rules: Rules | None = None) -> list[Finding]:
    """Audit a DOCX's text (body, footnotes, headers) the same way as the HTML.
    A table is protected when it sits inside a bookmark named like a protected
    id (pandoc turns element ids into bookmarks) or its caption paragraph has
    that bookmark. Offsets are character offsets into the document's extracted
    text; `line` is the paragraph number. Findings name the file *file*
    (default: the file's name)."""
    path = Path(path)
    name = file or path.name
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SosrapError(f"{path}: not a valid DOCX file (cannot open as a zip archive)") from None
    with zf:
        parts = [n for n in zf.namelist() if _PARTS.fullmatch(n)]
        if "word/document.xml" not in parts:
            raise SosrapError(f"{path}: not a valid DOCX file (word/document.xml is missing)")
        audit = _DocxAudit(name, protected_map(protected, min_count))
        for part in sorted(parts, key=lambda n: n != "word/document.xml"):
            try:
                root = ET.fromstring(zf.read(part))
            except ET.ParseError:
                raise SosrapError(f"{path}: {part} is not well-formed XML") from None
            audit.walk(root, part.split("/")[-1])
    findings = hits_to_findings(audit.tm, name, rules or Rules.of(names, allow))
    return sorted(findings + audit.small, key=lambda f: (f.file, f.offset))
