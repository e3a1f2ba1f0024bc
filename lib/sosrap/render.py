"""Render a staged Quarto project: with Quarto where installed, else with pandoc.

The build stages a Quarto project (``_quarto.yml``, ``_variables.yml``,
``index.qmd``, ``chapters/``, executed ``_notebooks/``, ``references.bib``).
Quarto renders it as is.  Where Quarto cannot be installed, pandoc 3.9 from
the ``pypandoc-binary`` wheel renders the same sources, with
``filters/quarto_subset.lua`` implementing the Quarto features the reports use
(include/var/meta/embed shortcodes, numbered figures and tables with
cross-references, callouts, the notice block).

The pandoc engine is deterministic: the same inputs give byte-identical HTML
(no timestamps, no absolute paths, images named by content hash).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml

from .errors import SosrapError

__all__ = ["RenderError", "RenderResult", "pick_engine", "engine_version", "render", "pandoc_path",
           "FILTER", "TEMPLATE", "CSS"]

PKG_DIR = Path(__file__).resolve().parent
FILTER = PKG_DIR / "filters" / "quarto_subset.lua"
TEMPLATE = PKG_DIR / "templates" / "report.html"
CSS = PKG_DIR / "templates" / "report.css"

ENGINES = ("auto", "quarto", "pandoc")
#: format name -> (pandoc writer, file extension).  Only html is implemented;
#: docx (+native_numbering) and typst/pdf slot in here later.
PANDOC_FORMATS: dict[str, tuple[str, str]] = {"html": ("html5", "html")}
QUARTO_FORMATS: dict[str, str] = {"html": "html", "docx": "docx", "pdf": "pdf"}

#: `format.html` options that are pandoc command-line options, not metadata.
_HTML_CLI_OPTIONS = {"toc", "toc-depth", "number-sections", "css", "embed-resources", "self-contained",
                     "html-math-method", "theme", "standalone", "template"}
#: Quarto's default toc-depth.
_DEFAULT_TOC_DEPTH = 3


class RenderError(SosrapError):
    """Rendering failed; the message names the file and the label/key at fault."""


@dataclass
class RenderResult:
    engine: str                      # "pandoc" | "quarto"
    engine_version: str
    outputs: dict[str, Path]         # format -> written file
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- engines

def pandoc_path() -> str:
    """The pandoc binary of the pypandoc-binary wheel (never a system pandoc:
    the filter is written and tested against that exact version)."""
    try:
        import pypandoc
    except ImportError as e:  # pragma: no cover - a dependency of sosrap
        raise RenderError("the pandoc engine needs the 'pypandoc-binary' package") from e
    try:
        return pypandoc.get_pandoc_path()
    except OSError as e:  # pragma: no cover
        raise RenderError(f"pandoc not found: {e}") from e


def pick_engine(engine: str = "auto") -> str:
    """'quarto' when it is on PATH (or asked for), else 'pandoc'."""
    if engine not in ENGINES:
        raise RenderError(f"unknown render engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "quarto":
        if not shutil.which("quarto"):
            raise RenderError("engine 'quarto' requested but `quarto` is not on PATH "
                              "(install Quarto, or use --engine pandoc)")
        return "quarto"
    if engine == "pandoc":
        return "pandoc"
    return "quarto" if shutil.which("quarto") else "pandoc"


def engine_version(engine: str) -> str:
    """Version string of the engine, e.g. '3.9' for pandoc, '1.6.30' for quarto."""
    binary = pandoc_path() if engine == "pandoc" else shutil.which("quarto")
    if engine not in ("pandoc", "quarto") or not binary:
        raise RenderError(f"engine {engine!r} is not available")
    proc = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    first = (proc.stdout.strip().splitlines() or [""])[0]
    # pandoc prints "pandoc 3.9"; quarto prints just "1.6.30".
    return first.split()[-1] if first else "unknown"


def render(project_dir: Path, output_dir: Path, *, engine: str = "auto", formats: Sequence[str] = ("html",),
           output_name: str = "report") -> RenderResult:
    """Render ``project_dir/index.qmd`` into ``output_dir/<output_name>.<ext>`` for each format."""
    project_dir = Path(project_dir).resolve()
    output_dir = Path(output_dir).resolve()
    if not (project_dir / "index.qmd").is_file():
        raise RenderError(f"{project_dir}: no index.qmd to render")
    if not formats:
        raise RenderError("no output formats requested")
    name = pick_engine(engine)
    output_dir.mkdir(parents=True, exist_ok=True)
    if name == "quarto":
        return _render_quarto(project_dir, output_dir, formats, output_name)
    return _render_pandoc(project_dir, output_dir, formats, output_name)


# --------------------------------------------------------------------------- quarto

def _render_quarto(project_dir: Path, output_dir: Path, formats: Sequence[str], output_name: str) -> RenderResult:
    quarto = shutil.which("quarto")
    assert quarto, "pick_engine checked this"
    outputs: dict[str, Path] = {}
    warnings: list[str] = []
    for fmt in formats:
        if fmt not in QUARTO_FORMATS:
            raise RenderError(f"format {fmt!r} is not supported (supported: {', '.join(QUARTO_FORMATS)})")
        ext = "pdf" if fmt == "pdf" else fmt
        target = f"{output_name}.{ext}"
        cmd = [quarto, "render", "index.qmd", "--to", QUARTO_FORMATS[fmt], "--output", target,
               "--output-dir", str(output_dir)]
        if fmt == "html":
            cmd += ["-M", "embed-resources:true"]   # one self-contained file, as with pandoc
        proc = subprocess.run(cmd, cwd=project_dir, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RenderError(f"quarto render failed ({fmt}):\n{_tail(proc.stderr)}")
        warnings += [ln.strip() for ln in proc.stderr.splitlines() if ln.strip().startswith("WARN")]
        out = output_dir / target
        if not out.is_file():
            raise RenderError(f"quarto render reported success but {out} was not written")
        outputs[fmt] = out
    return RenderResult("quarto", engine_version("quarto"), outputs, warnings)


# --------------------------------------------------------------------------- pandoc

def _render_pandoc(project_dir: Path, output_dir: Path, formats: Sequence[str], output_name: str) -> RenderResult:
    for fmt in formats:
        if fmt not in PANDOC_FORMATS:
            raise RenderError(f"format {fmt!r} is not implemented in the pandoc engine yet "
                              f"(implemented: {', '.join(PANDOC_FORMATS)})")
    config = _read_yaml(project_dir / "_quarto.yml")
    front = _front_matter(project_dir / "index.qmd")
    variables = _read_yaml(project_dir / "_variables.yml")

    outputs: dict[str, Path] = {}
    warnings: list[str] = []
    binary = pandoc_path()
    with tempfile.TemporaryDirectory(prefix="sosrap-render-") as tmp:
        tmpdir = Path(tmp)
        vars_json = tmpdir / "variables.json"
        vars_json.write_text(json.dumps(_stringify_scalars(variables), ensure_ascii=False), encoding="utf-8")
        for fmt in formats:
            writer, ext = PANDOC_FORMATS[fmt]
            meta, options = _pandoc_metadata(config, front, fmt)
            meta_file = tmpdir / f"metadata-{fmt}.json"
            meta_file.write_text(json.dumps(meta, ensure_ascii=False, default=str), encoding="utf-8")
            out = output_dir / f"{output_name}.{ext}"
            cmd = [binary, "index.qmd", "--from", "markdown", "--to", writer, "--output", str(out),
                   "--metadata-file", str(meta_file),
                   # The filter must run before citeproc: it consumes @fig-/@tbl- "citations".
                   "--lua-filter", str(FILTER), "--citeproc",
                   *_format_options(fmt, options, project_dir)]
            env = {**os.environ, "SOSRAP_VARIABLES_JSON": str(vars_json)}
            proc = subprocess.run(cmd, cwd=project_dir, env=env, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise RenderError(_pandoc_error(proc.stderr, proc.returncode))
            warnings += _pandoc_warnings(proc.stderr)
            outputs[fmt] = out
    return RenderResult("pandoc", engine_version("pandoc"), outputs, warnings)


def _format_options(fmt: str, options: dict[str, Any], project_dir: Path) -> list[str]:
    """pandoc command-line options for one format, from merged Quarto options."""
    if fmt != "html":  # pragma: no cover - only html exists yet
        raise RenderError(f"format {fmt!r} is not implemented")
    args = ["--standalone", "--embed-resources", "--template", str(TEMPLATE),
            "--css", str(CSS),
            "--mathml",            # math without a CDN (MathJax would need the network)
            "--section-divs"]      # <section> per heading, as Quarto writes it
    for css in _as_list(options.get("css")):
        path = (project_dir / str(css)).resolve()
        if not path.is_file():
            raise RenderError(f"_quarto.yml: css file not found: {css}")
        args += ["--css", str(path)]
    if options.get("toc"):
        args += ["--toc", f"--toc-depth={int(options.get('toc-depth', _DEFAULT_TOC_DEPTH))}"]
    if options.get("number-sections"):
        args.append("--number-sections")
    return args


def _pandoc_metadata(config: dict, front: dict, fmt: str) -> tuple[dict, dict]:
    """Metadata for --metadata-file, and the options that are pandoc flags.

    Quarto merges project metadata (_quarto.yml) under the document's front
    matter, and `format.<fmt>` options over both.  The document front matter
    is also read by pandoc itself (it wins over --metadata-file), so putting
    the merged result in the file keeps both in agreement.
    """
    merged = _deep_merge(config, front)
    meta = {k: v for k, v in merged.items() if k not in ("project", "format")}
    fmt_opts = (merged.get("format") or {}).get(fmt) or {}
    if not isinstance(fmt_opts, dict):  # `format: {html: default}`
        fmt_opts = {}
    options = {k: meta[k] for k in _HTML_CLI_OPTIONS if k in meta}
    for key, value in fmt_opts.items():
        if key in _HTML_CLI_OPTIONS:
            options[key] = value
        else:
            meta[key] = value
    for key in _HTML_CLI_OPTIONS:
        meta.pop(key, None)
    if options.get("toc"):
        meta["toc"] = True    # the template's $if(toc)$
    return meta, options


# --------------------------------------------------------------------------- helpers

def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise RenderError(f"{path.name}: invalid YAML: {e}") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RenderError(f"{path.name}: expected a mapping at the top level")
    return data


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def _front_matter(path: Path) -> dict:
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        return {}
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as e:
        raise RenderError(f"{path.name}: invalid YAML front matter: {e}") from e
    return data if isinstance(data, dict) else {}


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _stringify_scalars(value: Any) -> Any:
    """Variables as exact strings, the way YAML wrote them (JSON would turn
    1 into 1.0 inside Lua, and dates into objects)."""
    if isinstance(value, dict):
        return {str(k): _stringify_scalars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_scalars(v) for v in value]
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_WARNING = re.compile(r"^\[WARNING\]\s*(.*)$")


def _pandoc_warnings(stderr: str) -> list[str]:
    """pandoc's [WARNING] lines, with their indented continuation lines."""
    warnings: list[str] = []
    for line in stderr.splitlines():
        match = _WARNING.match(line)
        if match:
            warnings.append(match.group(1).strip())
        elif warnings and line.startswith(" ") and line.strip():
            warnings[-1] += " " + line.strip()
    return warnings


def _pandoc_error(stderr: str, returncode: int) -> str:
    """The useful part of a pandoc failure: the filter's own message without
    'Error running filter …' and the Lua stack traceback."""
    lines = [ln for ln in stderr.splitlines() if not _WARNING.match(ln)]
    text = "\n".join(lines).strip()
    if "stack traceback:" in text:
        text = text.split("stack traceback:", 1)[0].strip()
    text = re.sub(r"^Error running filter [^\n]*:\n", "", text).strip()
    # A Lua error raised with a position prefix ("…/quarto_subset.lua:123: msg").
    text = re.sub(r"^\S*\.lua:\d+: ", "", text)
    return text or f"pandoc failed with exit code {returncode}"


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
