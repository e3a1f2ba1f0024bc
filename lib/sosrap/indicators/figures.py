"""The indicator figures of the report (trends, funnels, rankings), drawn in the one
theme of `sosrap.report.theme` (which this module re-exports for notebooks: `setup`, `show`,
`png_bytes`, the palette and sizes).

* A source line under every figure (producer, retrieval date from the snapshot).
* `alt_*` functions write the figure's alt text from the data: what is shown,
  the range and the direction.
"""
from __future__ import annotations

import textwrap
from typing import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter

from sosrap.indicators import funnel, stats
from sosrap.indicators.wording import trend_word
from sosrap.report import fmt
from sosrap.report.wording import t
from sosrap.report.fmt import NBSP as NB  # noqa: F401  (notebooks' name)
from sosrap.report.theme import (ALERT, CONTEXT, COUNTRY, DPI, FIGSIZE, HIGHLIGHT, OKABE_ITO,  # noqa: F401
                                 SOURCE_FONTSIZE, WARN, FiFormatter, fi_axis, png_bytes, setup, show,
                                 source_line, years_axis)


def source_text(producers: Iterable[str], retrieved: str, synthetic: bool = False) -> str:
    """'Lähde: THL Sotkanet – Työ- ja elinkeinoministeriö (TEM), haettu 2.6.2025.' (+ a synthetic-data warning)."""
    ps = ", ".join(sorted(set(str(p) for p in producers if p)))
    text = t("fig.source", producers=ps, retrieved=retrieved) if ps else t("fig.source_bare", retrieved=retrieved)
    return f"{text}. {t('common.synthetic')}" if synthetic else text + "."


def _short(title: str, width: int = 60, lines: int = 2) -> str:
    return "\n".join(textwrap.wrap(title, width, max_lines=lines, placeholder="…"))


def _finish(fig, source: str, bottom: float = 0.07, top: float = 1.0) -> None:
    source_line(fig, source)
    fig.tight_layout(rect=(0, bottom, 1, top))


def _short_name(name: str) -> str:
    """Chart label: the catalogue's long county word replaced by its short form ('<X>n hyvinvointialue'
    → '<X>n hva', the common abbreviation; '<X>s välfärdsområde' → '<X>s välfärdsomr.')."""
    return name.replace(t("fig.county_long"), t("fig.county_short"))


# --------------------------------------------------------------------------------------------------------------
# Trend figure
# --------------------------------------------------------------------------------------------------------------

def _peer_band(ax, k: pd.DataFrame, years: list[int]) -> list:
    """The other wellbeing counties' min–max band; its legend handle (none without peers)."""
    peers = k[(k.role == "peer")].dropna(subset=["value"]).groupby("year")["value"].agg(["min", "max"])
    if peers.empty:
        return []
    peers = peers.reindex(years)  # gaps stay gaps
    ax.fill_between(peers.index, peers["min"], peers["max"], color=CONTEXT, alpha=0.35, lw=0)
    return [plt.Rectangle((0, 0), 1, 1, color=CONTEXT, alpha=0.35, label=t("fig.peers"))]


def _gap_marks(ax, k: pd.DataFrame, years: list[int]) -> None:
    """A grey "ei tietoa" band on every year without a published value."""
    gaps = [y for y in years if k[(k.year == y) & k.value.notna()].empty]
    for y in gaps:
        ax.axvspan(y - 0.4, y + 0.4, color="#F2F2F2", zorder=0, lw=0)
        ax.text(y, 0.02, t("common.na"), rotation=90, ha="center", va="bottom", fontsize=7, color="#777777",
                transform=ax.get_xaxis_transform())


