"""Summaries (sosrap.clientwork.summaries): count tables with every code,
co-occurring categories, and Likert summaries that hide small counts."""
from __future__ import annotations

import pandas as pd
import pytest

from sosrap import clientwork as C


def test_survey_summaries_have_n_and_hide_small(client_work):
    df = pd.DataFrame({"respondent_group": ["asukas"] * 8 + ["omainen"] * 2,
                       "tieto": pd.array([5, 4, 4, 2, 1, 5, 4, 3, 5, 5], dtype="Int64"),
                       "kohtelu": pd.array([None] * 10, dtype="Int64")})
    s = C.likert_summary(df, client_work)
    row = s.set_index("item").loc["tieto"]
    assert row["n"] == 10 and row["agree_pct"] == pytest.approx(70.0) and row["mean"] == pytest.approx(3.8)
    assert s.set_index("item").loc["kohtelu", "n"] == 0
    g = C.likert_summary(df, client_work, by="respondent_group").set_index(["respondent_group", "item"])
    assert g.loc[("omainen", "tieto"), "n"] == 2 and pd.isna(g.loc[("omainen", "tieto"), "mean"])
    dist = C.likert_distribution(df, client_work)
    assert dist.loc["Tiedän mistä saan apua"].sum() == 10 and list(dist.columns)[0] == "Täysin eri mieltä"


def test_crosstab_and_cooccurrence(tmp_path, client_work, ph_head, ph_rows, write_csv):
    res = C.ingest_phenomena(write_csv(tmp_path / "x.csv", ph_head, ph_rows), client_work)
    t = C.crosstab(res.data, "categories", "service_area", row_codes=client_work.categories,
                   col_codes=client_work.service_areas,
                   explode=["categories"])
    assert t.shape == (3, 2) and t.loc["Toimeentulo", "Aikuissosiaalityö"] == 2
    co = C.cooccurrence(res.data, client_work)
    assert co.iloc[0].tolist() == ["Asuminen", "Toimeentulo", 1]
    long = C.phenomena_counts(res.data, client_work)
    assert long["n"].sum() == 4


def test_a_share_from_a_small_count_is_hidden_everywhere_it_is_read(client_work):
    """'0,7 % agreed' of 420 answers says three people did: likert_summary, which
    the table, the figure and the key figures all read, hides it."""
    df = pd.DataFrame({"tieto": pd.array([5] * 3 + [3] * 417, dtype="Int64"),
                       "kohtelu": pd.array([1] * 2 + [5] * 418, dtype="Int64")})
    s = C.likert_summary(df, client_work).set_index("item")
    assert s.loc["tieto", "n"] == 420 and pd.isna(s.loc["tieto", "agree_pct"])
    assert s.loc["tieto", "disagree_pct"] == 0.0                  # zero is no one: shown
    assert pd.isna(s.loc["kohtelu", "disagree_pct"]) and s.loc["kohtelu", "agree_pct"] > 99
