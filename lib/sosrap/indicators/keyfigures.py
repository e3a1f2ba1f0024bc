"""Key figures for the report text: strings in the report's language a report editor can write
sentences around (Finnish shown here; a Swedish edition gets the same fields in Swedish from the
catalogue, `sosrap.report.wording`).

The build writes these to `_variables.yml`, and a chapter reads them with
``{{< var <key>.<field> >}}``, e.g.::

    Osuus oli {{< var <key>.latest >}} vuonna {{< var <key>.latest_year >}}
    ({{< var <key>.latest_ci_text >}}). Vuosina {{< var <key>.trend_period >}} osuus on
    {{< var <key>.trend >}}. Osuus oli {{< var <key>.vs_country >}}.

where `<key>` is an indicator's `key` in params.

Every value is a string, formatted the Finnish way (`sosrap.report.fmt`: decimal
comma, NBSP thousands separator, "12,3 %", "5,4 ‰", real minus sign). A
change is called an increase or a decrease only when its 95 % interval
excludes zero (see `sosrap.indicators.stats`); otherwise the wording says there is no
clear change. Where only a rate is published, the texts say an interval cannot
be computed instead of inventing one. Missing → "ei tietoa".

Fields per indicator key (`indicator_figures`)
----------------------------------------------
Identity
  title            indicator title from the metadata
  producer         producer of the indicator (name it when citing)
  unit             short unit: "%", "‰", "/ 100 000", "lkm"
  area             the report's area (full name)
Latest value (the area)
  latest           "5,8 %"
  latest_year      "2024"
  latest_count     numerator, "24 174" ("ei julkaistu" when only a rate is published)
  latest_ci        "5,7–5,9 %" ("" when it cannot be computed)
  latest_ci_text   "95 %:n luottamusväli 5,73–5,87 %" / "luottamusväliä ei voi laskea, koska
                   lukumäärää ei julkaista"
  latest_number    the value without its unit, "5,5", for "5,5 asiakasta tuhatta asukasta kohden"
  per_unit         the unit after such a number: "tuhatta asukasta kohden" (PER1000)
  ci_method        the interval used, in Finnish ("Wilsonin väli (osuus)", "tarkka Poisson-väli …")
  denominator_kind "population" (exact: per inhabitant), "derived" (approximate) or ""
Change from the previous year
  previous, previous_year   value and year one year before the latest ("ei tietoa" when missing)
  change_prev      signed difference in points, "−0,1 %-yksikköä"
  change_prev_word "nousi" / "laski" / "ei muuttunut selvästi" / "" (no interval)
  change_prev_text "laski 0,1 prosenttiyksikköä edellisestä vuodesta" / "ei muuttunut
                   selvästi edellisestä vuodesta (−0,1 %-yksikköä)" — follows a subject ("Osuus …")
Change over the period (first observed year → latest)
  first, first_year, change_period, change_period_word, change_period_text   as above
Trend over the period (statistical model, average annual *relative* change)
  trend_period     "2015–2024": the years the model was fitted on (first–last observed)
  trend_pct        "−1,7 %" (per year)
  trend_ci         "−1,9…−1,5 %"
  trend_word       "nouseva" / "laskeva" / "ei selvää muutosta" / "ei arvioitavissa"
  trend            after "on": "laskenut: suhteellinen vuosimuutos keskimäärin −1,7 % (95 %:n
                   luottamusväli −1,9…−1,5 %)" / "vaihdellut ilman selvää suuntaa (suhteellinen
                   vuosimuutos keskimäärin −0,3 %, 95 %:n luottamusväli −1,0…+0,4 %)"
  trend_sentence   a whole sentence: "Vuosina 2015–2024 kehitys oli laskeva: keskimäärin …"
  trend_method     the model in Finnish ("Poisson-regressio", "negatiivinen binomiregressio",
                   "painotettu pienimmän neliösumman regressio")
  trend_rho        the pooled lag-1 correlation the interval allows for, "0,22"
  trend_q          Benjamini–Hochberg q-value across the edition's indicators, "0,004"
  gaps             missing years inside the period, "2016" ("" when none)
  gaps_text        "Vuoden 2016 tieto puuttuu; sitä ei ole arvioitu eikä täydennetty." ("" when none)
Koko maa
  country, country_year   Koko maa the same year
  country_trend_word, country_trend   as trend_word / trend for Koko maa
  vs_country_word  "korkeampi" / "matalampi" / "samaa tasoa" / "ei arvioitavissa" (no interval) /
                   "" (no data) — "korkeampi" only when the difference exceeds random variation
                   and rounding
  vs_country       after "oli": the published difference, qualified when it is not a real one:
                   "0,4 prosenttiyksikköä korkeampi kuin koko maassa" / "0,1 prosenttiyksikköä
                   korkeampi kuin koko maassa, mutta ero mahtuu satunnaisvaihtelun ja pyöristyksen
                   rajoihin" / "…, mutta eron varmuutta ei voi arvioida, koska lukumäärää ei
                   julkaista" (rate only) / "sama kuin koko maassa" / "käytännössä sama kuin koko
                   maassa (ero alle pyöristystarkkuuden)" (exact rates differ by less than rounding)
  vs_country_text  the same; a real difference adds "(ero on satunnaisvaihtelua suurempi)"
Wellbeing counties
  rank, n_areas    "13.", "23" (1 = highest value); a tie: "10.–14." (the shared ranks)
  rank_range       plausible ranks given the uncertainty, "10–15" ("" without counts)
  rank_text        "sija 13./23 suurimmasta alkaen (epävarmuus huomioiden sijat 10–15)" / "jaettu
                   sija 10.–14./23 …"
  peers_range      "4,4–6,9 %" (the other counties, the latest year)
Municipalities of the area (funnel plot, the latest year)
  munis_n          municipalities with a published value
  munis_range      "0,7–2,2 %"
  munis_above, munis_below   names beyond the 99,8 % limits ("ei yhtään")
  munis_possible   municipalities beyond the 95 % but within the 99,8 % limits, "5"
  munis_missing    "1" municipalities without a published value (missing or suppressed)
  funnel_limits    which limits were drawn: random-effects (φ significant) or exact, with φ
  funnel_phi       the overdispersion φ between municipalities, "12,8"
  munis_text       sentences on who differs clearly from the rest of the area (or that no one
                   does), how many lie beyond only the 95 % limits, and how many have no value

`summary_figures` gives counts over all indicators (how many rise, fall, have no clear change,
are above / below Koko maa, cannot be assessed) and the generated methods paragraphs.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from sosrap.errors import SosrapError
from sosrap.report import fmt
from sosrap.report.wording import t
from sosrap.indicators import funnel, methods, stats

from sosrap.indicators.wording import (change_text, gap_figures, method_name, na, rank_words, trend_phrase,
                                      trend_sentence, trend_word, vs_country)

#: Finnish constants for older callers and tests (the functions write in the report's language)
NA = t("common.na", "fi")
CI_NONE = t("kf.ci_none", "fi")
TREND_WORD = stats.TREND_WORD_FI
_vs_country = vs_country          # the names the tests and older callers use
_change_text = change_text
_gap_figures = gap_figures


def _row(df: pd.DataFrame, year: int) -> pd.Series | None:
    r = df[df.year == year]
    return r.iloc[0] if len(r) else None


def _change_figures(area: pd.DataFrame, vt: str, dec: int) -> dict[str, str]:
    """The area's latest value against the previous and the first year (`stats.diff_ci` decides the words)."""
    last = area.iloc[-1]
    ly = int(last.year)
    out = {"previous_year": str(ly - 1)}
    prev = _row(area, ly - 1)
    if prev is not None:
        d = float(last.value - prev.value)
        lo, hi = stats.diff_ci(last.value, last.ci_low, last.ci_high, prev.value, prev.ci_low, prev.ci_high)
        word, text = _change_text(d, lo, hi, vt, dec, t("kf.since_previous"))
        out.update(previous=fmt.value(prev.value, vt, dec), change_prev=fmt.diff(d, vt, dec),
                   change_prev_word=word, change_prev_text=text)
    else:
        out.update(previous=na(), change_prev=na(), change_prev_word="", change_prev_text=na())
    first = area.iloc[0]
    d = float(last.value - first.value)
    lo, hi = stats.diff_ci(last.value, last.ci_low, last.ci_high, first.value, first.ci_low, first.ci_high)
    word, text = _change_text(d, lo, hi, vt, dec, t("kf.since_year", year=int(first.year)))
    out.update(first=fmt.value(first.value, vt, dec), first_year=str(int(first.year)),
               change_period=fmt.diff(d, vt, dec), change_period_word=word, change_period_text=text)
    return out


