"""The report's one visual theme, for every figure of every stage.

* Colour-blind-safe palette (Okabe–Ito); the report's own area always in the
  same blue (`HIGHLIGHT`), Koko maa dark grey, other areas light grey; colour is
  never the only cue (line widths, markers and labels differ too).
* Finnish axis labels and number formats (`sosrap.report.fmt`: decimal comma,
  NBSP thousands separator).
* Fixed width (`FIGSIZE`, 7 in ≈ A4 text width) and `DPI` 110 (770 px: sharp at
  100 % zoom, fine in print); fonts ≥ 7,5 pt.
* Deterministic bytes: identical data → identical PNG (no timestamps, no
  random ids; `png_bytes` strips the software tag; in a notebook `setup()`
  turns off the inline backend's "tight" cropping so the size is fixed).
* `show` makes a figure a cell's one PNG output with its data-driven alt text.
"""
from __future__ import annotations

import base64
import io
from typing import Iterable

import matplotlib

# No matplotlib.use("Agg") here: in a kernel the inline backend must stay, or
# figures never become cell outputs; headless scripts get Agg by default.
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import Formatter  # noqa: E402

from sosrap import timing  # noqa: E402
from sosrap.report import fmt  # noqa: E402

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HIGHLIGHT = "#0072B2"   # the report's area (Okabe–Ito blue)
COUNTRY = "#4D4D4D"     # Koko maa
CONTEXT = "#B3B3B3"     # other areas
ALERT = "#D55E00"       # beyond the 99,8 % control limit (Okabe–Ito vermillion)
WARN = "#E69F00"        # beyond the 95 % limit (Okabe–Ito orange)
FIGSIZE = (7.0, 3.8)    # inches; at DPI 110 → 770 px wide, sharp at 100 % zoom
DPI = 110
SOURCE_FONTSIZE = 7.5

_RC = {
    "figure.figsize": FIGSIZE,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.family": "DejaVu Sans",   # ships with matplotlib: same glyphs (−, ‰, NBSP) everywhere
    "font.size": 9.5,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.7,
    "legend.frameon": False,
    "svg.hashsalt": "sosrap",
    "path.simplify": True,
    "axes.formatter.use_locale": False,
}


def setup() -> None:
    """Apply the theme (call once per notebook; idempotent).

    Uses seaborn's "ticks" style as the base, then the report's own settings.
    In a Jupyter kernel it also makes inline PNGs fixed-size (no tight
    cropping, which would make the size depend on label lengths).
    """
    import seaborn as sns

    sns.set_theme(context="notebook", style="ticks", palette=OKABE_ITO, rc=_RC)
    plt.rcParams.update(_RC)
    plt.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=OKABE_ITO)
    _inline_fixed_size()


def _inline_fixed_size() -> None:
    try:
        from IPython import get_ipython
        if get_ipython() is None:
            return
        from matplotlib_inline.backend_inline import set_matplotlib_formats
        set_matplotlib_formats("png", bbox_inches=None, metadata={"Software": None})
    except Exception:  # noqa: BLE001 — no IPython / other backend: nothing to configure
        return


class FiFormatter(Formatter):
    """Tick labels with a decimal comma; with *decimals* None, as many decimals as
    the tick step needs (0,5 steps → one decimal), the same on every tick."""

    def __init__(self, decimals: int | None = None):
        self.decimals = decimals
        self._auto = 0

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        self._auto = 0
        xs = [float(x) for x in locs if np.isfinite(x)]
        for d in range(0, 4):
            if all(abs(round(x, d) - x) < 1e-9 * max(1.0, abs(x)) for x in xs):
                self._auto = d
                break
        else:
            self._auto = 3

    def __call__(self, x, pos=None) -> str:
        return fmt.number(x, self._auto if self.decimals is None else self.decimals)


