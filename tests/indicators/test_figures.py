"""The figure theme: deterministic bytes, fixed size, data-driven alt text, honest gaps."""
from __future__ import annotations

import os
import struct
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sosrap.indicators import figures as plots, funnel, stats  # noqa: E402

from support import ROOT, demo_table  # noqa: E402






@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return stats.add_rates(demo_table())


SRC = "Lähde: testi, haettu 2.6.2025."


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out, i = [], 8
    while i < len(png):
        (n,) = struct.unpack(">I", png[i:i + 4])
        out.append((png[i + 4:i + 8], png[i + 8:i + 8 + n]))
        i += 12 + n
    return out


def _size(png: bytes) -> tuple[int, int]:
    ihdr = dict(_chunks(png))[b"IHDR"]
    return struct.unpack(">II", ihdr[:8])


def _figures(table):
    yield plots.trend_figure(table, ["toimeentulotuki", "toimeentulotuki_pitkaaikainen"], source=SRC)
    units, info = funnel.funnel_data(table, "sijoitetut")
    yield plots.funnel_figure(units, info, source=SRC)
    yield plots.ranked_figure(funnel.ranked_table(table, "toimeentulotuki"), source=SRC, title="Testi",
                              value_type="PROS")


def test_identical_data_identical_bytes(table):
    first = [plots.png_bytes(f) for f in _figures(table)]
    plt.close("all")
    second = [plots.png_bytes(f) for f in _figures(table)]
    plt.close("all")
    assert first == second


def test_png_has_no_timestamp_or_software_tag(table):
    png = plots.png_bytes(next(_figures(table)))
    plt.close("all")
    kinds = [k for k, _ in _chunks(png)]
    assert b"tIME" not in kinds
    texts = b" ".join(d for k, d in _chunks(png) if k in (b"tEXt", b"iTXt", b"zTXt"))
    assert b"Software" not in texts and b"Date" not in texts


def test_fixed_size(table):
    figs = list(_figures(table))
    w, h = _size(plots.png_bytes(figs[0]))
    assert (w, h) == (round(plots.FIGSIZE[0] * plots.DPI), round(plots.FIGSIZE[1] * plots.DPI))
    assert _size(plots.png_bytes(figs[1]))[0] == w              # every figure has the same width
    plt.close("all")


def test_bytes_identical_across_processes(tmp_path):
    """Two fresh interpreters (different hash seeds) draw the same bytes."""
    script = (
        "import matplotlib; matplotlib.use('Agg'); import hashlib, sys\n"
        "sys.path[:0] = [%r, %r]\n"
        "from support import demo_table\n"
        "from sosrap.indicators import figures as plots, funnel, stats\n"
        "t = stats.add_rates(demo_table())\n"
        "u, i = funnel.funnel_data(t, 'sijoitetut')\n"
        "f = plots.funnel_figure(u, i, source='x')\n"
        "g = plots.trend_figure(t, 'kotihoito', source='x')\n"
        "print(hashlib.sha256(plots.png_bytes(f) + plots.png_bytes(g)).hexdigest())\n" % (str(ROOT / "tests" / "indicators"), str(ROOT / "tests")))
    out = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg"}
        r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
        out.append(r.stdout.strip())
    assert out[0] == out[1] and len(out[0]) == 64


def test_gap_year_is_marked_not_joined(table):
    fig = plots.trend_figure(table, "kotihoito", source=SRC)
    ax = fig.axes[0]
    assert any(t.get_text() == "ei tietoa" for t in ax.texts)
    area_line = [ln for ln in ax.lines if ln.get_color() == plots.HIGHLIGHT][0]
    x, y = area_line.get_data()
    assert 2016 in list(x) and pd.isna(list(y)[list(x).index(2016)])   # a NaN breaks the line
    plt.close(fig)


def test_source_line_under_figure(table):
    fig = plots.trend_figure(table, "toimeentulotuki", source=SRC)
    assert any(t.get_text() == SRC for t in fig.texts)
    plt.close(fig)


def test_alt_texts_describe_data(table):
    tr = stats.trends(table[table.key == "kotihoito"], roles=("area", "country"))
    alt = plots.alt_trend(table, "kotihoito", tr)
    assert alt.startswith("Viivakuvio vuosilta 2015–2024")
    word = stats.TREND_WORD_FI[tr[tr.role == "area"].direction.iloc[0]]     # the synthetic data decide it
    assert f"kehitys {word}" in alt and "tieto puuttuu vuodelta 2016" in alt
    assert "koko maa" in alt and "%" in alt
    units, info = funnel.funnel_data(table, "sijoitetut")
    alt = plots.alt_funnel(units, info)
    assert alt.startswith("Suppilokuvio") and "vaihtelevat välillä" in alt
    flagged = units[units.flag == funnel.ABOVE_998].region_name.tolist()
    assert all(n in alt for n in flagged)
    rt = funnel.ranked_table(table, "toimeentulotuki")
    alt = plots.alt_ranked(rt, title="Toimeentulotuki", value_type="PROS")
    assert "sijalla" in alt and "luottamusväli" in alt


def test_rate_only_indicator_has_no_interval_band(table):
    fig = plots.trend_figure(table, "pienituloisuus", source=SRC)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "95 %:n luottamusväli" not in labels
    plt.close(fig)
    units, info = funnel.funnel_data(table, "pienituloisuus")
    fig = plots.funnel_figure(units, info, source=SRC)          # says it cannot be drawn
    assert any("lukumääriä ei julkaista" in t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)


def test_finnish_tick_labels():
    f = plots.FiFormatter(None)
    f.set_locs([0.0, 0.5, 1.0])
    assert f(0.5) == "0,5" and f(1.0) == "1,0"
    f.set_locs([1000.0, 10000.0])
    assert f(10000.0) == "10\u00a0000"


def test_funnel_legend_has_both_markers_and_every_flagged_unit_is_named(table):
    """Issue 13 (8): ▲ and ▼ are both explained, every flagged unit is labelled, legends use NBSP."""
    from sosrap.indicators import funnel
    rated = stats.add_rates(table)
    for key in rated.key.unique():
        units, info = funnel.funnel_data(rated, key)
        flagged = units[units.flag.isin([funnel.ABOVE_998, funnel.BELOW_998])]
        if len(flagged):
            break
    fig = plots.funnel_figure(units, info, source="Lähde: testi.")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    markers = [h.get_marker() for h in fig.legends[0].legend_handles if hasattr(h, "get_marker")]
    assert "^" in markers and "v" in markers
    assert all("95 %" not in x and "99,8 %" not in x for x in legend)
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {plots._short_name(n) for n in flagged.region_name} <= labels
    if info["limits"] == "random_effects":
        assert any("satunnaisvaikutus" in x for x in legend)
    plt.close(fig)
