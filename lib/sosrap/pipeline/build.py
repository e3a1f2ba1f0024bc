"""`sosrap build <edition>`: stages → key figures → staged report → render → manifest.

The edition's Quarto project (`reports/_shared/` with `reports/<edition>/` on
top) is staged into `<build>/report/` by `report.staging`, together with the
executed notebooks, the key figures and the data notice, and rendered from
there, so the sources stay clean and a build into any folder (tests use a
temporary one) is self-contained. Nothing is rendered when a stage failed.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import time
from functools import partial
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from rich.console import Console
from rich.table import Table

from sosrap import params as _params
from sosrap.errors import SosrapError
from sosrap.paths import KEYFIGURES, Layout, area_build_dir, default_build_dir, project_root
from sosrap.pipeline import editions, fingerprint as hashing, manifest, preflight, stamp
from sosrap.pipeline.graph import REPORT_STAGE, load_stages
from sosrap.pipeline.render_step import Render, render_if_stale, scrubbed
from sosrap.pipeline.runner import StageResult, fresh_results, run_stages, status
from sosrap.report import citation, proposals, staging
from sosrap.report.staging import report_basename, write_proposal_tables
from sosrap.sources.snapshot import Snapshot


@dataclass
class BuildResult:
    edition: str
    build_dir: Path
    outputs: dict[str, Path]
    stages: list[StageResult]
    rendered: bool
    engine: str
    seconds: dict[str, float] = field(default_factory=dict)
    #: citation files and published tables written next to the report (kind -> path)
    files: dict[str, Path] = field(default_factory=dict)
    version: str | None = None
    source_date_epoch: int | None = None


def collect_key_figures(layout: Layout, stage_names: Sequence[str]) -> dict:
    """Merge every stage's key figures; the same top-level key from two stages is an error."""
    merged: dict = {}
    owner: dict[str, str] = {}
    for name in stage_names:
        p = layout.run_dir(name) / KEYFIGURES
        if not p.is_file():
            continue
        data = json.loads(p.read_text(encoding="utf-8"))
        for k, v in data.items():
            if k in owner:
                raise SosrapError(f"key figure {k!r} is written by both stage {owner[k]!r} and {name!r}; "
                                  f"rename one (report text reads it as {{{{< var {k}.… >}}}})")
            owner[k] = name
            merged[k] = v
    return merged


def stage_report(project: Path, params: _params.Params, layout: Layout, snap: Snapshot, key_figures: dict,
                 stage_names: Sequence[str], edition: citation.Edition | None = None,
                 registers: proposals.Registers | None = None) -> Path:
    """Stage the report (`report.staging`) in <build>/report with this build's executed notebooks."""
    stages = load_stages(project)
    notebooks = {stages[n].notebook: layout.executed(stages[n]) for n in stage_names}
    left_out = tuple(st.notebook for n, st in stages.items() if n not in stage_names and n != REPORT_STAGE)
    return staging.stage_report(project / params.report, layout.root / "report", params, snap, key_figures,
                                notebooks, edition, registers, editions.report_blocks(layout, stage_names),
                                left_out, variables_cache=layout.state / VARIABLES_CACHE)


def _progress(console: Console, quiet: bool):
    marks = {"running": "[cyan]▶[/]", "done": "[green]✓[/]", "fresh": "[dim]•[/]", "failed": "[red]✗[/]",
             "blocked": "[yellow]–[/]"}

    def say(stage: str, state: str, detail: str) -> None:
        if quiet and state != "failed":
            return
        label = {"fresh": "fresh, skipped", "running": "running"}.get(state, state)
        console.print(f"  {marks.get(state, ' ')} {stage:<14} {label}" + (f"  [dim]{detail}[/]" if detail else ""),
                      highlight=False)
    return say