def _trend_panel(ax, k: pd.DataFrame, years: list[int], *, show_ci: bool, show_peers: bool) -> list:
    vt = str(k.value_type.iloc[0])
    handles = _peer_band(ax, k, years) if show_peers else []
    for role, colour, lw, marker, z in (("country", COUNTRY, 1.5, "s", 3), ("area", HIGHLIGHT, 2.4, "o", 4)):
        r = k[k.role == role]
        if r.empty:
            continue
        s = r.set_index("year").sort_index().reindex(years)
        if show_ci and role == "area" and "ci_low" in s and s["ci_low"].notna().any():
            ax.fill_between(s.index, s["ci_low"], s["ci_high"], color=colour, alpha=0.18, lw=0, zorder=z - 1)
        ax.plot(s.index, s["value"], color=colour, lw=lw, marker=marker, ms=3.5, zorder=z)
        label = t("common.country") if role == "country" else _short_name(str(r.region_name.iloc[0]))
        handles.append(Line2D([], [], color=colour, lw=lw, marker=marker, ms=3.5, label=label))
    if show_ci and "ci_low" in k and k.loc[k.role == "area", "ci_low"].notna().any():
        handles.append(plt.Rectangle((0, 0), 1, 1, color=HIGHLIGHT, alpha=0.18, label=t("common.ci_text")))
    _gap_marks(ax, k, years)
    two = ax.get_subplotspec().get_gridspec().ncols > 1
    ax.set_title(_short(str(k.indicator_title.iloc[0]), 38 if two else 85, 3 if two else 2), fontsize=8.5)
    ax.set_ylabel(fmt.unit_label(vt))
    fi_axis(ax, "y", None)
    years_axis(ax, years)
    ax.set_ylim(bottom=0)
    return handles


def trend_figure(table: pd.DataFrame, keys: str | Sequence[str], *, source: str, show_ci: bool = True,
                 show_peers: bool = True):
    """One panel per indicator key: the area (with its 95 % interval when counts
    exist), Koko maa, and the other wellbeing counties' range. Missing years are
    gaps, marked "ei tietoa", never joined.

    *table* is the tidy indicator table, ideally after `stats.add_rates`.
    """
    setup()
    keys = [keys] if isinstance(keys, str) else list(keys)
    if "ci_low" not in table.columns:
        table = stats.add_rates(table)
    fig, axes = plt.subplots(1, len(keys), figsize=FIGSIZE, squeeze=False)
    handles: list = []
    for ax, key in zip(axes[0], keys):
        k = table[table.key == key]
        if k.empty:
            raise KeyError(f"no indicator with key {key!r} in the table")
        years = list(range(int(k.year.min()), int(k.year.max()) + 1))
        h = _trend_panel(ax, k, years, show_ci=show_ci, show_peers=show_peers)
        if len(h) > len(handles):
            handles = h
    _finish(fig, source, bottom=_trend_legend(fig, handles))
    return fig


def _too_wide(fig, legend) -> bool:
    """Whether *legend* is clearly wider than the figure (longer labels: a Swedish area name is 8 %
    over; the Finnish labels of the demo fill the width to within half a percent and stay on one row)."""
    try:
        renderer = fig.canvas.get_renderer()
    except AttributeError:          # a backend without one: keep the one-row legend
        return False
    return legend.get_window_extent(renderer).width > fig.bbox.width * 1.01


def _trend_legend(fig, handles: list) -> float:
    """The legend under the panels in one row, or in two when one row does not fit; the space it needs."""
    legend = fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), bbox_to_anchor=(0.5, 0.06),
                        fontsize=8)
    if not _too_wide(fig, legend):
        return 0.15
    legend.remove()
    fig.legend(handles=handles, loc="lower center", ncol=2, bbox_to_anchor=(0.5, 0.06), fontsize=8)
    return 0.2


