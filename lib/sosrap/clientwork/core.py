"""Client-work knowledge (phenomenon reports, ilmiöraportit) and residents'
voice (survey answers): schema, ingestion of form-tool exports, summaries.

Exports come from Webropol, Microsoft Forms or the Vasso reporting tool, made
by people on ordinary office machines: CSV in UTF-8, UTF-8 with BOM or
Windows-1252, `,` or `;` delimited, decimal commas, Finnish dates (d.m.yyyy),
or XLSX. Ingestion reads them all the same way, checks every row against the
schema and the code lists in params, keeps the valid rows and lists every
rejected value (row, field, value, reason) in a rejects file in the private
area: nothing is silently dropped. Summaries for publication go through
`sosrap.privacy` (screening, suppression, quotes).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Sequence

import numpy as np
import pandas as pd

from sosrap.report import fmt
from sosrap import privacy
from sosrap.errors import SosrapError
from sosrap.params import ClientWork, CodeItem, Params

Kind = Literal["id", "date", "code", "codes", "text", "int", "bool", "likert"]


class IngestError(SosrapError):
    """The file cannot be used at all (unreadable, missing columns, no usable rows)."""


@dataclass(frozen=True)
class FieldSpec:
    """One column of an export schema."""
    name: str                 # column name in the cleaned data
    heading: str              # Finnish heading in the template and the default export
    heading_en: str
    kind: Kind
    required: bool
    codes: str | None = None  # name of the code list in params.client_work
    doc_fi: str = ""
    doc_en: str = ""


PHENOMENON_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Tunniste", "ID", "id", True, doc_fi="Ilmoituksen yksilöivä tunniste (ei asiakkaan tunniste).",
              doc_en="Unique id of the report (never a client identifier)."),
    FieldSpec("date", "Päivämäärä", "Date", "date", True, doc_fi="Ilmoituspäivä muodossa p.k.vvvv (esim. 5.3.2025).",
              doc_en="Date of the report, d.m.yyyy (e.g. 5.3.2025); ISO yyyy-mm-dd also accepted."),
    FieldSpec("service_area", "Palvelualue", "Service area", "code", True, codes="service_areas",
              doc_fi="Ilmoittajan palvelualue (koodi tai nimi koodistosta).",
              doc_en="Reporter's service area (code or label from the code list)."),
    FieldSpec("municipality", "Kunta", "Municipality", "text", False,
              doc_fi="Kunta, jota ilmiö koskee; tyhjä = koko alue.", doc_en="Municipality concerned; empty = whole county."),
    FieldSpec("categories", "Ilmiöluokka", "Phenomenon category", "codes", True, codes="categories",
              doc_fi="Yksi tai useampi ilmiöluokka koodistosta, erottimena ; tai |. Ensimmäinen on pääluokka.",
              doc_en="One or more categories from the code list, separated by ; or |. The first is the main one."),
    FieldSpec("age_groups", "Ikäryhmä", "Age group", "codes", False, codes="age_groups",
              doc_fi="Kohderyhmän ikäryhmä(t).", doc_en="Age group(s) affected."),
    FieldSpec("household_types", "Kotitaloustyyppi", "Household type", "codes", False, codes="household_types",
              doc_fi="Kohderyhmän kotitaloustyyppi (tai -tyypit).", doc_en="Household type(s) affected."),
    FieldSpec("description", "Kuvaus", "Description", "text", True,
              doc_fi="Ilmiön kuvaus vapaana tekstinä. Älä kirjoita nimiä, henkilötunnuksia tai yhteystietoja.",
              doc_en="Free-text description. Do not write names, identity codes or contact details."),
    FieldSpec("clients_affected", "Arvio asiakasmäärästä", "Estimated clients affected", "int", False,
              doc_fi="Arvio siitä, kuinka monta asiakasta ilmiö koskee (kokonaisluku).",
              doc_en="Estimated number of clients affected (whole number)."),
    FieldSpec("suggested_action", "Toimenpide-ehdotus", "Suggested action", "text", False,
              doc_fi="Ehdotettu toimenpide ja kenelle se on osoitettu.", doc_en="Suggested action and to whom."),
    FieldSpec("action_type", "Toimenpiteen tyyppi", "Action type", "code", False, codes="action_types",
              doc_fi="Toimenpide-ehdotuksen tyyppi koodistosta (yhteenvetoja varten).",
              doc_en="Type of the suggested action (for summaries)."),
    FieldSpec("quote_ok", "Lainauslupa", "Quoting approved", "bool", False,
              doc_fi="Saako kuvausta lainata raportissa (kyllä/ei). Tyhjä = ei.",
              doc_en="May the description be quoted in the report (yes/no). Empty = no."),
)

SURVEY_BASE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Vastaustunniste", "Response ID", "id", True),
    FieldSpec("date", "Vastauspäivä", "Response date", "date", False),
    FieldSpec("respondent_group", "Vastaajaryhmä", "Respondent group", "code", True, codes="respondent_groups"),
    FieldSpec("service_area", "Palvelualue", "Service area", "code", False, codes="service_areas"),
    FieldSpec("municipality", "Kunta", "Municipality", "text", False),
    FieldSpec("age_group", "Ikäryhmä", "Age group", "code", False, codes="age_groups"),
)
SURVEY_QUOTE_FIELD = FieldSpec("quote_ok", "Lainauslupa", "Quoting approved", "bool", False)

_YES = {"kyllä", "kylla", "k", "yes", "y", "x", "1", "true", "tosi", "ja", "on"}
_NO = {"ei", "e", "no", "n", "0", "false", "epätosi", "nej", "off", ""}


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------

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


def _blank(v: Any) -> bool:
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
        it = ws.iter_rows(values_only=True)
        header = None
        rows, nums, blank = [], [], 0
        for i, r in enumerate(it, start=1):
            r = list(r)
            if header is None:
                if any(not _blank(c) for c in r):
                    header = [("" if c is None else str(c)).strip() for c in r]
                continue
            if all(_blank(c) for c in r):
                blank += 1
                continue
            rows.append(r)
            nums.append(i)
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


# ---------------------------------------------------------------------------
# Value parsers: each returns the parsed value or raises ValueError(reason)
# ---------------------------------------------------------------------------

_DATE_FI = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2,4})\.?(?:\s+(?:klo\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(v: Any) -> dt.date:
    """d.m.yyyy (Finnish), yyyy-mm-dd, an Excel date cell, or an Excel serial number."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if not 20000 <= v <= 80000:
            raise ValueError("not a date")
        return _in_years(_EXCEL_EPOCH + dt.timedelta(days=int(v)))
    s = str(v).strip()
    m = _DATE_FI.match(s)
    if m:
        d, mo, y = (int(x) for x in m.groups())
        if len(m.group(3)) != 4:
            raise ValueError("year must have four digits (d.m.yyyy)")
    else:
        m = _DATE_ISO.match(s)
        if not m:
            raise ValueError("not a date (expected d.m.yyyy, e.g. 5.3.2025)")
        y, mo, d = (int(x) for x in m.groups())
    try:
        out = dt.date(y, mo, d)
    except ValueError:
        raise ValueError("impossible date (no such day)") from None
    return _in_years(out)