def _exact(row) -> float:
    """count / denominator in the unit when the denominator is the exact population, else NaN."""
    if row is None or getattr(row, "denominator_source", "") != "population":
        return float("nan")
    return float(row["count"] / row["denominator"] * stats.scale_of(str(row.value_type)))


def _ci_method(method: str) -> str:
    return t(f"kf.ci_method.{method or 'none'}") if method in ("wilson", "poisson", "") else ""


def _latest_figures(last, vt: str, dec: int) -> dict[str, str]:
    has_ci = np.isfinite(last.ci_low)
    return {
        "latest": fmt.value(last.value, vt, dec), "latest_year": str(int(last.year)),
        "latest_number": fmt.number(last.value, dec),
        "per_unit": t(f"kf.per_unit.{vt}") if vt in ("PROS", "PER1000", "PER100000") else "",
        "latest_count": fmt.number(last["count"], 0) if np.isfinite(last["count"]) else t("common.not_published"),
        "latest_ci": fmt.interval(last.ci_low, last.ci_high, vt, dec) if has_ci else "",
        "latest_ci_text": (f"{t('common.ci_text')} {fmt.interval(last.ci_low, last.ci_high, vt, dec + 1)}"
                           if has_ci else t("kf.ci_none")),
        "ci_method": _ci_method(str(getattr(last, "ci_method", "") or "")),
        "denominator_kind": str(getattr(last, "denominator_source", "") or ""),
    }


