"""The methods paragraphs of the report, generated from what the build did.

`methods_figures` reads the per-indicator key figures (`keyfigures.indicator_figures`:
which interval, which denominator, which trend model, the pooled serial correlation,
the Benjamini–Hochberg q-values, the funnel limits and φ) and writes Finnish
paragraphs for chapter 2 (`{{< var kehitys.menetelmat_… >}}`). Nothing here is typed
per edition: a new indicator changes the text by itself.
"""
from __future__ import annotations

from sosrap.indicators.wording import FI
from sosrap.report import fmt

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


def _intervals(vals: list[dict]) -> str:
    none = _titles(vals, lambda f: f.get("latest_ci", "") == "")
    by = _count_by([f for f in vals if f.get("latest_ci")], "ci_method")
    parts = [f"{name} {fmt.count_noun(n, 'indikaattorissa', 'indikaattorissa')}" for name, n in by.items()]
    text = (f"Viimeisimmän vuoden arvolle on laskettu 95{fmt.NBSP}%:n luottamusväli julkaistusta lukumäärästä: "
            f"{fmt.join(parts)}." if parts else "Luottamusvälejä ei ole voitu laskea.")
    if none:
        text += (f" Indikaattoreista {fmt.join(none)} julkaistaan vain osuus ilman lukumäärää, joten niille ei ole "
                 "luottamusväliä, eikä niiden eroja tai muutoksia arvioida satunnaisvaihtelua vasten "
                 "(\u201dei arvioitavissa\u201d).")
    exact = sum(1 for f in vals if f.get("denominator_kind") == "population")
    approx = _titles(vals, lambda f: f.get("denominator_kind") == "derived")
    text += (f" Nimittäjänä on alueen väestö {fmt.count_noun(exact, 'indikaattorissa', 'indikaattorissa')}, "
             "joissa julkaistu arvo on lukumäärä asukasta kohden.")
    if approx:
        text += (f" Ikä- tai työvoimaryhmään suhteutetuissa indikaattoreissa ({len(approx)}) nimittäjä on johdettu "
                 "julkaistusta lukumäärästä ja pyöristetystä osuudesta, joten välit ovat likimääräisiä.")
    return text


def _trends(vals: list[dict]) -> str:
    by = _count_by(vals, "trend_method")
    models = fmt.join(f"{name.split(' (')[0]} {n}" for name, n in by.items() if name != FI["trend_method"][""])
    rho = next((f["trend_rho"] for f in vals if f.get("trend_rho")), "0,00")
    called = [f for f in vals if f.get("trend_word") in ("nouseva", "laskeva")]
    kept = [f for f in called if f.get("trend_q") and _num(f["trend_q"]) < FDR]
    return (
        "Kehityksen suunta on arvioitu log-lineaarisella mallilla, joka kertoo keskimääräisen suhteellisen "
        f"vuosimuutoksen (%) luottamusväleineen (mallit: {models}; Poisson-malli vaihtuu negatiiviseen "
        "binomimalliin, kun vuosien vaihtelu ylittää satunnaisvaihtelun). Peräkkäiset vuodet eivät ole "
        "toisistaan riippumattomia: kaikista alueen ja koko maan sarjoista yhdistetty viiveen 1 "
        f"jäännöskorrelaatio oli ρ = {rho}, ja luottamusvälit on levennetty sen mukaan (AR(1)-korjaus). "
        "Suuntaa sanotaan nousevaksi tai laskevaksi vain, kun luottamusväli ei sisällä nollaa. Koska "
        f"indikaattoreita on {len(vals)}, osa löydöksistä voi olla sattumaa: {len(called)} suunnasta "
        f"{len(kept)} säilyy Benjamini–Hochberg-korjauksen jälkeen (väärien löydösten osuus "
        f"{fmt.number(FDR * 100)}{fmt.NBSP}%). Vuosimuutos on suhteellinen (% vuodessa); kahden vuoden "
        "arvojen ero ilmoitetaan prosenttiyksikköinä (%-yksikköä).")


def _funnels(vals: list[dict]) -> str:
    phis = [_num(f["funnel_phi"]) for f in vals
            if f.get("funnel_phi") and f["funnel_phi"] != fmt.MISSING]
    re = _titles(vals, lambda f: f.get("funnel_limits", "").startswith("satunnaisvaikutus"))
    if not phis:
        return "Kuntia ei ole verrattu suppilokuviolla, koska lukumääriä ei julkaista."
    return (
        "Kuntia verrataan suppilokuviossa muun alueen tasoon (alue ilman kyseistä kuntaa), jotta suuri kunta ei "
        "vertaudu itseensä. Kuntien välinen ylihajonta φ (Spiegelhalter 2005, winsoroidut z-arvot) oli "
        f"{fmt.number(min(phis), 1)}–{fmt.number(max(phis), 1)}; se oli merkitsevä "
        f"{fmt.count_noun(len(re), 'indikaattorissa', 'indikaattorissa')} {len(phis)}:stä, ja niissä rajat ovat "
        "satunnaisvaikutusrajat (additiivinen τ²), joten kunta on \u201dselvästi poikkeava\u201d vain, kun se "
        "poikkeaa enemmän kuin kunnat tavallisesti toisistaan."
        + (" Muissa rajat ovat tarkat binomi- tai Poisson-rajat." if len(re) < len(phis) else "")
        + " Kunta on selvästi poikkeava 99,8\u00a0%:n rajojen ulkopuolella ja mahdollisesti "
        "poikkeava 95\u00a0%:n rajojen ulkopuolella.")


def methods_figures(vals: list[dict]) -> dict[str, str]:
    """{"menetelmat_luottamusvalit", "menetelmat_kehitys", "menetelmat_suppilo", "menetelmat_pyoristys"}."""
    return {
        "menetelmat_luottamusvalit": _intervals(vals),
        "menetelmat_kehitys": _trends(vals),
        "menetelmat_suppilo": _funnels(vals),
        "menetelmat_pyoristys": (
            "Luvut on pyöristetty lähteen tarkkuuteen (yleensä yksi desimaali). Eroa tai muutosta sanotaan "
            "todelliseksi vain, kun sen luottamusväli ylittää kahden pyöristetyn luvun epätarkkuuden; jos ero "
            f"syntyy vain pyöristyksestä, se on merkitty \u201d{FI['rounding']}\u201d. Tasapisteissä sija "
            "ilmoitetaan jaettuna (esimerkiksi jaettu sija 10.–14.)."),
    }