def _in_years(d: dt.date) -> dt.date:
    if not 2000 <= d.year <= 2099:
        raise ValueError("date outside 2000–2099")
    return d


_NUM_CLEAN = re.compile(r"[\s\u00a0\u202f]")


def parse_number(v: Any) -> float:
    """'1 234,5' / '1234.5' / '12,0' → float; decimal comma or point."""
    if isinstance(v, bool):
        raise ValueError("not a number")
    if isinstance(v, (int, float)):
        if isinstance(v, float) and np.isnan(v):
            raise ValueError("not a number")
        return float(v)
    s = _NUM_CLEAN.sub("", str(v)).replace("\u2212", "-")
    if re.fullmatch(r"-?\d+(,\d+)?", s):
        s = s.replace(",", ".")
    elif not re.fullmatch(r"-?\d+(\.\d+)?", s):
        raise ValueError("not a number")
    return float(s)


def parse_int(v: Any) -> int:
    x = parse_number(v)
    if x != int(x):
        raise ValueError("must be a whole number")
    if x < 0:
        raise ValueError("must not be negative")
    if x > 1_000_000:
        raise ValueError("implausibly large (over 1 000 000)")
    return int(x)


def parse_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    s = str(v).strip().lower()
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise ValueError("expected kyllä/ei (yes/no)")


def _norm(s: str) -> str:
    return " ".join(str(s).strip().lower().split())


def code_lookup(items: Sequence[CodeItem]) -> dict[str, str]:
    """Code, Finnish label and English label (case-insensitive) → code."""
    out: dict[str, str] = {}
    for it in items:
        for key in (it.code, it.label, it.label_en):
            if key:
                out[_norm(key)] = it.code
    return out


_SPLIT = re.compile(r"\s*[;|,\n]\s*")


def parse_code(v: Any, lookup: dict[str, str], list_name: str) -> str:
    key = _norm(v)
    if key in lookup:
        return lookup[key]
    raise ValueError(f"not in the code list {list_name}")


def parse_codes(v: Any, lookup: dict[str, str], list_name: str) -> list[str]:
    s = str(v).strip()
    if _norm(s) in lookup:  # a label that itself contains a comma
        return [lookup[_norm(s)]]
    parts = [p for p in _SPLIT.split(s) if p.strip()]
    out = []
    bad = [p for p in parts if _norm(p) not in lookup]
    if bad:
        raise ValueError(f"{len(bad)} value(s) not in the code list {list_name}")
    for p in parts:
        c = lookup[_norm(p)]
        if c not in out:
            out.append(c)
    return out


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

REJECT_COLUMNS = ["row", "field", "value", "reason"]


@dataclass
class IngestResult:
    """Valid rows (typed), every rejected value, and the counts people check."""
    kind: str
    source: str
    data: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    blank_rows: int
    ignored_columns: list[str]
    encoding: str
    delimiter: str | None
    screening: privacy.ScreeningReport = field(default_factory=privacy.ScreeningReport)

    @property
    def rows_valid(self) -> int:
        return len(self.data)

    @property
    def rows_rejected(self) -> int:
        return int(self.rejects["row"].nunique()) if len(self.rejects) else 0

    def summary(self) -> str:
        """Counts only (no values): safe to print in a shared log."""
        enc = self.encoding + (f", delimiter {self.delimiter!r}" if self.delimiter else "")
        lines = [f"{self.source}: {self.rows_read} rows read ({enc})",
                 f"  valid: {self.rows_valid}",
                 f"  rejected: {self.rows_rejected} rows ({len(self.rejects)} problems)"]
        if self.blank_rows:
            lines.append(f"  blank rows skipped: {self.blank_rows}")
        if self.ignored_columns:
            lines.append(f"  columns not in the schema (ignored): {len(self.ignored_columns)}: "
                         + ", ".join(self.ignored_columns))
        if self.screening.texts:
            lines.append("  free-text screening: " + str(self.screening))
        return "\n".join(lines)


