"""Report blocks → the generated `_indicators.qmd` (sosrap.report.blocks): standard Quarto syntax."""
from __future__ import annotations

import pytest

from sosrap.errors import SosrapError
from sosrap.report import blocks as B


def _b(kind, section, order, **kw):
    return {"kind": kind, "section": section, "title": section.title(), "order": order, **kw}


def test_sections_in_order_with_figures_tables_notes_and_interpretation(tmp_path):
    per_stage = [
        (tmp_path / "trends", [_b("text", "b", 2, text="B text"), _b("text", "a", 1, text="A text"),
                               _b("fig", "a", 1, label="fig-a", caption="Cap", alt='Alt "q"', file="figures/fig-a.png")]),
        (tmp_path / "comparison", [_b("tbl", "a", 1, label="tbl-a", caption="T", columns=["K", "V|x"],
                                      rows=[["Oulu", "1,0 %"]], aligns=["left", "right"]),
                                   _b("note", "", 0, text="Huom.")]),
    ]
    merged = B.merged(per_stage)
    md = B.chapter_markdown(merged, {"a"})
    assert md.index("Huom.") < md.index("## A {#sec-a}") < md.index("A text") < md.index("![Cap]") \
        < md.index("::: {#tbl-a}") < md.index("## B {#sec-b}")
    assert "{{< include /tulkinta/a.qmd >}}" in md and "tulkinta/b.qmd" not in md
    assert '![Cap](_figures/fig-a.png){#fig-a fig-alt="Alt \\"q\\""}' in md
    assert "| K | V\\|x |\n|:---|---:|\n| Oulu | 1,0 % |\n\nT\n:::" in md
    assert "::: {.callout-note}\nHuom.\n:::" in md
    assert B.figure_files(merged) == {"fig-a.png": tmp_path / "trends" / "figures/fig-a.png"}


def test_labels_are_quarto_labels_and_unique():
    assert B.label("fig-kunnat", "koulutuksen_ulkopuolella") == "fig-kunnat-koulutuksen-ulkopuolella"
    with pytest.raises(SosrapError, match="fig-x"):
        B.check_unique([{"label": "fig-x"}, {"label": "fig-x"}])
