"""Tables as notebook outputs that embed cleanly into the report.

`show()` displays a DataFrame as a plain, deterministic HTML table (no index,
no random ids — pandas Styler adds uuids), which the renderer turns into a
real document table (so it survives into DOCX and PDF too).

Each column is aligned by its content: numbers (as formatted for the report,
e.g. "12,3 %", "1 234", "5,4 ‰", the suppression marker "x" or "–") line up
on the right, text on the left. The alignment is written on the cells, where
pandoc reads it, so HTML, DOCX and PDF agree.
"""
from __future__ import annotations

import html as _html
import re

import pandas as pd

#: what a number as the report shows it is made of: digits with (non-breaking)
#: spaces, decimal comma, sign, unit, an interval "5,1–6,0 %" or a rank "3/23"
_NUMBER = re.compile(r"^[\d\s\u00a0\u202f,.%‰€–\-−+/()]*\d[\d\s\u00a0\u202f,.%‰€–\-−+/()]*$")
_MARKERS = {"", "x", "–", "-", "..", "...", "."}
NA = "–"


def _text(v) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return NA
    return str(v)


def column_alignment(values) -> str:
    """'right' when every non-marker value reads as a number, else 'left'."""
    seen = False
    for v in values:
        s = _text(v).strip()
        if s in _MARKERS:
            continue
        if not _NUMBER.match(s):
            return "left"
        seen = True
    return "right" if seen else "left"


def html(df: pd.DataFrame) -> str:
    """*df* as an HTML table string: header row, one aligned cell per value."""
    cols = [str(c) for c in df.columns]
    aligns = [column_alignment(df.iloc[:, i]) for i in range(len(cols))]
    out = ['<table class="sosrap-table">', "<thead>", "<tr>"]
    out += [f'<th style="text-align: {a};">{_html.escape(c)}</th>' for c, a in zip(cols, aligns)]
    out += ["</tr>", "</thead>", "<tbody>"]
    for row in df.itertuples(index=False, name=None):
        out.append("<tr>" + "".join(f'<td style="text-align: {a};">{_html.escape(_text(v))}</td>'
                                    for v, a in zip(row, aligns)) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def show(df: pd.DataFrame, caption: str = ""):
    """Display *df* as the cell's HTML output (formatted strings in, as shown).

    A *caption* (in the report's language, `sosrap.report.wording`) travels in the output's
    metadata (``{"text/html": {"caption": …}}``), where the renderer takes it over the cell's
    static ``#| tbl-cap:`` (the Finnish fallback Quarto reads)."""
    from IPython.display import HTML, display
    display(HTML(html(df)), metadata={"text/html": {"caption": caption}} if caption else None)
