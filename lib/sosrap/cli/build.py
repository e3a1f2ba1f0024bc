"""`sosrap build`, `sosrap batch` (every area), `sosrap status` and `sosrap demo-data` (the synthetic
snapshot the demo edition builds from)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sosrap.cli.options import options

app = typer.Typer()


@app.command()
def build(ctx: typer.Context,
          edition: str = typer.Argument(..., help="Edition name: params/<edition>.yaml"),
          jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                             help="Stages to run in parallel (default: cores + 1)."),
          force: bool = typer.Option(False, "--force", help="Re-run every stage even if fresh."),
          engine: str = typer.Option("auto", "--engine", help="auto | quarto | pandoc"),
          formats: str = typer.Option("html", "--format", help="Comma-separated: html[,docx,pdf]"),
          build_dir: Optional[Path] = typer.Option(None, "--build-dir", help="Default: build/<edition>"),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the report's path."),
          draft: bool = typer.Option(False, "--draft", help="Render unresolved labels/keys as Quarto's "
                                     "placeholders with warnings instead of stopping."),
          area: Optional[str] = typer.Option(None, "--area", help="Wellbeing county code (data/reference/"
                                             "wellbeing_counties.csv); default: the params' area. "
                                             "Builds into build/<edition>/<area>.")) -> None:
    """Run the stage notebooks that are stale, then render the report."""
    fmts = [f.strip() for f in formats.split(",") if f.strip()]
    quiet = quiet or options(ctx).quiet
    outputs, checked = (None, None) if force else _unchanged(edition, build_dir, area=area, formats=fmts,
                                                             engine=engine, draft=draft, quiet=quiet)
    if outputs is None:
        from sosrap.pipeline.build import build as do_build
        result = do_build(edition, jobs=jobs, force=force, engine=engine, formats=fmts, build_dir=build_dir,
                          quiet=quiet, draft=draft, area=area, checked=checked)
        outputs = result.outputs
    # The last line is the report's absolute path (scripts and `make report` rely on it).
    typer.echo(str(Path(outputs["html"]).resolve()) if "html" in outputs
               else str(Path(next(iter(outputs.values()))).resolve()))


def _unchanged(edition: str, build_dir: Optional[Path], **options):
    """(the last build's outputs when nothing it read or wrote changed, else None; the stamp's
    `probe`, which the build then uses), checked before the build's own imports are paid."""
    from sosrap.paths import area_build_dir, project_root
    from sosrap.pipeline import stamp
    project = project_root()
    root = build_dir.resolve() if build_dir else area_build_dir(edition, options["area"], project)
    quiet = options.pop("quiet")
    checked = stamp.probe(edition, project=project, build_root=root, version=None, **options)
    hit = stamp.try_noop(edition, project=project, build_root=root, quiet=quiet, checked=checked, **options)
    return (None, checked) if hit is None else (hit["outputs"], checked)


@app.command()
def status(edition: str = typer.Argument(..., help="Edition name: params/<edition>.yaml"),
           build_dir: Optional[Path] = typer.Option(None, "--build-dir", help="Default: build/<edition>")) -> None:
    """Show each stage as fresh or stale, and why."""
    from sosrap.pipeline.build import print_status
    print_status(edition, build_dir=build_dir)


@app.command("demo-data")
def demo_data(out: Path = typer.Argument(..., help="Folder to create (must not exist).")) -> None:
    """Regenerate the synthetic demo snapshot (deterministic)."""
    from sosrap.demo import snapshot as demo
    snap = demo.generate(out)
    typer.echo(f"wrote synthetic snapshot {snap.id!r} with {len(snap.files)} files to {out}")


@app.command()
def batch(edition: str = typer.Argument(..., help="Edition name: params/<edition>.yaml"),
          jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                             help="Areas to build in parallel, and stages at once across "
                                                  "them [default: cores + 1]."),
          areas: Optional[str] = typer.Option(None, "--areas", help="Comma-separated area codes; default: all."),
          force: bool = typer.Option(False, "--force", help="Re-run every stage even if fresh."),
          engine: str = typer.Option("auto", "--engine", help="auto | quarto | pandoc")) -> None:
    """Build the edition for every area into build/<edition>/<area>/ and write build/<edition>/index.html."""
    from sosrap.pipeline.batch import batch as do_batch
    result = do_batch(edition, jobs=jobs, force=force, engine=engine,
                      areas=[a.strip() for a in areas.split(",") if a.strip()] if areas else None,
                      say=lambda line: typer.echo(line, err=True))
    typer.echo(str(result.index.resolve()))
    if result.failed:
        raise typer.Exit(1)
