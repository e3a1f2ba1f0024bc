"""Key figures for the report text: Finnish strings a report editor can write sentences around.

The build writes these to `_variables.yml`, and a chapter reads them with
``{{< var <key>.<field> >}}``, e.g.::

    Toimeentulotukea saaneiden osuus oli {{< var toimeentulotuki.latest >}} vuonna
    {{< var toimeentulotuki.latest_year >}} ({{< var toimeentulotuki.latest_ci_text >}}).
    Vuosina {{< var toimeentulotuki.trend_period >}} osuus on {{< var toimeentulotuki.trend >}}.
    Osuus oli {{< var toimeentulotuki.vs_country >}}.

Every value is a string, formatted the Finnish way (`sosrap.fmt`: decimal
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

from sosrap.report import fmt
from sosrap.indicators import funnel, methods, stats

from sosrap.indicators.wording import (CHANGE_WORD, CI_NONE, FI, METHOD_FI, NA, change_text,  # noqa: F401
                                      gap_figures, rank_words, trend_phrase, trend_sentence, vs_country)

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
        word, text = _change_text(d, lo, hi, vt, dec, "edellisestä vuodesta")
        out.update(previous=fmt.value(prev.value, vt, dec), change_prev=fmt.diff(d, vt, dec),
                   change_prev_word=word, change_prev_text=text)
    else:
        out.update(previous=NA, change_prev=NA, change_prev_word="", change_prev_text=NA)
    first = area.iloc[0]
    d = float(last.value - first.value)
    lo, hi = stats.diff_ci(last.value, last.ci_low, last.ci_high, first.value, first.ci_low, first.ci_high)
    word, text = _change_text(d, lo, hi, vt, dec, f"vuodesta {int(first.year)}")
    out.update(first=fmt.value(first.value, vt, dec), first_year=str(int(first.year)),
               change_period=fmt.diff(d, vt, dec), change_period_word=word, change_period_text=text)
    return out


def _gap_figures(tr: dict) -> dict[str, str]:
    """The years missing inside the trend period, as a list and as a sentence."""
    gaps = [int(y) for y in str(tr.get("missing_years") or "").split(",") if y]
    g = fmt.years(gaps) if gaps else ""
    text = ("" if not gaps else f"Vuoden {g} tieto puuttuu; sitä ei ole arvioitu eikä täydennetty." if len(gaps) == 1
            else f"Vuosien {g} tiedot puuttuvat; niitä ei ole arvioitu eikä täydennetty.")
    return {"gaps": g, "gaps_text": text}


def _exact(row) -> float:
    """count / denominator in the unit when the denominator is the exact population, else NaN."""
    if row is None or getattr(row, "denominator_source", "") != "population":
        return float("nan")
    return float(row["count"] / row["denominator"] * stats.scale_of(str(row.value_type)))


def _latest_figures(last, vt: str, dec: int) -> dict[str, str]:
    has_ci = np.isfinite(last.ci_low)
    return {
        "latest": fmt.value(last.value, vt, dec), "latest_year": str(int(last.year)),
        "latest_number": fmt.number(last.value, dec), "per_unit": FI["per_unit"].get(vt, ""),
        "latest_count": fmt.number(last["count"], 0) if np.isfinite(last["count"]) else "ei julkaistu",
        "latest_ci": fmt.interval(last.ci_low, last.ci_high, vt, dec) if has_ci else "",
        "latest_ci_text": (f"{FI['ci_text']} {fmt.interval(last.ci_low, last.ci_high, vt, dec + 1)}"
                           if has_ci else CI_NONE),
        "ci_method": FI["ci_method"].get(str(getattr(last, "ci_method", "")), ""),
        "denominator_kind": str(getattr(last, "denominator_source", "") or ""),
    }


def _trend_figures(tr: dict) -> dict[str, str]:
    fitted = f"{int(tr['first_year'])}–{int(tr['last_year'])}" if tr.get("first_year") else "–"
    return {"trend_period": fitted, "trend_word": TREND_WORD[tr["direction"]], "trend": trend_phrase(tr),
            "trend_sentence": trend_sentence(tr), "trend_method": METHOD_FI[tr["method"]],
            "trend_pct": fmt.pct_change(tr["annual_pct"], 1),
            "trend_ci": fmt.interval(tr["ci_low"], tr["ci_high"], "PCT", 1, signed_=True),
            "trend_rho": fmt.number(tr.get("serial_rho", 0.0), 2),
            "trend_q": fmt.number(tr.get("q_value", np.nan), 3, missing=""), **gap_figures(tr)}


def indicator_figures(table: pd.DataFrame, key: str, *, trends: pd.DataFrame | None = None) -> dict[str, str]:
    """All key figures of one indicator (see the module docstring for the fields)."""
    t = table if "ci_low" in table.columns else stats.add_rates(table)
    k = t[t.key == key]
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
        out.update(latest=NA, latest_year="–", trend_word=TREND_WORD[""], trend=FI["not_assessable"])
        return out
    last = area.iloc[-1]
    ly = int(last.year)
    out.update(_latest_figures(last, vt, dec))
    out.update(_change_figures(area, vt, dec))
    out.update(_trend_figures(_trend_for(t, key, "area", trends, period)))
    c = _row(country, ly)
    if c is not None:
        word, short, long = vs_country(float(last.value), float(last.ci_low), float(last.ci_high),
                                       float(c.value), vt, dec, _exact(last) - _exact(c))
        out.update(country=fmt.value(c.value, vt, dec), country_year=str(ly), vs_country_word=word,
                   vs_country=short, vs_country_text=long)
    else:
        out.update(country=NA, country_year=str(ly), vs_country_word="", vs_country=NA, vs_country_text=NA)
    ctr = _trend_for(t, key, "country", trends, period)
    out.update(country_trend_word=TREND_WORD[ctr["direction"]], country_trend=trend_phrase(ctr))
    out.update(_county_figures(t, key, ly, vt, dec))
    out.update(_municipality_figures(t, key, ly, vt, dec))
    return out


def _trend_for(t: pd.DataFrame, key: str, role: str, trends: pd.DataFrame | None, period) -> dict:
    if trends is not None:
        r = trends[(trends.key == key) & (trends.role == role)]
        if len(r):
            return r.iloc[0].to_dict()
    rows = t[(t.key == key) & (t.role == role)]
    if rows.empty:
        return {"direction": "", "method": "", "annual_pct": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "n_years": 0, "missing_years": ""}
    return stats.trend_of(rows, period).as_dict()


def _county_figures(t: pd.DataFrame, key: str, year: int, vt: str, dec: int) -> dict[str, str]:
    rt = funnel.ranked_table(t, key, roles=("area", "peer"), year=year)
    pub = rt.dropna(subset=["value"])
    a = pub[pub.role == "area"]
    peers = pub[pub.role == "peer"]
    out = {"n_areas": str(len(pub)),
           "peers_range": fmt.interval(peers.value.min(), peers.value.max(), vt, dec) if len(peers) else NA}
    if len(a):
        r = a.iloc[0]
        out["rank"], where = rank_words(r["rank"], r["rank_max"], len(pub))
        has_range = np.isfinite(r.ci_low)
        out["rank_range"] = (f"{int(r.rank_low)}–{int(r.rank_high)}" if int(r.rank_low) != int(r.rank_high)
                             else str(int(r.rank_low))) if has_range else ""
        out["rank_text"] = f"{where} suurimmasta alkaen" + (
            f" (epävarmuus huomioiden sijat {out['rank_range']})" if has_range and "–" in out["rank_range"]
            else "")
    else:
        out.update(rank=NA, rank_range="", rank_text=NA)
    return out


def _limits_text(info: dict) -> str:
    """How the funnel limits were drawn, for the methods text and the municipality sentences."""
    if info.get("limits") == "random_effects":
        return (f"satunnaisvaikutusrajat (ylihajonta φ = {fmt.number(info['phi'], 1)}, "
                f"merkitsevä; kuntien tavanomainen keskinäinen vaihtelu otettu huomioon)")
    if np.isfinite(info.get("phi", np.nan)):
        return f"tarkat binomi- tai Poisson-rajat (ylihajonta φ = {fmt.number(info['phi'], 1)}, ei merkitsevä)"
    return "ei rajoja (lukumääriä ei julkaista)"


def _municipality_figures(t: pd.DataFrame, key: str, year: int, vt: str, dec: int) -> dict[str, str]:
    k = t[(t.key == key) & (t.role == "municipality")]
    if k.empty:
        return {}
    units, info = funnel.funnel_data(t, key, role="municipality", target_role="area", year=year)
    pub = units.dropna(subset=["value"])
    above = pub[pub.flag == funnel.ABOVE_998].sort_values("value", ascending=False).region_name.tolist()
    below = pub[pub.flag == funnel.BELOW_998].sort_values("value").region_name.tolist()
    n95 = int(pub.flag.isin([funnel.ABOVE_95, funnel.BELOW_95]).sum())
    out = {
        "munis_n": str(len(pub)),
        "munis_range": fmt.interval(pub.value.min(), pub.value.max(), vt, dec) if len(pub) else NA,
        "munis_above": fmt.join(above) if above else "ei yhtään",
        "munis_below": fmt.join(below) if below else "ei yhtään",
        "munis_possible": str(n95),
        "munis_missing": str(info["n_missing"]),
        "funnel_limits": _limits_text(info),
        "funnel_phi": fmt.number(info["phi"], 1),
    }
    if not info["has_counts"]:
        out["munis_text"] = ("Kuntien eroja ei voi arvioida satunnaisvaihtelua vasten, koska lukumääriä ei "
                             f"julkaista (kuntien arvot {out['munis_range']}).")
        return out
    parts = []
    if above:
        parts.append(f"selvästi korkeampi: {fmt.join(above)}")
    if below:
        parts.append(f"selvästi matalampi: {fmt.join(below)}")
    re = " kuntien tavanomaista keskinäistä vaihtelua" if info["limits"] == "random_effects" else \
        " satunnaisvaihtelua"
    if parts:
        n = len(above) + len(below)
        out["munis_text"] = (f"{fmt.count_noun(n, 'kunta', 'kuntaa').capitalize()} poikkeaa muun alueen tasosta"
                             f"{re} selvästi enemmän ({'; '.join(parts)}).")
    else:
        out["munis_text"] = (f"Yksikään kunta ei poikkea muun alueen tasosta{re} selvästi enemmän, "
                             f"vaikka arvot vaihtelevat välillä {out['munis_range']}.")
    if n95:
        out["munis_text"] += (f" {fmt.count_noun(n95, 'kunta', 'kuntaa').capitalize()} on 95{fmt.NBSP}%:n rajojen "
                              "ulkopuolella mutta 99,8\u00a0%:n rajojen sisällä (mahdollisesti poikkeava; "
                              "näin voi käydä sattumaltakin).")
    if info["n_missing"]:
        out["munis_text"] += (f" {fmt.number(info['n_missing'])}{fmt.NBSP}kunnan tieto puuttuu tai on salattu "
                              "pienen määrän vuoksi.")
    return out


def key_figures(table: pd.DataFrame, keys: Iterable[str] | None = None, *,
                trends: pd.DataFrame | None = None) -> dict[str, dict[str, str]]:
    """{key: indicator_figures(...)} for every indicator key of the table (in table order)."""
    t = table if "ci_low" in table.columns else stats.add_rates(table)
    ks = list(keys) if keys is not None else list(t.key.drop_duplicates())
    if trends is None:
        trends = stats.trends(t, roles=("area", "country"))
    return {k: indicator_figures(t, k, trends=trends) for k in ks}


def summary_figures(figures: dict[str, dict[str, str]]) -> dict[str, str]:
    """Counts over indicators for the summary chapter: n, rising, falling, no clear change,
    clearly above / below / level with Koko maa, not assessable against Koko maa (no interval);
    plus the generated methods paragraphs (`methods.methods_figures`: `menetelmat_*`)."""
    vals = [f for f in figures.values() if isinstance(f, dict) and "trend_word" in f]
    count = lambda field, word: str(sum(1 for f in vals if f.get(field) == word))  # noqa: E731
    return {
        "indikaattoreita": str(len(vals)),
        "nousevia": count("trend_word", "nouseva"),
        "laskevia": count("trend_word", "laskeva"),
        "ei_selvaa_muutosta": count("trend_word", "ei selvää muutosta"),
        "korkeampia_kuin_koko_maa": count("vs_country_word", "korkeampi"),
        "matalampia_kuin_koko_maa": count("vs_country_word", "matalampi"),
        "samaa_tasoa_kuin_koko_maa": count("vs_country_word", "samaa tasoa"),
        "ei_arvioitavissa_koko_maa": count("vs_country_word", FI["not_assessable"]),
        **methods.methods_figures(vals),
    }


# --------------------------------------------------------------------------------------------------------------
# Display tables (Finnish strings, for `sosrap.tables.show`)
# --------------------------------------------------------------------------------------------------------------

def _ci_cell(lo: float, hi: float, vt: str, dec: int) -> str:
    return fmt.interval(lo, hi, vt, dec) if np.isfinite(lo) and np.isfinite(hi) else "ei laskettavissa"


def trend_table(table: pd.DataFrame, trends: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: the area's and Koko maa's average annual change with 95 % intervals,
    the direction in words, the model and the gaps."""
    rows = []
    for key, k in table.groupby("key", sort=False):
        def one(role: str) -> tuple[str, str]:
            t = trends[(trends.key == key) & (trends.role == role)]
            if t.empty or t.direction.iloc[0] in (stats.INSUFFICIENT, ""):
                return "–", TREND_WORD[""]
            r = t.iloc[0]
            return (f"{fmt.pct_change(r.annual_pct, 1)} ({fmt.interval(r.ci_low, r.ci_high, 'PCT', 1, signed_=True)})",
                    TREND_WORD[r.direction])
        a, aw = one("area")
        c, cw = one("country")
        t = trends[(trends.key == key) & (trends.role == "area")]
        gaps = str(t.missing_years.iloc[0]) if len(t) else ""
        rows.append({
            "Indikaattori": str(k.indicator_title.iloc[0]),
            "Vuodet": f"{int(k.year.min())}–{int(k.year.max())}",
            "Alue: muutos/v (95\u00a0%:n lv)": a, "Alue: suunta": aw,
            "Koko maa: muutos/v (95\u00a0%:n lv)": c, "Koko maa: suunta": cw,
            "Malli": METHOD_FI[str(t.method.iloc[0]) if len(t) else ""].split(" (")[0],
            "Puuttuvat vuodet": fmt.years(int(y) for y in gaps.split(",") if y) if gaps else "–",
        })
    return pd.DataFrame(rows)


