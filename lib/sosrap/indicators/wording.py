"""The Finnish wording of the statistics: one catalogue (`FI`) and the phrase builders that use it.

Every change is labelled as what it is: a trend is a *relative* annual change
("suhteellinen vuosimuutos keskimäärin −3,4 %"), a difference of two published
values is in points ("%-yksikköä"), and one sentence keeps one sign convention
(the signed figure and its signed interval). A verdict is given only when the
interval says so; without an interval the wording says "ei arvioitavissa".
A difference that exists only because both values are rounded is "ero alle
pyöristystarkkuuden". A Swedish catalogue can sit beside `FI` (issue 15).
"""
from __future__ import annotations

import numpy as np

from sosrap.indicators import stats
from sosrap.report import fmt

NB = fmt.NBSP

FI = {
    "na": "ei tietoa",
    "ci_none": "luottamusväliä ei voi laskea, koska lukumäärää ei julkaista",
    "ci_text": f"95{NB}%:n luottamusväli",
    "not_assessable": "ei arvioitavissa",
    "relative": "suhteellinen vuosimuutos keskimäärin",
    "rounding": "ero alle pyöristystarkkuuden",
    # units of a difference of two values, in running text ("0,4 prosenttiyksikköä")
    "diff_word": {"PROS": "prosenttiyksikköä", "PER1000": "promilleyksikköä",
                  "PER100000": f"tapausta 100{NB}000 asukasta kohden"},
    # "5,5 asiakasta tuhatta asukasta kohden": the unit after a per-inhabitant number
    "per_unit": {"PROS": "prosenttia", "PER1000": "tuhatta asukasta kohden",
                 "PER100000": f"100{NB}000 asukasta kohden"},
    "trend_method": {"poisson": "Poisson-regressio", "quasipoisson": "kvasi-Poisson-regressio (ylihajonta)",
                     "negbin": "negatiivinen binomiregressio",
                     "wls": "painotettu pienimmän neliösumman regressio (vain osuudet julkaistu)", "": "ei mallia"},
    "change_word": {stats.INCREASE: "nousi", stats.DECREASE: "laski", stats.NO_CHANGE: "ei muuttunut selvästi",
                    "": ""},
    "ci_method": {"wilson": "Wilsonin väli (osuus)", "poisson": "tarkka Poisson-väli (Garwood)",
                  "": "ei luottamusväliä (vain osuus julkaistu)"},
    "denominator": {"population": "alueen väestö (tarkka)",
                    "derived": "johdettu julkaistusta lukumäärästä ja pyöristetystä osuudesta (likimääräinen)",
                    "": "ei nimittäjää"},
}
NA = FI["na"]
CI_NONE = FI["ci_none"]
METHOD_FI = FI["trend_method"]
CHANGE_WORD = FI["change_word"]


def diff_amount(d: float, vt: str, dec: int) -> str:
    """'0,4 prosenttiyksikköä' (no sign: the verb or the comparative carries it)."""
    return f"{fmt.number(abs(d), dec)} {FI['diff_word'].get(vt, '')}".strip()


def _trend_d(tr) -> dict:
    return tr if isinstance(tr, dict) else tr.as_dict()


def trend_phrase(tr: stats.Trend | dict | None) -> str:
    """Text after "<subject> on": "laskenut: suhteellinen vuosimuutos keskimäärin −1,7 % (95 %:n
    luottamusväli −1,9…−1,5 %)"; without a clear direction "vaihdellut ilman selvää suuntaa (…)"."""
    if tr is None:
        return FI["not_assessable"]
    d = _trend_d(tr)
    direction = d.get("direction", "")
    if direction in (stats.INSUFFICIENT, ""):
        return (f"{FI['not_assessable']}: havaintovuosia on vain {d.get('n_years', 0)} "
                f"(vähintään {stats.MIN_YEARS} tarvitaan)")
    ci = fmt.interval(d["ci_low"], d["ci_high"], "PCT", 1, signed_=True)
    rel = f"{FI['relative']} {fmt.pct_change(d['annual_pct'], 1)}"
    if direction == stats.INCREASE:
        return f"kasvanut: {rel} ({FI['ci_text']} {ci})"
    if direction == stats.DECREASE:
        return f"laskenut: {rel} ({FI['ci_text']} {ci})"
    return f"vaihdellut ilman selvää suuntaa ({rel}, {FI['ci_text']} {ci})"


