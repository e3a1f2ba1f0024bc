"""The build's render step: render the staged report unless it is unchanged, pass it through
the privacy gate, move it into place.

The gate's work that does not need the rendered file (importing the privacy
package, reading the protected tables, auditing the staged chapters) runs in
a thread while the engine renders (`_Pregate`); the findings are the same,
in the same order, as one gate over the rendered formats and the chapters.
"""
from __future__ import annotations

import json
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Sequence, TypeVar

from rich.console import Console

from sosrap import params as _params
from sosrap.paths import Layout, atomic_write
from sosrap.pipeline import fingerprint as hashing
from sosrap.pipeline.graph import REPORT_STAGE

T = TypeVar("T")


def render_fingerprint(report_dir: Path, engine: str, formats: Sequence[str]) -> str:
    """Everything the rendered files depend on: report sources, notebook outputs, the renderer itself."""
    from sosrap.report import render
    parts = {
        "report": {k: v for k, v in hashing.tree_hash(report_dir).items() if not k.startswith("_notebooks/")},
        "notebooks": {p.name: hashing.notebook_outputs_hash(p)
                      for p in sorted((report_dir / "_notebooks").glob("*.ipynb"))},
        "renderer": hashing.files_hash(render.renderer_files(), render.PKG_DIR),
        "engine": engine,
        "formats": sorted(formats),
    }
    return hashing.sha256_json(parts)


@dataclass
class Render:
    """What one render needs: the staged report, where the outputs go, how."""
    report_dir: Path
    outputs: dict[str, Path]
    engine: str
    formats: list[str]
    basename: str
    epoch: int
    draft: bool = False     # Quarto's placeholders with warnings instead of stopping (never reused by a strict build)


def chapters(report_dir: Path, report: str) -> dict[str, Path]:
    """The staged chapters the gate audits besides the rendered formats (so a finding names the
    chapter and line)."""
    return {f"{report}/{c.relative_to(report_dir).as_posix()}": c for c in sorted(report_dir.rglob("*.qmd"))}


class _Pregate(threading.Thread):
    """The gate over the staged chapters, with the privacy package's import and the protected
    tables, while the engine renders; `gate` adds the rendered formats."""

    def __init__(self, staged: dict[str, Path], layout: Layout, params: _params.Params, project: Path):
        super().__init__(name="sosrap-pregate", daemon=True)
        self.staged, self.layout, self.params, self.project = staged, layout, params, project
        self.findings: list = []
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            from sosrap import privacy
            from sosrap.privacy import contacts
            contacts.warm()
            self.options = privacy.gate_options(self.params, self.project)
            self.protected = privacy.load_protected(self.layout.artifacts)
            self._audit(self.staged, self.findings)
        except BaseException as e:  # noqa: BLE001 -- raised again by gate(), in the build's thread
            self.error = e

    def _audit(self, files: dict[str, Path], into: list) -> None:
        from sosrap import privacy
        try:
            privacy.gate(files, protected=self.protected, **self.options)
        except privacy.PrivacyError as e:
            into += e.findings

    def gate(self, outputs: dict[str, Path]) -> None:
        """Raise PrivacyError with the rendered formats' findings, then the chapters'."""
        from sosrap import privacy
        self.join()
        if self.error is not None:
            raise self.error
        found: list = []
        self._audit({p.name: p for p in outputs.values()}, found)
        if found or self.findings:
            raise privacy.PrivacyError(found + self.findings)


def render_if_stale(job: Render, layout: Layout, params: _params.Params, *, force: bool, console: Console,
                    quiet: bool, project: Path, meanwhile: Callable[[], T]) -> tuple[bool, T]:
    """Render the staged report unless its fingerprint and outputs are unchanged: (True if it
    rendered, what *meanwhile* returned).

    The rendered files pass the privacy gate before they are moved into place. *meanwhile* is
    called once the fingerprint is known, to start work in the background that then overlaps
    the engine's, not the fingerprint's (threads of one process share one interpreter lock)."""
    from sosrap.report import render
    # the engine's version is part of the fingerprint: a new pandoc or Quarto re-renders
    fp = render_fingerprint(job.report_dir, f"{job.engine} {render.engine_version(job.engine)}",
                            job.formats) + f"@{job.epoch}" + "@draft" * job.draft
    fp_file = layout.state / f"{REPORT_STAGE}.json"
    try:
        old = json.loads(fp_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):     # missing or damaged: render
        old = {}
    t0 = time.monotonic()
    started = meanwhile()
    if not force and old.get("fingerprint") == fp and all(p.is_file() for p in job.outputs.values()):
        if not quiet:
            console.print(f"  [dim]•[/] {'render':<14} fresh, skipped", highlight=False)
        return False, started
    pregate = _Pregate(chapters(job.report_dir, params.report), layout, params, project)
    with tempfile.TemporaryDirectory(prefix=".render-", dir=layout.root) as tmp:
        res = render.render(job.report_dir, Path(tmp), engine=job.engine, formats=job.formats,
                            output_name=job.basename, source_date_epoch=job.epoch, draft=job.draft)
        # the privacy gate: a failing report is never written
        scrubbed(partial(pregate.gate, res.outputs), layout, params, project)
        for fmt, p in res.outputs.items():
            p.replace(job.outputs[fmt])      # atomic: a reader never sees a half-written report
    atomic_write(fp_file, json.dumps({"fingerprint": fp, "engine": job.engine}, indent=1) + "\n")
    if not quiet:
        console.print(f"  [green]✓[/] {'render':<14} {job.engine} → {', '.join(job.formats)}  "
                      f"[dim]{time.monotonic() - t0:.1f} s[/]", highlight=False)
    return True, started


def scrubbed(step, layout: Layout, params, project: Path):
    """Run *step*; if it fails, remove the executed notebooks whose outputs fail
    the privacy audit first (a failed build leaves no unscreened text behind)."""
    try:
        return step()
    except BaseException:
        from sosrap import privacy
        privacy.scrub_notebooks(layout.notebooks, **privacy.gate_options(params, project))
        raise