def alt_trend(table: pd.DataFrame, keys: str | Sequence[str], trends: pd.DataFrame | None = None) -> str:
    """Alt text of `trend_figure`: what is shown, the area's and the country's first and
    latest values, the peers' latest range, the trend direction, and gaps."""
    keys = [keys] if isinstance(keys, str) else list(keys)
    parts = []
    for key in keys:
        k = table[table.key == key]
        vt, dec = str(k.value_type.iloc[0]), int(k.decimals.iloc[0])
        area = k[(k.role == "area")].dropna(subset=["value"]).sort_values("year")
        country = k[(k.role == "country")].dropna(subset=["value"]).sort_values("year")
        s = f"{k.indicator_title.iloc[0]}"
        if not area.empty:
            s += t("fig.alt_trend_area", name=str(area.region_name.iloc[0]),
                   first=fmt.value(area.value.iloc[0], vt, dec), first_year=int(area.year.iloc[0]),
                   last=fmt.value(area.value.iloc[-1], vt, dec), last_year=int(area.year.iloc[-1]))
            if trends is not None:
                tr = trends[(trends.key == key) & (trends.role == "area")]
                if len(tr):
                    s += t("fig.alt_trend_direction", word=trend_word(tr.direction.iloc[0]))
        if not country.empty:
            s += t("fig.alt_trend_country", first=fmt.value(country.value.iloc[0], vt, dec),
                   last=fmt.value(country.value.iloc[-1], vt, dec))
        peers = k[(k.role == "peer") & (k.year == (area.year.max() if len(area) else k.year.max()))].value.dropna()
        if len(peers):
            s += t("fig.alt_trend_peers", range=fmt.interval(peers.min(), peers.max(), vt, dec))
        years = range(int(k.year.min()), int(k.year.max()) + 1)
        gaps = [y for y in years if k[(k.year == y) & k.value.notna() & (k.role == "area")].empty]
        if gaps:
            s += t("fig.alt_trend_gaps", years=fmt.years(gaps))
        parts.append(s + ".")
    y0, y1 = int(table[table.key.isin(keys)].year.min()), int(table[table.key.isin(keys)].year.max())
    return t("fig.alt_trend", first=y0, last=y1) + " ".join(parts)


# --------------------------------------------------------------------------------------------------------------
# Funnel plot
# --------------------------------------------------------------------------------------------------------------

def _thousands_axis(ax, axis: str = "x") -> None:
    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.number(v, 0)))
    a.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))


