"""`sosrap build <edition>`: stages → key figures → staged report → render → manifest.

The edition's Quarto project (`reports/<edition>/`) is copied into
`<build>/report/` together with the executed notebooks (`_notebooks/`), the
key figures (`_variables.yml`, next to `_quarto.yml`) and the data notice
(`_notice.qmd`), and rendered from there, so the sources stay clean and a
build into any folder (tests use a temporary one) is self-contained.
Nothing is rendered when a stage failed.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from functools import partial
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import yaml
from rich.console import Console
from rich.table import Table

from sosrap.report import citation, proposals
from sosrap.pipeline import fingerprint as hashing, manifest
from sosrap import params as _params
from sosrap.errors import SnapshotError, SosrapError
from sosrap.paths import KEYFIGURES, AtomicDir, atomic_write, default_build_dir, project_root
from sosrap.report.fmt import fi_date
from sosrap.pipeline.runner import Layout, StageResult, run_stages, status
from sosrap.sources.snapshot import Snapshot
from sosrap.pipeline.graph import load_stages

REPORT_STAGE = "report"


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


def report_basename(edition: str) -> str:
    return f"sosiaalinen-raportti-{edition}"


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


def edition_variables(params: _params.Params, snap: Snapshot) -> dict:
    return {
        "edition": {"name": params.edition, "title": params.title, "first_year": str(params.years.start),
                    "last_year": str(params.years.end),
                    **({"year": str(params.metadata.year), "version": params.metadata.version,
                        "date": fi_date(params.metadata.version_date())} if params.metadata else {})},
        "snapshot": {"id": snap.id, "created": fi_date(snap.created) if snap.created else "",
                     "synthetic": "kyllä" if snap.synthetic else "ei"},
    }


NOTICE_SYNTHETIC = """::: {{#sosrap-notice .callout-warning title="Esimerkkiaineisto – ei tilastotietoa"}}
**Tämän raportin luvut ovat synteettistä esimerkkiaineistoa, eivät tilastotietoa.** Ne on tuotettu
satunnaisesti (aineisto `{snap_id}`) työkalun esittelyä varten, eivätkä ne kuvaa todellista tilannetta
Pohjois-Pohjanmaalla. Alueiden nimet ja koodit ovat oikeita, arvot eivät.
:::
"""


#: generated includes in the staged report (never copied from the sources)
GENERATED = ("_notebooks", "_variables.yml", "_notice.qmd", "_citation.qmd", "_proposals.qmd", "_followup.qmd")


def stage_report(project: Path, params: _params.Params, layout: Layout, snap: Snapshot, key_figures: dict,
                 stage_names: Sequence[str], edition: citation.Edition | None = None,
                 registers: proposals.Registers | None = None) -> Path:
    """Assemble the renderable Quarto project in <build>/report (replaced whole).

    Generated next to `_quarto.yml`: `_variables.yml` (key figures),
    `_notice.qmd` (synthetic-data warning), `_citation.qmd` (description
    sheet, recommended citation, version history), `_proposals.qmd` and
    `_followup.qmd` (the action proposals register and its follow-up)."""
    src = project / params.report
    if not (src / "_quarto.yml").is_file():
        raise SosrapError(f"{src}: not a Quarto project (no _quarto.yml); check `report:` in params/{params.edition}.yaml")
    with AtomicDir(layout.root / "report", prefix=".report-") as staged:
        _fill_staging(staged.path, src, project, params, layout, snap, key_figures, stage_names, edition, registers)
    return layout.root / "report"


def _fill_staging(tmp: Path, src: Path, project: Path, params: _params.Params, layout: Layout, snap: Snapshot,
                  key_figures: dict, stage_names: Sequence[str], edition, registers) -> None:
    shutil.copytree(src, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*GENERATED, ".quarto", "_site"))
    nbdir = tmp / "_notebooks"
    nbdir.mkdir()
    stages = load_stages(project)
    for name in stage_names:
        shutil.copyfile(layout.executed(stages[name]), nbdir / stages[name].notebook)
    # Title and subtitle have one source of truth: the edition's params.
    qpath = tmp / "_quarto.yml"
    quarto = yaml.safe_load(qpath.read_text(encoding="utf-8")) or {}
    quarto["title"] = params.title
    if params.subtitle:
        quarto["subtitle"] = params.subtitle
    if edition is not None:
        # Authors, date, version and the citation block: the edition's metadata.
        quarto.update(citation.quarto_metadata(edition))
    qpath.write_text("# Staged by `sosrap build`; edit reports/<edition>/_quarto.yml instead.\n"
                     + yaml.safe_dump(quarto, allow_unicode=True, sort_keys=False), encoding="utf-8")
    variables = {**edition_variables(params, snap), **key_figures}
    (tmp / "_variables.yml").write_text(
        "# Written by `sosrap build`: key figures for {{< var … >}}. Do not edit.\n"
        + yaml.safe_dump(variables, allow_unicode=True, sort_keys=True, width=1000), encoding="utf-8")
    notice = NOTICE_SYNTHETIC.format(snap_id=snap.id) if snap.synthetic else ""
    (tmp / "_notice.qmd").write_text(notice, encoding="utf-8")
    (tmp / "_citation.qmd").write_text(citation.appendix_markdown(edition), encoding="utf-8")
    if registers is not None:
        proposals.check_links(registers, proposals.report_labels(tmp))
    (tmp / "_proposals.qmd").write_text(proposals.chapter_markdown(registers) if registers else "", encoding="utf-8")
    (tmp / "_followup.qmd").write_text(proposals.followup_markdown(registers) if registers else "", encoding="utf-8")


def render_fingerprint(report_dir: Path, engine: str, formats: Sequence[str]) -> str:
    """Everything the rendered files depend on: report sources, notebook outputs, the renderer itself."""
    from sosrap.report import render
    pkg = Path(render.__file__).parent
    parts = {
        "report": {k: v for k, v in hashing.tree_hash(report_dir).items() if not k.startswith("_notebooks/")},
        "notebooks": {p.name: hashing.notebook_outputs_hash(p)
                      for p in sorted((report_dir / "_notebooks").glob("*.ipynb"))},
        "renderer": {**hashing.tree_hash(pkg / "filters"), **hashing.tree_hash(pkg / "templates"),
                     "render.py": hashing.sha256_text(Path(render.__file__).read_text(encoding="utf-8"))},
        "engine": engine,
        "formats": sorted(formats),
    }
    return hashing.sha256_json(parts)


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


def write_proposal_tables(registers: proposals.Registers, out_dir: Path) -> dict[str, Path]:
    """The register and its follow-up as CSV (published with the release)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"proposals": out_dir / "toimenpide-ehdotukset.csv", "followup": out_dir / "toimenpide-ehdotukset-seuranta.csv"}
    files["proposals"].write_bytes(proposals.register_csv(registers).encode("utf-8"))
    files["followup"].write_bytes(proposals.followup_csv(registers).encode("utf-8"))
    return files


def build(edition: str, *, jobs: int = 2, force: bool = False, engine: str = "auto",
          formats: Sequence[str] = ("html",), build_dir: Path | None = None, quiet: bool = False,
          root: Path | None = None, version: str | None = None) -> BuildResult:
    """Build an edition. *version* overrides `metadata.version` (what `sosrap publish` uses)."""
    from sosrap.report import render

    t_start = time.monotonic()
    project = root or project_root()
    params = with_version(_params.load(edition, project), version)
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in render.PANDOC_FORMATS]
    if unknown or not formats:
        raise SosrapError(f"unknown output format(s) {', '.join(unknown) or '(none)'}; choose from "
                          f"{', '.join(render.PANDOC_FORMATS)} (e.g. --format html,docx,pdf)")
    registers = proposals.load(project, params)
    base = report_basename(edition)
    ed = citation.Edition.of(params, base)
    if not (project / params.snapshot).exists():
        raise SnapshotError(f"params/{edition}.yaml pins snapshot {params.snapshot}, which does not exist yet: "
                            f"run `sosrap fetch {edition}` on a connected machine first (a build never "
                            "touches the network)")
    snap = Snapshot.open(project / params.snapshot, verify=True)
    layout = Layout(Path(build_dir) if build_dir else default_build_dir(edition, project))
    layout.root.mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True, soft_wrap=True)
    if not quiet:
        kind = "SYNTHETIC demo data" if snap.synthetic else "data"
        console.print(f"[bold]sosrap build {edition}[/] → {layout.root}  ({kind}: {snap.id})", highlight=False)
    results = _scrubbed(partial(run_stages, params, project, layout.root, jobs=jobs, force=force,
                                progress=_progress(console, quiet)), layout, params, project)
    stage_names = [r.name for r in results]
    timings = {r.name: round(r.seconds, 3) for r in results}

    key_figures = collect_key_figures(layout, stage_names)
    report_dir = stage_report(project, params, layout, snap, key_figures, stage_names, ed, registers)
    engine_name = render.pick_engine(engine)
    epoch = source_date_epoch(ed, snap)
    # the engine's version is part of the fingerprint: a new pandoc or Quarto re-renders
    fp = render_fingerprint(report_dir, f"{engine_name} {render.engine_version(engine_name)}", formats) + f"@{epoch}"
    outputs = {fmt: layout.root / f"{base}.{fmt}" for fmt in formats}
    fp_file = layout.state / f"{REPORT_STAGE}.json"
    try:
        old = json.loads(fp_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):     # missing or damaged: render
        old = {}
    rendered = False
    t0 = time.monotonic()
    if force or old.get("fingerprint") != fp or not all(p.is_file() for p in outputs.values()):
        with tempfile.TemporaryDirectory(prefix=".render-", dir=layout.root) as tmp:
            res = render.render(report_dir, Path(tmp), engine=engine_name, formats=formats, output_name=base,
                                source_date_epoch=epoch)
            from sosrap import privacy      # the privacy gate: a failing report is never written
            _scrubbed(partial(privacy.gate, _gated(res.outputs, report_dir, params.report), protected=privacy.load_protected(layout.artifacts),
                              **privacy.gate_options(params, project)), layout, params, project)
            for fmt, p in res.outputs.items():
                p.replace(outputs[fmt])      # atomic: a reader never sees a half-written report
        atomic_write(fp_file, json.dumps({"fingerprint": fp, "engine": engine_name}, indent=1) + "\n")
        rendered = True
        if not quiet:
            console.print(f"  [green]✓[/] {'render':<14} {engine_name} → {', '.join(formats)}  "
                          f"[dim]{time.monotonic() - t0:.1f} s[/]", highlight=False)
    elif not quiet:
        console.print(f"  [dim]•[/] {'render':<14} fresh, skipped", highlight=False)
    timings["render"] = round(time.monotonic() - t0, 3)

    # Citation files and the proposals tables: cheap, deterministic, always rewritten.
    files: dict[str, Path] = {}
    if ed is not None:
        files.update(citation.write_files(ed, layout.root))
    elif not quiet:
        console.print(f"  [yellow]![/] no `metadata:` in params/{edition}.yaml: no citation files, "
                      f"and the edition cannot be published", highlight=False)
    files.update(write_proposal_tables(registers, layout.root / "tables"))
    timings["total"] = round(time.monotonic() - t_start, 3)

    manifest.write(layout.root / "manifest.json", project=project, params=params, snapshot=snap,
                   stages=results, timings=timings, engine=engine_name, outputs=outputs, report_dir=report_dir,
                   files=files, source_date_epoch=epoch)
    if not quiet:
        console.print(summary_table(results, rendered, engine_name, timings), highlight=False)
    return BuildResult(edition, layout.root, outputs, results, rendered, engine_name, timings, files,
                       ed.version if ed else None, epoch)


def _gated(outputs: dict[str, Path], report_dir: Path, report: str) -> dict[str, Path]:
    """What the gate audits before a report is written: the rendered formats,
    and the staged chapters (so a finding names the chapter and line)."""
    gated = {p.name: p for p in outputs.values()}
    gated.update({f"{report}/{c.relative_to(report_dir).as_posix()}": c for c in sorted(report_dir.rglob("*.qmd"))})
    return gated


def _scrubbed(step, layout: Layout, params, project: Path):
    """Run *step*; if it fails, remove the executed notebooks whose outputs fail
    the privacy audit first (a failed build leaves no unscreened text behind)."""
    try:
        return step()
    except BaseException:
        from sosrap import privacy
        privacy.scrub_notebooks(layout.notebooks, **privacy.gate_options(params, project))
        raise


def print_status(edition: str, *, build_dir: Path | None = None, root: Path | None = None) -> list:
    project = root or project_root()
    params = _params.load(edition, project)
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
