"""Conformance of sosrap's pandoc engine against Quarto's own smoke tests.

Quarto's test suite (quarto-dev/quarto-cli, tests/smoke/smoke-all.test.ts and
tests/verify.ts) renders every document under tests/docs/smoke-all/ and checks
the expectations the document states in its own front matter::

    _quarto:
      tests:
        html:
          ensureHtmlElements: [[must match], [must not match]]
          ensureFileRegexMatches: [[must match], [must not match]]
          ...

This module does the same for the documents listed in SELECTED.tsv of the
shared copy of those tests, rendering them with sosrap's pandoc engine instead
of Quarto.  The documents are read in place from ``../shared/quarto-smoke``
(never copied into the project); each one is rendered from a throw-away
one-document project in a temporary directory.

Semantics follow verify.ts / smoke-all.test.ts:

* ``ensureHtmlElements [sel, nosel]``: ``document.querySelector(sel)`` on the
  parsed output must be non-null for each ``sel`` and null for each ``nosel``
  (here: BeautifulSoup + soupsieve ``select_one``).
* ``ensureFileRegexMatches [re, nore]``: ``new RegExp(s, "m").test(file)`` on
  the whole output file text: multiline (``^``/``$`` at line ends), no
  dotall, no ignore-case; a search, not a full match.
* ``ensureHtmlElementContents {selectors, matches, noMatches}``: for the FIRST
  element matching each selector (skipped if none), its text is tested with
  ``new RegExp(s)`` (no flags).
* ``ensureHtmlElementCount {selectors, counts}``: ``querySelectorAll`` length
  must equal the count.
* ``printsMessage {level, regex, negate}`` (one or a list): some message of
  that level matches (or, negated, none does).
* ``noErrors`` / ``noErrorsOrWarnings`` / ``shouldError``: no error / no
  error nor warning / an error.  Unless one of these three keys is given,
  ``noErrorsOrWarnings`` is added for the format (``checkWarnings``).
* A document with no ``_quarto.tests`` is tested with ``noErrorsOrWarnings``
  only, for the formats named in its ``format:`` (default ``html``).
* ``_quarto`` is not document metadata: it is removed before rendering.

Only the ``html`` format is measured (the engine's HTML output); other formats
in the specs (``revealjs``, ``docx``, ...) are listed as skipped.

Engine messages: a RenderError (or any exception from the render call) is an
ERROR.  The engine's collected pandoc ``[WARNING]`` lines are recorded but, as
in Quarto's runner, do not count as warnings unless asked for: see
``COUNT_PANDOC_WARNINGS``.

Run as a script for the report::

    PYTHONPATH=lib .venv/bin/python tests/conformance/quarto_smoke.py [-v] [--json out.json]
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

# --------------------------------------------------------------------------- configuration
# Everything that depends on the project's layout is here.

#: The project root: env SOSRAP_PROJECT_ROOT, else two levels above this file
#: (<project>/tests/conformance/quarto_smoke.py).
PROJECT_ROOT = Path(os.environ.get("SOSRAP_PROJECT_ROOT") or Path(__file__).resolve().parents[2]).resolve()

#: Where the render API lives, first importable wins.  The package is being
#: restructured: sosrap.render -> sosrap.report.render.
RENDER_MODULES = ("sosrap.report.render", "sosrap.render")

#: Whether the engine's pandoc [WARNING] lines count as warnings for
#: noErrorsOrWarnings / printsMessage.  Off by default, as in Quarto's runner:
#: there pandoc's and the Lua filters' warnings go to the terminal, not to the
#: logger the checks read (verify.ts: "noErrorsOrWarnings doesn't include
#: warnings from the lua subsystem").  Most pandoc warnings here are "Could not
#: fetch resource" for images the shared copy does not carry, which only the
#: engine's --embed-resources tries to read.  SOSRAP_SMOKE_STRICT_WARNINGS=1
#: counts them.  They are always recorded in the results.
COUNT_PANDOC_WARNINGS = os.environ.get("SOSRAP_SMOKE_STRICT_WARNINGS", "") not in ("", "0")

#: The formats measured.  (The engine also writes docx, but the only docx
#: expectations here are XPath checks of Quarto's Word structure.)
MEASURED_FORMATS = ("html",)


def smoke_root() -> Path | None:
    """The shared Quarto smoke tests, or None when absent (tests then skip)."""
    env = os.environ.get("SOSRAP_QUARTO_SMOKE")
    # beside the project, or beside a folder above it (a CI clone may sit deeper than the checkout)
    roots = [Path(env)] if env else [d / "shared" / "quarto-smoke" for d in PROJECT_ROOT.parents]
    for root in roots:
        if (root / "smoke-all").is_dir():
            return root.resolve()
    return None


def render_module():
    """The sosrap module providing ``render()`` (and ``FILTER``, ``TEMPLATE``)."""
    errors = []
    for name in RENDER_MODULES:
        try:
            return importlib.import_module(name)
        except ImportError as e:
            errors.append(f"{name}: {e}")
    raise ImportError("sosrap render API not importable (" + "; ".join(errors) + ")")


def filter_path() -> Path:
    """The Lua filter the engine runs (informational: render() picks it itself)."""
    return Path(render_module().FILTER)


def engine_render(project_dir: Path, output_dir: Path, output_name: str) -> tuple[Path, list[str]]:
    """THE call into sosrap: render ``project_dir/index.qmd`` to HTML with the
    pandoc engine.  Returns the HTML path and the engine's warnings; raises the
    engine's RenderError (or anything else) on failure."""
    mod = render_module()
    root = smoke_root()
    if root is not None:   # Quarto's own translation files, read in place
        os.environ.setdefault("SOSRAP_QUARTO_LANGUAGE", str(root / "language"))
    # Draft mode: Quarto warns (and writes ?@fig-x, ?meta:key) where a
    # published sosrap report stops; Quarto's tests expect Quarto's behaviour.
    result = mod.render(project_dir, output_dir, engine="pandoc", formats=("html",), output_name=output_name,
                        source_date_epoch=0, draft=True)
    return Path(result.outputs["html"]), list(result.warnings)