def _trend_figures(tr: dict) -> dict[str, str]:
    fitted = f"{int(tr['first_year'])}–{int(tr['last_year'])}" if tr.get("first_year") else "–"
    return {"trend_period": fitted, "trend_word": trend_word(tr["direction"]), "trend": trend_phrase(tr),
            "trend_sentence": trend_sentence(tr), "trend_method": method_name(tr["method"]),
            "trend_pct": fmt.pct_change(tr["annual_pct"], 1),
            "trend_ci": fmt.interval(tr["ci_low"], tr["ci_high"], "PCT", 1, signed_=True),
            "trend_rho": fmt.number(tr.get("serial_rho", 0.0), 2),
            "trend_q": fmt.number(tr.get("q_value", np.nan), 3, missing=""), **gap_figures(tr)}


def indicator_figures(table: pd.DataFrame, key: str, *, trends: pd.DataFrame | None = None) -> dict[str, str]:
    """All key figures of one indicator (see the module docstring for the fields)."""
    t_ = table if "ci_low" in table.columns else stats.add_rates(table)
    k = t_[t_.key == key]
    if k.empty:
        raise KeyError(f"no indicator with key {key!r} in the table")
    vt, dec = str(k.value_type.iloc[0]), int(k.decimals.iloc[0])
    period = range(int(k.year.min()), int(k.year.max()) + 1)
    area_all = k[k.role == "area"].sort_values("year")
    area = area_all.dropna(subset=["value"])
    country = k[k.role == "country"].dropna(subset=["value"]).sort_values("year")
    out: dict[str, str] = {
        "title": str(k.indicator_title.iloc[0]),
        "producer": str(k.producer.iloc[0]) if "producer" in k else "",
        "unit": fmt.unit_label(vt),
        "area": str(area_all.region_name.iloc[0]) if len(area_all) else "",
    }
    if area.empty:
        out.update(latest=na(), latest_year="–", trend_word=trend_word(""), trend=t("common.not_assessable"))
        return out
    last = area.iloc[-1]
    ly = int(last.year)
    out.update(_latest_figures(last, vt, dec))
    out.update(_change_figures(area, vt, dec))
    out.update(_trend_figures(_trend_for(t_, key, "area", trends, period)))
    c = _row(country, ly)
    if c is not None:
        word, short, long = vs_country(float(last.value), float(last.ci_low), float(last.ci_high),
                                       float(c.value), vt, dec, _exact(last) - _exact(c))
        out.update(country=fmt.value(c.value, vt, dec), country_year=str(ly), vs_country_word=word,
                   vs_country=short, vs_country_text=long)
    else:
        out.update(country=na(), country_year=str(ly), vs_country_word="", vs_country=na(), vs_country_text=na())
    ctr = _trend_for(t_, key, "country", trends, period)
    out.update(country_trend_word=trend_word(ctr["direction"]), country_trend=trend_phrase(ctr))
    out.update(_county_figures(t_, key, ly, vt, dec))
    out.update(_municipality_figures(t_, key, ly, vt, dec))
    return out


