"""Blank export templates for the form tools: an XLSX (with sheets listing the
fields and the code lists) and a CSV, both with the Finnish headings the
ingestion reads by default."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sosrap.clientwork.schema import PHENOMENON_FIELDS, IngestError, survey_fields
from sosrap.params import ClientWork


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

