"""The generated indicator sections: one per theme of the edition, from the data.

The trends, comparison and municipalities notebooks call `trend_sections`,
`comparison_sections` and `municipality_sections`; each theme gets a heading, key-figure sentences in the
report's language (`sosrap.report.wording`, ``sec.*``) built from `keyfigures.indicator_figures` (value, year, change,
trend, the interval-based comparison with Koko maa, the rank), its figures
and tables, and a visible note wherever a piece is missing (an indicator with
no published value, no Koko maa row, one year only, no municipalities, no
counts). Nothing here names a theme, an indicator or a region: everything
comes from the table, so editing `themes:` / `indicators:` in params changes
the sections with no edit to a notebook or a chapter.

The recording target `ctx` is the stage context (`sosrap.stage`): it has
`report_text`, `save_figure` and `save_report_table`.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from sosrap.indicators import figures as plots, keyfigures
from sosrap.indicators.wording import na
from sosrap.report.blocks import label
from sosrap.report.wording import t

NA = keyfigures.NA


def themes(table: pd.DataFrame) -> list[tuple[int, str, str]]:
    """(order, theme key, theme title) in the table's (the params') order."""
    t = table.drop_duplicates("theme")
    return [(i + 1, str(r.theme), str(r.theme_title)) for i, r in enumerate(t.itertuples())]


def keys_of(table: pd.DataFrame, theme: str) -> list[str]:
    return list(table[table.theme == theme].key.drop_duplicates())


def has_area_values(table: pd.DataFrame, key: str) -> bool:
    k = table[(table.key == key) & (table.role == "area")]
    return bool(k.value.notna().any())


def _q(title: str) -> str:
    return f"”{title}”"


# --------------------------------------------------------------------------- sentences

def missing_text(f: dict[str, str], years: str) -> str:
    return t("sec.missing", title=_q(f["title"]), years=years)


def _country_sentence(f: dict[str, str]) -> str:
    if f.get("vs_country", na()) == na():
        return t("sec.no_country", year=f["latest_year"])
    return t("sec.vs_country", vs_country=f["vs_country"], country=f["country"])


def indicator_text(f: dict[str, str], fig_label: str = "") -> str:
    """Sentences on one indicator from its key figures (`keyfigures.indicator_figures`)."""
    ref = f"; @{fig_label}" if fig_label else ""
    s = [t("sec.latest", title=_q(f["title"]), latest=f["latest"], year=f["latest_year"],
           ci=f.get("latest_ci_text", t("kf.ci_none")), ref=ref)]
    if f.get("first_year") == f["latest_year"]:
        s.append(t("sec.one_year", year=f["latest_year"]))
    else:
        if f.get("change_prev_text", na()) != na():
            s.append(t("sec.change", change=f["change_prev_text"]))
        s.append(f"{t('sec.first', year=f['first_year'], first=f['first'])} {trend_text(f)}")
    if f.get("gaps_text"):
        s.append(f["gaps_text"])
    s.append(_country_sentence(f))
    if f.get("rank_text", na()) != na():
        s.append(t("sec.rank", rank=f["rank_text"]))
    return " ".join(s)


def trend_text(f: dict[str, str]) -> str:
    """The trend over the period as a sentence, from the formatted `trend` / `trend_period` fields."""
    unknown = t("common.not_assessable")
    trend = f.get("trend", unknown)
    if trend.startswith(unknown):
        reason = trend[len(unknown):].lstrip(": ")
        return t("sec.trend_unknown", period=f.get("trend_period", "")) + (f": {reason}." if reason else ".")
    return t("sec.trend", period=f["trend_period"], trend=trend)


def theme_missing_text(title: str, years: str) -> str:
    return t("sec.theme_missing", title=_q(title), years=years)


def _years(table: pd.DataFrame) -> str:
    return f"{int(table.year.min())}–{int(table.year.max())}" if len(table) else ""


# --------------------------------------------------------------------------- trends stage

def trend_sections(ctx: Any, rated: pd.DataFrame, trends: pd.DataFrame, kf: dict, *, retrieved: str,
                   synthetic: bool) -> None:
    """Per theme: the trend figure and the key-figure sentences of each indicator."""
    years = _years(rated)
    for order, theme, title in themes(rated):
        keys = keys_of(rated, theme)
        shown = [k for k in keys if has_area_values(rated, k)]
        sec = dict(section=theme, title=title, order=order)
        if not shown:
            ctx.report_text(**sec, text=theme_missing_text(title, years), id=f"trend-missing-{theme}", note=True)
            continue
        fig_label = label("fig-kehitys", theme)
        for key in keys:
            f = kf[key]
            if key in shown:
                ref = fig_label if key == shown[0] else ""
                ctx.report_text(**sec, text=indicator_text(f, ref), id=f"trend-{key}")
            else:
                ctx.report_text(**sec, text=missing_text(f, years), id=f"trend-missing-{key}", note=True)
        rows = rated[rated.key.isin(shown)]
        fig = plots.trend_figure(rated, shown, source=plots.source_for(rows, retrieved, synthetic))
        ctx.save_figure(fig, **sec, label=fig_label, alt=plots.alt_trend(rated, shown, trends),
                        caption=t("sec.trend_caption", title=title))


# --------------------------------------------------------------------------- comparison stage

def _published(rated: pd.DataFrame, key: str, role: str, year: int) -> pd.DataFrame:
    return rated[(rated.key == key) & (rated.role == role) & (rated.year == year) & rated.value.notna()]


def _latest_area_year(rated: pd.DataFrame, key: str) -> int:
    a = rated[(rated.key == key) & (rated.role == "area") & rated.value.notna()]
    return int(a.year.max())


def can_funnel(rated: pd.DataFrame, key: str) -> bool:
    """A municipality funnel plot needs published municipal values with counts in the area's latest year."""
    m = _published(rated, key, "municipality", _latest_area_year(rated, key))
    return bool(m["count"].notna().any())