# --------------------------------------------------------------------------- documents

_FRONT = re.compile(r"\A(---[ \t]*\r?\n)(.*?\r?\n)((?:---|\.\.\.)[ \t]*(?:\r?\n|\Z))", re.S)


def front_matter(text: str) -> dict:
    m = _FRONT.match(text)
    if not m:
        return {}
    try:
        data = yaml.safe_load(m.group(2))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def strip_quarto_block(text: str) -> str:
    """The document text without the top-level ``_quarto:`` key of its front
    matter (Quarto removes it from the metadata before rendering).  Textual, so
    the rest of the YAML is byte-for-byte what the author wrote."""
    m = _FRONT.match(text)
    if not m:
        return text
    lines = m.group(2).splitlines(keepends=True)
    out, skipping = [], False
    for line in lines:
        top_level = bool(line.strip()) and not line[0].isspace() and not line.lstrip().startswith("#")
        if top_level:
            skipping = line.startswith("_quarto:")
        if not skipping:
            out.append(line)
    return m.group(1) + "".join(out) + m.group(3) + text[m.end():]


def selected_documents(root: Path) -> list[str]:
    """Document paths (relative to smoke-all/) from SELECTED.tsv, in its order."""
    rows = (root / "SELECTED.tsv").read_text(encoding="utf-8").splitlines()
    docs = []
    for row in rows[1:]:
        if row.strip():
            docs.append(row.split("\t")[0].strip())
    return docs


def find_project_dir(doc: Path, smoke_all: Path) -> Path | None:
    """Nearest ancestor with _quarto.yml, not above smoke-all/ (Quarto's
    findRootTestsProjectDir)."""
    d = doc.parent
    while True:
        if (d / "_quarto.yml").is_file() or (d / "_quarto.yaml").is_file():
            return d
        if d == smoke_all or smoke_all not in d.parents:
            return None
        d = d.parent


def _copy_tree(src: Path, dest: Path) -> None:
    """Copy without permissions (the shared copy is read-only)."""
    shutil.copytree(src, dest, copy_function=shutil.copyfile,
                    ignore=shutil.ignore_patterns(".quarto", "_site", "*_files"))
    for p in [dest, *dest.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR | stat.S_IRUSR | (stat.S_IXUSR if p.is_dir() else 0))


