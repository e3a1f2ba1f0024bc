"""Reading form-tool exports into raw cells, before any validation.

Exports come from Webropol, Microsoft Forms or the Vasso reporting tool, made
by people on ordinary office machines: CSV in UTF-8, UTF-8 with BOM or
Windows-1252, `,` or `;` delimited, or XLSX. Every file is read into the same
`RawTable` (headings, cells as read, file row numbers, blank rows counted).
The stdlib `csv` reader is used rather than `pandas.read_csv` because
validation needs the cells untyped and each row's number in the file; the
delimiter is the candidate that splits the heading line into most cells, a
deterministic rule where `csv.Sniffer` guesses from character frequencies.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from sosrap import privacy
from sosrap.clientwork.schema import IngestError
from sosrap.params import ClientWork


@dataclass
class RawTable:
    """Cells as read, before validation; `rows[i]` is file row `row_numbers[i]`."""
    columns: list[str]
    rows: list[list[Any]]
    row_numbers: list[int]
    encoding: str
    delimiter: str | None
    blank_rows: int = 0


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as e:
        raise IngestError(f"{path.name}: cannot read the text encoding (tried UTF-8 and Windows-1252; "
                          f"byte {e.start}). Save the export as CSV UTF-8 and try again.") from None


def _pick_delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    best, best_n = ",", 0
    for d in (";", ",", "\t", "|"):
        try:
            n = len(next(csv.reader([first], delimiter=d)))
        except (StopIteration, csv.Error):
            n = 0
        if n > best_n:
            best, best_n = d, n
    return best


def is_blank(v: Any) -> bool:
    """An empty cell: None, whitespace only, or NaN."""
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and np.isnan(v))


def read_csv(path: Path) -> RawTable:
    data = path.read_bytes()
    if not data.strip():
        raise IngestError(f"{path.name}: the file is empty")
    text, enc = _decode(data, path)
    delim = _pick_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        records = list(reader)
    except csv.Error as e:
        raise IngestError(f"{path.name}: not a readable CSV file ({e})") from None
    header_i = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if header_i is None:
        raise IngestError(f"{path.name}: the file is empty")
    header = [c.strip() for c in records[header_i]]
    rows, nums, blank = [], [], 0
    for i, r in enumerate(records[header_i + 1:], start=header_i + 2):
        if not any(c.strip() for c in r):
            blank += 1
            continue
        rows.append(r)
        nums.append(i)
    return RawTable(header, rows, nums, enc, delim, blank)


def _sheet_cells(records: Iterable[tuple]) -> tuple[list[str] | None, list[list[Any]], list[int], int]:
    """Heading (the first non-blank row), data rows, their row numbers and the blank rows skipped."""
    header = None
    rows, nums, blank = [], [], 0
    for i, r in enumerate(records, start=1):
        r = list(r)
        if header is None:
            if any(not is_blank(c) for c in r):
                header = [("" if c is None else str(c)).strip() for c in r]
            continue
        if all(is_blank(c) for c in r):
            blank += 1
            continue
        rows.append(r)
        nums.append(i)
    return header, rows, nums, blank


def read_xlsx(path: Path, sheet: str | None = None) -> RawTable:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as e:
        raise IngestError(f"{path.name}: not a valid XLSX workbook ({type(e).__name__}). "
                          f"Open it in Excel and save it again as .xlsx, or export CSV.") from None
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        header, rows, nums, blank = _sheet_cells(ws.iter_rows(values_only=True))
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError) as e:
        raise IngestError(f"{path.name}: the XLSX workbook is damaged ({type(e).__name__})") from None
    finally:
        wb.close()
    if header is None:
        raise IngestError(f"{path.name}: the workbook's first sheet is empty")
    # trailing blank header cells come from formatting, not data
    while header and not header[-1]:
        header.pop()
    return RawTable(header, rows, nums, "xlsx", None, blank)


def read_export(path: Path | str) -> RawTable:
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path}: file not found. Save the form tool's export there (format: "
                          "docs/ilmioraportti.md) and check it with `sosrap ingest phenomena|survey FILE --edition E`")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(path)
    if suffix == ".xls":
        raise IngestError(f"{path.name}: old Excel .xls is not supported; save as .xlsx or CSV")
    raise IngestError(f"{path.name}: unknown file type {suffix!r} (expected .csv or .xlsx)")


def input_hashes(client_work: ClientWork | dict | None, root: Path) -> dict[str, str]:
    """sha256 of the private input files, for the runner's stage fingerprint
    (the files are outside the snapshot, so without this a changed export
    would not make the client-work stage stale). A synthetic demo's inputs are
    a function of the package code, which the fingerprint already covers."""
    if client_work is None:
        return {}
    cw = client_work if isinstance(client_work, ClientWork) else ClientWork.model_validate(client_work)
    out: dict[str, str] = {}
    for rel in (cw.phenomena_file, cw.survey_file, cw.screen_names_file):
        if not rel:
            continue
        if cw.synthetic_demo:
            out[f"private:{rel}"] = "synthetic-demo"
            continue
        p = root / rel
        out[f"private:{rel}"] = privacy.private_digest(p, root) if p.is_file() else "missing"
    return out
