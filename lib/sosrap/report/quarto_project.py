"""A staged Quarto project as the pandoc engine reads it: `_quarto.yml`, the
front matter of `index.qmd`, `_variables.yml`, and Quarto's merge of them.

Quarto merges project metadata (`_quarto.yml`) under the document's front
matter, and `format.<fmt>` options over both.  `render.py` turns the result
into pandoc's command line (the options that are pandoc flags) and a
`--metadata-file` (everything else); the Lua filter reads the variables as
exact strings.  Quarto itself reads the same files natively.

Hand-written: Quarto's own merge lives in its TypeScript sources, which
cannot run here; this is the small part of it the reports use.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sosrap.errors import SosrapError
from sosrap.paths import deep_merge, read_yaml
from sosrap.report.fmt import fi_date

__all__ = ["QuartoProject", "ProjectError", "front_matter", "pandoc_metadata", "stringify_scalars",
           "title_date", "CLI_OPTIONS", "HTML_CLI_OPTIONS", "DEFAULT_TOC_DEPTH"]

#: `format.html` options that are pandoc command-line options, not metadata.
HTML_CLI_OPTIONS = frozenset({"toc", "toc-depth", "number-sections", "css", "embed-resources", "self-contained",
                              "html-math-method", "theme", "standalone", "template"})
#: Quarto options that are pandoc command-line options, not metadata.
CLI_OPTIONS = HTML_CLI_OPTIONS | {"reference-doc", "papersize"}
#: Quarto's default toc-depth.
DEFAULT_TOC_DEPTH = 3
#: the Quarto format names each sosrap format's options may be written under
FORMAT_KEYS: dict[str, tuple[str, ...]] = {"pdf": ("pdf", "typst")}

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


class ProjectError(SosrapError):
    """A project file cannot be read; the message names the file."""


@dataclass(frozen=True)
class QuartoProject:
    """The files of a staged project that decide metadata and options."""
    config: dict              # _quarto.yml
    front: dict               # index.qmd front matter
    variables: dict           # _variables.yml (key figures)

    @classmethod
    def read(cls, project_dir: Path, error: type[SosrapError] = ProjectError) -> "QuartoProject":
        return cls(read_yaml(project_dir / "_quarto.yml", error=error, missing_ok=True),
                   front_matter(project_dir / "index.qmd", error),
                   read_yaml(project_dir / "_variables.yml", error=error, missing_ok=True, generated=True))

    def for_format(self, fmt: str) -> tuple[dict, dict]:
        """(metadata, pandoc-flag options) for one output format."""
        return pandoc_metadata(self.config, self.front, fmt)


def front_matter(path: Path, error: type[SosrapError] = ProjectError) -> dict:
    """The YAML front matter of a Markdown file ({} when it has none)."""
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        return {}
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as e:
        raise error(f"{path.name}: invalid YAML front matter: {e}") from e
    return data if isinstance(data, dict) else {}


def _format_options(formats: Any, fmt: str) -> dict:
    """The options under `format.<fmt>` (PDF: `format.pdf` over `format.typst`)."""
    out: dict = {}
    if not isinstance(formats, dict):
        return out
    for key in FORMAT_KEYS.get(fmt, (fmt,)):
        opts = formats.get(key)
        if isinstance(opts, dict):          # `format: {html: default}` has no options
            out = {**opts, **out}
    return out


def pandoc_metadata(config: dict, front: dict, fmt: str) -> tuple[dict, dict]:
    """Metadata for --metadata-file, and the options that are pandoc flags.

    The document front matter is also read by pandoc itself (it wins over
    --metadata-file), so putting the merged result in the file keeps both in
    agreement."""
    merged = deep_merge(config, front)
    meta = {k: v for k, v in merged.items() if k not in ("project", "format")}
    options = {k: meta[k] for k in CLI_OPTIONS if k in meta}
    for key, value in _format_options(merged.get("format") or {}, fmt).items():
        if key in CLI_OPTIONS:
            options[key] = value
        else:
            meta[key] = value
    for key in CLI_OPTIONS:
        meta.pop(key, None)
    if options.get("toc"):
        meta["toc"] = True    # the template's $if(toc)$
    return meta, options


def title_date(config: dict) -> str | None:
    """Quarto's title block has no version field: the date shown with the
    version ("15.10.2025 · versio 1.0.0"), as the pandoc engine shows it."""
    if config.get("version") and config.get("date"):
        return f"{fi_date(str(config['date']))} · versio {config['version']}"
    return None


def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def stringify_scalars(value: Any) -> Any:
    """Variables as exact strings, the way YAML wrote them (JSON would turn
    1 into 1.0 inside Lua, and dates into objects)."""
    if isinstance(value, dict):
        return {str(k): stringify_scalars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringify_scalars(v) for v in value]
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
