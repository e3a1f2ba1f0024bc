"""Plain descriptive summaries of the indicator table for key figures.

Formatted the Finnish way (`sosrap.fmt`), as strings a report editor can put
into sentences with {{< var key.field >}}. Keys per indicator `key`:
  latest        latest value of the report's area, e.g. "6,2 %"
  latest_year   the year of that value
  previous      the value one year earlier; change_prev its difference ("−0,1 %-yks.")
  first, first_year, change_period: the same over the whole period
  country       Koko maa in the latest year; vs_country a phrase ("0,4 %-yksikköä korkeampi kuin koko maassa")
  title         the indicator's title from the metadata; producer its producer
"""
from __future__ import annotations

import math

import pandas as pd

from . import fmt

UNIT_DIFF = {"PROS": "%-yksikköä", "PER1000": "‰-yksikköä"}


def _series(table: pd.DataFrame, key: str, role: str) -> pd.Series:
    d = table[(table.key == key) & (table.role == role)].dropna(subset=["value"])
    return d.set_index("year")["value"].sort_index()


def indicator_summary(table: pd.DataFrame, key: str) -> dict[str, str]:
    rows = table[table.key == key]
    if rows.empty:
        raise KeyError(f"no indicator with key {key!r} in the table")
    vt, dec = rows.value_type.iloc[0], int(rows.decimals.iloc[0])
    area, country = _series(table, key, "area"), _series(table, key, "country")
    out = {"title": rows.indicator_title.iloc[0], "producer": rows.producer.iloc[0], "unit": fmt.unit_label(vt)}
    if area.empty:
        return {**out, "latest": "ei tietoa", "latest_year": "–"}
    ly, lv = int(area.index[-1]), float(area.iloc[-1])
    fy, fv = int(area.index[0]), float(area.iloc[0])
    unit = UNIT_DIFF.get(vt, "")
    out.update(latest=fmt.value(lv, vt, dec), latest_year=str(ly), first=fmt.value(fv, vt, dec),
               first_year=str(fy), change_period=fmt.signed(lv - fv, dec, unit))
    if ly - 1 in area.index:
        pv = float(area.loc[ly - 1])
        out.update(previous=fmt.value(pv, vt, dec), change_prev=fmt.signed(lv - pv, dec, unit))
    else:
        out.update(previous="ei tietoa", change_prev="ei tietoa")
    if ly in country.index:
        cv = float(country.loc[ly])
        diff = round(lv - cv, dec)
        out["country"] = fmt.value(cv, vt, dec)
        if math.isclose(diff, 0.0, abs_tol=10 ** -(dec + 1)):
            out["vs_country"] = "sama kuin koko maassa"
        else:
            word = "korkeampi" if diff > 0 else "matalampi"
            unit_word = {"PROS": "prosenttiyksikköä", "PER1000": "promilleyksikköä"}.get(vt, "")
            out["vs_country"] = f"{fmt.number(abs(diff), dec)} {unit_word} {word} kuin koko maassa".replace("  ", " ")
    return out


def key_figures(table: pd.DataFrame) -> dict[str, dict[str, str]]:
    return {key: indicator_summary(table, key) for key in table.key.drop_duplicates()}
