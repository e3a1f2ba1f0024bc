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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import yaml
from rich.console import Console
from rich.table import Table

from . import hashing, manifest
from . import params as _params
from .errors import SosrapError
from .paths import default_build_dir, project_root
from .runner import Layout, StageResult, run_stages, status
from .snapshot import Snapshot
from .sources.sotkanet import fi_date
from .stage import KEYFIGURES
from .stages import load_stages

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
                    "last_year": str(params.years.end)},
        "snapshot": {"id": snap.id, "created": fi_date(snap.created) if snap.created else "",
                     "synthetic": "kyllä" if snap.synthetic else "ei"},
    }


NOTICE_SYNTHETIC = """::: {{#sosrap-notice .callout-warning title="Esimerkkiaineisto – ei tilastotietoa"}}
**Tämän raportin luvut ovat synteettistä esimerkkiaineistoa, eivät tilastotietoa.** Ne on tuotettu
satunnaisesti (aineisto `{snap_id}`) työkalun esittelyä varten, eivätkä ne kuvaa todellista tilannetta
Pohjois-Pohjanmaalla. Alueiden nimet ja koodit ovat oikeita, arvot eivät.
:::
"""


def stage_report(project: Path, params: _params.Params, layout: Layout, snap: Snapshot, key_figures: dict,
                 stage_names: Sequence[str]) -> Path:
    """Assemble the renderable Quarto project in <build>/report (replaced whole)."""
    src = project / params.report
    if not (src / "_quarto.yml").is_file():
        raise SosrapError(f"{src}: not a Quarto project (no _quarto.yml); check `report:` in params/{params.edition}.yaml")
    dest = layout.root / "report"
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=layout.root))
    shutil.copytree(src, tmp, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("_notebooks", "_variables.yml", "_notice.qmd", ".quarto", "_site"))
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
    qpath.write_text("# Staged by `sosrap build`; edit reports/<edition>/_quarto.yml instead.\n"
                     + yaml.safe_dump(quarto, allow_unicode=True, sort_keys=False), encoding="utf-8")
    variables = {**edition_variables(params, snap), **key_figures}
    (tmp / "_variables.yml").write_text(
        "# Written by `sosrap build`: key figures for {{< var … >}}. Do not edit.\n"
        + yaml.safe_dump(variables, allow_unicode=True, sort_keys=True, width=1000), encoding="utf-8")
    notice = NOTICE_SYNTHETIC.format(snap_id=snap.id) if snap.synthetic else ""
    (tmp / "_notice.qmd").write_text(notice, encoding="utf-8")
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    return dest


def render_fingerprint(report_dir: Path, engine: str, formats: Sequence[str]) -> str:
    """Everything the rendered files depend on: report sources, notebook outputs, the renderer itself."""
    from . import render
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


def build(edition: str, *, jobs: int = 2, force: bool = False, engine: str = "auto",
          formats: Sequence[str] = ("html",), build_dir: Path | None = None, quiet: bool = False,
          root: Path | None = None) -> BuildResult:
    from . import render

    t_start = time.monotonic()
    project = root or project_root()
    params = _params.load(edition, project)
    snap = Snapshot.open(project / params.snapshot, verify=True)
    layout = Layout(Path(build_dir) if build_dir else default_build_dir(edition, project))
    layout.root.mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True, soft_wrap=True)
    if not quiet:
        kind = "SYNTHETIC demo data" if snap.synthetic else "data"
        console.print(f"[bold]sosrap build {edition}[/] → {layout.root}  ({kind}: {snap.id})", highlight=False)
    results = run_stages(params, project, layout.root, jobs=jobs, force=force, progress=_progress(console, quiet))
    stage_names = [r.name for r in results]
    timings = {r.name: round(r.seconds, 3) for r in results}

    key_figures = collect_key_figures(layout, stage_names)
    report_dir = stage_report(project, params, layout, snap, key_figures, stage_names)
    engine_name = render.pick_engine(engine)
    fp = render_fingerprint(report_dir, engine_name, formats)
    base = report_basename(edition)
    outputs = {fmt: layout.root / f"{base}.{fmt}" for fmt in formats}
    fp_file = layout.state / f"{REPORT_STAGE}.json"
    old = json.loads(fp_file.read_text(encoding="utf-8")) if fp_file.is_file() else {}
    rendered = False
    t0 = time.monotonic()
    if force or old.get("fingerprint") != fp or not all(p.is_file() for p in outputs.values()):
        with tempfile.TemporaryDirectory(prefix=".render-", dir=layout.root) as tmp:
            res = render.render(report_dir, Path(tmp), engine=engine_name, formats=formats, output_name=base)
            for fmt, p in res.outputs.items():
                p.replace(outputs[fmt])      # atomic: a reader never sees a half-written report
        fp_file.write_text(json.dumps({"fingerprint": fp, "engine": engine_name}, indent=1) + "\n", encoding="utf-8")
        rendered = True
        if not quiet:
            console.print(f"  [green]✓[/] {'render':<14} {engine_name} → {', '.join(formats)}  "
                          f"[dim]{time.monotonic() - t0:.1f} s[/]", highlight=False)
    elif not quiet:
        console.print(f"  [dim]•[/] {'render':<14} fresh, skipped", highlight=False)
    timings["render"] = round(time.monotonic() - t0, 3)
    timings["total"] = round(time.monotonic() - t_start, 3)

    manifest.write(layout.root / "manifest.json", project=project, params=params, snapshot=snap,
                   stages=results, timings=timings, engine=engine_name, outputs=outputs, report_dir=report_dir)
    return BuildResult(edition, layout.root, outputs, results, rendered, engine_name, timings)


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
