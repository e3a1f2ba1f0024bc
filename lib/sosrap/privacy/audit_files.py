"""The audit of published data files, each read as the text it publishes:
plain text, CSV and Parquet tables, JSON (every key and string), PDF (text
extracted with pypdf, page by page) and executed notebooks (every output of
every mime type that carries text, and the injected parameters).

Findings name the file and the place (line, page, JSON path, cell), never the value.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from sosrap.privacy.audit_html import html_textmap
from sosrap.privacy.findings import Finding, Rules, TextMap, hits_to_findings

# Output mime types whose payload is pixels (base64), not text.
BINARY_MIME = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")


def _lines(tm: TextMap, text: str, section: str = "", first_line: int = 1) -> None:
    pos = 0
    for n, line in enumerate(text.splitlines(keepends=True), first_line):
        tm.add(line, pos, n, section, ())
        tm.brk()
        pos += len(line)


def audit_text(text: str, *, file: str = "<text>", names=None, allow=(), rules: Rules | None = None,
               client_patterns=(), **kinds) -> list[Finding]:
    """Findings in plain text, with line numbers (offsets are into *text*)."""
    rules = rules or Rules.of(names, allow, client_patterns, **kinds)
    tm = TextMap()
    _lines(tm, text)
    return hits_to_findings(tm, file, rules)


def _strings(obj, path: str = "$"):
    """(JSON path, text) for every key and scalar value of a JSON document."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield f"{path} key", str(k)
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _strings(v, f"{path}[{i}]")
    elif obj is not None and not isinstance(obj, bool):
        yield path, str(obj)


def _json_findings(obj, file: str, rules: Rules) -> list[Finding]:
    tm = TextMap()
    for n, (where, s) in enumerate(_strings(obj), 1):
        tm.add(s, 0, n, where[:120], ())
        tm.brk()
    return [Finding(f.kind, f.file, section=f.section, line=0, detail="JSON path (see section)")
            for f in hits_to_findings(tm, file, rules)]


def audit_json(path: Path, file: str, rules: Rules) -> list[Finding]:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return audit_text(path.read_text(encoding="utf-8", errors="replace"), file=file, rules=rules)
    return _json_findings(obj, file, rules)