def build_project(doc: Path, smoke_all: Path, dest: Path) -> Path:
    """A one-document sosrap project in *dest* for rendering *doc*.

    The document's Quarto project (or, for a standalone document, its folder)
    is copied so that includes, embeds, images and bibliographies resolve as
    in Quarto.  sosrap renders ``index.qmd`` at the project root, so:

    * a document at the project root becomes ``index.qmd`` (same folder, so
      relative paths are unchanged);
    * a document in a project subfolder is rendered through an ``index.qmd``
      with its front matter and ``{{< include sub/doc.qmd >}}``, so its own
      relative paths still resolve from its folder and "/x" from the root.
    """
    project_src = find_project_dir(doc, smoke_all) or doc.parent
    _copy_tree(project_src, dest)
    rel = doc.relative_to(project_src)
    text = strip_quarto_block(doc.read_text(encoding="utf-8"))
    index = dest / "index.qmd"
    if rel.parent == Path("."):
        index.write_text(text, encoding="utf-8")
    else:
        m = _FRONT.match(text)
        head = m.group(0) if m else ""
        (dest / rel).write_text(text, encoding="utf-8")
        index.write_text(f"{head}\n{{{{< include {rel.as_posix()} >}}}}\n", encoding="utf-8")
    return dest


@dataclass
class RenderOutcome:
    ok: bool
    html_path: Path | None
    html: str | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def first_error(self) -> str:
        for e in self.errors:
            for line in str(e).splitlines():
                if line.strip():
                    return line.strip()
        return ""


def render_doc(doc: Path, out_html: Path, smoke_all: Path) -> RenderOutcome:
    """Render one smoke document with sosrap's pandoc engine to *out_html*."""
    out_html.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sosrap-smoke-") as tmp:
        project = build_project(doc, smoke_all, Path(tmp) / "project")
        try:
            html_path, warnings = engine_render(project, out_html.parent, out_html.stem)
        except Exception as e:  # RenderError, or a crash in the engine
            return RenderOutcome(False, None, None, errors=[f"{type(e).__name__}: {e}"])
    if html_path != out_html:
        shutil.move(str(html_path), out_html)
    return RenderOutcome(True, out_html, out_html.read_text(encoding="utf-8"), warnings=warnings)


# --------------------------------------------------------------------------- assertions

@dataclass
class Assertion:
    doc: str
    id: str            # stable: "<format>:<kind>:<polarity>:<argument>"
    passed: bool
    reason: str = ""


def js_regex(pattern: str, flags: int = 0) -> re.Pattern:
    """A JavaScript RegExp source as a Python pattern.  The only translation
    needed is named groups; the patterns here use no construct that differs
    otherwise (JS's \\d/\\w are ASCII-only, Python's Unicode -- immaterial
    for these documents)."""
    py = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern)
    return re.compile(py, flags)


def _soup(html: str):
    from bs4 import BeautifulSoup
    return BeautifulSoup(html, "html.parser")


def _aslist(v: Any) -> list:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _pair(value: Any) -> tuple[list, list]:
    """[[must], [mustNot]] -- either part may be missing."""
    value = _aslist(value)
    must = _aslist(value[0]) if len(value) > 0 else []
    must_not = _aslist(value[1]) if len(value) > 1 else []
    return [str(x) for x in must], [str(x) for x in must_not]