def _trend_for(t_: pd.DataFrame, key: str, role: str, trends: pd.DataFrame | None, period) -> dict:
    if trends is not None:
        r = trends[(trends.key == key) & (trends.role == role)]
        if len(r):
            return r.iloc[0].to_dict()
    rows = t_[(t_.key == key) & (t_.role == role)]
    if rows.empty:
        return {"direction": "", "method": "", "annual_pct": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "n_years": 0, "missing_years": ""}
    return stats.trend_of(rows, period).as_dict()


def _county_figures(t_: pd.DataFrame, key: str, year: int, vt: str, dec: int) -> dict[str, str]:
    rt = funnel.ranked_table(t_, key, roles=("area", "peer"), year=year)
    pub = rt.dropna(subset=["value"])
    a = pub[pub.role == "area"]
    peers = pub[pub.role == "peer"]
    out = {"n_areas": str(len(pub)),
           "peers_range": fmt.interval(peers.value.min(), peers.value.max(), vt, dec) if len(peers) else na()}
    if len(a):
        r = a.iloc[0]
        out["rank"], where = rank_words(r["rank"], r["rank_max"], len(pub))
        has_range = np.isfinite(r.ci_low)
        out["rank_range"] = (f"{int(r.rank_low)}–{int(r.rank_high)}" if int(r.rank_low) != int(r.rank_high)
                             else str(int(r.rank_low))) if has_range else ""
        out["rank_text"] = t("kf.rank.text", where=where) + (
            t("kf.rank.uncertain", range=out["rank_range"]) if has_range and "–" in out["rank_range"] else "")
    else:
        out.update(rank=na(), rank_range="", rank_text=na())
    return out


def _limits_text(info: dict) -> str:
    """How the funnel limits were drawn, for the methods text and the municipality sentences."""
    if info.get("limits") == "random_effects":
        return t("kf.limits.random_effects", phi=fmt.number(info["phi"], 1))
    if np.isfinite(info.get("phi", np.nan)):
        return t("kf.limits.exact", phi=fmt.number(info["phi"], 1))
    return t("kf.limits.none")


def _count(n: int) -> str:
    """'3 kuntaa' / '3 kommuner', capitalised to start a sentence."""
    return fmt.count_noun(n, t("kf.munis.noun_one"), t("kf.munis.noun_many")).capitalize()


def _munis_text(out: dict, info: dict, above: list[str], below: list[str], n95: int) -> str:
    """Who differs clearly from the rest of the area (or that no one does), who only possibly,
    how many have no value."""
    if not info["has_counts"]:
        return t("kf.munis.no_counts", range=out["munis_range"])
    parts = ([t("kf.munis.higher", names=fmt.join(above))] if above else []) + \
        ([t("kf.munis.lower", names=fmt.join(below))] if below else [])
    against = t("kf.munis.against_random_effects" if info["limits"] == "random_effects"
                else "kf.munis.against_random")
    if parts:
        text = t("kf.munis.differ", count=_count(len(above) + len(below)), against=against, parts="; ".join(parts))
    else:
        text = t("kf.munis.none_differ", against=against, range=out["munis_range"])
    if n95:
        text += t("kf.munis.possible", count=_count(n95))
    if info["n_missing"]:
        text += t("kf.munis.missing", n=fmt.number(info["n_missing"]))
    return text


def _municipality_figures(t_: pd.DataFrame, key: str, year: int, vt: str, dec: int) -> dict[str, str]:
    k = t_[(t_.key == key) & (t_.role == "municipality")]
    if k.empty:
        return {}
    units, info = funnel.funnel_data(t_, key, role="municipality", target_role="area", year=year)
    pub = units.dropna(subset=["value"])
    above = pub[pub.flag == funnel.ABOVE_998].sort_values("value", ascending=False).region_name.tolist()
    below = pub[pub.flag == funnel.BELOW_998].sort_values("value").region_name.tolist()
    n95 = int(pub.flag.isin([funnel.ABOVE_95, funnel.BELOW_95]).sum())
    out = {
        "munis_n": str(len(pub)),
        "munis_range": fmt.interval(pub.value.min(), pub.value.max(), vt, dec) if len(pub) else na(),
        "munis_above": fmt.join(above) if above else t("common.none"),
        "munis_below": fmt.join(below) if below else t("common.none"),
        "munis_possible": str(n95),
        "munis_missing": str(info["n_missing"]),
        "funnel_limits": _limits_text(info),
        "funnel_phi": fmt.number(info["phi"], 1),
    }
    out["munis_text"] = _munis_text(out, info, above, below, n95)
    return out