def summary_table(results: Sequence[StageResult], rendered: bool, engine: str, timings: dict) -> Table:
    """The end-of-build summary: what ran, what was reused, how long it took."""
    table = Table(title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("stage")
    table.add_column("state")
    table.add_column("seconds", justify="right")
    labels = {"ran": "[green]ran[/]", "skipped": "[dim]fresh[/]", "failed": "[red]failed[/]",
              "blocked": "[yellow]blocked[/]"}
    for r in results:
        table.add_row(r.name, labels.get(r.state, r.state), f"{r.seconds:.1f}" if r.state == "ran" else "–")
    table.add_row("render", f"[green]{engine}[/]" if rendered else "[dim]fresh[/]",
                  f"{timings.get('render', 0):.1f}" if rendered else "–")
    table.add_row("[bold]total[/]", "", f"[bold]{timings.get('total', 0):.1f}[/]")
    return table


def source_date_epoch(edition: citation.Edition | None, snap: Snapshot) -> int:
    """The one time a build may write into its outputs: the version's date
    (midnight UTC), else the snapshot's creation date, else 0."""
    if edition is not None:
        return edition.source_date_epoch
    if snap.created:
        import datetime as _dt
        try:
            d = _dt.date.fromisoformat(str(snap.created)[:10])
            return int(_dt.datetime(d.year, d.month, d.day, tzinfo=_dt.timezone.utc).timestamp())
        except ValueError:
            pass
    return 0


def load_params(edition: str, project: Path, area: str | None = None) -> _params.Params:
    """The edition's params as a build uses them: for its area (`editions.for_area`)."""
    return editions.for_area(_params.load(edition, project), area, project)


def with_version(params: _params.Params, version: str | None) -> _params.Params:
    """The params with `metadata.version` set to *version* (what `publish --version` builds)."""
    if version is None:
        return params
    if params.metadata is None:
        raise SosrapError(f"params/{params.edition}.yaml has no `metadata:` block, so it has no version to set; "
                          f"add the edition metadata (see params/demo.yaml)")
    if _params.parse_semver(version) is None:
        raise SosrapError(f"version {version!r} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.1)")
    return params.model_copy(update={"metadata": params.metadata.model_copy(update={"version": version})})


def check_formats(formats: Sequence[str]) -> list[str]:
    """The requested output formats, each once, in order; an unknown one is an error."""
    from sosrap.report import render
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in render.PANDOC_FORMATS]
    if unknown or not formats:
        raise SosrapError(f"unknown output format(s) {', '.join(unknown) or '(none)'}; choose from "
                          f"{', '.join(render.PANDOC_FORMATS)} (e.g. --format html,docx,pdf)")
    return formats


#: the years of the snapshot's data files, per file sha256 (`preflight.data_years`), in a build's state/
YEARS_CACHE = "snapshot-years.json"
#: the last `_variables.yml` text, under a hash of its values (`report.staging.variables_text`), in state/
VARIABLES_CACHE = "variables-yml.json"


def open_snapshot(project: Path, edition: str, params: _params.Params, state: Path | None = None) -> Snapshot:
    """The edition's pinned snapshot, verified, and checked against the params
    (`pipeline.preflight`) before any kernel starts; a build never touches the network.
    *state*: the build's state folder, which keeps the data files' years for the next build."""
    snap = preflight.open_verified(project, params)
    preflight.check(params, snap, state / YEARS_CACHE if state is not None else None)
    return snap


def remove_other_formats(root: Path, basename: str, formats: Sequence[str]) -> list[Path]:
    """Remove the report files of formats this build did not render (an earlier
    build's DOCX beside today's HTML would be stale); returns what was removed."""
    from sosrap.report import render
    gone = [root / f"{basename}.{fmt}" for fmt in render.PANDOC_FORMATS if fmt not in formats]
    gone = [p for p in gone if p.is_file()]
    for p in gone:
        p.unlink()
    return gone


#: temporary folders of a build (staging, render, a replaced folder); a killed build can leave them
LEFTOVERS = (".report-*", ".report.old-*", ".render-*")


def remove_leftovers(root: Path) -> list[Path]:
    """Remove what an earlier, killed build left half-written in *root*; returns what was removed."""
    import shutil
    gone = sorted({p for pattern in LEFTOVERS for p in root.glob(pattern) if p.is_dir()})
    for p in gone:
        shutil.rmtree(p, ignore_errors=True)
    return gone


def write_side_files(edition: str, ed: citation.Edition | None, registers: proposals.Registers, layout: Layout,
                     *, console: Console, quiet: bool) -> dict[str, Path]:
    """Citation files and the proposals tables: cheap, deterministic, always rewritten."""
    files: dict[str, Path] = {}
    if ed is not None:
        files.update(citation.write_files(ed, layout.root))
    elif not quiet:
        console.print(f"  [yellow]![/] no `metadata:` in params/{edition}.yaml: no citation files, "
                      f"and the edition cannot be published", highlight=False)
    files.update(write_proposal_tables(registers, layout.root / "tables"))
    return files