class Checker:
    """Evaluates one format's spec against one render outcome."""

    def __init__(self, doc: str, fmt: str, outcome: RenderOutcome):
        self.doc, self.fmt, self.outcome = doc, fmt, outcome
        self._soup_cache = None

    @property
    def soup(self):
        if self._soup_cache is None:
            self._soup_cache = _soup(self.outcome.html or "")
        return self._soup_cache

    def _a(self, kind: str, pol: str, arg: str, passed: bool, reason: str = "") -> Assertion:
        aid = f"{self.fmt}:{kind}" + (f":{pol}" if pol else "") + (f":{arg}" if arg else "")
        return Assertion(self.doc, aid, passed, "" if passed else reason)

    def _unrendered(self, kind: str, pol: str, arg: str) -> Assertion | None:
        if self.outcome.ok:
            return None
        return self._a(kind, pol, arg, False, f"not rendered: {self.outcome.first_error}")

    def messages(self) -> list[tuple[str, str]]:
        msgs = [("ERROR", e) for e in self.outcome.errors]
        if COUNT_PANDOC_WARNINGS:
            msgs += [("WARN", w) for w in self.outcome.warnings]
        return msgs

    # verify.ts functions -------------------------------------------------

    def ensureHtmlElements(self, value) -> list[Assertion]:
        must, must_not = _pair(value)
        out = []
        for pol, sels in (("match", must), ("nomatch", must_not)):
            for sel in sels:
                a = self._unrendered("ensureHtmlElements", pol, sel)
                if a is None:
                    try:
                        found = self.soup.select_one(sel)
                    except Exception as e:  # selector soupsieve cannot parse
                        a = self._a("ensureHtmlElements", pol, sel, False, f"bad selector: {e}")
                    else:
                        if pol == "match":
                            a = self._a("ensureHtmlElements", pol, sel, found is not None,
                                        f"required DOM element {sel} is missing")
                        else:
                            a = self._a("ensureHtmlElements", pol, sel, found is None,
                                        f"illegal DOM element {sel} is present: {_snippet(found)}")
                out.append(a)
        return out

    def ensureFileRegexMatches(self, value) -> list[Assertion]:
        must, must_not = _pair(value)
        out = []
        for pol, pats in (("match", must), ("nomatch", must_not)):
            for pat in pats:
                a = self._unrendered("ensureFileRegexMatches", pol, pat)
                if a is None:
                    m = js_regex(pat, re.M).search(self.outcome.html or "")
                    if pol == "match":
                        a = self._a("ensureFileRegexMatches", pol, pat, m is not None,
                                    f"required match /{pat}/m is missing")
                    else:
                        a = self._a("ensureFileRegexMatches", pol, pat, m is None,
                                    f"illegal match /{pat}/m found: {_context(self.outcome.html, m)}")
                out.append(a)
        return out

    def ensureHtmlElementContents(self, value) -> list[Assertion]:
        opts = value if isinstance(value, dict) else {}
        if isinstance(value, list):  # old positional form: [selectors, matches, noMatches]
            opts = dict(zip(("selectors", "matches", "noMatches"), value))
        out = []
        for sel in _aslist(opts.get("selectors")):
            for pol, key in (("match", "matches"), ("nomatch", "noMatches")):
                for pat in _aslist(opts.get(key)):
                    arg = f"{sel} ~ {pat}"
                    a = self._unrendered("ensureHtmlElementContents", pol, arg)
                    if a is None:
                        el = self.soup.select_one(sel)
                        if el is None:   # verify.ts skips selectors that match nothing
                            a = self._a("ensureHtmlElementContents", pol, arg, True)
                        else:
                            hit = js_regex(str(pat)).search(el.get_text()) is not None
                            a = self._a("ensureHtmlElementContents", pol, arg, hit == (pol == "match"),
                                        f"text of {sel} {'lacks' if pol == 'match' else 'has'} /{pat}/: "
                                        f"{el.get_text()[:120]!r}")
                    out.append(a)
        return out

    def ensureHtmlElementCount(self, value) -> list[Assertion]:
        opts = value if isinstance(value, dict) else {}
        sels, counts = _aslist(opts.get("selectors")), _aslist(opts.get("counts"))
        out = []
        for sel, count in zip(sels, counts):
            arg = f"{sel} == {count}"
            a = self._unrendered("ensureHtmlElementCount", "", arg)
            if a is None:
                n = len(self.soup.select(sel))
                a = self._a("ensureHtmlElementCount", "", arg, n == int(count), f"matched {n}, expected {count}")
            out.append(a)
        if len(sels) != len(counts):
            out.append(self._a("ensureHtmlElementCount", "", "arity", False, "selectors and counts differ in length"))
        return out

    def printsMessage(self, value) -> list[Assertion]:
        out = []
        for msg in _aslist(value):
            level = str(msg.get("level", "")).upper()
            level = "WARN" if level == "WARNING" else level
            pat, negate = str(msg.get("regex", "")), bool(msg.get("negate", False))
            hit = any(lv == level and js_regex(pat).search(text) for lv, text in self.messages())
            arg = f"{'!' if negate else ''}{level} {pat}"
            out.append(self._a("printsMessage", "", arg, hit != negate,
                               f"{'found' if negate else 'missing'} {level} message /{pat}/"))
        return out

    def noErrors(self, _value=None) -> list[Assertion]:
        errs = [m for lv, m in self.messages() if lv == "ERROR"]
        return [self._a("noErrors", "", "", not errs, "error: " + (errs[0].splitlines()[0] if errs else ""))]

    def noErrorsOrWarnings(self, _value=None) -> list[Assertion]:
        msgs = self.messages()
        first = f"{msgs[0][0]}: {msgs[0][1].splitlines()[0]}" if msgs else ""
        more = f" (+{len(msgs) - 1} more)" if len(msgs) > 1 else ""
        return [self._a("noErrorsOrWarnings", "", "", not msgs, first + more)]

    def shouldError(self, _value=None) -> list[Assertion]:
        errs = [m for lv, m in self.messages() if lv == "ERROR"]
        return [self._a("shouldError", "", "", bool(errs), "rendered without error; an error was expected")]