def audit_csv(path: Path, file: str, rules: Rules) -> list[Finding]:
    """A CSV table cell by cell (each cell starts like a line: a place name in a
    cell is not a name in mid-sentence); the place is the row and column."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return audit_text(text, file=file, rules=rules)
    tm = TextMap()
    for r, row in enumerate(csv.reader(io.StringIO(text), dialect), 1):
        for c, cell in enumerate(row, 1):
            tm.add(cell, 0, r, f"column {c}", ())
            tm.brk()
    return [Finding(f.kind, f.file, section=f.section, line=f.line) for f in hits_to_findings(tm, file, rules)]


def audit_parquet(path: Path, file: str, rules: Rules) -> list[Finding]:
    import pyarrow.parquet as pq
    table = pq.read_table(path)
    tm = TextMap()
    tm.add("\t".join(table.column_names), 0, 1, "column headings", ())
    tm.brk()
    for name in table.column_names:
        for i, v in enumerate(table.column(name).to_pylist(), 2):
            if v is not None:
                tm.add(str(v), 0, i, f"column {table.column_names.index(name) + 1}", ())
                tm.brk()
    return [Finding(f.kind, f.file, section=f.section, line=f.line, detail="row (see line; headings are line 1)")
            for f in hits_to_findings(tm, file, rules)]


# PDF text loses table cell boundaries: a capitalised word right after a number
# or a percentage is taken to start a cell (the same text is audited with its
# structure in the HTML and DOCX).
_PDF_CELL_AFTER_NUMBER = re.compile(r"(?<=[\d%)])[ ](?=[A-ZÅÄÖ])")
_PDF_HYPHEN_BREAK = re.compile(r"(?<=\w)-\n(?=\w)")


def pdf_text(page) -> str:
    """A PDF page's text as the audit reads it: pypdf's extraction, words
    hyphenated at a line end joined again ('Poisson-\\nregressio' is
    'Poisson-regressio'), a cell break before a capitalised word after a number."""
    text = page.extract_text() or ""
    return _PDF_CELL_AFTER_NUMBER.sub("\n", _PDF_HYPHEN_BREAK.sub("-", text))


def audit_pdf(path: Path, file: str, rules: Rules) -> list[Finding]:
    from pypdf import PdfReader
    tm = TextMap()
    for n, page in enumerate(PdfReader(path).pages, 1):
        tm.add(pdf_text(page), 0, n, "", ())
        tm.brk()
    return [Finding(f.kind, f.file, line=0, detail=f"page {f.line}") for f in hits_to_findings(tm, file, rules)]


def _output_texts(out: dict):
    """(mime type, text) of one notebook output."""
    if "text" in out:
        yield "stream", "".join(out["text"]) if isinstance(out["text"], list) else str(out["text"])
    if out.get("output_type") == "error":
        yield "error", "\n".join([out.get("ename", ""), out.get("evalue", ""), *out.get("traceback", [])])
    for mime, data in (out.get("data") or {}).items():
        if mime in BINARY_MIME:
            continue
        if isinstance(data, (dict, list)) and mime.endswith("json"):
            yield mime, "\n".join(s for _, s in _strings(data))
            continue
        text = "".join(data) if isinstance(data, list) else str(data)
        if mime in ("text/html", "image/svg+xml"):
            text = html_textmap(text)[0].text
        yield mime, text
    if out.get("metadata"):
        yield "metadata", "\n".join(_metadata_strings(out["metadata"]))


def _metadata_strings(meta: dict):
    """An output's metadata strings; a figure's data (`csv`, see `report.theme.show`) cell by cell, so
    that numbers in neighbouring cells are never read as one (a phone number, an identity code)."""
    for key, s in _strings(meta):
        if str(key).endswith("csv"):
            for row in csv.reader(io.StringIO(s)):
                yield from (cell for cell in row if not _is_number(cell))
        else:
            yield s


def _is_number(cell: str) -> bool:
    """A decimal number written by the plot code (statistics, not contact details)."""
    try:
        float(cell)
    except ValueError:
        return False
    return "." in cell or "e" in cell.lower()


def notebook_text(path: Path) -> str:
    """The text an executed notebook publishes (see :func:`audit_notebook`)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join(t for _, _, t in _notebook_parts(nb))


def _parameter_strings(src: str) -> list[str]:
    """The string values of an injected-parameters cell, each on its own (a
    place name in a list is not a name in mid-sentence)."""
    import ast
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return [src]
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _notebook_parts(nb: dict):
    for i, cell in enumerate(nb.get("cells", []), 1):
        tags = (cell.get("metadata") or {}).get("tags") or []
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        if "injected-parameters" in tags:
            for value in _parameter_strings(src):
                yield i, "parameters", value
        elif cell.get("cell_type") == "markdown":
            yield i, "source", src
        for out in cell.get("outputs", []):
            for mime, text in _output_texts(out):
                yield i, mime, text


def audit_notebook(path: Path, file: str, rules: Rules) -> list[Finding]:
    """Every output of every cell (streams, errors, every mime type that carries
    text: HTML and SVG by their visible text), the markdown cells and the
    injected parameters. The place is the cell number and the mime type."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    tm = TextMap()
    for i, mime, text in _notebook_parts(nb):
        tm.add(text, 0, i, f"cell {i} {mime}", ())
        tm.brk()
    return [Finding(f.kind, f.file, section=f.section, line=0) for f in hits_to_findings(tm, file, rules)]




def audit_chapter(path: Path, file: str, rules: Rules) -> list[Finding]:
    """A report chapter (Quarto/Markdown source) by line: the place a name
    finding points the editor to."""
    return audit_text(path.read_text(encoding="utf-8"), file=file, rules=rules)