def funnel_figure(units: pd.DataFrame, info: dict, *, source: str, unit_word: str = "",
                  label_all: bool = False):
    """Funnel plot of `funnel.funnel_data` output: each unit's rate against its
    denominator (log scale), the target line, and the 95 % and 99,8 % control
    limits. Only units beyond the 99,8 % limits are named (plus the largest
    unit, for orientation), so small areas are not singled out on noise.
    """
    setup()
    vt, dec = info["value_type"], info["decimals"]
    kind = t("fig.random_effects") if info.get("limits") == "random_effects" else ""
    fig, ax = plt.subplots(figsize=FIGSIZE)
    u = units.dropna(subset=["value", "denominator"])
    if u.empty or not info.get("has_counts", False) or not np.isfinite(info["target"]):
        ax.text(0.5, 0.5, t("fig.funnel_impossible"), ha="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        _finish(fig, source)
        return fig
    lo_n = max(float(u.denominator.min()) * 0.7, 10.0)
    hi_n = float(u.denominator.max()) * 1.4
    grid = np.unique(np.round(np.geomspace(lo_n, hi_n, 160)))
    if info.get("limits") == "random_effects":
        lim = funnel.random_effects_limits(info["target"], grid, vt, info["tau2"])
    else:
        lim = funnel.funnel_limits(info["target"], grid, vt)
    ax.plot(lim.denominator, lim["hi_99.8"], color=COUNTRY, lw=1.1, ls="-")
    ax.plot(lim.denominator, lim["lo_99.8"], color=COUNTRY, lw=1.1, ls="-")
    ax.plot(lim.denominator, lim["hi_95"], color=COUNTRY, lw=0.9, ls="--")
    ax.plot(lim.denominator, lim["lo_95"], color=COUNTRY, lw=0.9, ls="--")
    ax.axhline(info["target"], color=HIGHLIGHT, lw=1.6)
    styles = {
        funnel.ABOVE_998: (ALERT, "^", 42), funnel.BELOW_998: (ALERT, "v", 42),
        funnel.ABOVE_95: (WARN, "D", 26), funnel.BELOW_95: (WARN, "D", 26),
        funnel.WITHIN: ("#7F7F7F", "o", 26),
    }
    for flag, (colour, marker, size) in styles.items():
        g = u[u.flag == flag]
        if len(g):
            ax.scatter(g.denominator, g.value, s=size, color=colour, marker=marker, zorder=5,
                       edgecolor="white", linewidth=0.5)
    area = u[u.role == "area"] if "role" in u else u.iloc[0:0]
    if len(area):   # the report's own area among the units: a blue ring, always named
        ax.scatter(area.denominator, area.value, s=110, facecolor="none", edgecolor=HIGHLIGHT, linewidth=2,
                   zorder=6)
    # every flagged unit is named (the text names them too), plus the area itself
    named = u[u.flag.isin([funnel.ABOVE_998, funnel.BELOW_998])] if not label_all else u
    named = pd.concat([named, area])
    biggest = u.loc[[u.denominator.idxmax()]]
    for r in pd.concat([named, biggest]).drop_duplicates("region_id").itertuples():
        ax.annotate(_short_name(str(r.region_name)), (r.denominator, r.value), xytext=(4, 3),
                    textcoords="offset points", fontsize=7.5, color="#333333")
    ax.set_xscale("log")
    _thousands_axis(ax, "x")
    ax.set_xlabel(t("fig.funnel_x"))
    ax.set_ylabel(fmt.unit_label(vt))
    fi_axis(ax, "y", None)
    # Zoom to the data: the limits of tiny denominators would otherwise squash the points.
    lo_v, hi_v = min(float(u.value.min()), info["target"]), max(float(u.value.max()), info["target"])
    pad = max((hi_v - lo_v) * 0.25, info["target"] * 0.1)
    ax.set_ylim(max(lo_v - pad, 0.0), hi_v + pad)
    ax.set_title(f"{_short(info['indicator_title'], 95, 1)}, {info['year']}", fontsize=8.5)
    handles = [
        Line2D([], [], color=HIGHLIGHT, lw=1.6,
               label=f"{_short_name(info['target_name'])} {fmt.value(info['target'], vt, dec)}"),
        Line2D([], [], color=COUNTRY, lw=0.9, ls="--", label=t("fig.limits_95", kind=kind)),
        Line2D([], [], color=COUNTRY, lw=1.1, label=t("fig.limits_998", kind=kind)),
        Line2D([], [], color=ALERT, marker="^", lw=0, label=t("fig.above_998")),
        Line2D([], [], color=ALERT, marker="v", lw=0, label=t("fig.below_998")),
        Line2D([], [], color=WARN, marker="D", lw=0, ms=4, label=t("fig.possible")),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, bbox_to_anchor=(0.5, 0.07), fontsize=7)
    _finish(fig, source, bottom=0.3)
    return fig


def alt_funnel(units: pd.DataFrame, info: dict, unit_plural: str | None = None) -> str:
    """Alt text of `funnel_figure`: how many units, the target, the value range, and who is beyond the limits."""
    vt, dec = info["value_type"], info["decimals"]
    u = units.dropna(subset=["value"])
    s = t("fig.alt_funnel", title=info["indicator_title"], year=info["year"], n=len(u),
          units=unit_plural or t("fig.municipalities"), target=fmt.value(info["target"], vt, dec),
          target_name=str(info["target_name"]))
    if info.get("limits") == "random_effects":
        s += t("fig.alt_funnel_random", phi=fmt.number(info["phi"], 1))
    if info.get("leave_out"):
        s += t("fig.alt_funnel_leave_out")
    if len(u):
        lo, hi = u.loc[u.value.idxmin()], u.loc[u.value.idxmax()]
        s += t("fig.alt_funnel_range", lo=fmt.value(lo.value, vt, dec), lo_name=str(lo.region_name),
               hi=fmt.value(hi.value, vt, dec), hi_name=str(hi.region_name))
    above = u[u.flag == funnel.ABOVE_998].region_name.map(str).tolist()
    below = u[u.flag == funnel.BELOW_998].region_name.map(str).tolist()
    if above:
        s += t("fig.alt_higher", names=fmt.join(above))
    if below:
        s += t("fig.alt_lower", names=fmt.join(below))
    if not above and not below:
        s += t("fig.alt_none_differ")
    if info.get("n_missing"):
        s += t("fig.alt_missing", n=info["n_missing"])
    return s


# --------------------------------------------------------------------------------------------------------------
# Ranked interval chart
# --------------------------------------------------------------------------------------------------------------

def _reference_line(ax, r: pd.DataFrame, vt: str, decimals: int, label: str | None) -> None:
    """The reference (Koko maa / Hela landet) as a dashed vertical line, named at the top."""
    ref = r.reference.dropna()
    if len(ref):
        label = t("common.country") if label is None else label
        ax.axvline(float(ref.iloc[0]), color=COUNTRY, lw=1, ls="--")
        ax.text(float(ref.iloc[0]), 1.0, f" {label} {fmt.value(float(ref.iloc[0]), vt, decimals)}",
                transform=ax.get_xaxis_transform(), fontsize=7.5, va="bottom", color=COUNTRY)


def ranked_figure(ranked: pd.DataFrame, *, source: str, title: str = "", value_type: str | None = None,
                  decimals: int = 1, reference_label: str | None = None):
    """Dot-and-whisker chart of `funnel.ranked_table`: units in rank order, each with
    its 95 % interval (none for rate-only indicators), the area highlighted, and
    the reference (Koko maa) as a vertical line."""
    setup()
    r = ranked.dropna(subset=["value"]).iloc[::-1]
    vt = value_type or ""
    n = max(len(r), 1)
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], 1.3 + 0.2 * n))
    y = np.arange(len(r))
    colours = [HIGHLIGHT if role == "area" else "#555555" for role in r.role]
    has_ci = r.ci_low.notna()
    ax.hlines(y[has_ci.to_numpy()], r.ci_low[has_ci], r.ci_high[has_ci],
              color=[c for c, h in zip(colours, has_ci) if h], lw=1.6)
    ax.scatter(r.value, y, color=colours, s=[34 if role == "area" else 18 for role in r.role], zorder=3)
    _reference_line(ax, r, vt, decimals, reference_label)
    ax.set_yticks(y)
    ax.yaxis.set_major_locator(FixedLocator(y))
    labels = ax.set_yticklabels([_short_name(str(x)) for x in r.region_name], fontsize=7.5)
    for lab, role in zip(labels, r.role):
        if role == "area":
            lab.set_color(HIGHLIGHT)
            lab.set_fontweight("bold")
    ax.grid(axis="x", color="#DDDDDD")
    ax.grid(axis="y", visible=False)
    fi_axis(ax, "x", None)
    ax.set_xlabel(t("fig.ranked_x" if has_ci.any() else "fig.ranked_x_none", unit=fmt.unit_label(vt)))
    if title:
        ax.set_title(_short(title, 95, 2), fontsize=8.5, pad=14)
    ax.set_ylim(-0.7, len(r) - 0.3)
    _finish(fig, source, bottom=0.05 if n > 10 else 0.09)
    return fig