def build(edition: str, *, jobs: int | None = None, force: bool = False, engine: str = "auto",
          formats: Sequence[str] = ("html",), build_dir: Path | None = None, quiet: bool = False,
          root: Path | None = None, version: str | None = None, draft: bool = False,
          area: str | None = None, forks=None, slots=None, checked: stamp.Probe | None = None) -> BuildResult:
    """Build an edition. *version* overrides `metadata.version` (what `sosrap publish` uses).
    *draft* renders Quarto's placeholders with warnings where a report build stops (render.render).
    *area* builds it for another wellbeing county (default folder build/<edition>/<area>).
    *forks*: a kernel zygote shared by several builds (`pipeline.kernels.Forks`, what a batch passes);
    *slots*: the batch's `runner.StageSlots`, which cap the stages its builds run at once;
    *checked*: the stamp's `probe` for these options if the caller made it (the CLI does, before
    the build's imports)."""
    from sosrap.report import render

    t_start = time.monotonic()
    project = root or project_root()
    # absolute: the kernels run in notebooks/, and a relative run folder would land there
    layout = Layout(Path(build_dir).resolve() if build_dir else area_build_dir(edition, area, project))
    options = dict(area=area, formats=list(formats), engine=engine, version=version, draft=draft)
    probe, hit = (None, None) if force else _stamp_check(edition, project, layout, quiet, checked, options)
    if hit is not None:
        return _noop_result(edition, layout, hit)
    stamp.remove(layout.root)          # from here on, only a completed build records one
    with contextlib.ExitStack() as reap:
        with kernels_for(force, forks, project, layout, reap) as kernels:
            params = with_version(load_params(edition, project, area), version)
            formats = check_formats(formats)
            registers = proposals.load(project, params)
            base = report_basename(edition, params.language)
            ed = citation.Edition.of(params, base)
            layout.root.mkdir(parents=True, exist_ok=True)
            remove_leftovers(layout.root)
            snap = open_snapshot(project, edition, params, layout.state)
            console = Console(stderr=True, soft_wrap=True)
            if not quiet:
                kind = "SYNTHETIC demo data" if snap.synthetic else "data"
                console.print(f"[bold]sosrap build {edition}[/] → {layout.root}  ({kind}: {snap.id})",
                              highlight=False)
            progress = _progress(console, quiet)
            results = (fresh_results(params, project, progress) if only_sources_changed(probe, project, params)
                       else scrubbed(partial(run_stages, params, project, layout.root, jobs=jobs, force=force,
                                             progress=progress, forks=kernels, slots=slots),
                                     layout, params, project))
        stage_names = [r.name for r in results]
        timings = {r.name: round(r.seconds, 3) for r in results}

        key_figures = collect_key_figures(layout, stage_names)
        report_dir = stage_report(project, params, layout, snap, key_figures, stage_names, ed, registers)
        job = Render(report_dir, {fmt: layout.root / f"{base}.{fmt}" for fmt in formats}, render.pick_engine(engine),
                      formats, base, source_date_epoch(ed, snap), draft)
        with cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sosrap-provenance") as background:
            t0 = time.monotonic()
            # the inputs are hashed (and the packages' versions read) while the engine renders
            rendered, provenance = render_if_stale(job, layout, params, force=force, console=console, quiet=quiet,
                                                   project=project, meanwhile=partial(
                                                       background.submit, manifest.provenance, project, params, snap))
            timings["render"] = round(time.monotonic() - t0, 3)
            remove_other_formats(layout.root, base, formats)

            files = write_side_files(edition, ed, registers, layout, console=console, quiet=quiet)
            timings["total"] = round(time.monotonic() - t_start, 3)

            manifest.write(layout.root / "manifest.json", project=project, params=params, snapshot=snap,
                           stages=results, timings=timings, engine=job.engine, outputs=job.outputs,
                           report_dir=report_dir, files=files, source_date_epoch=job.epoch, gathered=provenance.result())
        if not quiet:
            console.print(summary_table(results, rendered, job.engine, timings), highlight=False)
        out = BuildResult(edition, layout.root, job.outputs, results, rendered, job.engine, timings, files,
                          ed.version if ed else None, job.epoch)
        reap.close()       # the zygote is gone before the stamp lists the build folder it logs into
        stamp.write(layout.root, stamp.build_key(edition, project=project, build_root=layout.root, **options),
                    stamp_roots(project, params, layout, job.engine, stage_names),
                    {"outputs": {k: str(v) for k, v in out.outputs.items()},
                     "files": {k: str(v) for k, v in files.items()},
                     "engine": out.engine, "stages": stage_names, "version": out.version,
                     "epoch": out.source_date_epoch})
    return out


