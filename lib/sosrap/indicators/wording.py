"""The wording of the statistics: the phrase builders, in the report's language.

The words are keys of the catalogue (`sosrap.report.wording`, ``kf.*``), so a
Finnish and a Swedish report say the same things. Every change is labelled as
what it is: a trend is a *relative* annual change ("suhteellinen vuosimuutos
keskimäärin −3,4 %" / "relativ årlig förändring i genomsnitt −3,4 %"), a
difference of two published values is in points ("%-yksikköä" /
"procentenheter"), and one sentence keeps one sign convention (the signed
figure and its signed interval). A verdict is given only when the interval
says so; without an interval the wording says "ei arvioitavissa" / "inte
bedömbar". A difference that exists only because both values are rounded is
"ero alle pyöristystarkkuuden" / "skillnaden är mindre än avrundningens noggrannhet".
"""
from __future__ import annotations

import numpy as np

from sosrap.indicators import stats
from sosrap.report import fmt
from sosrap.report.wording import group, t


def na() -> str:
    return t("common.na")


def ci_none() -> str:
    return t("kf.ci_none")


def method_name(method: str) -> str:
    """The trend model in words ("Poisson-regressio" / "Poissonregression")."""
    return t(f"kf.trend_method.{method or 'none'}")


def trend_word(direction: str) -> str:
    """'nouseva' / 'laskeva' / 'ei selvää muutosta' / 'ei arvioitavissa' (and Swedish)."""
    return t(f"kf.trend_word.{direction or stats.INSUFFICIENT}")


def change_word(direction: str) -> str:
    return t(f"kf.change_word.{direction}") if direction else ""


def diff_amount(d: float, vt: str, dec: int) -> str:
    """'0,4 prosenttiyksikköä' (no sign: the verb or the comparative carries it)."""
    return f"{fmt.number(abs(d), dec)} {group('num.diff_word').get(vt, '')}".strip()


def _trend_d(tr) -> dict:
    return tr if isinstance(tr, dict) else tr.as_dict()


def _rel_ci(d: dict) -> dict[str, str]:
    return {"rel": f"{t('kf.relative')} {fmt.pct_change(d['annual_pct'], 1)}", "ci_text": t("common.ci_text"),
            "ci": fmt.interval(d["ci_low"], d["ci_high"], "PCT", 1, signed_=True)}


def trend_phrase(tr: stats.Trend | dict | None) -> str:
    """Text after "<subject> on" / "<subject> har": "laskenut: suhteellinen vuosimuutos keskimäärin
    −1,7 % (95 %:n luottamusväli −1,9…−1,5 %)"; without a clear direction "vaihdellut ilman selvää
    suuntaa (…)"."""
    if tr is None:
        return t("common.not_assessable")
    d = _trend_d(tr)
    direction = d.get("direction", "")
    if direction in (stats.INSUFFICIENT, ""):
        return t("kf.trend.insufficient", not_assessable=t("common.not_assessable"), n=d.get("n_years", 0),
                 min=stats.MIN_YEARS)
    key = direction if direction in (stats.INCREASE, stats.DECREASE) else "none"
    return t(f"kf.trend.{key}", **_rel_ci(d))


def trend_sentence(tr: stats.Trend | dict | None) -> str:
    """A whole sentence on the trend, no subject needed; the period is the years fitted."""
    if tr is None:
        return t("kf.trend_sentence.unknown")
    d = _trend_d(tr)
    direction = d.get("direction", "")
    period = f"{d['first_year']}–{d['last_year']}" if d.get("first_year") else ""
    if direction in (stats.INSUFFICIENT, ""):
        return t("kf.trend_sentence.insufficient", n=d.get("n_years", 0))
    key = direction if direction in (stats.INCREASE, stats.DECREASE) else "none"
    return t(f"kf.trend_sentence.{key}", period=period, **_rel_ci(d))


def change_text(d: float, lo: float, hi: float, vt: str, dec: int, since: str) -> tuple[str, str]:
    """(word, phrase) for a change of the published value, in points."""
    tol = stats.rounding_tolerance(dec)
    direction = stats.change_direction(lo, hi, tol)
    amount = diff_amount(d, vt, dec)
    if direction in (stats.INCREASE, stats.DECREASE):
        return change_word(direction), t(f"kf.change.{direction}", amount=amount, since=since)
    if direction == stats.NO_CHANGE:
        return change_word(direction), t("kf.change.none", since=since, diff=fmt.diff(d, vt, dec))
    # No interval (rate only): state the difference, not a verdict.
    return "", t("kf.change.unknown", since=since, diff=fmt.diff(d, vt, dec))


def vs_country(av: float, lo: float, hi: float, cv: float, vt: str, dec: int,
               exact_diff: float = float("nan")) -> tuple[str, str, str]:
    """(word, phrase, phrase with reason) comparing the area with Koko maa.

    word: "korkeampi" / "matalampi" (a real difference), "samaa tasoa", "ei arvioitavissa" (no
    interval), "" (no data). The published difference is always stated; whether it is real is
    said next to it. *exact_diff* (count/denominator of both, when known) catches a difference
    that only rounding made.
    """
    if not (np.isfinite(av) and np.isfinite(cv)):
        return "", na(), na()
    diff = round(av - cv, dec)
    level = t("kf.vs_country.level")
    if diff == 0:
        same = t("kf.vs_country.same")
        return level, same, same
    word = t("kf.vs_country.higher") if diff > 0 else t("kf.vs_country.lower")
    text = t("kf.vs_country.diff", amount=diff_amount(diff, vt, dec), word=word)
    tol = stats.rounding_tolerance(dec)
    if np.isfinite(exact_diff) and abs(exact_diff) < tol:
        text = t("kf.vs_country.rounding", rounding=t("kf.rounding"))
        return level, text, text
    verdict = stats.compare(av, lo, hi, cv, tol)
    if verdict == "":
        text += t("kf.vs_country.no_interval")
        return t("common.not_assessable"), text, text
    if verdict == "no_clear_difference":
        text += t("kf.vs_country.no_clear")
        return level, text, text
    return word, text, text + t("kf.vs_country.real")


def rank_words(rank: float, rank_max: float, n: int) -> tuple[str, str]:
    """('10.–14.', 'jaettu sija 10.–14./23') for a tie, ('13.', 'sija 13./23') otherwise."""
    a, b = int(rank), int(rank_max) if np.isfinite(rank_max) else int(rank)
    if b > a:
        return t("kf.rank.tie", a=a, b=b), t("kf.rank.where_tie", a=a, b=b, n=n)
    return t("kf.rank.single", a=a), t("kf.rank.where_single", a=a, n=n)


def gap_figures(tr: dict) -> dict[str, str]:
    """The years missing inside the trend period, as a list and as a sentence."""
    gaps = [int(y) for y in str(tr.get("missing_years") or "").split(",") if y]
    g = fmt.years(gaps) if gaps else ""
    text = "" if not gaps else t("kf.gaps.one" if len(gaps) == 1 else "kf.gaps.many", years=g)
    return {"gaps": g, "gaps_text": text}