def alt_ranked(ranked: pd.DataFrame, *, title: str, value_type: str, decimals: int = 1,
               unit_plural: str | None = None) -> str:
    """Alt text of `ranked_figure`: units, range, the area's rank and its interval."""
    r = ranked.dropna(subset=["value"])
    if r.empty:
        return t("fig.alt_ranked_empty", title=title)
    vt, dec = value_type, decimals
    top, bottom = r.iloc[0], r.iloc[-1]
    s = t("fig.alt_ranked", title=title, year=int(r.year.iloc[0]), n=len(r), units=unit_plural or t("fig.areas"),
          ci=t("fig.alt_ranked_ci") if r.ci_low.notna().any() else "", top=fmt.value(top.value, vt, dec),
          top_name=str(top.region_name), bottom=fmt.value(bottom.value, vt, dec), bottom_name=str(bottom.region_name))
    a = r[r.role == "area"]
    if len(a):
        x = a.iloc[0]
        s += t("fig.alt_ranked_area", name=str(x.region_name), rank=int(x["rank"]), n=len(r),
               value=fmt.value(x.value, vt, dec))
        if np.isfinite(x.ci_low):
            s += f" ({t('common.ci_text')} {fmt.interval(x.ci_low, x.ci_high, vt, dec + 1)})"
        s += "."
    ref = r.reference.dropna()
    if len(ref):
        s += t("fig.alt_ranked_country", value=fmt.value(float(ref.iloc[0]), vt, dec))
    return s


