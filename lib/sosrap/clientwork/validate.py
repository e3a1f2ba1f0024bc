"""Validation: every row of an export checked against the schema and the code
lists in params. Valid rows are kept (typed); every rejected value is listed
(row, field, value, reason) in a rejects file in the private area, so nothing
is silently dropped. Counts, never values, are what a person sees in a log.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from sosrap import privacy
from sosrap.clientwork.parse import field_parser, likert_scale_keys, norm
from sosrap.clientwork.read import RawTable, is_blank, read_export
from sosrap.clientwork.schema import PHENOMENON_FIELDS, FieldSpec, IngestError, survey_fields
from sosrap.params import ClientWork, Params

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


# ---------------------------------------------------------------------------
# Columns: which file column holds which field
# ---------------------------------------------------------------------------

def _check_mapping(fields: Sequence[FieldSpec], mapping: dict[str, str]) -> None:
    unknown = sorted(set(mapping) - {f.name for f in fields})
    if unknown:
        raise IngestError(f"params: column mapping names unknown field(s) {unknown}; "
                          f"fields are: {', '.join(f.name for f in fields)}")


def _columns_shown(raw_cols: Sequence[str], positions: Iterable[int] | None = None) -> str:
    """File columns for a message: positions and a redacted form, never the
    heading text (a heading can hold a name or a phone number, and in an
    export without headings it is the first data row)."""
    idx = range(len(raw_cols)) if positions is None else positions
    return ", ".join(f"column {i + 1} {privacy.redacted(raw_cols[i])}" for i in idx) or "none"


def _check_unique(norm_cols: list[str], source: str) -> None:
    dup = sorted({c for c in norm_cols if c and norm_cols.count(c) > 1})
    if dup:
        where = "; ".join("columns " + ", ".join(str(i + 1) for i, c in enumerate(norm_cols) if c == d) for d in dup)
        raise IngestError(f"{source}: column heading(s) appear twice ({where})")


def _find_columns(norm_cols: list[str], fields: Sequence[FieldSpec], mapping: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for f in fields:
        cands = [mapping[f.name]] if f.name in mapping else [f.heading, f.heading_en, f.name]
        hit = next((norm(c) for c in cands if norm(c) in norm_cols), None)
        if hit is not None:
            found[f.name] = norm_cols.index(hit)
    return found


def _check_required(found: dict[str, int], raw_cols: list[str], fields: Sequence[FieldSpec],
                    mapping: dict[str, str], source: str) -> None:
    missing = [f for f in fields if f.required and f.name not in found]
    if missing:
        want = ", ".join(f"{mapping.get(f.name, f.heading)!r}" for f in missing)
        raise IngestError(f"{source}: required column(s) missing: {want}. Columns in the file (headings not "
                          f"shown, they may hold client data): {_columns_shown(raw_cols)}. If the export has no "
                          f"heading row, export it with headings; otherwise rename the column or map it in "
                          f"params (client_work.*_columns).")


def _column_map(raw_cols: list[str], fields: Sequence[FieldSpec], mapping: dict[str, str],
                source: str) -> tuple[dict[str, int], list[str]]:
    """Field name → column index, and the headings not used; the mapping in
    params wins, then the Finnish heading, the English heading and the field
    name (case-insensitive)."""
    _check_mapping(fields, mapping)
    norm_cols = [norm(c) for c in raw_cols]
    _check_unique(norm_cols, source)
    found = _find_columns(norm_cols, fields, mapping)
    _check_required(found, raw_cols, fields, mapping, source)
    used = set(found.values())
    ignored = [f"column {i + 1}" for i, c in enumerate(raw_cols) if i not in used and c]
    return found, ignored


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------

_Problem = tuple[str, str, str]   # (heading, value as shown, reason)


@dataclass(frozen=True)
class _Columns:
    """What checking one row needs: the fields present, their parsers and headings."""
    fields: Sequence[FieldSpec]
    index: dict[str, int]
    parsers: dict[str, Callable[[Any], Any]]
    headings: dict[str, str]
    dont_know: frozenset[str]
    width: int


def _shown(v: Any, limit: int = 200) -> str:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    s = "" if v is None else str(v)
    return s if len(s) <= limit else s[:limit] + "…"


def _check_cell(f: FieldSpec, cells: list[Any], cols: _Columns) -> tuple[Any, _Problem | None]:
    i = cols.index[f.name]
    v = cells[i] if i < len(cells) else None
    if is_blank(v) or (f.kind == "likert" and norm(v) in cols.dont_know):
        return None, ((cols.headings[f.name], "", "required value is missing") if f.required else None)
    try:
        return cols.parsers[f.name](v), None
    except ValueError as e:
        return None, (cols.headings[f.name], _shown(v), str(e))


def _check_row(cells: list[Any], cols: _Columns) -> tuple[dict[str, Any], list[_Problem]]:
    rec: dict[str, Any] = {}
    problems: list[_Problem] = []
    if len(cells) > cols.width and any(not is_blank(c) for c in cells[cols.width:]):
        problems.append(("(row)", f"{len(cells)} cells", f"more cells than the {cols.width} headings"))
    for f in cols.fields:
        if f.name not in cols.index:
            rec[f.name] = None
            continue
        rec[f.name], problem = _check_cell(f, cells, cols)
        if problem is not None:
            problems.append(problem)
    return rec, problems


def _duplicate_id(rid: str | None, rownum: int, seen_ids: dict[str, int], cols: _Columns) -> list[_Problem]:
    """The first row with an id owns it, valid or not, so fixing that row later
    cannot turn an accepted row into a duplicate."""
    if rid is None:
        return []
    first = seen_ids.setdefault(rid, rownum)
    if first == rownum:
        return []
    return [(cols.headings["id"], _shown(rid), f"duplicate id (first on row {first})")]


def _no_usable_rows(source: str, rows_read: int, rej: pd.DataFrame) -> IngestError:
    detail = ""
    if len(rej):
        top = rej.groupby(["field", "reason"]).size().sort_values(ascending=False).head(3)
        detail = " Most common problems: " + "; ".join(f"{fld}: {why} ({n}×)" for (fld, why), n in top.items())
    return IngestError(f"{source}: no usable rows ({rows_read} rows read, {len(rej)} problems).{detail}")


def validate_table(raw: RawTable, fields: Sequence[FieldSpec], cw: ClientWork, *, mapping: dict[str, str],
                   kind: str, source: str, dont_know: Iterable[str] = ()) -> IngestResult:
    """Check every cell; a row with any problem is rejected as a whole and each
    problem is listed (row, field, value, reason). Later duplicates of an id are
    rejected with the row of the first one."""
    index, ignored = _column_map(raw.columns, fields, mapping, source)
    scale = likert_scale_keys(cw)
    present = [f for f in fields if f.name in index]
    cols = _Columns(fields, index, {f.name: field_parser(f, cw, scale) for f in present},
                    {f.name: raw.columns[index[f.name]] for f in present},
                    frozenset(norm(x) for x in dont_know), len(raw.columns))
    good: list[dict] = []
    rejects: list[tuple[int, str, str, str]] = []
    seen_ids: dict[str, int] = {}
    for cells, rownum in zip(raw.rows, raw.row_numbers):
        rec, problems = _check_row(cells, cols)
        problems += _duplicate_id(rec.get("id"), rownum, seen_ids, cols)
        if problems:
            rejects.extend((rownum, fld, val, why) for fld, val, why in problems)
        else:
            good.append(rec)
    data = pd.DataFrame(good, columns=[f.name for f in fields])
    rej = pd.DataFrame(rejects, columns=REJECT_COLUMNS)
    if not raw.rows:
        raise IngestError(f"{source}: the file has column headings but no data rows")
    if not len(data):
        raise _no_usable_rows(source, len(raw.rows), rej)
    return IngestResult(kind, source, data, rej, len(raw.rows), raw.blank_rows, ignored, raw.encoding,
                        raw.delimiter)


# ---------------------------------------------------------------------------
# The two exports
# ---------------------------------------------------------------------------

def _patterns(p: Params | ClientWork | dict, client_patterns: Sequence[str] | None) -> tuple[str, ...]:
    """The client-number patterns: given, or an edition's `privacy.client_number_patterns`."""
    if client_patterns is not None:
        return tuple(client_patterns)
    return tuple(p.privacy.client_number_patterns) if isinstance(p, Params) else ()


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