def key_figures(table: pd.DataFrame, keys: Iterable[str] | None = None, *,
                trends: pd.DataFrame | None = None) -> dict[str, dict[str, str]]:
    """{key: indicator_figures(...)} for every indicator key of the table (in table order)."""
    t_ = table if "ci_low" in table.columns else stats.add_rates(table)
    ks = list(keys) if keys is not None else list(t_.key.drop_duplicates())
    if trends is None:
        trends = stats.trends(t_, roles=("area", "country"))
    return {k: indicator_figures(t_, k, trends=trends) for k in ks}


def in_table_order(saved: dict, table: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The indicators' key figures out of *saved* (what a stage's `save_key_figures` wrote, read
    back with `load_key_figures`: sorted by key, with summary entries beside the indicators), in
    the table's indicator order, as `key_figures` returns them: a stage reuses what an upstream
    stage computed instead of fitting the same models again."""
    keys = list(table.key.drop_duplicates())
    missing = [k for k in keys if not isinstance(saved.get(k), dict)]
    if missing:
        raise SosrapError(f"the saved key figures have no key figures for indicator(s) {', '.join(map(str, missing))}: "
                          f"the stage that computes them ran on another indicator table; rebuild "
                          f"(`sosrap build` re-runs it)")
    return {k: dict(saved[k]) for k in keys}


def summary_figures(figures: dict[str, dict[str, str]]) -> dict[str, str]:
    """Counts over indicators for the summary chapter: n, rising, falling, no clear change,
    clearly above / below / level with Koko maa, not assessable against Koko maa (no interval);
    plus the generated methods paragraphs (`methods.methods_figures`: `menetelmat_*`)."""
    vals = [f for f in figures.values() if isinstance(f, dict) and "trend_word" in f]
    count = lambda field, word: str(sum(1 for f in vals if f.get(field) == word))  # noqa: E731
    return {
        "indikaattoreita": str(len(vals)),
        "nousevia": count("trend_word", trend_word(stats.INCREASE)),
        "laskevia": count("trend_word", trend_word(stats.DECREASE)),
        "ei_selvaa_muutosta": count("trend_word", trend_word(stats.NO_CHANGE)),
        "korkeampia_kuin_koko_maa": count("vs_country_word", t("kf.vs_country.higher")),
        "matalampia_kuin_koko_maa": count("vs_country_word", t("kf.vs_country.lower")),
        "samaa_tasoa_kuin_koko_maa": count("vs_country_word", t("kf.vs_country.level")),
        "ei_arvioitavissa_koko_maa": count("vs_country_word", t("common.not_assessable")),
        **methods.methods_figures(vals),
    }


# --------------------------------------------------------------------------------------------------------------
# Display tables (strings in the report's language, for `sosrap.report.html_table.show`)
# --------------------------------------------------------------------------------------------------------------

def _ci_cell(lo: float, hi: float, vt: str, dec: int) -> str:
    return fmt.interval(lo, hi, vt, dec) if np.isfinite(lo) and np.isfinite(hi) else t("common.not_computable")


def _trend_cells(trends: pd.DataFrame, key: str, role: str) -> tuple[str, str]:
    """'−1,7 % (−1,9…−1,5 %)' and the direction in words, or '–' and 'ei arvioitavissa'."""
    tr = trends[(trends.key == key) & (trends.role == role)]
    if tr.empty or tr.direction.iloc[0] in (stats.INSUFFICIENT, ""):
        return "–", trend_word("")
    r = tr.iloc[0]
    return (f"{fmt.pct_change(r.annual_pct, 1)} ({fmt.interval(r.ci_low, r.ci_high, 'PCT', 1, signed_=True)})",
            trend_word(r.direction))


def trend_table(table: pd.DataFrame, trends: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: the area's and Koko maa's average annual change with 95 % intervals,
    the direction in words, the model and the gaps."""
    rows = []
    for key, k in table.groupby("key", sort=False):
        a, aw = _trend_cells(trends, key, "area")
        c, cw = _trend_cells(trends, key, "country")
        tr = trends[(trends.key == key) & (trends.role == "area")]
        gaps = str(tr.missing_years.iloc[0]) if len(tr) else ""
        rows.append({
            t("tbl.indicator"): str(k.indicator_title.iloc[0]),
            t("tbl.years"): f"{int(k.year.min())}–{int(k.year.max())}",
            t("tbl.area_change"): a, t("tbl.area_direction"): aw,
            t("tbl.country_change"): c, t("tbl.country_direction"): cw,
            t("tbl.model"): method_name(str(tr.method.iloc[0]) if len(tr) else "").split(" (")[0],
            t("tbl.missing_years"): fmt.years(int(y) for y in gaps.split(",") if y) if gaps else "–",
        })
    return pd.DataFrame(rows)