def _column_map(raw_cols: list[str], fields: Sequence[FieldSpec], mapping: dict[str, str],
                source: str) -> tuple[dict[str, int], list[str]]:
    """Field name → column index; the mapping in params wins, then the Finnish
    heading, the English heading and the field name (case-insensitive)."""
    known = {f.name for f in fields}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise IngestError(f"params: column mapping names unknown field(s) {unknown}; "
                          f"fields are: {', '.join(f.name for f in fields)}")
    norm_cols = [_norm(c) for c in raw_cols]
    dup = sorted({c for c in norm_cols if c and norm_cols.count(c) > 1})
    if dup:
        raise IngestError(f"{source}: column heading(s) appear twice: {dup}")
    found: dict[str, int] = {}
    for f in fields:
        cands = [mapping[f.name]] if f.name in mapping else [f.heading, f.heading_en, f.name]
        for c in cands:
            if _norm(c) in norm_cols:
                found[f.name] = norm_cols.index(_norm(c))
                break
    missing = [f for f in fields if f.required and f.name not in found]
    if missing:
        want = ", ".join(f"{mapping.get(f.name, f.heading)!r}" for f in missing)
        raise IngestError(f"{source}: required column(s) missing: {want}. Columns in the file: "
                          f"{', '.join(repr(c) for c in raw_cols) or 'none'}. Rename the column or map it "
                          f"in params (client_work.*_columns).")
    used = set(found.values())
    ignored = [c for i, c in enumerate(raw_cols) if i not in used and c]
    return found, ignored


def _parser(f: FieldSpec, cw: ClientWork, scale: dict[str, int] | None = None) -> Callable[[Any], Any]:
    if f.kind == "id":
        def p(v: Any) -> str:
            if isinstance(v, float) and v == int(v):
                v = int(v)
            s = str(v).strip()
            if len(s) > 64:
                raise ValueError("id longer than 64 characters")
            if privacy.find_all(s):
                raise ValueError("id looks like personal data (identity code, phone or e-mail)")
            return s
        return p
    if f.kind == "date":
        return parse_date
    if f.kind == "int":
        return parse_int
    if f.kind == "bool":
        return parse_bool
    if f.kind in ("code", "codes"):
        items = getattr(cw, f.codes or "")
        lk = code_lookup(items)
        if f.kind == "code":
            return lambda v: parse_code(v, lk, f.codes or "")
        return lambda v: parse_codes(v, lk, f.codes or "")
    if f.kind == "likert":
        assert scale is not None
        n = len(cw.likert_scale)

        def lik(v: Any) -> float | None:
            key = _norm(v)
            if key in scale:
                return scale[key]
            try:
                x = parse_number(v)
            except ValueError:
                raise ValueError(f"not on the scale 1–{n} (or its labels)") from None
            if x != int(x) or not 1 <= x <= n:
                raise ValueError(f"not on the scale 1–{n}")
            return int(x)
        return lik
    if f.kind == "text":
        municipalities = {_norm(m): m for m in cw.municipalities}

        def txt(v: Any) -> str:
            s = str(v).strip()
            if f.name == "municipality" and municipalities:
                if _norm(s) not in municipalities:
                    raise ValueError("not one of client_work.municipalities")
                return municipalities[_norm(s)]
            if len(s) > 10_000:
                raise ValueError("text longer than 10 000 characters")
            return s
        return txt
    raise AssertionError(f.kind)


def _shown(v: Any, limit: int = 200) -> str:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    s = "" if v is None else str(v)
    return s if len(s) <= limit else s[:limit] + "…"