def trend_sentence(tr: stats.Trend | dict | None) -> str:
    """A whole sentence on the trend, no subject needed; the period is the years fitted."""
    if tr is None:
        return "Kehitystä ei voi arvioida."
    d = _trend_d(tr)
    direction = d.get("direction", "")
    period = f"{d['first_year']}–{d['last_year']}" if d.get("first_year") else ""
    if direction in (stats.INSUFFICIENT, ""):
        return f"Kehitystä ei voi arvioida: havaintovuosia on vain {d.get('n_years', 0)}."
    ci = fmt.interval(d["ci_low"], d["ci_high"], "PCT", 1, signed_=True)
    rel = f"{FI['relative']} {fmt.pct_change(d['annual_pct'], 1)}"
    if direction == stats.NO_CHANGE:
        return (f"Vuosina {period} selvää muutosta ei ollut: {rel} ({FI['ci_text']} {ci}), joten muutos voi "
                f"olla satunnaisvaihtelua.")
    word = "nouseva" if direction == stats.INCREASE else "laskeva"
    return f"Vuosina {period} kehitys oli {word}: {rel} ({FI['ci_text']} {ci})."


def change_text(d: float, lo: float, hi: float, vt: str, dec: int, since: str) -> tuple[str, str]:
    """(word, phrase) for a change of the published value, in points."""
    tol = stats.rounding_tolerance(dec)
    direction = stats.change_direction(lo, hi, tol)
    amount = diff_amount(d, vt, dec)
    if direction == stats.INCREASE:
        return CHANGE_WORD[direction], f"nousi {amount} {since}"
    if direction == stats.DECREASE:
        return CHANGE_WORD[direction], f"laski {amount} {since}"
    if direction == stats.NO_CHANGE:
        return CHANGE_WORD[direction], f"ei muuttunut selvästi {since} ({fmt.diff(d, vt, dec)})"
    # No interval (rate only): state the difference, not a verdict.
    return "", f"muuttui {since} {fmt.diff(d, vt, dec)} (epävarmuutta ei voi arvioida)"


def vs_country(av: float, lo: float, hi: float, cv: float, vt: str, dec: int,
               exact_diff: float = float("nan")) -> tuple[str, str, str]:
    """(word, phrase, phrase with reason) comparing the area with Koko maa.

    word: "korkeampi" / "matalampi" (a real difference), "samaa tasoa", "ei arvioitavissa" (no
    interval), "" (no data). The published difference is always stated; whether it is real is
    said next to it. *exact_diff* (count/denominator of both, when known) catches a difference
    that only rounding made.
    """
    if not (np.isfinite(av) and np.isfinite(cv)):
        return "", NA, NA
    diff = round(av - cv, dec)
    if diff == 0:
        return "samaa tasoa", "sama kuin koko maassa", "sama kuin koko maassa"
    word = "korkeampi" if diff > 0 else "matalampi"
    text = f"{diff_amount(diff, vt, dec)} {word} kuin koko maassa"
    tol = stats.rounding_tolerance(dec)
    if np.isfinite(exact_diff) and abs(exact_diff) < tol:
        text = f"käytännössä sama kuin koko maassa ({FI['rounding']})"
        return "samaa tasoa", text, text
    verdict = stats.compare(av, lo, hi, cv, tol)
    if verdict == "":
        text += ", mutta eron varmuutta ei voi arvioida, koska lukumäärää ei julkaista"
        return FI["not_assessable"], text, text
    if verdict == "no_clear_difference":
        text += ", mutta ero mahtuu satunnaisvaihtelun ja pyöristyksen rajoihin"
        return "samaa tasoa", text, text
    return word, text, text + " (ero on satunnaisvaihtelua suurempi)"


def rank_words(rank: float, rank_max: float, n: int) -> tuple[str, str]:
    """('10.–14.', 'jaettu sija 10.–14./23') for a tie, ('13.', 'sija 13./23') otherwise."""
    a, b = int(rank), int(rank_max) if np.isfinite(rank_max) else int(rank)
    if b > a:
        return f"{a}.–{b}.", f"jaettu sija {a}.–{b}./{n}"
    return f"{a}.", f"sija {a}./{n}"


def gap_figures(tr: dict) -> dict[str, str]:
    """The years missing inside the trend period, as a list and as a sentence."""
    gaps = [int(y) for y in str(tr.get("missing_years") or "").split(",") if y]
    g = fmt.years(gaps) if gaps else ""
    text = ("" if not gaps else f"Vuoden {g} tieto puuttuu; sitä ei ole arvioitu eikä täydennetty." if len(gaps) == 1
            else f"Vuosien {g} tiedot puuttuvat; niitä ei ole arvioitu eikä täydennetty.")
    return {"gaps": g, "gaps_text": text}