#: Keys of a format's spec that are not checks on the output.
_NON_CHECK_KEYS = {"postRenderCleanup"}
_STATUS_KEYS = ("shouldError", "noErrors", "noErrorsOrWarnings")


def guess_formats(meta: dict) -> list[str]:
    fmt = meta.get("format")
    if isinstance(fmt, dict):
        return list(fmt) or ["html"]
    if isinstance(fmt, str):
        return [fmt]
    return ["html"]


def test_specs(meta: dict) -> dict[str, dict]:
    """format -> spec, as smoke-all.test.ts resolves them."""
    tests = (meta.get("_quarto") or {}).get("tests") if isinstance(meta.get("_quarto"), dict) else None
    if isinstance(tests, dict) and any(k != "run" for k in tests):
        return {k: (v if isinstance(v, dict) else {}) for k, v in tests.items() if k != "run"}
    return {fmt: {"noErrorsOrWarnings": None} for fmt in guess_formats(meta)}


def evaluate(doc: str, spec: dict, outcome: RenderOutcome, fmt: str = "html") -> tuple[list[Assertion], list[str]]:
    """Assertions for one format's spec; also the keys not understood."""
    checker = Checker(doc, fmt, outcome)
    results: list[Assertion] = []
    unknown: list[str] = []
    for key, value in spec.items():
        if key in _NON_CHECK_KEYS:
            continue
        fn: Callable | None = getattr(checker, key, None) if key[:1].islower() else None
        if fn is None or key.startswith("_"):
            unknown.append(key)
            continue
        results += fn(value)
    if not any(k in spec for k in _STATUS_KEYS):
        results += checker.noErrorsOrWarnings()
    return results, unknown


# --------------------------------------------------------------------------- running

@dataclass
class DocResult:
    doc: str
    rendered: bool
    first_error: str
    should_error: bool
    warnings: list[str]
    assertions: list[Assertion]
    skipped_formats: list[str]
    unknown_keys: list[str]

    @property
    def passed(self) -> bool:
        return all(a.passed for a in self.assertions)

    @property
    def status(self) -> str:
        if self.should_error:
            return "shouldError honoured" if not self.rendered else "shouldError NOT honoured (rendered)"
        return "rendered" if self.rendered else "render failure"


def run_document(doc_rel: str, root: Path, out_dir: Path) -> DocResult:
    smoke_all = root / "smoke-all"
    doc = smoke_all / doc_rel
    meta = front_matter(doc.read_text(encoding="utf-8"))
    specs = test_specs(meta)
    measured = {f: s for f, s in specs.items() if f in MEASURED_FORMATS}
    skipped = [f for f in specs if f not in MEASURED_FORMATS]
    out_html = out_dir / (doc_rel.replace("/", "__").rsplit(".", 1)[0] + ".html")
    outcome = render_doc(doc, out_html, smoke_all)
    assertions: list[Assertion] = []
    unknown: list[str] = []
    for fmt, spec in measured.items():
        a, u = evaluate(doc_rel, spec, outcome, fmt)
        assertions += a
        unknown += [f"{fmt}:{k}" for k in u]
    should_error = any("shouldError" in s for s in measured.values())
    return DocResult(doc_rel, outcome.ok, outcome.first_error, should_error, outcome.warnings, assertions,
                     skipped, unknown)


