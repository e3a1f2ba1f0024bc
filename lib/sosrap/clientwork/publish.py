"""The client-work stage: validated inputs → the pieces the report publishes.

`stage_data` reads both exports; `publish_tables` builds the suppressed count tables
(checked for cells that follow from the published ones); `save_published`
writes them, the protected-table register and the disclosure log into the
stage's run directory; the `*_quotes` functions choose the screened quotes and
`key_figures` gives the strings for `{{< var clientwork.… >}}`. The notebook
`notebooks/40_client_work.ipynb` only calls these and shows the results.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np
import pandas as pd

from sosrap import privacy
from sosrap.clientwork.read import read_export
from sosrap.clientwork.schema import IngestError
from sosrap.clientwork.summaries import cooccurrence, crosstab, likert_summary
from sosrap.clientwork.validate import (IngestResult, ingest_phenomena, ingest_survey, private_out_dir,
                                        with_private_names, write_result)
from sosrap.errors import SosrapError
from sosrap.params import ClientWork
from sosrap.report import fmt

DISCLOSURE_LOG = "disclosure_log.json"


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


# ---------------------------------------------------------------------------
# What the stage publishes, and where it writes it
# ---------------------------------------------------------------------------

@dataclass
class Published:
    """The suppressed count tables by name, and the by-group survey table as shown."""
    tables: dict[str, privacy.SuppressedTable]
    survey_groups: pd.DataFrame


def publish_tables(sd: StageData) -> Published:
    """Every count table of the stage, suppressed; fails if a hidden cell could
    be worked out from the published cells (complementary suppression broken)."""
    tables = {
        "category_area": table_category_area(sd),
        "category_year": table_category_year(sd),
        "actions": table_actions(sd),
    }
    groups, tables["survey_groups"] = table_survey_groups(sd)
    for name, st in tables.items():
        if privacy.determined_cells(st):
            raise SosrapError(f"client_work: table {name!r} has hidden cells that follow from its published "
                              "cells (complementary suppression failed)")
    return Published(tables, groups)


def disclosure_log(sd: StageData, tables: dict[str, privacy.SuppressedTable]) -> dict:
    """What was hidden by which rule, what screening found, how many rows were rejected (counts only)."""
    return {"tables": {k: v.log() for k, v in tables.items()},
            "screening": {"phenomena": sd.phenomena.screening.as_dict(),
                          "survey": sd.survey.screening.as_dict() if sd.survey else {}},
            "rejected_rows": {"phenomena": sd.phenomena.rows_rejected,
                              "survey": sd.survey.rows_rejected if sd.survey else 0}}


class StageOutputs(Protocol):
    """The part of `sosrap.stage.StageContext` the stage writes through."""
    run_dir: Path

    def save_table(self, df: pd.DataFrame, name: str) -> Path: ...

    def save_key_figures(self, figures: dict) -> Path: ...


def save_published(ctx: StageOutputs, sd: StageData, pub: Published, protected: Sequence[str]) -> dict:
    """Register the report's protected table ids (*protected*, the labels of the
    notebook's count tables), save each published table as `published_<name>`,
    write the disclosure log and the key figures. Returns the disclosure log."""
    for table_id in protected:
        privacy.register_protected(ctx.run_dir, table_id, sd.min_count, sd.marker)
    for name, st in pub.tables.items():
        ctx.save_table(shown(st, "rivi"), f"published_{name}")
    log = disclosure_log(sd, pub.tables)
    (ctx.run_dir / DISCLOSURE_LOG).write_text(json.dumps(log, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                             encoding="utf-8")
    ctx.save_key_figures(key_figures(sd, pub.tables))
    return log


# ---------------------------------------------------------------------------
# Quotes: only approved, screened texts; the choice is seeded, so a rebuild quotes the same
# ---------------------------------------------------------------------------

def phenomenon_quotes(sd: StageData, *, max_quotes: int = 4, seed: int = 1) -> pd.DataFrame:
    """Quotes from the descriptions of phenomenon reports."""
    return privacy.select_quotes(sd.phenomena.data, "description", "quote_ok", names=sd.cw.screen_names,
                                 max_quotes=min(max_quotes, sd.cw.max_quotes), seed=seed)


def action_quotes(sd: StageData, *, max_quotes: int = 3, min_chars: int = 30, seed: int = 2) -> pd.DataFrame:
    """Quotes from the suggested actions of phenomenon reports."""
    return privacy.select_quotes(sd.phenomena.data, "suggested_action", "quote_ok", names=sd.cw.screen_names,
                                 max_quotes=min(max_quotes, sd.cw.max_quotes), min_chars=min_chars, seed=seed)


def resident_quotes(sd: StageData, *, max_quotes: int = 4, min_chars: int = 30, seed: int = 3) -> pd.DataFrame:
    """Quotes from the survey's open answers (all open questions together)."""
    assert sd.survey is not None
    open_codes = [q.code for q in sd.cw.open_questions]
    answers = sd.survey.data.melt(id_vars=["quote_ok"], value_vars=open_codes, value_name="text").dropna(subset=["text"])
    return privacy.select_quotes(answers.reset_index(drop=True), "text", "quote_ok", names=sd.cw.screen_names,
                                 max_quotes=min(max_quotes, sd.cw.max_quotes), min_chars=min_chars, seed=seed)
