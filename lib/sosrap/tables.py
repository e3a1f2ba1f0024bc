"""Tables as notebook outputs that embed cleanly into the report.

`show()` displays a DataFrame as a plain, deterministic HTML table (no index,
no random ids — pandas Styler adds uuids), which the renderer turns into a
real document table (so it survives into DOCX and PDF too).
"""
from __future__ import annotations

import pandas as pd


def html(df: pd.DataFrame) -> str:
    return df.to_html(index=False, border=0, na_rep="–", escape=True, classes=["sosrap-table"], justify="left")


def show(df: pd.DataFrame):
    """Display *df* as the cell's HTML output (formatted strings in, as shown)."""
    from IPython.display import HTML, display
    display(HTML(html(df)))
