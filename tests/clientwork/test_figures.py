"""Figures of the client-work stage (sosrap.clientwork.figures): drawn from the
published tables, a hidden count is never drawn, and alt texts name the extremes."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from sosrap import clientwork as C  # noqa: E402
from sosrap import privacy  # noqa: E402


def test_category_figure_draws_only_published_totals(demo_stage):
    sd, _ = demo_stage
    st = C.publish_tables(sd).tables["category_area"]
    fig = C.figure_categories(st, synthetic=True)
    ax = fig.axes[0]
    totals = st.masked()[privacy.TOTAL_LABEL].drop(privacy.TOTAL_LABEL)
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == sorted(totals.astype(float).fillna(0).tolist())
    assert "SYNTEETTINEN" in " ".join(t.get_text() for t in fig.texts)
    top = totals.dropna().sort_values(ascending=False)
    assert f"luokassa {top.index[0]}" in C.alt_categories(st)


def test_likert_figure_and_alt_text(demo_stage):
    sd, _ = demo_stage
    fig = C.figure_likert(sd)
    assert len(fig.axes[0].patches) == 2 * len(sd.cw.likert_items)
    alt = C.alt_likert(sd)
    summ = C.likert_summary(sd.survey.data, sd.cw, min_count=sd.min_count).dropna(subset=["agree_pct"])
    assert f"{len(summ)} väittämästä" in alt
    assert summ.loc[summ["agree_pct"].idxmax(), "statement"] in alt