def _county_ranking(ctx: Any, rated: pd.DataFrame, key: str, sec: dict, *, retrieved: str,
                    synthetic: bool) -> None:
    year = _latest_area_year(rated, key)
    if _published(rated, key, "peer", year).empty:
        ctx.report_text(**sec, text=t("sec.no_peers", year=year), id=f"rank-missing-{key}", note=True)
        return
    fig, alt = plots.county_ranking(rated, key, retrieved=retrieved, synthetic=synthetic)
    title = str(rated[rated.key == key].indicator_title.iloc[0])
    ctx.save_figure(fig, **sec, label=label("fig-vertailu", key), alt=alt,
                    caption=t("sec.ranking_caption", title=title, year=year))


def _municipalities(ctx: Any, rated: pd.DataFrame, key: str, f: dict, sec: dict, first: bool, *,
                    retrieved: str, synthetic: bool) -> None:
    title = f["title"]
    if not can_funnel(rated, key):
        text = f.get("munis_text") or ""
        if text:
            ctx.report_text(**sec, text=f"{_q(title)}: {text}", id=f"munis-{key}")
        return
    fig_label = label("fig-kunnat", key)
    ctx.report_text(**sec, text=t("sec.munis", title=_q(title), label=fig_label,
                                  text=f.get("munis_text", "")).strip(), id=f"munis-{key}")
    fig, alt = plots.municipality_funnel(rated, key, retrieved=retrieved, synthetic=synthetic)
    ctx.save_figure(fig, **sec, label=fig_label, alt=alt,
                    caption=t("sec.funnel_caption", title=title, year=f["latest_year"]))
    if first:
        ctx.save_report_table(keyfigures.municipality_table(rated, key), **sec, label=label("tbl-kunnat", key),
                              caption=t("sec.munis_caption", title=title, year=f["latest_year"]))


def _shown_by_theme(rated: pd.DataFrame):
    """(section fields, the theme's indicators with a published area value) per theme."""
    for order, theme, title in themes(rated):
        yield dict(section=theme, title=title, order=order), [k for k in keys_of(rated, theme)
                                                                if has_area_values(rated, k)]


def comparison_sections(ctx: Any, rated: pd.DataFrame, *, retrieved: str, synthetic: bool) -> None:
    """Per theme: the county ranking of its first indicator with values."""
    for sec, shown in _shown_by_theme(rated):
        if shown:
            _county_ranking(ctx, rated, shown[0], sec, retrieved=retrieved, synthetic=synthetic)


def municipality_sections(ctx: Any, rated: pd.DataFrame, kf: dict, *, retrieved: str, synthetic: bool) -> None:
    """Per theme: the municipalities of each indicator (funnel plot and sentences; a table for the
    first one). Its stage comes after the comparison stage, so that in each section the county
    ranking comes first (`report.blocks.merged` orders a section's blocks by stage)."""
    if not (rated.role == "municipality").any():
        return
    for sec, shown in _shown_by_theme(rated):
        for i, key in enumerate(shown):
            _municipalities(ctx, rated, key, kf[key], sec, i == 0, retrieved=retrieved, synthetic=synthetic)