# --------------------------------------------------------------------------------------------------------------
# One call per report figure (what the stage notebooks use): (figure, alt text)
# --------------------------------------------------------------------------------------------------------------

def source_for(rows: pd.DataFrame, retrieved: str, synthetic: bool = False) -> str:
    """The source line for exactly the rows drawn: their producers and the retrieval date."""
    text = source_text(rows.producer if "producer" in rows else [], retrieved, False)
    return f"{text}\n{t('common.synthetic')}" if synthetic else text


def theme_trend(table: pd.DataFrame, theme: str, *, retrieved: str, synthetic: bool = False,
                trends: pd.DataFrame | None = None):
    """Trend figure of every indicator of *theme* → (figure, alt text)."""
    rows = table[table.theme == theme]
    if rows.empty:
        raise KeyError(f"no indicators of theme {theme!r} in the table")
    keys = list(rows.key.drop_duplicates())
    fig = trend_figure(table, keys, source=source_for(rows, retrieved, synthetic))
    return fig, alt_trend(table, keys, trends)


def municipality_funnel(table: pd.DataFrame, key: str, *, retrieved: str, synthetic: bool = False,
                        year: int | None = None):
    """Funnel plot of the area's municipalities against the area's own level, latest year → (figure, alt)."""
    units, info = funnel.funnel_data(table, key, role="municipality", target_role="area", year=year)
    rows = table[table.key == key]
    fig = funnel_figure(units, info, source=source_for(rows, retrieved, synthetic))
    return fig, alt_funnel(units, info, t("fig.municipalities"))


def county_funnel(table: pd.DataFrame, key: str, *, retrieved: str, synthetic: bool = False,
                  year: int | None = None):
    """Funnel plot of all wellbeing counties (the area ringed) against Koko maa → (figure, alt)."""
    units, info = funnel.funnel_data(table, key, role=("area", "peer"), target_role="country", year=year)
    rows = table[table.key == key]
    fig = funnel_figure(units, info, source=source_for(rows, retrieved, synthetic))
    return fig, alt_funnel(units, info, t("fig.counties"))


def county_ranking(table: pd.DataFrame, key: str, *, retrieved: str, synthetic: bool = False,
                   year: int | None = None):
    """Ranked interval chart of the wellbeing counties, Koko maa as reference → (figure, alt)."""
    ranked = funnel.ranked_table(table, key, roles=("area", "peer"), year=year)
    rows = table[table.key == key]
    vt, dec = str(rows.value_type.iloc[0]), int(rows.decimals.iloc[0])
    title = f"{rows.indicator_title.iloc[0]}, {int(ranked.year.iloc[0])}"
    fig = ranked_figure(ranked, source=source_for(rows, retrieved, synthetic), title=title, value_type=vt,
                        decimals=dec)
    return fig, alt_ranked(ranked, title=title, value_type=vt, decimals=dec, unit_plural=t("fig.counties"))