def comparison_table(figures: dict[str, dict[str, str]]) -> pd.DataFrame:
    """One row per indicator from `key_figures`: the area's latest value with its interval, Koko maa,
    the honest comparison, the rank among wellbeing counties with its plausible range, and the
    municipalities that differ clearly from the area's level."""
    rows = []
    for f in figures.values():
        if not isinstance(f, dict) or "latest" not in f or f.get("latest") == NA:
            continue
        rank = f"{f.get('rank', '–')}/{f.get('n_areas', '–')}"
        if f.get("rank_range") and "–" in f["rank_range"]:
            rank += f" ({f['rank_range']})"
        munis = []
        if f.get("munis_above", "ei yhtään") != "ei yhtään":
            munis.append(f"korkeampi: {f['munis_above']}")
        if f.get("munis_below", "ei yhtään") != "ei yhtään":
            munis.append(f"matalampi: {f['munis_below']}")
        rows.append({
            "Indikaattori": f["title"], "Vuosi": f["latest_year"],
            "Alue": f["latest"], "95\u00a0%:n lv": f.get("latest_ci") or "ei laskettavissa",
            "Koko maa": f.get("country", NA),
            "Alue verrattuna koko maahan": f.get("vs_country", NA),
            "Sija (epävarmuus)": rank,
            "Muut hyvinvointialueet": f.get("peers_range", NA),
            "Selvästi poikkeavat kunnat": "; ".join(munis) if munis else (
                "ei arvioitavissa" if "ei voi arvioida" in f.get("munis_text", "") else "ei yhtään"),
        })
    return pd.DataFrame(rows)


