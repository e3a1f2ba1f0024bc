"""Figures of the client-work stage and their alt texts, drawn from the
published (suppressed) tables and the Likert summaries in the report theme
(`sosrap.report.theme`); a hidden count is marked, never drawn."""
from __future__ import annotations

import textwrap

import pandas as pd

from sosrap import privacy
from sosrap.clientwork.publish import StageData
from sosrap.clientwork.summaries import likert_summary
from sosrap.privacy.plan import Plan, text_or_marker
from sosrap.report import fmt
from sosrap.report.wording import t


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
    ax.set_xlabel(t("cw.fig_x"))
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    plots.fi_axis(ax, "x", 0)
    text = t("cw.fig_source")
    if synthetic:
        text += f" {t('common.synthetic_upper')}."
    plots.source_line(fig, text)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def alt_categories(st: privacy.SuppressedTable) -> str:
    totals = st.masked()[privacy.TOTAL_LABEL].drop(privacy.TOTAL_LABEL).dropna().sort_values(ascending=False)
    if totals.empty:
        return t("cw.alt_categories_hidden")
    return t("cw.alt_categories", top=totals.index[0], top_n=fmt.number(totals.iloc[0], 0), bottom=totals.index[-1],
             bottom_n=fmt.number(totals.iloc[-1], 0))


def _items(sd: StageData, plan: Plan | None) -> pd.DataFrame:
    """Per-statement summary without the statements whose count the plan hides."""
    s = likert_summary(sd.survey.data, sd.cw, min_count=sd.min_count)
    if plan is not None:
        s = s[~plan.table("survey_items").hidden.iloc[:, 0].to_numpy()]
    return s


def figure_likert(sd: StageData, plan: Plan | None = None):
    """Share agreeing and disagreeing per statement (diverging bars); n as the plan publishes it."""
    import matplotlib.pyplot as plt

    from sosrap.report import theme as plots
    assert sd.survey is not None
    plots.setup()
    d = sd.survey.data
    s = _items(sd, plan).iloc[::-1]
    labels_ = ["\n".join(textwrap.wrap(t, 34)) for t in s["statement"]]
    fig, ax = plt.subplots(figsize=(plots.FIGSIZE[0], 4.0))
    agree = s["agree_pct"].astype(float).fillna(0).to_numpy()
    dis = s["disagree_pct"].astype(float).fillna(0).to_numpy()
    ax.barh(labels_, agree, color=plots.HIGHLIGHT, label=t("cw.agree_legend"))
    ax.barh(labels_, -dis, color=plots.WARN, label=t("cw.disagree_legend"))
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlim(-100, 100)
    ax.set_xticks([-100, -50, 0, 50, 100])
    ax.set_xticklabels(["100 %", "50 %", "0", "50 %", "100 %"])
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=8)
    n = fmt.number(len(d), 0) if plan is None else text_or_marker(plan, "survey_n", fmt.number(len(d), 0))
    text = t("cw.likert_source", n=n)
    if sd.synthetic:
        text += f" {t('common.synthetic_upper')}."
    plots.source_line(fig, text)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def alt_likert(sd: StageData, plan: Plan | None = None) -> str:
    assert sd.survey is not None
    s = _items(sd, plan).dropna(subset=["agree_pct"])
    if s.empty:
        return t("cw.alt_likert_hidden")
    hi, lo = s.loc[s["agree_pct"].idxmax()], s.loc[s["agree_pct"].idxmin()]
    return t("cw.alt_likert", n=len(s), hi=hi["statement"], hi_pct=fmt.percent(hi["agree_pct"], 0),
             lo=lo["statement"], lo_pct=fmt.percent(lo["agree_pct"], 0))

