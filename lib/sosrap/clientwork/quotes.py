"""Quotes only after human review.

`candidates` lists every text a consent field covers (`schema.PHENOMENON_CONSENT`,
`schema.survey_consent`: `Lainauslupa` covers a report's description, not its
suggested action), screened, with what screening found marked by kind. A
candidate is *eligible* when screening found nothing, it has a quotable
length and it does not come from a group below the small-count threshold (a
category, service area, year or category × area cell of a report; a
respondent group or a whole survey).

`sosrap quotes <edition>` writes the private review sheet (`write_review_sheet`);
the reviewer fills in their name and "kyllä" for the texts they approve;
`sosrap quotes <edition> --record <sheet>` stores the approvals, each bound to
the sha256 of the text (`sosrap.privacy.quotes`). The build quotes only
eligible candidates whose current text has an approval with the same hash.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sosrap import privacy
from sosrap.clientwork.schema import APPROVALS_FILE, PHENOMENON_CONSENT, YES_WORDS, IngestError, survey_consent
from sosrap.clientwork.summaries import explode_codes
from sosrap.paths import atomic_write
from sosrap.privacy.quotes import (Approval, approvals_bytes, canonical, findings_label, is_approved,
                                   quote_hash, read_approvals)

if TYPE_CHECKING:
    from sosrap.clientwork.publish import StageData
    from sosrap.params import ClientWork

REVIEW_SHEET = "lainaukset-tarkastettavaksi.xlsx"
COLUMNS = ["source", "id", "field", "text", "findings", "eligible", "reason", "sha256"]
SHEET_HEADINGS = ["Lähde", "Tunniste", "Kenttä", "Teksti (seulottu)", "Havainnot", "Lainattavissa", "Syy",
                  "Tiiviste", "Hyväksyjä", "Hyväksytty (kyllä/ei)"]


def quotes_dir(cw: "ClientWork", root: Path) -> Path:
    """The private folder of the exports: the review sheet and approvals live next to them."""
    if cw.phenomena_file is None:
        raise IngestError("client_work.phenomena_file is not set in params")
    return root / Path(cw.phenomena_file).parent


def approvals_path(cw: "ClientWork", root: Path) -> Path:
    """`client_work.quote_approvals_file` (params default: beside the phenomenon export)."""
    return root / cw.quote_approvals_file if cw.quote_approvals_file else quotes_dir(cw, root) / APPROVALS_FILE


def _small_phenomena(d: pd.DataFrame, m: int) -> pd.Series:
    """Reports in a group below the threshold: a category, area, year or category × area cell."""
    long = explode_codes(d, "categories")
    small = pd.Series(False, index=d.index)
    for cols in (["categories"], ["service_area"], ["year"], ["categories", "service_area"]):
        src = long if "categories" in cols else d
        n = src.groupby(cols)[cols[0]].transform("size")
        small |= (n < m).groupby(level=0).any().reindex(d.index, fill_value=False)
    return small


def _small_survey(s: pd.DataFrame, m: int) -> pd.Series:
    if len(s) < m:
        return pd.Series(True, index=s.index)
    return s.groupby("respondent_group")["respondent_group"].transform("size") < m


def _reason(hits: int, small: bool, length: int, m: int, min_chars: int, max_chars: int) -> str:
    if hits:
        return "sisältää tunnistetietoja"
    if small:
        return f"alle {m} tapauksen ryhmästä"
    if length < min_chars:
        return "liian lyhyt"
    return "liian pitkä" if length > max_chars else ""


def candidates(sd: "StageData", *, min_chars: int = 30, max_chars: int = 400) -> pd.DataFrame:
    """Every consented text, screened (private names, every detector, the edition's
    client-number patterns), with its findings by kind, eligibility and hash."""
    names = privacy.NameIndex(sd.cw.screen_names)
    sources = [("phenomena", sd.phenomena.data, PHENOMENON_CONSENT, _small_phenomena(sd.phenomena.data, sd.min_count))]
    if sd.survey is not None:
        sources.append(("survey", sd.survey.data, survey_consent(sd.cw), _small_survey(sd.survey.data, sd.min_count)))
    rows = []
    for source, df, consent, small in sources:
        for consent_col, fields in consent.items():
            ok = df[consent_col].fillna(False).astype(bool) if consent_col in df else pd.Series(False, index=df.index)
            for field in fields:
                for idx in df.index[ok & df[field].notna()]:
                    red, rep = privacy.screen_text(str(df.at[idx, field]), names,
                                                   client_patterns=sd.client_patterns)
                    text = canonical(red or "")
                    reason = _reason(rep.texts_with_hits, bool(small[idx]), len(text), sd.min_count, min_chars,
                                     max_chars)
                    rows.append([source, str(df.at[idx, "id"]), field, text, findings_label(rep.hits.elements()),
                                 not reason, reason, quote_hash(text)])
    return pd.DataFrame(rows, columns=COLUMNS)


def approved_quotes(sd: "StageData", source: str, *, fields: tuple[str, ...] | None = None, root: Path | None = None,
                    max_quotes: int = 4, seed: int = 0, cands: pd.DataFrame | None = None) -> pd.DataFrame:
    """Eligible candidates whose exact current text a named reviewer approved (seeded choice)."""
    c = candidates(sd) if cands is None else cands
    c = c[(c["source"] == source) & c["eligible"]]
    if fields is not None:
        c = c[c["field"].isin(fields)]
    approvals = read_approvals(approvals_path(sd.cw, sd.root if root is None else root))
    keep = [is_approved(approvals, (r.source, r.id, r.field), r.text) for r in c.itertuples()]
    c = (c[keep] if len(c) else c).drop_duplicates(subset="text")
    n = min(max_quotes, sd.cw.max_quotes)
    if len(c) > n:
        c = c.sample(n=n, random_state=seed).sort_index()
    return c[["text"]].rename(columns={"text": "quote"}).reset_index(drop=True)


def write_review_sheet(sd: "StageData", root: Path) -> Path:
    """The private review sheet (XLSX): candidates, findings by kind, current approvals filled in."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    c = candidates(sd)
    approvals = read_approvals(approvals_path(sd.cw, root))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Lainaukset"
    ws.append(SHEET_HEADINGS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in c.itertuples():
        a = approvals.get((r.source, r.id, r.field))
        current = a is not None and a.sha256 == r.sha256
        ws.append([r.source, r.id, r.field, r.text, r.findings, "kyllä" if r.eligible else "ei", r.reason, r.sha256,
                   a.reviewer if current else "", "kyllä" if current else ""])
    for col, width in zip("ABCDEFGHIJ", (10, 14, 16, 80, 24, 12, 26, 18, 20, 14)):
        ws.column_dimensions[col].width = width
    for cell in ws["D"][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    path = quotes_dir(sd.cw, root) / REVIEW_SHEET
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _sheet_rows(sheet: Path):
    """The data rows of a filled-in review sheet. One clear error (naming the file, never showing
    its contents) for a missing file, a file that is no workbook, or a workbook that is no review sheet."""
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    if not sheet.is_file():
        raise IngestError(f"{sheet.name}: file not found; pass the review sheet that `sosrap quotes` wrote "
                          f"({REVIEW_SHEET}), filled in by the reviewer")
    try:
        rows = openpyxl.load_workbook(sheet, read_only=True).active.iter_rows(values_only=True)
        head = [str(v or "").strip() for v in next(rows, ())]
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise IngestError(f"{sheet.name}: not an XLSX workbook; pass the review sheet that `sosrap quotes` "
                          "wrote, saved as .xlsx") from None
    if head[:len(SHEET_HEADINGS)] != SHEET_HEADINGS:
        raise IngestError(f"{sheet.name}: not a review sheet of `sosrap quotes` (its first row is not the "
                          "sheet's headings); headings not shown, the file may hold client data")
    return rows


def record_approvals(sd: "StageData", root: Path, sheet: Path, *, today: dt.date | None = None
                     ) -> tuple[int, int, list[tuple[int, str]]]:
    """Store the approvals of a filled-in review sheet. A row counts when it names
    a reviewer and says "kyllä", its text and hash are unchanged and it is still
    an eligible candidate; "ei" revokes. Returns (recorded, revoked, refused rows
    with the reason, never the text)."""
    rows = _sheet_rows(Path(sheet))
    c = candidates(sd).set_index(["source", "id", "field"])
    path = approvals_path(sd.cw, root)
    approvals = read_approvals(path)
    day = (today or dt.date.today()).isoformat()
    recorded, revoked, refused = 0, 0, []
    for n, row in enumerate(rows, start=2):
        source, rid, field, text, *_, digest, reviewer, verdict = (list(row) + [None] * 10)[:10]
        key = (str(source), str(rid), str(field))
        said = str(verdict or "").strip().lower()
        if said in ("ei", "no") and key in approvals:
            del approvals[key]
            revoked += 1
            continue
        if said not in YES_WORDS or said in ("", "0") or not str(reviewer or "").strip():
            continue
        if key not in c.index:
            refused.append((n, "ei enää ehdokas (rivi tai lupa muuttunut)"))
        elif not c.loc[key, "eligible"]:
            refused.append((n, f"ei lainattavissa: {c.loc[key, 'reason']}"))
        elif quote_hash(str(text or "")) != digest or c.loc[key, "sha256"] != digest:
            refused.append((n, "teksti on muuttunut tarkastuksen jälkeen"))
        else:
            approvals[key] = Approval(*key, digest, str(reviewer).strip(), day)
            recorded += 1
    atomic_write(path, approvals_bytes(approvals.values()))
    return recorded, revoked, refused


def ensure_demo_approvals(sd: "StageData", root: Path) -> Path:
    """A synthetic edition's approvals file, from the demo generator (derived data)."""
    from sosrap.demo import clientwork as demo_clientwork
    c = candidates(sd)
    eligible = c[c["eligible"]]
    data = approvals_bytes(demo_clientwork.approvals(list(eligible.itertuples(index=False))))
    path = approvals_path(sd.cw, root)
    if not path.is_file() or path.read_bytes() != data:
        atomic_write(path, data)
    return path


# The stage's three quote blocks (each seeded, so a rebuild quotes the same texts).

def phenomenon_quotes(sd: "StageData", *, max_quotes: int = 4, seed: int = 1) -> pd.DataFrame:
    """Approved quotes from the descriptions of phenomenon reports."""
    return approved_quotes(sd, "phenomena", fields=("description",), max_quotes=max_quotes, seed=seed)


def action_quotes(sd: "StageData", *, max_quotes: int = 3, seed: int = 2) -> pd.DataFrame:
    """Approved quotes from suggested actions: none unless a consent field covers them."""
    return approved_quotes(sd, "phenomena", fields=("suggested_action",), max_quotes=max_quotes, seed=seed)


def resident_quotes(sd: "StageData", *, max_quotes: int = 4, seed: int = 3) -> pd.DataFrame:
    """Approved quotes from the survey's open answers."""
    if sd.survey is None:
        return pd.DataFrame(columns=["quote"])
    return approved_quotes(sd, "survey", max_quotes=max_quotes, seed=seed)
