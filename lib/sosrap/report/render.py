"""Render a staged Quarto project: with Quarto where installed, else with pandoc.

The build stages a Quarto project (``_quarto.yml``, ``_variables.yml``,
``index.qmd``, ``chapters/``, executed ``_notebooks/``, ``references.bib``).
Quarto renders it as is.  Where Quarto cannot be installed, pandoc 3.9 from
the ``pypandoc-binary`` wheel renders the same sources, with
``filters/quarto_subset/main.lua`` implementing the Quarto features the reports use
(include/var/meta/embed shortcodes, numbered figures and tables with
cross-references, callouts, the notice block), one pass per file.
Reading the project (``_quarto.yml``, front matter, the metadata merge) is
``quarto_project.py``; picking the engine and finding pandoc, ``engines.py``; this module runs it.

Formats: HTML (self-contained, ``templates/report.html``), DOCX (Word styles
from a reference document derived from pandoc's default, Finnish caption
fields via ``+native_numbering``, real tables) and PDF (pandoc's typst writer
with ``templates/report.typ``, compiled by typst-py with its bundled fonts).

The pandoc engine is deterministic: the same inputs give byte-identical HTML,
DOCX and PDF (no timestamps but SOURCE_DATE_EPOCH, no absolute paths, images
named by content hash).
"""
from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from sosrap.paths import read_yaml
from sosrap.report.engines import ENGINES, RenderError, engine_version, pandoc_path, pick_engine  # noqa: F401 (API)
from sosrap.report.language import language_strings
from sosrap.report.quarto_project import DEFAULT_TOC_DEPTH, QuartoProject, as_list, stringify_scalars, title_date

__all__ = ["RenderError", "RenderResult", "pick_engine", "engine_version", "render", "pandoc_path",
           "FILTER", "TEMPLATE", "CSS", "TYPST_TEMPLATE", "reference_docx", "renderer_files"]

PKG_DIR = Path(__file__).resolve().parent
FILTERS = PKG_DIR / "filters"
#: the pandoc engine's Lua filter: main.lua runs the passes next to it in order
FILTER = FILTERS / "quarto_subset" / "main.lua"
TEMPLATE = PKG_DIR / "templates" / "report.html"
CSS = PKG_DIR / "templates" / "report.css"
TYPST_TEMPLATE = PKG_DIR / "templates" / "report.typ"
#: pandoc's garbage collector: a 128 MiB allocation area (GHC's default is 4 MiB; the wheel's
#: binary is linked with -H64m) halves the collections of the demo's render, about 0.1-0.2 s of
#: its 1.5 s, for 100 MiB more memory (benchmarks/bench_render.py). A GHCRTS of the user's own wins.
PANDOC_RTS = "-A128m"

#: format name -> (pandoc writer, file extension).  DOCX numbers captions
#: with Word fields (+native_numbering: "Kuva 1", "Taulukko 1"); PDF is pandoc's
#: typst writer compiled by typst-py, which numbers figures itself.
PANDOC_FORMATS: dict[str, tuple[str, str]] = {"html": ("html5", "html"), "docx": ("docx+native_numbering", "docx"),
                                              "pdf": ("typst", "pdf")}
#: Quarto's PDF goes through typst too (Quarto bundles it), so both engines
#: produce the PDF the same way.
QUARTO_FORMATS: dict[str, str] = {"html": "html", "docx": "docx", "pdf": "typst"}


@dataclass
class RenderResult:
    engine: str                      # "pandoc" | "quarto"
    engine_version: str
    outputs: dict[str, Path]         # format -> written file
    warnings: list[str] = field(default_factory=list)