def _differing(f: dict[str, str]) -> str:
    """The municipalities that differ clearly from the area's level, for the comparison table."""
    none = t("common.none")
    munis = ([t("tbl.higher", names=f["munis_above"])] if f.get("munis_above", none) != none else []) + \
        ([t("tbl.lower", names=f["munis_below"])] if f.get("munis_below", none) != none else [])
    if munis:
        return "; ".join(munis)
    no_counts = f.get("munis_text") == t("kf.munis.no_counts", range=f.get("munis_range", ""))
    return t("common.not_assessable") if no_counts else none


def comparison_table(figures: dict[str, dict[str, str]]) -> pd.DataFrame:
    """One row per indicator from `key_figures`: the area's latest value with its interval, Koko maa,
    the honest comparison, the rank among wellbeing counties with its plausible range, and the
    municipalities that differ clearly from the area's level."""
    rows = []
    for f in figures.values():
        if not isinstance(f, dict) or "latest" not in f or f.get("latest") == na():
            continue
        rank = f"{f.get('rank', '–')}/{f.get('n_areas', '–')}"
        if f.get("rank_range") and "–" in f["rank_range"]:
            rank += f" ({f['rank_range']})"
        rows.append({
            t("tbl.indicator"): f["title"], t("tbl.year"): f["latest_year"],
            t("tbl.area"): f["latest"], t("tbl.ci"): f.get("latest_ci") or t("common.not_computable"),
            t("tbl.country"): f.get("country", na()),
            t("tbl.vs_country"): f.get("vs_country", na()),
            t("tbl.rank"): rank,
            t("tbl.peers"): f.get("peers_range", na()),
            t("tbl.differing"): _differing(f),
        })
    return pd.DataFrame(rows)


def municipality_table(table: pd.DataFrame, key: str, year: int | None = None) -> pd.DataFrame:
    """The area's municipalities in one year, highest value first, with 95 % intervals, the plausible
    rank range and the funnel-plot verdict against the area's level; unpublished last."""
    t_ = table if "ci_low" in table.columns else stats.add_rates(table)
    ranked = funnel.ranked_table(t_, key, roles=("municipality",), year=year, reference_role="area")
    units, _ = funnel.funnel_data(t_, key, role="municipality", target_role="area", year=int(ranked.year.iloc[0]))
    flags = dict(zip(units.region_id, units.flag_text))
    k = t_[t_.key == key]
    vt, dec = str(k.value_type.iloc[0]), int(k.decimals.iloc[0])
    rows = []
    for r in ranked.itertuples():
        published = np.isfinite(r.value)
        rows.append({
            t("tbl.rank_short"): (f"{int(r.rank)}" + (f" ({int(r.rank_low)}–{int(r.rank_high)})"
                                                     if np.isfinite(r.ci_low) and r.rank_low != r.rank_high else ""))
            if published else "–",
            t("tbl.municipality"): r.region_name,
            t("tbl.value"): fmt.value(r.value, vt, dec) if published else t("common.not_published"),
            t("tbl.ci"): _ci_cell(r.ci_low, r.ci_high, vt, dec) if published else "–",
            t("tbl.count"): fmt.number(r.count, 0) if np.isfinite(r.count) else "–",
            t("tbl.vs_area"): flags.get(r.region_id, na()) if published else na(),
        })
    return pd.DataFrame(rows)
