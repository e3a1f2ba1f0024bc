"""One visual theme for every figure in the report.

Colour-blind-safe palette (Okabe–Ito), the report's own area always in the
same highlight colour, Finnish number formats on axes, a source line under
each figure, a fixed size and DPI so identical data give identical bytes.
"""
from __future__ import annotations

from typing import Iterable

import matplotlib

# No matplotlib.use("Agg") here: in a kernel the inline backend must stay, or
# figures never become cell outputs; headless scripts get Agg by default.
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from . import fmt  # noqa: E402

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HIGHLIGHT = "#0072B2"   # the report's area
COUNTRY = "#4D4D4D"     # Koko maa
CONTEXT = "#B3B3B3"     # other areas
FIGSIZE = (7.0, 3.8)    # inches; at DPI 110 → 770 px wide, sharp at 100 % zoom
DPI = 110


def setup() -> None:
    """Apply the theme (call once per notebook; idempotent)."""
    plt.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.color": "#DDDDDD",
        "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
        "legend.frameon": False,
        "svg.hashsalt": "sosrap",
        "path.simplify": True,
    })


def fi_axis(ax, axis: str = "y", decimals: int = 1) -> None:
    """Finnish decimal comma on an axis."""
    f = FuncFormatter(lambda v, _pos: fmt.number(v, decimals))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)


def source_line(fig, text: str) -> None:
    """Producer and retrieval date under the figure."""
    fig.text(0.01, 0.01, text, ha="left", va="bottom", fontsize=7.5, color="#555555")


def years_axis(ax, years: Iterable[int]) -> None:
    ys = sorted(set(int(y) for y in years))
    ax.set_xticks(ys)
    ax.set_xticklabels([str(y) if (y - ys[0]) % 2 == 0 or len(ys) <= 6 else "" for y in ys])