def fi_axis(ax, axis: str = "y", decimals: int | None = 1) -> None:
    """Finnish decimal comma (and NBSP thousands) on an axis; *decimals* None = as the ticks need."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FiFormatter(decimals))


def source_line(fig, text: str) -> None:
    """Producer and retrieval date under the figure (bottom left, small grey)."""
    fig.text(0.01, 0.012, text, ha="left", va="bottom", fontsize=SOURCE_FONTSIZE, color="#555555",
             wrap=True)


def years_axis(ax, years: Iterable[int]) -> None:
    """Every year a tick; labels every other year when there are many."""
    ys = sorted(set(int(y) for y in years))
    if not ys:
        return
    ax.set_xticks(ys)
    ax.set_xticklabels([str(y) if (y - ys[0]) % 2 == 0 or len(ys) <= 6 else "" for y in ys])
    ax.set_xlim(ys[0] - 0.4, ys[-1] + 0.4)


def png_bytes(fig) -> bytes:
    """The figure as PNG bytes, identical for identical data (no software tag, fixed size and DPI)."""
    buf = io.BytesIO()
    with timing.phase("render"):
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def figure_data_csv(fig) -> str:
    """The data a figure plots, as CSV (``axes,series,x,y``; one row per
    point), read back from matplotlib: lines, bars and scatter points (bands
    such as confidence intervals are not rows).  The report offers it as the
    figure's download."""
    import csv

    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["axes", "series", "x", "y"])
    for n, ax in enumerate(fig.get_axes(), 1):
        title = ax.get_title() or str(n)
        out.writerows([title, *row] for row in _axes_rows(ax))
    return buf.getvalue()


def _ticks(positions, labels) -> dict:
    return {round(float(t), 6): lbl.get_text() for t, lbl in zip(positions, labels)}


def _name(artist, kind: str, k: int) -> str:
    label = str(artist.get_label())
    return label if label and not label.startswith("_") else f"{kind} {k}"


def _axes_rows(ax) -> list[list[str]]:
    """(series, x, y) rows of one axes."""
    from matplotlib.collections import PathCollection

    xt, yt = _ticks(ax.get_xticks(), ax.get_xticklabels()), _ticks(ax.get_yticks(), ax.get_yticklabels())
    rows = []
    for k, line in enumerate(ax.get_lines(), 1):
        rows += [[_name(line, "line", k), _fmt(x, xt), _fmt(y)] for x, y in zip(line.get_xdata(), line.get_ydata())]
    for k, bars in enumerate(ax.containers, 1):
        horizontal = getattr(bars, "orientation", "vertical") == "horizontal"
        for r in getattr(bars, "patches", []):
            if horizontal:
                rows.append([_name(bars, "bars", k), _fmt(r.get_x() + r.get_width()),
                             _fmt(r.get_y() + r.get_height() / 2, yt)])
            else:
                rows.append([_name(bars, "bars", k), _fmt(r.get_x() + r.get_width() / 2, xt),
                             _fmt(r.get_y() + r.get_height())])
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    for k, coll in enumerate(points, 1):
        rows += [[_name(coll, "points", k), _fmt(x, xt), _fmt(y, yt)] for x, y in coll.get_offsets()]
    return rows


def _fmt(value, ticks: dict | None = None) -> str:
    """A plotted coordinate: the category name at a tick, else the number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if ticks and round(number, 6) in ticks and ticks[round(number, 6)]:
        return ticks[round(number, 6)]
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    # Four significant digits: more than any published value has, and no long digit run
    # (a 0.970929 reads like a phone number to the audit, which treats the download as text).
    return f"{number:.4g}"


def show(fig, alt: str = "", caption: str = "", *, png: bytes | None = None, data: str | None = None) -> None:
    """Display *fig* as the cell's one PNG output and close it (no second copy from the inline backend).

    The data-driven *alt* text, the *caption* in the report's language and the
    plotted data as CSV (`figure_data_csv`) travel in the output's metadata
    (``{"image/png": {"alt": …, "caption": …, "csv": …}}``) so the notebook (the
    audit trail) records them and a renderer can use them: the report offers the
    CSV as the figure's download; the report's `#| fig-alt:` / `#| fig-cap:` cell
    options stay the static fallback. Outside a notebook this is a no-op apart
    from closing.

    *png* and *data*: the figure's `png_bytes` and CSV when the caller made them
    already (`StageContext.save_figure`): the output is the same bundle the
    inline backend would publish, without rendering the figure a second time.
    """
    try:
        from IPython import get_ipython
        from IPython.display import display
        if get_ipython() is not None:
            meta = {"csv": figure_data_csv(fig) if data is None else data}
            if alt:
                meta["alt"] = alt
            if caption:
                meta["caption"] = caption
            if png is None:
                with timing.phase("render"):
                    display(fig, metadata={"image/png": meta})
            else:
                bundle = {"text/plain": repr(fig), "image/png": base64.b64encode(png).decode("ascii")}
                display(bundle, raw=True, metadata={"image/png": meta})
    finally:
        plt.close(fig)
