"""Checks and substitutions on a staged report's chapters.

- `absent_chapters`: a chapter that embeds a notebook this build did not run
  (the edition has no inputs for its stage, e.g. no `client_work:`) is
  replaced by its heading and a plain-language note, so the report says the
  edition has none instead of failing on a missing embed.
- `check_variables`: every ``{{< var key >}}`` in the staged Markdown must be a
  key of `_variables.yml`; otherwise one error names each file, line and key
  with the nearest existing keys (the same message under Quarto and pandoc).
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Iterable

from sosrap.errors import SosrapError
from sosrap.report.wording import t

_EMBED = re.compile(r"\{\{<\s*embed\s+(?:/)?_notebooks/([^#\s>]+)")
_VAR = re.compile(r"\{\{<\s*var\s+([^\s>]+)\s*>\}\}")
_HEADING = re.compile(r"^#\s+.*$", re.M)

#: what the note says for a notebook the edition did not run (file name → wording key of the reason)
ABSENT_REASON = {
    "40_client_work.ipynb": "report.absent_client_work",
}
ABSENT_DEFAULT = "report.absent_default"


def absent_note(heading: str, notebooks: Iterable[str]) -> str:
    reasons = sorted({t(ABSENT_REASON.get(nb, ABSENT_DEFAULT)) for nb in notebooks})
    text = "; ".join(reasons)
    return (f"{heading}\n\n::: {{.callout-note title=\"{t('report.absent_title')}\"}}\n"
            f"{text[0].upper()}{text[1:]}.\n:::\n")


def _chapters(report_dir: Path):
    """(relative path, path) of the staged report's Markdown sources (not the executed notebooks)."""
    for qmd in sorted(Path(report_dir).rglob("*.qmd")):
        rel = qmd.relative_to(report_dir).as_posix()
        if not rel.startswith("_notebooks/"):
            yield rel, qmd


def absent_chapters(report_dir: Path, left_out: Iterable[str]) -> list[str]:
    """Replace the chapters that embed a notebook in *left_out* (of the stages the edition
    leaves out); returns them (relative)."""
    gone = set(left_out)
    replaced = []
    for rel, qmd in _chapters(report_dir):
        text = qmd.read_text(encoding="utf-8")
        missing = sorted({nb for nb in _EMBED.findall(text) if nb in gone})
        if not missing:
            continue
        m = _HEADING.search(text)
        qmd.write_text(absent_note(m.group(0) if m else "", missing), encoding="utf-8")
        replaced.append(rel)
    return replaced


def flat_keys(variables: dict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for k, v in variables.items():
        key = f"{prefix}{k}"
        out.add(key)
        if isinstance(v, dict):
            out |= flat_keys(v, key + ".")
    return out


def check_variables(report_dir: Path, variables: dict) -> None:
    """Every `{{< var … >}}` in the staged Markdown exists; else one error listing them all."""
    keys = flat_keys(variables)
    leaves = sorted(keys)
    problems = []
    for rel, qmd in _chapters(report_dir):
        for n, line in enumerate(qmd.read_text(encoding="utf-8").splitlines(), 1):
            for key in _VAR.findall(line):
                if key not in keys:
                    near = difflib.get_close_matches(key, leaves, n=3, cutoff=0.5)
                    problems.append(f"{rel}:{n}: {{{{< var {key} >}}}}: the edition has no key figure {key!r}"
                                    + (f"; nearest: {', '.join(near)}" if near else ""))
    if problems:
        raise SosrapError("the report uses key figures this edition does not have (an indicator key or "
                          "theme that is not in its params?):\n  " + "\n  ".join(problems))