def municipality_table(table: pd.DataFrame, key: str, year: int | None = None) -> pd.DataFrame:
    """The area's municipalities in one year, highest value first, with 95 % intervals, the plausible
    rank range and the funnel-plot verdict against the area's level; unpublished last."""
    t = table if "ci_low" in table.columns else stats.add_rates(table)
    ranked = funnel.ranked_table(t, key, roles=("municipality",), year=year, reference_role="area")
    units, _ = funnel.funnel_data(t, key, role="municipality", target_role="area", year=int(ranked.year.iloc[0]))
    flags = dict(zip(units.region_id, units.flag_fi))
    k = t[t.key == key]
    vt, dec = str(k.value_type.iloc[0]), int(k.decimals.iloc[0])
    rows = []
    for r in ranked.itertuples():
        published = np.isfinite(r.value)
        rows.append({
            "Sija": (f"{int(r.rank)}" + (f" ({int(r.rank_low)}–{int(r.rank_high)})"
                                         if np.isfinite(r.ci_low) and r.rank_low != r.rank_high else ""))
            if published else "–",
            "Kunta": r.region_name,
            "Arvo": fmt.value(r.value, vt, dec) if published else "ei julkaistu",
            "95\u00a0%:n lv": _ci_cell(r.ci_low, r.ci_high, vt, dec) if published else "–",
            "Lukumäärä": fmt.number(r.count, 0) if np.isfinite(r.count) else "–",
            "Verrattuna alueen tasoon": flags.get(r.region_id, "ei tietoa") if published else "ei tietoa",
        })
    return pd.DataFrame(rows)