def ingest_phenomena(path: Path | str, params: Params | ClientWork | dict, *,
                     client_patterns: Sequence[str] | None = None) -> IngestResult:
    """Read and validate a phenomenon-report export. Raises IngestError when the
    file is unusable as a whole; row problems go to `result.rejects`. Free text
    is screened with *client_patterns* too (default: the edition's
    `privacy.client_number_patterns` when *params* are an edition's)."""
    path = Path(path)
    cw = _client_work(params)
    raw = read_export(path)
    res = validate_table(raw, PHENOMENON_FIELDS, cw, mapping=cw.phenomena_columns, kind="phenomena",
                         source=path.name)
    res.data = _typed_phenomena(res.data)
    # screening is counted at ingest (so people see it) and applied again at publication
    _, rep, _ = privacy.screen_frame(res.data, ["description", "suggested_action"], cw.screen_names,
                                     client_patterns=_patterns(params, client_patterns))
    res.screening = rep
    return res


def ingest_survey(path: Path | str, params: Params | ClientWork | dict, *,
                  client_patterns: Sequence[str] | None = None) -> IngestResult:
    """Read and validate a survey export (Likert items and open answers). 'En
    osaa sanoa' and blanks are missing answers, not errors. Screening as for
    `ingest_phenomena`."""
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
    _, rep, _ = privacy.screen_frame(d, [q.code for q in cw.open_questions], cw.screen_names,
                                     client_patterns=_patterns(params, client_patterns))
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