def renderer_files() -> list[Path]:
    """Every file of sosrap itself that the rendered output depends on: the
    Lua filter passes, the templates and the Python modules that build the
    pandoc call (a change to any re-renders the report)."""
    files = [p for folder in (FILTERS, PKG_DIR / "_extensions", PKG_DIR / "templates") for p in folder.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")]
    return sorted(files + [PKG_DIR / "render.py", PKG_DIR / "engines.py", PKG_DIR / "quarto_project.py"])


# --------------------------------------------------------------------------- engines

def render(project_dir: Path, output_dir: Path, *, engine: str = "auto", formats: Sequence[str] = ("html",),
           output_name: str = "report", source_date_epoch: int | None = None, draft: bool = False) -> RenderResult:
    """Render ``project_dir/index.qmd`` into ``output_dir/<output_name>.<ext>`` for each format.

    *source_date_epoch* (seconds, UTC) is the only time written into outputs
    (DOCX core properties, PDF dates); without it the build is not byte-stable
    for DOCX and PDF.

    The pandoc engine is strict unless *draft* (or ``sosrap: {draft: true}``
    in ``_quarto.yml``): a missing label, var or meta key stops the render,
    naming the file and line.  A draft renders Quarto's placeholders
    (``?@fig-x``, ``?var:key``, ``?meta:key``) with a warning instead."""
    project_dir = Path(project_dir).resolve()
    output_dir = Path(output_dir).resolve()
    if not (project_dir / "index.qmd").is_file():
        raise RenderError(f"{project_dir}: no index.qmd to render")
    if not formats:
        raise RenderError("no output formats requested")
    name = pick_engine(engine)
    output_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if source_date_epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(int(source_date_epoch))
    if name == "quarto":
        return _render_quarto(project_dir, output_dir, formats, output_name, env)
    return _render_pandoc(project_dir, output_dir, formats, output_name, env, source_date_epoch, draft)


def is_draft(config: dict, draft: bool = False) -> bool:
    """Draft mode: asked for by the build, or ``sosrap: {draft: true}`` in ``_quarto.yml``."""
    own = config.get("sosrap") if isinstance(config.get("sosrap"), dict) else {}
    return bool(draft or own.get("draft"))


# --------------------------------------------------------------------------- quarto

def _render_quarto(project_dir: Path, output_dir: Path, formats: Sequence[str], output_name: str,
                   env: dict[str, str]) -> RenderResult:
    quarto = shutil.which("quarto")
    assert quarto, "pick_engine checked this"
    outputs: dict[str, Path] = {}
    warnings: list[str] = []
    config = read_yaml(project_dir / "_quarto.yml", error=RenderError, missing_ok=True)
    for fmt in formats:
        if fmt not in QUARTO_FORMATS:
            raise RenderError(f"format {fmt!r} is not supported (supported: {', '.join(QUARTO_FORMATS)})")
        target = f"{output_name}.{fmt}"
        cmd = [quarto, "render", "index.qmd", "--to", QUARTO_FORMATS[fmt], "--output", target,
               "--output-dir", str(output_dir)]
        if fmt == "html":
            cmd += ["-M", "embed-resources:true"]   # one self-contained file, as with pandoc
        date = title_date(config)
        if date:
            cmd += ["-M", f"date:{date}"]
        proc = subprocess.run(cmd, cwd=project_dir, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RenderError(f"quarto render failed ({fmt}):\n{_tail(proc.stderr)}")
        warnings += [ln.strip() for ln in proc.stderr.splitlines() if ln.strip().startswith("WARN")]
        out = output_dir / target
        if not out.is_file():
            raise RenderError(f"quarto render reported success but {out} was not written")
        outputs[fmt] = out
    return RenderResult("quarto", engine_version("quarto"), outputs, warnings)


# --------------------------------------------------------------------------- pandoc

def _render_pandoc(project_dir: Path, output_dir: Path, formats: Sequence[str], output_name: str,
                   env: dict[str, str], source_date_epoch: int | None, draft: bool = False) -> RenderResult:
    for fmt in formats:
        if fmt not in PANDOC_FORMATS:
            raise RenderError(f"format {fmt!r} is not implemented in the pandoc engine "
                              f"(implemented: {', '.join(PANDOC_FORMATS)})")
    project = QuartoProject.read(project_dir, error=RenderError)

    outputs: dict[str, Path] = {}
    warnings: list[str] = []
    binary = pandoc_path()
    with tempfile.TemporaryDirectory(prefix="sosrap-render-") as tmp:
        tmpdir = Path(tmp)
        vars_json = tmpdir / "variables.json"
        vars_json.write_text(json.dumps(stringify_scalars(project.variables), ensure_ascii=False), encoding="utf-8")
        env = {"GHCRTS": PANDOC_RTS, **env, "SOSRAP_VARIABLES_JSON": str(vars_json),
               "SOSRAP_DRAFT": "1" if is_draft(project.config, draft) else ""}
        for fmt in formats:
            writer, ext = PANDOC_FORMATS[fmt]
            meta, options = project.for_format(fmt)
            meta_file = tmpdir / f"metadata-{fmt}.json"
            meta_file.write_text(json.dumps(meta, ensure_ascii=False, default=str), encoding="utf-8")
            lang_file = tmpdir / f"language-{fmt}.json"
            lang = meta.get("lang")
            lang_file.write_text(json.dumps(language_strings(str(lang) if lang else None), ensure_ascii=False),
                                 encoding="utf-8")
            out = output_dir / f"{output_name}.{ext}"
            work = tmpdir / fmt
            work.mkdir()
            target = work / f"{output_name}.typ" if fmt == "pdf" else out
            cmd = [binary, "index.qmd", "--from", "markdown", "--to", writer, "--output", str(target),
                   "--metadata-file", str(meta_file),
                   # The filter must run before citeproc: it consumes @fig-/@tbl- "citations".
                   "--lua-filter", str(FILTER), "--citeproc",
                   *_format_options(fmt, options, project_dir, work),
                   *_meta_options(fmt, meta, project_dir, work)]
            fenv = {**env, "SOSRAP_LANGUAGE_JSON": str(lang_file)}
            deferred = work / "deferred.json"
            if fmt == "html" and env.get("SOSRAP_RENDER_DEFER") != "0":
                # (the prefix: a token no source can hold, what the filter puts where a URI or an image goes)
                fenv.update(SOSRAP_DEFERRED_FILE=str(deferred),
                            SOSRAP_DEFERRED_PREFIX=f"sosrap-deferred-{secrets.token_hex(8)}-",
                            SOSRAP_DEFERRED_IMAGES="1" if "--embed-resources" in cmd else "")
            proc = subprocess.run(cmd, cwd=project_dir, env=fenv, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise RenderError(_pandoc_error(proc.stderr, proc.returncode))
            warnings += _pandoc_warnings(proc.stderr)
            if not is_draft(project.config, draft):
                _missing_citations_are_errors(warnings, project_dir)
            if fmt == "html":
                try:
                    _finish_html(out, deferred, project_dir)
                except BaseException:
                    out.unlink(missing_ok=True)       # never an HTML with the filter's tokens in it
                    raise
            if fmt == "pdf":
                _compile_typst(target, out, work, source_date_epoch)
            outputs[fmt] = out
    return RenderResult("pandoc", engine_version("pandoc"), outputs, warnings)


def _compile_typst(source: Path, out: Path, work: Path, source_date_epoch: int | None) -> None:
    """typst source -> PDF with typst-py. Images were extracted under *work*;
    their absolute paths become relative so nothing machine-specific is read
    into the PDF. Only typst's bundled fonts are used (system fonts differ
    between machines, and so would the bytes)."""
    try:
        import typst
    except ImportError as e:  # pragma: no cover - a dependency of sosrap
        raise RenderError("PDF output needs the 'typst' package (pip install typst)") from e
    text = source.read_text(encoding="utf-8").replace(str(work) + "/", "")
    source.write_text(text, encoding="utf-8")
    try:
        typst.compile(str(source), output=str(out), root=str(work), ignore_system_fonts=True,
                      timestamp=int(source_date_epoch) if source_date_epoch is not None else 0)
    except Exception as e:  # typst raises its own error type with the diagnostics
        raise RenderError(f"typst could not compile the PDF: {e}") from e


def reference_docx(dest: Path) -> Path:
    """The DOCX reference document (Word styles), made reproducibly from
    pandoc's own default: Finnish proofing language, 11 pt body text and
    tables with grid lines, so the coordination group can comment in Word.
    Pandoc keeps only the styles from it, so its zip dates do not matter;
    they are fixed anyway."""
    raw = subprocess.run([pandoc_path(), "--print-default-data-file", "reference.docx"], capture_output=True,
                         check=True).stdout
    with zipfile.ZipFile(io.BytesIO(raw)) as zin:
        items = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name == "word/styles.xml":
                data = _finnish_styles(data.decode("utf-8")).encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    return dest


_TABLE_BORDERS = ('<w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>'
                  '<w:left w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>'
                  '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>'
                  '<w:right w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>'
                  '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>'
                  '<w:insideV w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/></w:tblBorders>')


def _finnish_styles(xml: str) -> str:
    xml = re.sub(r'<w:lang w:val="[^"]*"', '<w:lang w:val="fi-FI"', xml, count=1)
    xml = xml.replace('<w:sz w:val="24" />\n        <w:szCs w:val="24" />',
                      '<w:sz w:val="22" />\n        <w:szCs w:val="22" />', 1)
    # The default table style ("Table", used for every table pandoc writes).
    xml = re.sub(r'(<w:style w:type="table" w:default="1" w:styleId="Table">.*?<w:tblPr>)',
                 lambda m: m.group(1) + _TABLE_BORDERS, xml, count=1, flags=re.S)
    return xml


def _format_options(fmt: str, options: dict[str, Any], project_dir: Path, work: Path) -> list[str]:
    """pandoc command-line options for one format, from merged Quarto options."""
    args: list[str] = []
    if fmt == "html":
        args = ["--standalone", "--embed-resources", "--template", str(TEMPLATE),
                "--css", str(CSS),
                "--mathml",            # math without a CDN (MathJax would need the network)
                "--section-divs"]      # <section> per heading, as Quarto writes it
        for css in as_list(options.get("css")):
            path = (project_dir / str(css)).resolve()
            if not path.is_file():
                raise RenderError(f"_quarto.yml: css file not found: {css}")
            args += ["--css", str(path)]
    elif fmt == "docx":
        ref = options.get("reference-doc")
        if ref:
            path = (project_dir / str(ref)).resolve()
            if not path.is_file():
                raise RenderError(f"_quarto.yml: reference-doc not found: {ref}")
        else:
            path = reference_docx(work / "reference.docx")
        args = ["--reference-doc", str(path)]
    elif fmt == "pdf":
        args = ["--standalone", "--template", str(TYPST_TEMPLATE), f"--extract-media={work}",
                "-V", f"papersize={options.get('papersize', 'a4')}"]
    if options.get("toc"):
        args += ["--toc", f"--toc-depth={int(options.get('toc-depth', DEFAULT_TOC_DEPTH))}"]
    if options.get("number-sections"):
        args.append("--number-sections")
    return args


_MISSING_CITATION = re.compile(r"Citeproc: citation (\S+) not found")


def _missing_citations_are_errors(warnings: list[str], project_dir: Path) -> None:
    """Strict mode: a citation key missing from the bibliography stops the
    render, naming the file and line that cites it (citeproc only warns)."""
    keys = [m.group(1) for w in warnings if (m := _MISSING_CITATION.search(w))]
    if not keys:
        return
    sites = []
    for key in dict.fromkeys(keys):
        pattern = re.compile(rf"@{re.escape(key)}(?![\w:.#$%&+?<>~/-])")
        site = next((f"{path.relative_to(project_dir)}:{n}" for path in sorted(project_dir.rglob("*.qmd"))
                     for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                     if pattern.search(line)), "index.qmd")
        sites.append(f"citation '@{key}' not found in the bibliography (in {site})")
    raise RenderError("; ".join(sites) + " (a draft build, --draft, renders it as '?' with a warning)")


_INCLUDES = ("include-in-header", "include-before-body", "include-after-body")
_META_SHORTCODE = re.compile(r"\{\{<\s*meta\s+([^\s>]+)\s*>\}\}")


def _meta_text(meta: dict, key: str) -> str:
    node: Any = meta
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None or isinstance(node, (dict, list)):
        raise RenderError(f"include: unknown metadata key {key!r} in {{{{< meta {key} >}}}}")
    return str(node)


def _meta_options(fmt: str, meta: dict, project_dir: Path, work: Path) -> list[str]:
    """Quarto's `include-in-header`, `include-before-body` and
    `include-after-body` (``{text: …}``, ``{file: …}``, a string path or a list
    of them) as pandoc options; `{{< meta key >}}` in the text is expanded.
    They are taken out of *meta* (pandoc has no such metadata).  For HTML also
    Quarto's `default-image-extension` (png unless set; "" turns it off)."""
    args: list[str] = []
    if fmt == "html":
        args.append(f"--default-image-extension={meta.get('default-image-extension', 'png')}")
    for key in _INCLUDES:
        for n, item in enumerate(as_list(meta.pop(key, None))):
            if isinstance(item, dict) and "text" in item:
                text = str(item["text"])
            else:
                rel = str(item.get("file")) if isinstance(item, dict) else str(item)
                path = (project_dir / rel).resolve()
                if not path.is_file():
                    raise RenderError(f"{key}: file not found: {rel}")
                text = path.read_text(encoding="utf-8")
            text = _META_SHORTCODE.sub(lambda m: _meta_text(meta, m.group(1)), text)
            out = work / f"{key}-{n}.html"
            out.write_text(text, encoding="utf-8")
            args.append(f"--{key}={out}")
    return args


# --------------------------------------------------------------------------- helpers

_SCRIPT_OR_STYLE = re.compile(r"(<(script|style)\b.*?</\2>)", re.S | re.I)


def _finish_html(path: Path, deferred: Path, project_dir: Path) -> None:
    """The HTML as pandoc wrote it, with what the filter left to be written after pandoc in its
    place (`deferred.lua`: the data downloads' URIs, the local images' base64; pandoc itself does
    it all where the environment has SOSRAP_RENDER_DEFER=0) and U+00A0 as
    ``&nbsp;`` outside scripts and styles, as Quarto's HTML serialiser writes it (same meaning;
    Quarto's tests match the entity)."""
    text = written = path.read_text(encoding="utf-8")
    left = json.loads(deferred.read_text(encoding="utf-8")) if deferred.is_file() else {}
    # (pandoc's JSON writes an empty Lua table as [])
    links, images = left.get("links") or {}, left.get("images") or {}
    # each in its attribute's quotes (one token is never a prefix of another there); the URIs are
    # percent-encoded, which escaping leaves as it is, as pandoc's writer does
    values = {f'href="{token}"': f'href="{html.escape(uri)}"' for token, uri in links.items()}
    for token, (mime, rel) in images.items():
        data = base64.b64encode((project_dir / rel).read_bytes()).decode("ascii")
        values[f'src="{token}"'] = f'src="data:{mime};base64,{data}"'
    if values:
        text = _put(text, values)
    if "\u00a0" in text:
        parts = _SCRIPT_OR_STYLE.split(text)
        # split() yields text, whole match, tag name, text, ...: change the text parts only.
        text = "".join(p.replace("\u00a0", "&nbsp;") if i % 3 == 0 else p for i, p in enumerate(parts))
    if text != written:
        path.write_text(text, encoding="utf-8")


def _put(text: str, values: dict[str, str]) -> str:
    """Every key of *values* replaced by its value, in one pass; each must be there (at least once:
    a heading's image is also in the table of contents)."""
    seen: set[str] = set()

    def value(m: re.Match) -> str:
        seen.add(m.group(0))
        return values[m.group(0)]

    text = re.sub("|".join(map(re.escape, values)), value, text)
    if len(seen) != len(values):
        raise RenderError(f"internal error: pandoc's HTML lacks {len(values) - len(seen)} of the "
                          f"{len(values)} links and images the filter left for sosrap to write in "
                          "(SOSRAP_RENDER_DEFER=0 renders without that)")
    return text


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
    # A Lua error raised with a position prefix ("…/quarto_subset/main.lua:123: msg").
    text = re.sub(r"^\S*\.lua:\d+: ", "", text)
    return text or f"pandoc failed with exit code {returncode}"


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
