"""The methods paragraphs of the report, generated from what the build did.

`methods_figures` reads the per-indicator key figures (`keyfigures.indicator_figures`:
which interval, which denominator, which trend model, the pooled serial correlation,
the Benjamini–Hochberg q-values, the funnel limits and φ) and writes the
paragraphs (in the report's language) for chapter 2 (`{{< var kehitys.menetelmat_… >}}`). Nothing here is typed
per edition: a new indicator changes the text by itself.
"""
from __future__ import annotations

from sosrap.indicators.wording import method_name, trend_word
from sosrap.indicators import stats
from sosrap.report import fmt
from sosrap.report.wording import t

FDR = 0.05


def _num(text: str) -> float:
    """A number the key figures wrote the Finnish way ('3 086,7', '−0,4') back as a float."""
    return float(str(text).replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
                 .replace("\u2212", "-"))


def _titles(vals: list[dict], pred) -> list[str]:
    return [f["title"] for f in vals if pred(f)]


def _count_by(vals: list[dict], field: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in vals:
        if f.get(field):
            out[f[field]] = out.get(f[field], 0) + 1
    return out


def _indicators(n: int) -> str:
    """'3 indikaattorissa' / '3 indikatorer'."""
    return fmt.count_noun(n, t("methods.indicator_one"), t("methods.indicator_many"))


def _intervals(vals: list[dict]) -> str:
    none = _titles(vals, lambda f: f.get("latest_ci", "") == "")
    by = _count_by([f for f in vals if f.get("latest_ci")], "ci_method")
    parts = [t("methods.ci_part", name=name, count=_indicators(n)) for name, n in by.items()]
    text = t("methods.ci", parts=fmt.join(parts)) if parts else t("methods.ci_none")
    if none:
        text += t("methods.rate_only_one" if len(none) == 1 else "methods.rate_only", names=fmt.join(none))
    exact = sum(1 for f in vals if f.get("denominator_kind") == "population")
    approx = _titles(vals, lambda f: f.get("denominator_kind") == "derived")
    text += t("methods.population", count=_indicators(exact))
    if approx:
        text += t("methods.derived", n=len(approx))
    return text


def _trends(vals: list[dict]) -> str:
    by = _count_by(vals, "trend_method")
    models = fmt.join(f"{name.split(' (')[0]} {n}" for name, n in by.items() if name != method_name(""))
    rho = next((f["trend_rho"] for f in vals if f.get("trend_rho")), "0,00")
    directions = (trend_word(stats.INCREASE), trend_word(stats.DECREASE))
    called = [f for f in vals if f.get("trend_word") in directions]
    kept = [f for f in called if f.get("trend_q") and _num(f["trend_q"]) < FDR]
    return t("methods.trends", models=models, rho=rho, n=len(vals), called=len(called), kept=len(kept),
             fdr=fmt.number(FDR * 100))


def _random_effects(f: dict) -> bool:
    return bool(f.get("funnel_phi")) and f.get("funnel_limits") == t("kf.limits.random_effects",
                                                                      phi=f["funnel_phi"])


def _funnels(vals: list[dict]) -> str:
    phis = [_num(f["funnel_phi"]) for f in vals
            if f.get("funnel_phi") and f["funnel_phi"] != fmt.MISSING]
    re = _titles(vals, _random_effects)
    if not phis:
        return t("methods.funnel_none")
    return (t("methods.funnel", lo=fmt.number(min(phis), 1), hi=fmt.number(max(phis), 1),
              count=_indicators(len(re)), n=len(phis))
            + (t("methods.funnel_exact") if len(re) < len(phis) else "")
            + t("methods.funnel_levels"))


def methods_figures(vals: list[dict]) -> dict[str, str]:
    """{"menetelmat_luottamusvalit", "menetelmat_kehitys", "menetelmat_suppilo", "menetelmat_pyoristys"}."""
    return {
        "menetelmat_luottamusvalit": _intervals(vals),
        "menetelmat_kehitys": _trends(vals),
        "menetelmat_suppilo": _funnels(vals),
        "menetelmat_pyoristys": t("methods.rounding", rounding=t("kf.rounding")),
    }
