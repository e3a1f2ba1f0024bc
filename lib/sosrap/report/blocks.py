"""Report blocks: what a stage records for the generated indicator sections.

A stage notebook records, besides showing them (the audit trail), the pieces
of the report that depend on the edition's indicator list: a text paragraph,
a note, a figure (PNG with label, caption and alt text) or a table (rows of
formatted strings with label and caption). Each block belongs to a *section*
(a theme key, or "" for the text before the first theme) with a title and an
order. The build merges the blocks of every stage and writes them into one
generated include, `_indicators.qmd`, in standard Quarto syntax only:

    ## <theme title> {#sec-<theme>}
    ![caption](_figures/fig-kehitys-<theme>.png){#fig-kehitys-<theme> fig-alt="…"}
    ::: {#tbl-kunnat-x}
    | pipe | table |
    caption
    :::

so the same staged project renders under real Quarto and under sosrap's
pandoc engine, and adding or removing a theme or an indicator in params
changes the sections with no edit to any notebook or chapter. An editor's
interpretation of a section goes in `tulkinta/<section>.qmd` of the edition's
report folder; the generated section includes it after its heading.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable

from sosrap.errors import SosrapError

BLOCKS = "report_blocks.json"      # in a stage's run folder
FIGURES = "_figures"               # in the staged report
KINDS = ("text", "note", "fig", "tbl")
INTERPRETATION_DIR = "tulkinta"

_LABEL = re.compile(r"[^a-z0-9-]+")


def label(prefix: str, *parts: str) -> str:
    """A Quarto cross-reference label: lowercase letters, digits and hyphens ("fig-kehitys-x-y")."""
    tail = "-".join(_LABEL.sub("-", str(p).lower()).strip("-") for p in parts if str(p))
    return f"{prefix}-{tail}" if tail else prefix


def section_id(section: str) -> str:
    return label("sec", section) if section else ""


def read(run_dir: Path) -> list[dict]:
    """The blocks one stage recorded (none when it recorded none)."""
    p = Path(run_dir) / BLOCKS
    if not p.is_file():
        return []
    data = json.loads(p.read_text(encoding="utf-8"))
    for b in data:
        if b.get("kind") not in KINDS:
            raise SosrapError(f"{p}: block {b.get('id')!r} has unknown kind {b.get('kind')!r}")
    return data


def merged(per_stage: Iterable[tuple[Path, list[dict]]]) -> list[dict]:
    """All stages' blocks (each with the run folder its files are in), ordered by section order,
    then stage order, then recording order."""
    out = []
    for s, (run_dir, blocks) in enumerate(per_stage):
        for i, b in enumerate(blocks):
            out.append({**b, "_dir": str(run_dir), "_key": (int(b.get("order", 0)), s, i)})
    return sorted(out, key=lambda b: b["_key"])


def _attr(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cell(v: object) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def pipe_table(columns: list[str], rows: list[list[str]], aligns: list[str]) -> str:
    """A Markdown pipe table (Quarto and pandoc read it as a real table)."""
    sep = {"right": "---:", "left": ":---"}
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |",
             "|" + "|".join(sep.get(a, "---") for a in aligns) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def block_markdown(b: dict) -> str:
    kind = b["kind"]
    if kind == "text":
        return b["text"].strip()
    if kind == "note":
        return "::: {.callout-note}\n" + b["text"].strip() + "\n:::"
    if kind == "fig":
        return f"![{b['caption']}]({FIGURES}/{b['label']}.png){{#{b['label']} fig-alt={_attr(b['alt'])}}}"
    table = pipe_table(b["columns"], b["rows"], b["aligns"])
    return f"::: {{#{b['label']}}}\n{table}\n\n{b['caption']}\n:::"


def chapter_markdown(blocks: list[dict], interpretations: set[str] = frozenset(), level: int = 2) -> str:
    """The generated sections. *interpretations*: the sections that have an editor's
    `tulkinta/<section>.qmd` in the report sources (included after the heading)."""
    parts: list[str] = []
    current: str | None = None
    for b in blocks:
        sec = b.get("section", "")
        if sec != current:
            current = sec
            if sec:
                parts.append(f"{'#' * level} {b['title']} {{#{section_id(sec)}}}")
                if sec in interpretations:
                    parts.append(f"{{{{< include /{INTERPRETATION_DIR}/{sec}.qmd >}}}}")
        parts.append(block_markdown(b))
    return "\n\n".join(parts) + "\n" if parts else ""


def figure_files(blocks: list[dict]) -> dict[str, Path]:
    """File name in `_figures/` -> the PNG a stage wrote, and the CSV of its data beside it
    (the filter offers `<name>.csv` next to an image as the figure's download)."""
    files = {}
    for b in blocks:
        if b["kind"] == "fig":
            files[f"{b['label']}.png"] = Path(b["_dir"]) / b["file"]
            if b.get("data") and (Path(b["_dir"]) / b["data"]).is_file():
                files[f"{b['label']}.csv"] = Path(b["_dir"]) / b["data"]
    return files


def check_unique(blocks: list[dict]) -> None:
    seen: set[str] = set()
    for b in blocks:
        lab = b.get("label")
        if lab and lab in seen:
            raise SosrapError(f"two report blocks have the label {lab!r}; labels must be unique in the report")
        if lab:
            seen.add(lab)
