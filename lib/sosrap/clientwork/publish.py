"""The client-work stage: validated inputs → the pieces the report publishes.

`stage_data` reads both exports; `publish_tables` puts every published count
through one disclosure plan (`disclosure.build_plan`) and proves it with the
exact attack, so no hidden cell follows from anything published; `save_published`
writes them, the protected-table register and the disclosure log into the
stage's run directory; `quotes` chooses the reviewed quotes and
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
from sosrap.clientwork.disclosure import build_plan, coarse_date, pairs, share_text
from sosrap.clientwork.summaries import likert_summary
from sosrap.clientwork.validate import (IngestResult, ingest_phenomena, ingest_survey, private_out_dir,
                                        with_private_names, write_result)
from sosrap.params import ClientWork
from sosrap.privacy.plan import Plan, text_or_marker
from sosrap.report import fmt
from sosrap.report.wording import t

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
    root: Path = Path(".")
    client_patterns: tuple[str, ...] = ()     # privacy.client_number_patterns: screened like identity codes


def stage_data(client_work: dict, privacy_params: dict | None, *, root: Path, edition: str,
               language: str = "fi") -> StageData:
    """Read both exports for a stage. A `synthetic_demo` edition first writes
    its deterministic synthetic exports (example texts in *language*) to the
    private paths when they are missing. Rejects go to the private area, never
    to the build directory. *privacy_params* (the stage's `privacy` params) give
    the threshold, the marker and the client-number patterns that free-text
    screening uses."""
    cw = ClientWork.model_validate(client_work)
    pp = privacy_params or {}
    if cw.phenomena_file is None:
        raise IngestError("client_work.phenomena_file is not set in params")
    if cw.survey_file is None:
        raise IngestError("client_work.survey_file is not set in params: the residents' voice chapter "
                          "(05) is built from the survey export")
    if cw.synthetic_demo:
        from sosrap.demo import clientwork as demo_clientwork
        demo_clientwork.ensure_inputs(cw, root, language=language)
    for rel in (cw.phenomena_file, cw.survey_file):
        if rel is not None and not (root / rel).is_file():
            read_export(root / rel)                 # the one "file not found" message, with what to do
    cw = with_private_names(cw, root)
    patterns = tuple(pp.get("client_number_patterns") or ())
    ph = ingest_phenomena(root / cw.phenomena_file, cw, client_patterns=patterns)
    sv = ingest_survey(root / cw.survey_file, cw, client_patterns=patterns) if cw.survey_file else None
    out = private_out_dir(edition, root)
    for res in (ph, sv):
        if res is not None:
            write_result(res, out)
    sd = StageData(cw, ph, sv, int(pp.get("min_count", privacy.DEFAULT_MIN_COUNT)),
                   str(pp.get("marker", privacy.DEFAULT_MARKER)), cw.synthetic_demo, root, patterns)
    if cw.synthetic_demo:
        from sosrap.clientwork.quotes import ensure_demo_approvals
        ensure_demo_approvals(sd, root)
    return sd


def _total(label: object) -> object:
    return t("cw.total") if label == privacy.TOTAL_LABEL else label


def shown(st: privacy.SuppressedTable, label: str) -> pd.DataFrame:
    """A suppressed table as strings for `tables.show` (labels as the first column, the
    margins' label in the report's language)."""
    d = st.display()
    d.index = [_total(i) for i in d.index]
    d.columns = [_total(c) for c in d.columns]
    d.index.name = label
    return d.reset_index()


def table_pairs(sd: StageData, top: int = 8) -> pd.DataFrame:
    """Co-occurring categories: only pairs seen in at least min_count reports
    (smaller ones are left out, which the table caption says)."""
    co = pairs(sd, top).copy()
    co["n"] = co["n"].map(lambda v: fmt.number(v, 0))
    return co.rename(columns={"n": t("cw.reports")})


def table_survey_items(sd: StageData, plan: Plan) -> pd.DataFrame:
    """Per statement: answers (n, as the plan publishes it), mean, % agree, % disagree;
    nothing derived from a hidden count is shown."""
    assert sd.survey is not None
    s = likert_summary(sd.survey.data, sd.cw, min_count=sd.min_count)
    hidden = plan.table("survey_items").hidden.iloc[:, 0].to_numpy()
    def show(v, h, f):
        return sd.marker if (h or pd.isna(v)) else f(v)
    return pd.DataFrame({
        t("cw.statement"): s["statement"],
        t("cw.answers"): [show(v, h, lambda x: fmt.number(x, 0)) for v, h in zip(s["n"], hidden)],
        t("cw.mean"): [show(v, h, lambda x: fmt.number(x, 1)) for v, h in zip(s["mean"], hidden)],
        t("cw.agree"): [show(v, h, lambda x: fmt.percent(x, 0)) for v, h in zip(s["agree_pct"], hidden)],
        t("cw.disagree"): [show(v, h, lambda x: fmt.percent(x, 0)) for v, h in zip(s["disagree_pct"], hidden)],
    })


def table_survey_groups(sd: StageData, plan: Plan) -> pd.DataFrame:
    """Respondents per group as the plan publishes them, and the share agreeing
    per statement. A hidden group's shares are hidden whether it is small or
    hidden only to protect another one: 83 % of at most nine people says six."""
    assert sd.survey is not None
    st = plan.table("survey_groups")
    summ = likert_summary(sd.survey.data, sd.cw, min_count=sd.min_count, by="respondent_group")
    shown_n = st.display()
    rows = []
    for g in sd.cw.respondent_groups:
        hidden = bool(st.hidden.loc[g.label].iloc[0])
        row = {t("cw.group"): g.label, t("cw.respondents"): shown_n.loc[g.label].iloc[0]}
        for q in sd.cw.likert_items:
            hit = summ[(summ["respondent_group"] == g.code) & (summ["item"] == q.code)]
            v = hit["agree_pct"].iloc[0] if len(hit) else np.nan
            row[q.text] = sd.marker if (hidden or pd.isna(v)) else fmt.percent(v, 0)
        rows.append(row)
    rows.append({t("cw.group"): t("cw.total"), t("cw.respondents"): shown_n.loc[privacy.TOTAL_LABEL].iloc[0],
                 **{q.text: "" for q in sd.cw.likert_items}})
    return pd.DataFrame(rows)


def quotes_markdown(quotes: pd.DataFrame, *, empty: str | None = None) -> str:
    """Screened quotes as Markdown block quotes, with Markdown syntax escaped so
    a quote can never turn into a link, a heading or raw HTML."""
    if quotes.empty:
        return t("cw.no_quotes") if empty is None else empty
    out = []
    for q in quotes["quote"]:
        esc = re.sub(r"([\\`*_{}\[\]()#+\-.!<>|@$~^])", r"\\\1", str(q))
        out.append(f"> {esc}")
    return "\n\n".join(out)



def _pct(plan: Plan, numerator: int, total_text: str, total: int) -> str:
    v = share_text(plan, numerator, total_text, total)
    return plan.marker if v is None else fmt.percent(v, 0)


def key_figures(sd: StageData, plan: Plan) -> dict:
    """Strings for `{{< var clientwork.… >}}`, every count a cell of the plan:
    a hidden total shows the marker, a share of a hidden total or of a small
    count is not shown, dates are months (quarters or years for small counts)."""
    d = sd.phenomena.data
    years = sorted(d["year"].unique().tolist())
    masked = plan.table("category_area").masked()[privacy.TOTAL_LABEL].drop(privacy.TOTAL_LABEL).dropna()
    masked = masked.sort_values(ascending=False)
    n = len(d)
    out = {
        "reports": text_or_marker(plan, "reports", fmt.number(n, 0)),
        "years": f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]),
        "first_date": coarse_date(d["date"], "first", sd.min_count),
        "last_date": coarse_date(d["date"], "last", sd.min_count),
        "areas": fmt.number(d["service_area"].nunique(), 0),
        "multi_category_pct": _pct(plan, int(d["categories"].str.contains(";").sum()), "reports", n),
        "with_action_pct": _pct(plan, int(d["suggested_action"].notna().sum()), "reports", n),
        "quote_ok_pct": _pct(plan, int(d["quote_ok"].sum()), "reports", n),
        "top_category": str(masked.index[0]) if len(masked) else "",
        "top_category_n": fmt.number(masked.iloc[0], 0) if len(masked) else sd.marker,
        "second_category": str(masked.index[1]) if len(masked) > 1 else "",
        "rejected_rows": fmt.number(sd.phenomena.rows_rejected, 0),
        "screened_texts": fmt.number(sd.phenomena.screening.texts_with_hits
                                     + (sd.survey.screening.texts_with_hits if sd.survey else 0), 0),
        "min_count": str(sd.min_count),
        "marker": sd.marker,
        "suppression_note": privacy.suppression_note(sd.min_count, sd.marker),
        "suppressed_cells": fmt.number(plan.hidden_count(), 0),
    }
    if sd.survey is not None:
        out.update(_survey_figures(sd, plan))
    return {"clientwork": out}


def _survey_figures(sd: StageData, plan: Plan) -> dict:
    s = sd.survey.data
    out = {"survey_n": text_or_marker(plan, "survey_n", fmt.number(len(s), 0)),
           "survey_rejected": fmt.number(sd.survey.rows_rejected, 0),
           "survey_open_answers": "0", "survey_best": "", "survey_best_pct": sd.marker,
           "survey_worst": "", "survey_worst_pct": sd.marker}
    if sd.cw.open_questions:
        out["survey_open_answers"] = text_or_marker(
            plan, "survey_open_answers", fmt.number(int(s[[q.code for q in sd.cw.open_questions]].notna().sum().sum()), 0))
    items = likert_summary(s, sd.cw, min_count=sd.min_count)
    items = items[~plan.table("survey_items").hidden.iloc[:, 0].to_numpy()].dropna(subset=["agree_pct"])
    if len(items) and not plan.text_hidden("survey_n"):
        hi, lo = items.loc[items["agree_pct"].idxmax()], items.loc[items["agree_pct"].idxmin()]
        out.update({"survey_best": hi["statement"], "survey_best_pct": fmt.percent(hi["agree_pct"], 0),
                    "survey_worst": lo["statement"], "survey_worst_pct": fmt.percent(lo["agree_pct"], 0)})
    return out


# ---------------------------------------------------------------------------
# What the stage publishes, and where it writes it
# ---------------------------------------------------------------------------

@dataclass
class Published:
    """The plan, its suppressed count tables by name, and the by-group survey table as shown."""
    tables: dict[str, privacy.SuppressedTable]
    survey_groups: pd.DataFrame
    plan: Plan

    def text(self, name: str, shown: str) -> str:
        """*shown* for a text figure the plan publishes, the marker when it hides it."""
        return text_or_marker(self.plan, name, shown)


def publish_tables(sd: StageData) -> Published:
    """Every count of the stage through one disclosure plan, solved and then
    proved by the exact attack: fails naming the cells when a hidden cell can
    be narrowed below the protection interval from everything published."""
    plan = build_plan(sd)
    plan.prove()
    tables = {name: plan.table(name) for name in plan.tables}
    groups = table_survey_groups(sd, plan) if sd.survey is not None else pd.DataFrame()
    return Published(tables, groups, plan)


def disclosure_log(sd: StageData, pub: Published) -> dict:
    """What was hidden by which rule, what screening found, how many rows were rejected (counts only)."""
    return {"tables": {k: v.log() for k, v in pub.tables.items()},
            "plan": pub.plan.log(),
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
    log = disclosure_log(sd, pub)
    (ctx.run_dir / DISCLOSURE_LOG).write_text(json.dumps(log, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                             encoding="utf-8")
    ctx.save_key_figures(key_figures(sd, pub.plan))
    return log