def run_all(root: Path | None = None, out_dir: Path | None = None, docs: Iterable[str] | None = None,
            jobs: int | None = None) -> list[DocResult]:
    """Render and check every selected document (in parallel threads: each
    render is a pandoc subprocess)."""
    from concurrent.futures import ThreadPoolExecutor
    root = root or smoke_root()
    if root is None:
        raise FileNotFoundError("Quarto smoke tests not found (set SOSRAP_QUARTO_SMOKE)")
    out_dir = out_dir or Path(tempfile.mkdtemp(prefix="sosrap-smoke-out-"))
    docs = list(docs) if docs is not None else selected_documents(root)
    with ThreadPoolExecutor(max_workers=jobs or min(8, os.cpu_count() or 2)) as pool:
        return list(pool.map(lambda d: run_document(d, root, out_dir), docs))


@dataclass
class Totals:
    documents: int
    documents_passing: int
    documents_not_rendering: int
    should_error_documents: int
    assertions: int
    assertions_passed: int

    @property
    def percent(self) -> float:
        return 100.0 * self.assertions_passed / self.assertions if self.assertions else 100.0


def totals(results: list[DocResult]) -> Totals:
    return Totals(
        documents=len(results),
        documents_passing=sum(r.passed for r in results),
        documents_not_rendering=sum(not r.rendered for r in results),
        should_error_documents=sum(r.should_error for r in results),
        assertions=sum(len(r.assertions) for r in results),
        assertions_passed=sum(a.passed for r in results for a in r.assertions),
    )


def failures(results: list[DocResult]) -> dict[tuple[str, str], str]:
    return {(a.doc, a.id): a.reason for r in results for a in r.assertions if not a.passed}


def report(results: list[DocResult], verbose: bool = False) -> str:
    lines = []
    for r in results:
        n_ok = sum(a.passed for a in r.assertions)
        head = f"{'PASS' if r.passed else 'FAIL'}  {r.doc}  [{r.status}]  {n_ok}/{len(r.assertions)}"
        if not r.rendered and r.first_error:
            head += f"\n      error: {r.first_error}"
        if r.skipped_formats:
            head += f"\n      formats not measured: {', '.join(r.skipped_formats)}"
        if r.warnings and (verbose or not COUNT_PANDOC_WARNINGS):
            shown = "; ".join(w[:100] for w in r.warnings[:3]) + (" ..." if len(r.warnings) > 3 else "")
            head += f"\n      pandoc warnings ({len(r.warnings)}, not counted): {shown}"
        if r.unknown_keys:
            head += f"\n      unknown verify keys: {', '.join(r.unknown_keys)}"
        lines.append(head)
        for a in r.assertions:
            if verbose or not a.passed:
                lines.append(f"      {'ok  ' if a.passed else 'FAIL'} {a.id}" + (f"\n           {a.reason}"
                                                                                if a.reason else ""))
    t = totals(results)
    lines += ["", f"documents: {t.documents}   fully passing: {t.documents_passing}   "
                  f"not rendering: {t.documents_not_rendering}   shouldError: {t.should_error_documents}",
              f"assertions: {t.assertions_passed}/{t.assertions} passed ({t.percent:.1f} %)"]
    return "\n".join(lines)


def _snippet(el) -> str:
    return str(el)[:160].replace("\n", " ") if el is not None else ""


def _context(text: str | None, m: re.Match | None) -> str:
    if not text or not m:
        return ""
    return repr(text[max(0, m.start() - 40):m.end() + 40])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="list passing assertions too")
    ap.add_argument("--json", type=Path, help="write the full results as JSON")
    ap.add_argument("--out", type=Path, help="keep the rendered HTML in this folder")
    ap.add_argument("--expected", action="store_true",
                    help="print an EXPECTED_FAILURES dict for test_quarto_smoke.py")
    ap.add_argument("docs", nargs="*", help="only these documents (paths under smoke-all/)")
    args = ap.parse_args(argv)
    root = smoke_root()
    if root is None:
        print("Quarto smoke tests not found: set SOSRAP_QUARTO_SMOKE or place them in ../shared/quarto-smoke")
        return 0
    print(f"smoke tests: {root}\nrender API:  {render_module().__name__}   filter: {filter_path()}\n")
    results = run_all(root, args.out, args.docs or None)
    print(report(results, args.verbose))
    if args.json:
        args.json.write_text(json.dumps([{**asdict(r), "passed": r.passed, "status": r.status} for r in results],
                                        indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    if args.expected:
        print("\nEXPECTED_FAILURES = {")
        for (doc, aid), reason in failures(results).items():
            print(f"    ({doc!r}, {aid!r}):\n        {reason[:200]!r},")
        print("}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