def _stamp_check(edition: str, project: Path, layout: Layout, quiet: bool, checked: stamp.Probe | None,
                 options: dict) -> tuple[stamp.Probe, dict | None]:
    """(the stamp's probe, the last build's result when nothing changed: a no-op build)."""
    probe = checked or stamp.probe(edition, project=project, build_root=layout.root, **options)
    return probe, stamp.try_noop(edition, project=project, build_root=layout.root, quiet=quiet, checked=probe,
                                 **options)


def only_sources_changed(probe: stamp.Probe | None, project: Path, params: _params.Params) -> bool:
    """Whether all that changed since the last build (its stamp, *probe*; None for a forced
    build) is report sources under reports/:
    then no stage's input changed (a stage reads params, notebooks, the snapshot, its `reads:`
    files, upstream outputs and the helper code, all of them in the stamp, none under reports/
    unless a `reads:` path points there), so every stage is fresh without hashing its inputs."""
    if probe is None or not probe.changed:
        return False
    reads = [project / rel for st in load_stages(project).values() for rel in hashing.read_paths(st, params)]
    return probe.only_within(project / "reports", but=reads)


@contextlib.contextmanager
def kernels_for(force: bool, forks, project: Path, layout: Layout, reap: contextlib.ExitStack):
    """The build's kernel zygote (`pipeline.kernels`): the one passed in (a batch's); for a forced
    build, one started at once, so it imports while the params, the snapshot and the fingerprints
    are read; else None (the runner starts one when a stage turns out stale). Stopped after the
    stages (after an error, at once; else told to stop, and reaped when *reap* closes)."""
    if forks is not None or not force:
        yield forks
        return
    from sosrap.pipeline.kernels import Forks
    own = Forks.of_build(project, load_stages(project).values(), layout.state).start()
    try:
        yield own
    except BaseException:
        own.close()
        raise
    # told to stop, the zygote tears down while the report is staged and rendered; reaped at the end
    own.close(wait=False)
    reap.callback(own.close)


#: what a build writes into its folder (the stamp covers these, not other builds' folders inside it)
BUILD_PARTS = ("artifacts", "notebooks", "state", "report", "tables")


def stamp_roots(project: Path, params: _params.Params, layout: Layout, engine: str,
                stage_names: Sequence[str]) -> list[str]:
    """Everything a build reads or writes, for `pipeline.stamp`: the project's inputs, the declared
    private files, the helper package, the render engine, the installed packages, the build folder."""
    import shutil
    from sosrap.report import render
    stages = load_stages(project)
    roots = [f"tree:{project / d}" for d in ("params", "notebooks", "reports", "data/reference")]
    roots.append(f"tree:{project / params.snapshot}")
    roots += [f"tree:{project / rel}" for n in stage_names for rel in hashing.read_paths(stages[n], params)]
    roots.append(f"tree:{hashing.PACKAGE_DIR}")
    binary = render.pandoc_path() if engine == "pandoc" else shutil.which("quarto")
    if binary:
        roots.append(f"tree:{binary}")
    return roots + stamp.environment_roots() + stamp.build_roots(layout.root, BUILD_PARTS)


def _noop_result(edition: str, layout: Layout, hit: dict) -> BuildResult:
    """The BuildResult of a build `pipeline.stamp` found unchanged: every stage fresh, nothing rendered."""
    stages = [StageResult(n, "skipped", reason="fresh") for n in hit["stages"]]
    return BuildResult(edition, layout.root, {k: Path(v) for k, v in hit["outputs"].items()}, stages, False,
                       hit["engine"], {}, {k: Path(v) for k, v in hit["files"].items()}, hit["version"],
                       hit["epoch"])


def print_status(edition: str, *, build_dir: Path | None = None, root: Path | None = None) -> list:
    project = root or project_root()
    params = load_params(edition, project)          # as `build` resolves them
    open_snapshot(project, edition, params)       # as a build checks it: a changed snapshot file is an error
    layout = Layout(Path(build_dir) if build_dir else default_build_dir(edition, project))
    rows = status(params, project, layout.root)
    table = Table(title=f"sosrap status {edition}  ({layout.root})", title_justify="left")
    table.add_column("stage")
    table.add_column("state")
    table.add_column("why")
    for name, state, reasons in rows:
        table.add_row(name, "[green]fresh[/]" if state == "fresh" else "[yellow]stale[/]", "; ".join(reasons))
    Console().print(table)
    return rows

