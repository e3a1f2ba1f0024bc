"""The report's standard figures, drawn with the shared theme (`sosrap.plots`)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from . import fmt, plots


def source_text(table: pd.DataFrame, retrieved: str, synthetic: bool) -> str:
    """The source line under a figure: the producers of exactly the rows drawn."""
    producers = ", ".join(sorted(set(table.producer)))
    text = f"Lähde: THL Sotkanet ({producers}), haettu {retrieved}."
    return text + "\nSYNTEETTINEN ESIMERKKIAINEISTO – ei tilastotietoa." if synthetic else text


def _wrap(title: str, width: int) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(title, width)[:3])


def theme_trend(table: pd.DataFrame, theme: str, *, retrieved: str, synthetic: bool):
    """One panel per indicator of *theme*: the area, Koko maa, and the peer range (min–max)."""
    plots.setup()
    d = table[table.theme == theme]
    keys = list(d.key.drop_duplicates())
    source = source_text(d, retrieved, synthetic)
    fig, axes = plt.subplots(1, len(keys), figsize=(plots.FIGSIZE[0], plots.FIGSIZE[1]), squeeze=False)
    for ax, key in zip(axes[0], keys):
        k = d[d.key == key]
        peers = k[k.role == "peer"].groupby("year")["value"].agg(["min", "max"])
        if not peers.empty:
            ax.fill_between(peers.index, peers["min"], peers["max"], color=plots.CONTEXT, alpha=0.35, lw=0,
                            label="muut hyvinvointialueet (vaihteluväli)")
        for role, colour, label, lw in (("country", plots.COUNTRY, "Koko maa", 1.6),
                                        ("area", plots.HIGHLIGHT, k[k.role == "area"].region_name.iloc[0]
                                         if (k.role == "area").any() else "alue", 2.4)):
            s = k[k.role == role].set_index("year")["value"].sort_index()
            s = s.reindex(range(int(k.year.min()), int(k.year.max()) + 1))  # gaps stay gaps
            ax.plot(s.index, s.values, color=colour, lw=lw, marker="o", ms=3, label=label)
        vt = k.value_type.iloc[0]
        title = k.indicator_title.iloc[0]
        ax.set_title(_wrap(title, 48 if len(keys) > 1 else 90), fontsize=8.5, loc="left")
        ax.set_ylabel(fmt.unit_label(vt))
        plots.fi_axis(ax, "y", 1)
        plots.years_axis(ax, k.year)
        ax.set_ylim(bottom=0)
    axes[0][0].legend(loc="lower left", fontsize=8)
    plots.source_line(fig, source)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def peer_bars(table: pd.DataFrame, key: str, *, retrieved: str, synthetic: bool):
    """Latest year: every wellbeing county and Koko maa, the report's area highlighted."""
    plots.setup()
    k = table[(table.key == key) & table.role.isin(["area", "peer", "country"])].dropna(subset=["value"])
    source = source_text(k, retrieved, synthetic)
    year = int(k[k.role == "area"].year.max())
    latest = k[k.year == year].sort_values("value")
    colours = [plots.HIGHLIGHT if r == "area" else plots.COUNTRY if r == "country" else plots.CONTEXT
               for r in latest.role]
    fig, ax = plt.subplots(figsize=(plots.FIGSIZE[0], 5.2))
    ax.barh(latest.region_name.str.replace(" hyvinvointialue", ""), latest.value, color=colours)
    vt = latest.value_type.iloc[0]
    ax.set_xlabel(_wrap(f"{latest.indicator_title.iloc[0]} ({fmt.unit_label(vt)}), {year}", 90), fontsize=8.5)
    plots.fi_axis(ax, "x", 1)
    ax.grid(axis="x", color="#DDDDDD")
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", labelsize=8)
    plots.source_line(fig, source)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
