"""`sosrap.tables`: deterministic HTML tables whose columns align by content,
and that pandoc reads with those alignments (so DOCX and PDF agree)."""
from __future__ import annotations

import pandas as pd
import pypandoc

from sosrap.report import html_table as tables

DF = pd.DataFrame({"Alue": ["Oulu", "Ii <b>"], "Osuus": ["5,8 %", "x"], "Väli": ["5,1–6,0 %", "–"],
                   "Sija": ["3/23", "12/23"], "Väestö": ["212 345", None], "Huom": ["", "ei tietoa"]})


def test_numbers_right_text_left_markers_ignored():
    assert [tables.column_alignment(DF[c]) for c in DF] == ["left", "right", "right", "right", "right", "left"]
    assert tables.column_alignment(["x", "–", ""]) == "left"        # nothing but markers: text


def test_html_is_escaped_deterministic_and_missing_is_a_dash():
    out = tables.html(DF)
    assert out == tables.html(DF.copy())
    assert "Ii &lt;b&gt;" in out and "<b>" not in out
    assert '<td style="text-align: right;">–</td>' in out           # None → dash
    assert "id=" not in out and "uuid" not in out


def test_pandoc_reads_the_column_alignments():
    native = pypandoc.convert_text(tables.html(DF), "native", format="html")
    head = native[native.index("[ ( Align"):native.index("(TableHead")]
    assert head.count("AlignLeft") == 2 and head.count("AlignRight") == 4
