"""An executed notebook as the report project holds it (`_notebooks/`): its cells' caption and
alt-text options in the report's language, so that real Quarto reads what sosrap's engine shows.

A stage shows a figure or table with a caption from the wording catalogue of the edition's
language and a data-driven alt text (`report.theme.show`, `report.html_table.show`); both travel
in the output's metadata. The cell's own `#| fig-cap:` / `#| tbl-cap:` / `#| fig-alt:` lines are
static (the Finnish catalogue's text), and Quarto's `{{< embed >}}` reads only those. Staging
therefore writes the recorded texts into the staged copy's option lines (the executed notebook
in the build stays as the runner wrote it). sosrap's pandoc engine reads the metadata, which now
says the same. Written by hand: nbformat has no notion of Quarto's `#|` cell options.
"""
from __future__ import annotations

import json
from pathlib import Path

__all__ = ["cell_options_from_outputs", "write_staged_notebook"]

#: output metadata key -> the cell option it fills, per MIME type
RECORDED = {("image/png", "caption"): "fig-cap", ("image/png", "alt"): "fig-alt",
            ("text/html", "caption"): "tbl-cap"}


def cell_options_from_outputs(cell: dict) -> dict[str, str]:
    """The cell options the cell's outputs recorded (first output wins)."""
    found: dict[str, str] = {}
    for out in cell.get("outputs") or []:
        meta = out.get("metadata") or {}
        for (mime, key), option in RECORDED.items():
            value = (meta.get(mime) or {}).get(key) if isinstance(meta.get(mime), dict) else None
            if isinstance(value, str) and value and option not in found:
                found[option] = value
    return found


def _source_lines(cell: dict) -> list[str]:
    src = cell.get("source", "")
    text = "".join(src) if isinstance(src, list) else str(src)
    return text.splitlines(keepends=True)


def _with_options(lines: list[str], options: dict[str, str]) -> list[str]:
    """*lines* with each option's `#|` line replaced (or added after the last leading `#|` line);
    values as JSON strings, which YAML reads as the same text."""
    head = 0
    while head < len(lines) and lines[head].lstrip().startswith("#|"):
        head += 1
    out: list[str] = []
    todo, skipping = dict(options), False
    for line in lines[:head]:
        body = line.lstrip()[2:]
        if skipping and (body.startswith("  ") or not body.strip()):
            continue                  # a replaced option's continuation lines (`fig-cap: |`)
        skipping = False
        key = body.split(":", 1)[0].strip()
        if key in todo:
            out.append(f"#| {key}: {json.dumps(todo.pop(key), ensure_ascii=False)}\n")
            skipping = True
        else:
            out.append(line)
    if out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out += [f"#| {key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in todo.items()]
    return out + list(lines[head:])


def write_staged_notebook(executed: Path, target: Path) -> None:
    """Copy *executed* to *target* with the recorded captions and alt texts as cell options."""
    nb = json.loads(Path(executed).read_text(encoding="utf-8"))
    changed = False
    for cell in nb.get("cells") or []:
        if cell.get("cell_type") != "code":
            continue
        options = cell_options_from_outputs(cell)
        lines = _source_lines(cell)
        if not options or not lines or not lines[0].lstrip().startswith("#|"):
            continue           # only cells with Quarto options (a label) are embedded by name
        new = _with_options(lines, options)
        if new != lines:
            cell["source"], changed = new, True
    if not changed:
        target.write_bytes(Path(executed).read_bytes())
        return
    target.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