def validate_table(raw: RawTable, fields: Sequence[FieldSpec], cw: ClientWork, *, mapping: dict[str, str],
                   kind: str, source: str, dont_know: Iterable[str] = ()) -> IngestResult:
    """Check every cell; a row with any problem is rejected as a whole and each
    problem is listed (row, field, value, reason). Later duplicates of an id are
    rejected with the row of the first one."""
    colmap, ignored = _column_map(raw.columns, fields, mapping, source)
    scale = {_norm(lbl): i for i, lbl in enumerate(cw.likert_scale, 1)}
    dk = {_norm(x) for x in dont_know}
    parsers = {f.name: _parser(f, cw, scale) for f in fields if f.name in colmap}
    headings = {f.name: raw.columns[colmap[f.name]] for f in fields if f.name in colmap}
    good: list[dict] = []
    rejects: list[tuple[int, str, str, str]] = []
    seen_ids: dict[str, int] = {}
    for cells, rownum in zip(raw.rows, raw.row_numbers):
        rec: dict[str, Any] = {}
        problems: list[tuple[str, str, str]] = []
        if len(cells) > len(raw.columns) and any(not _blank(c) for c in cells[len(raw.columns):]):
            problems.append(("(row)", f"{len(cells)} cells", f"more cells than the {len(raw.columns)} headings"))
        for f in fields:
            if f.name not in colmap:
                rec[f.name] = None
                continue
            i = colmap[f.name]
            v = cells[i] if i < len(cells) else None
            if _blank(v) or (f.kind == "likert" and _norm(v) in dk):
                if f.required:
                    problems.append((headings[f.name], "", "required value is missing"))
                rec[f.name] = None
                continue
            try:
                rec[f.name] = parsers[f.name](v)
            except ValueError as e:
                problems.append((headings[f.name], _shown(v), str(e)))
        if rec.get("id") is not None:
            # the first row with an id owns it, valid or not, so fixing that row
            # later cannot turn an accepted row into a duplicate
            first = seen_ids.setdefault(rec["id"], rownum)
            if first != rownum:
                problems.append((headings["id"], _shown(rec["id"]), f"duplicate id (first on row {first})"))
        if problems:
            rejects.extend((rownum, fld, val, why) for fld, val, why in problems)
        else:
            good.append(rec)
    data = pd.DataFrame(good, columns=[f.name for f in fields])
    rej = pd.DataFrame(rejects, columns=REJECT_COLUMNS)
    res = IngestResult(kind, source, data, rej, len(raw.rows), raw.blank_rows, ignored, raw.encoding, raw.delimiter)
    if not raw.rows:
        raise IngestError(f"{source}: the file has column headings but no data rows")
    if not len(data):
        detail = ""
        if len(rej):
            top = rej.groupby(["field", "reason"]).size().sort_values(ascending=False).head(3)
            detail = " Most common problems: " + "; ".join(f"{fld}: {why} ({n}×)" for (fld, why), n in top.items())
        raise IngestError(f"{source}: no usable rows ({len(raw.rows)} rows read, {len(rej)} problems).{detail}")
    return res


def _client_work(p: Params | ClientWork | dict) -> ClientWork:
    if isinstance(p, ClientWork):
        return p
    if isinstance(p, Params):
        if p.client_work is None:
            raise IngestError(f"edition {p.edition!r} has no client_work section in its params")
        return p.client_work
    return ClientWork.model_validate(p)


def with_private_names(cw: ClientWork, root: Path) -> ClientWork:
    """The code lists plus the names from `screen_names_file` (one per line,
    `#` comments). Clients' names live in the private area, not in params,
    because params are committed and stamped into executed notebooks."""
    if not cw.screen_names_file:
        return cw
    path = root / cw.screen_names_file
    if not path.is_file():
        raise IngestError(f"client_work.screen_names_file: {cw.screen_names_file} does not exist; write the "
                          "names to screen from free text there, one per line (or remove the key)")
    names = [ln.strip() for ln in path.read_text(encoding="utf-8-sig").splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    return cw.model_copy(update={"screen_names": list(dict.fromkeys([*cw.screen_names, *names]))})


def _typed_phenomena(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["date"] = pd.to_datetime(out["date"])
    out.insert(2, "year", out["date"].dt.year.astype("int64"))
    out["category"] = out["categories"].map(lambda c: c[0])
    for col in ("categories", "age_groups", "household_types"):
        out[col] = out[col].map(lambda c: ";".join(c) if isinstance(c, list) else "")
    out["clients_affected"] = out["clients_affected"].astype("Int64")
    out["quote_ok"] = out["quote_ok"].fillna(False).astype(bool)
    for col in ("municipality", "suggested_action", "action_type"):
        out[col] = out[col].astype("string")
    return out


def ingest_phenomena(path: Path | str, params: Params | ClientWork | dict) -> IngestResult:
    """Read and validate a phenomenon-report export. Raises IngestError when the
    file is unusable as a whole; row problems go to `result.rejects`."""
    path = Path(path)
    cw = _client_work(params)
    raw = read_export(path)
    res = validate_table(raw, PHENOMENON_FIELDS, cw, mapping=cw.phenomena_columns, kind="phenomena",
                         source=path.name)
    res.data = _typed_phenomena(res.data)
    # screening is counted at ingest (so people see it) and applied again at publication
    _, rep, _ = privacy.screen_frame(res.data, ["description", "suggested_action"], cw.screen_names)
    res.screening = rep
    return res


def survey_fields(cw: ClientWork) -> list[FieldSpec]:
    fields = list(SURVEY_BASE_FIELDS)
    for q in cw.likert_items:
        fields.append(FieldSpec(q.code, q.column or q.text, q.code, "likert", False))
    for q in cw.open_questions:
        fields.append(FieldSpec(q.code, q.column or q.text, q.code, "text", False))
    fields.append(SURVEY_QUOTE_FIELD)
    return fields


def ingest_survey(path: Path | str, params: Params | ClientWork | dict) -> IngestResult:
    """Read and validate a survey export (Likert items and open answers). 'En
    osaa sanoa' and blanks are missing answers, not errors."""
    path = Path(path)
    cw = _client_work(params)
    if not cw.likert_items and not cw.open_questions:
        raise IngestError("params: client_work has no likert_items or open_questions to read from a survey")
    raw = read_export(path)
    fields = survey_fields(cw)
    res = validate_table(raw, fields, cw, mapping=cw.survey_columns, kind="survey", source=path.name,
                         dont_know=cw.likert_dont_know)
    d = res.data
    d["date"] = pd.to_datetime(d["date"])
    for q in cw.likert_items:
        d[q.code] = d[q.code].astype("Int64")
    d["quote_ok"] = d["quote_ok"].fillna(False).astype(bool)
    _, rep, _ = privacy.screen_frame(d, [q.code for q in cw.open_questions], cw.screen_names)
    res.screening = rep
    return res


def private_out_dir(edition: str, root: Path) -> Path:
    return root / "data" / "private" / edition / "ingested"


def write_result(res: IngestResult, out_dir: Path) -> dict[str, Path]:
    """Valid rows as Parquet and the rejects as CSV (UTF-8 with BOM, `;`, so
    Excel opens it in a Finnish locale) — both in the private area."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = out_dir / f"{res.kind}.parquet"
    rej = out_dir / f"{res.kind}.rejects.csv"
    res.data.to_parquet(data, index=False)
    r = res.rejects.rename(columns={"row": "rivi", "field": "kenttä", "value": "arvo", "reason": "syy"})
    r.to_csv(rej, index=False, sep=";", encoding="utf-8-sig", lineterminator="\n")
    return {"data": data, "rejects": rej}


# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------

def template_headings(kind: str, cw: ClientWork | None = None) -> list[str]:
    if kind == "phenomena":
        return [f.heading for f in PHENOMENON_FIELDS]
    if kind == "survey":
        if cw is None:
            raise IngestError("a survey template needs the edition's client_work params (questions)")
        return [f.heading for f in survey_fields(cw)]
    raise IngestError(f"unknown template {kind!r} (phenomena | survey)")


def write_template(kind: str, out_dir: Path, cw: ClientWork | None = None) -> list[Path]:
    """An XLSX (with a second sheet listing the fields and code lists) and a CSV
    (UTF-8 with BOM, `;`) with the Finnish headings."""
    import openpyxl
    from openpyxl.styles import Font
    out_dir.mkdir(parents=True, exist_ok=True)
    heads = template_headings(kind, cw)
    name = {"phenomena": "ilmioraportti-pohja", "survey": "kysely-pohja"}[kind]
    csv_path = out_dir / f"{name}.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerow(heads)
    xlsx_path = out_dir / f"{name}.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ilmoitukset" if kind == "phenomena" else "Vastaukset"
    ws.append(heads)
    for c in ws[1]:
        c.font = Font(bold=True)
    for i, h in enumerate(heads, 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(12, min(40, len(h) + 4))
    ws.freeze_panes = "A2"
    info = wb.create_sheet("Ohje")
    info.append(["Sarake", "Pakollinen", "Ohje", "Column", "Notes"])
    fields = PHENOMENON_FIELDS if kind == "phenomena" else survey_fields(cw)  # type: ignore[arg-type]
    for f in fields:
        info.append([f.heading, "kyllä" if f.required else "ei", f.doc_fi, f.heading_en, f.doc_en])
    if cw is not None:
        codes = wb.create_sheet("Koodistot")
        codes.append(["Koodisto", "Koodi", "Nimi"])
        for lst in ("categories", "service_areas", "age_groups", "household_types", "action_types",
                    "respondent_groups"):
            for it in getattr(cw, lst):
                codes.append([lst, it.code, it.label])
    # fixed metadata keeps the file byte-stable between runs
    wb.properties.creator = "sosrap"
    wb.properties.created = wb.properties.modified = dt.datetime(2025, 1, 1)
    wb.save(xlsx_path)
    return [xlsx_path, csv_path]


# ---------------------------------------------------------------------------
# Summaries (aggregate only; publication goes through privacy.suppress)
# ---------------------------------------------------------------------------

def labels(items: Sequence[CodeItem]) -> dict[str, str]:
    return {it.code: it.label for it in items}


def explode_codes(df: pd.DataFrame, col: str) -> pd.DataFrame:
    """One row per (report, code) for a `;`-joined code column."""
    out = df.assign(**{col: df[col].fillna("").str.split(";")}).explode(col)
    return out[out[col].astype(bool)]


def phenomena_counts(df: pd.DataFrame, cw: ClientWork) -> pd.DataFrame:
    """Reports per category × service area × year (long). A report with two
    categories counts once in each, so category totals exceed the report count."""
    long = explode_codes(df, "categories")
    out = long.groupby(["categories", "service_area", "year"]).size().rename("n").reset_index()
    return out.rename(columns={"categories": "category"})


def crosstab(df: pd.DataFrame, rows: str, cols: str, *, row_codes: Sequence[CodeItem] | None = None,
             col_codes: Sequence[CodeItem] | None = None, explode: Sequence[str] = ()) -> pd.DataFrame:
    """A count table with every code of the code lists (zeros included, so the
    table's shape does not reveal which cells are empty), labelled in Finnish."""
    d = df
    for col in explode:
        d = explode_codes(d, col)
    t = pd.crosstab(d[rows], d[cols])
    if row_codes is not None:
        t = t.reindex([c.code for c in row_codes], fill_value=0)
        t.index = [c.label for c in row_codes]
    if col_codes is not None:
        t = t.reindex(columns=[c.code for c in col_codes], fill_value=0)
        t.columns = [c.label for c in col_codes]
    t.index.name = None
    t.columns.name = None
    return t.astype("int64")


def cooccurrence(df: pd.DataFrame, cw: ClientWork) -> pd.DataFrame:
    """Pairs of categories reported together, most frequent first: (a, b, n)."""
    from itertools import combinations
    pairs: dict[tuple[str, str], int] = {}
    for cats in df["categories"].fillna(""):
        cs = sorted(set(c for c in cats.split(";") if c))
        for a, b in combinations(cs, 2):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    lab = labels(cw.categories)
    rows = [(lab.get(a, a), lab.get(b, b), n) for (a, b), n in pairs.items()]
    out = pd.DataFrame(rows, columns=["Ilmiöluokka A", "Ilmiöluokka B", "n"])
    return out.sort_values(["n", "Ilmiöluokka A", "Ilmiöluokka B"], ascending=[False, True, True]).reset_index(drop=True)


def likert_summary(df: pd.DataFrame, cw: ClientWork, *, min_count: int = privacy.DEFAULT_MIN_COUNT,
                   by: str | None = None) -> pd.DataFrame:
    """Per item (and group): n answers, mean on the 1–k scale, % agreeing (top
    two) and % disagreeing (bottom two). Means and shares from fewer than
    *min_count* answers are hidden (NaN) — the count n itself is kept for the
    table's suppression to handle — and so is a share whose numerator is a
    small count ('0,7 % agree' of 420 answers says that three people agreed).
    Every table, figure and key figure reads shares from here, so none can
    show what another hides."""
    k = len(cw.likert_scale)
    rows = []
    groups = [(None, df)] if by is None else list(df.groupby(by, sort=True))
    for g, sub in groups:
        for q in cw.likert_items:
            s = sub[q.code].dropna().astype(int)
            n = int(len(s))
            agree, disagree = int((s >= k - 1).sum()), int((s <= 2).sum())
            row = {"item": q.code, "statement": q.text, "n": n,
                   "mean": float(s.mean()) if n else np.nan,
                   "agree_pct": 100.0 * agree / n if n and not 0 < agree < min_count else np.nan,
                   "disagree_pct": 100.0 * disagree / n if n and not 0 < disagree < min_count else np.nan}
            if by is not None:
                row = {by: g, **row}
            if n < min_count:
                row.update(mean=np.nan, agree_pct=np.nan, disagree_pct=np.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def likert_distribution(df: pd.DataFrame, cw: ClientWork) -> pd.DataFrame:
    """Answers per item × scale point (counts, for suppression and charts)."""
    k = len(cw.likert_scale)
    t = pd.DataFrame({q.text: df[q.code].dropna().astype(int).value_counts().reindex(range(1, k + 1), fill_value=0)
                      for q in cw.likert_items}).T
    t.columns = list(cw.likert_scale)
    return t.astype("int64")


# ---------------------------------------------------------------------------
# The stage: inputs → publishable pieces (used by notebooks/40_client_work.ipynb)
# ---------------------------------------------------------------------------

@dataclass
class StageData:
    """Validated inputs of the client-work stage and the privacy settings."""
    cw: ClientWork
    phenomena: IngestResult
    survey: IngestResult | None
    min_count: int
    marker: str
    synthetic: bool


def stage_data(client_work: dict, privacy_params: dict | None, *, root: Path, edition: str) -> StageData:
    """Read both exports for a stage. A `synthetic_demo` edition first writes
    its deterministic synthetic exports to the private paths when they are
    missing. Rejects go to the private area, never to the build directory."""
    cw = ClientWork.model_validate(client_work)
    pp = privacy_params or {}
    if cw.phenomena_file is None:
        raise IngestError("client_work.phenomena_file is not set in params")
    if cw.survey_file is None:
        raise IngestError("client_work.survey_file is not set in params: the residents' voice chapter "
                          "(05) is built from the survey export")
    if cw.synthetic_demo:
        from sosrap.demo import clientwork as demo_clientwork
        demo_clientwork.ensure_inputs(cw, root)
    for rel in (cw.phenomena_file, cw.survey_file):
        if rel is not None and not (root / rel).is_file():
            read_export(root / rel)                 # the one "file not found" message, with what to do
    cw = with_private_names(cw, root)
    ph = ingest_phenomena(root / cw.phenomena_file, cw)
    sv = ingest_survey(root / cw.survey_file, cw) if cw.survey_file else None
    out = private_out_dir(edition, root)
    for res in (ph, sv):
        if res is not None:
            write_result(res, out)
    return StageData(cw, ph, sv, int(pp.get("min_count", privacy.DEFAULT_MIN_COUNT)),
                     str(pp.get("marker", privacy.DEFAULT_MARKER)), cw.synthetic_demo)


def shown(st: privacy.SuppressedTable, label: str) -> pd.DataFrame:
    """A suppressed table as strings for `tables.show` (labels as the first column)."""
    d = st.display()
    d.index.name = label
    return d.reset_index()


def table_category_area(sd: StageData) -> privacy.SuppressedTable:
    t = crosstab(sd.phenomena.data, "categories", "service_area", row_codes=sd.cw.categories,
                 col_codes=sd.cw.service_areas, explode=["categories"])
    return privacy.suppress(t, sd.min_count, marker=sd.marker)


def table_category_year(sd: StageData) -> privacy.SuppressedTable:
    t = crosstab(sd.phenomena.data, "categories", "year", row_codes=sd.cw.categories, explode=["categories"])
    t.columns = [str(c) for c in t.columns]
    return privacy.suppress(t, sd.min_count, marker=sd.marker)


def table_actions(sd: StageData) -> privacy.SuppressedTable:
    d = sd.phenomena.data
    s = d["action_type"].dropna().value_counts().reindex([a.code for a in sd.cw.action_types], fill_value=0)
    s.index = [a.label for a in sd.cw.action_types]
    s.name = "Ilmoituksia"
    return privacy.suppress(s.astype("int64"), sd.min_count, marker=sd.marker)


def table_pairs(sd: StageData, top: int = 8) -> pd.DataFrame:
    """Co-occurring categories: only pairs seen in at least min_count reports
    (smaller ones are left out, which the table caption says)."""
    co = cooccurrence(sd.phenomena.data, sd.cw)
    co = co[co["n"] >= sd.min_count].head(top).copy()
    co["n"] = co["n"].map(lambda v: fmt.number(v, 0))
    return co.rename(columns={"n": "Ilmoituksia"})


def table_survey_items(sd: StageData) -> pd.DataFrame:
    """Per statement: answers (n), mean, % agree, % disagree; shares from small counts hidden."""
    assert sd.survey is not None
    d = sd.survey.data
    s = likert_summary(d, sd.cw, min_count=sd.min_count)
    n_disp = s["n"].map(lambda v: sd.marker if 0 < v < sd.min_count else fmt.number(v, 0))
    return pd.DataFrame({
        "Väittämä": s["statement"], "Vastauksia (n)": n_disp,
        "Keskiarvo (1–5)": s["mean"].map(lambda v: sd.marker if pd.isna(v) else fmt.number(v, 1)),
        "Samaa mieltä": s["agree_pct"].map(lambda v: sd.marker if pd.isna(v) else fmt.percent(v, 0)),
        "Eri mieltä": s["disagree_pct"].map(lambda v: sd.marker if pd.isna(v) else fmt.percent(v, 0)),
    })


def table_survey_groups(sd: StageData) -> tuple[pd.DataFrame, privacy.SuppressedTable]:
    """Respondents per group (suppressed, complementary included) and the share
    agreeing per statement. Shares of a group with fewer than min_count
    respondents are hidden; a group hidden only to protect another one keeps
    its shares (a share does not reveal the count)."""
    assert sd.survey is not None
    d = sd.survey.data
    groups = sd.cw.respondent_groups
    n = d["respondent_group"].value_counts().reindex([g.code for g in groups], fill_value=0).astype("int64")
    n.index = [g.label for g in groups]
    n.name = "Vastaajia"
    st = privacy.suppress(n, sd.min_count, marker=sd.marker)
    summ = likert_summary(d, sd.cw, min_count=sd.min_count, by="respondent_group")
    hidden_groups = {lbl for lbl in n.index if st.primary.loc[lbl].iloc[0]}
    shown_n = st.display()
    rows = []
    for g in groups:
        row = {"Vastaajaryhmä": g.label, "Vastaajia": shown_n.loc[g.label].iloc[0]}
        for q in sd.cw.likert_items:
            hit = summ[(summ["respondent_group"] == g.code) & (summ["item"] == q.code)]
            v = hit["agree_pct"].iloc[0] if len(hit) else np.nan
            row[q.text] = sd.marker if (g.label in hidden_groups or pd.isna(v)) else fmt.percent(v, 0)
        rows.append(row)
    rows.append({"Vastaajaryhmä": privacy.TOTAL_LABEL, "Vastaajia": shown_n.loc[privacy.TOTAL_LABEL].iloc[0],
                 **{q.text: "" for q in sd.cw.likert_items}})
    return pd.DataFrame(rows), st


def quotes_markdown(quotes: pd.DataFrame, *, empty: str = "*Ei lainattavia vastauksia.*") -> str:
    """Screened quotes as Markdown block quotes, with Markdown syntax escaped so
    a quote can never turn into a link, a heading or raw HTML."""
    if quotes.empty:
        return empty
    out = []
    for q in quotes["quote"]:
        esc = re.sub(r"([\\`*_{}\[\]()#+\-.!<>|@$~^])", r"\\\1", str(q))
        out.append(f"> {esc}")
    return "\n\n".join(out)


def figure_categories(st: privacy.SuppressedTable, *, synthetic: bool):
    """Reports per category (row totals of the published table; hidden totals are not drawn)."""
    import matplotlib.pyplot as plt

    from sosrap.report import theme as plots
    plots.setup()
    totals = st.masked()[privacy.TOTAL_LABEL].drop(privacy.TOTAL_LABEL)
    totals = totals.sort_values(ascending=True, na_position="first")
    fig, ax = plt.subplots(figsize=(plots.FIGSIZE[0], 4.2))
    vals = totals.astype(float).fillna(0).to_numpy()
    ax.barh(list(totals.index), vals, color=plots.HIGHLIGHT)
    for y, v in enumerate(totals):
        ax.text((0 if pd.isna(v) else float(v)) + 0.5, y, st.marker if pd.isna(v) else fmt.number(v, 0),
                va="center", fontsize=8)
    ax.set_xlabel("ilmiöraportteja")
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    plots.fi_axis(ax, "x", 0)
    text = "Lähde: ilmiöraportit."
    if synthetic:
        text += " SYNTEETTINEN ESIMERKKIAINEISTO."
    plots.source_line(fig, text)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def alt_categories(st: privacy.SuppressedTable) -> str:
    totals = st.masked()[privacy.TOTAL_LABEL].drop(privacy.TOTAL_LABEL).dropna().sort_values(ascending=False)
    if totals.empty:
        return "Pylväskuvio ilmiöraporttien määrästä ilmiöluokittain; kaikki luvut salattu."
    return (f"Vaakapylväskuvio ilmiöraporttien määrästä ilmiöluokittain. Eniten raportteja oli luokassa "
            f"{totals.index[0]} ({fmt.number(totals.iloc[0], 0)}) ja vähiten luokassa {totals.index[-1]} "
            f"({fmt.number(totals.iloc[-1], 0)}).")


def figure_likert(sd: StageData):
    """Share agreeing and disagreeing per statement (diverging bars)."""
    import matplotlib.pyplot as plt

    from sosrap.report import theme as plots
    assert sd.survey is not None
    plots.setup()
    d = sd.survey.data
    s = likert_summary(d, sd.cw, min_count=sd.min_count).iloc[::-1]
    import textwrap
    labels_ = ["\n".join(textwrap.wrap(t, 34)) for t in s["statement"]]
    fig, ax = plt.subplots(figsize=(plots.FIGSIZE[0], 4.0))
    agree = s["agree_pct"].astype(float).fillna(0).to_numpy()
    dis = s["disagree_pct"].astype(float).fillna(0).to_numpy()
    ax.barh(labels_, agree, color=plots.HIGHLIGHT, label="samaa mieltä (4–5)")
    ax.barh(labels_, -dis, color=plots.WARN, label="eri mieltä (1–2)")
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlim(-100, 100)
    ax.set_xticks([-100, -50, 0, 50, 100])
    ax.set_xticklabels(["100 %", "50 %", "0", "50 %", "100 %"])
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=8)
    text = f"Lähde: asukas- ja asiakaskysely, n = {fmt.number(len(d), 0)}."
    if sd.synthetic:
        text += " SYNTEETTINEN ESIMERKKIAINEISTO."
    plots.source_line(fig, text)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def alt_likert(sd: StageData) -> str:
    assert sd.survey is not None
    s = likert_summary(sd.survey.data, sd.cw, min_count=sd.min_count).dropna(subset=["agree_pct"])
    if s.empty:
        return "Kuvio kyselyn väittämistä; tulokset salattu pienen vastaajamäärän vuoksi."
    hi, lo = s.loc[s["agree_pct"].idxmax()], s.loc[s["agree_pct"].idxmin()]
    return (f"Vaakapylväskuvio: samaa ja eri mieltä olevien osuudet {len(s)} väittämästä. Eniten samaa mieltä "
            f"oltiin väittämästä ”{hi['statement']}” ({fmt.percent(hi['agree_pct'], 0)}), vähiten väittämästä "
            f"”{lo['statement']}” ({fmt.percent(lo['agree_pct'], 0)}).")


def key_figures(sd: StageData, tables: dict[str, privacy.SuppressedTable]) -> dict:
    """Strings for `{{< var clientwork.… >}}`: totals and quality facts, no small counts."""
    d = sd.phenomena.data
    years = sorted(d["year"].unique().tolist())
    st = tables["category_area"]
    masked = st.masked()[privacy.TOTAL_LABEL].drop(privacy.TOTAL_LABEL).dropna().sort_values(ascending=False)
    out = {
        "reports": fmt.number(len(d), 0),
        "years": f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]),
        "first_date": fmt.fi_date(d["date"].min()),
        "last_date": fmt.fi_date(d["date"].max()),
        "areas": fmt.number(d["service_area"].nunique(), 0),
        "multi_category_pct": fmt.percent(100 * (d["categories"].str.contains(";")).mean(), 0),
        "with_action_pct": fmt.percent(100 * d["suggested_action"].notna().mean(), 0),
        "quote_ok_pct": fmt.percent(100 * d["quote_ok"].mean(), 0),
        "top_category": str(masked.index[0]) if len(masked) else "",
        "top_category_n": fmt.number(masked.iloc[0], 0) if len(masked) else "",
        "second_category": str(masked.index[1]) if len(masked) > 1 else "",
        "rejected_rows": fmt.number(sd.phenomena.rows_rejected, 0),
        "screened_texts": fmt.number(sd.phenomena.screening.texts_with_hits
                                     + (sd.survey.screening.texts_with_hits if sd.survey else 0), 0),
        "min_count": str(sd.min_count),
        "marker": sd.marker,
        "suppression_note": privacy.suppression_note(sd.min_count, sd.marker),
        "suppressed_cells": fmt.number(sum(t.hidden.to_numpy().sum() for t in tables.values()), 0),
    }
    if sd.survey is not None:
        s = sd.survey.data
        summ = likert_summary(s, sd.cw, min_count=sd.min_count).dropna(subset=["agree_pct"])
        out.update({
            "survey_n": fmt.number(len(s), 0),
            "survey_rejected": fmt.number(sd.survey.rows_rejected, 0),
            "survey_open_answers": fmt.number(int(s[[q.code for q in sd.cw.open_questions]].notna().sum().sum()), 0)
            if sd.cw.open_questions else "0",
        })
        if len(summ):
            hi, lo = summ.loc[summ["agree_pct"].idxmax()], summ.loc[summ["agree_pct"].idxmin()]
            out.update({"survey_best": hi["statement"], "survey_best_pct": fmt.percent(hi["agree_pct"], 0),
                        "survey_worst": lo["statement"], "survey_worst_pct": fmt.percent(lo["agree_pct"], 0)})
    return {"clientwork": out}


def input_hashes(client_work: ClientWork | dict | None, root: Path) -> dict[str, str]:
    """sha256 of the private input files, for the runner's stage fingerprint
    (the files are outside the snapshot, so without this a changed export
    would not make the client-work stage stale). A synthetic demo's inputs are
    a function of the package code, which the fingerprint already covers."""
    import hashlib
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
        out[f"private:{rel}"] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "missing"
    return out
