"""`sosrap publish`, `sosrap verify` and `sosrap new-edition` (issue #6).

Thin wrappers over `sosrap.publish.release` and `sosrap.publish.edition`. Progress goes to
stderr; the last stdout line is the result (the release folder, "identical",
or the new params file), so scripts can rely on it.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from sosrap.cli.options import options

app = typer.Typer()


@app.command("publish")
def publish(ctx: typer.Context,
            edition: str = typer.Argument(..., help="Edition name: params/<edition>.yaml"),
            version: str = typer.Option(..., "--version", help="Semantic version of the release, e.g. 1.0.0"),
            releases_dir: Optional[Path] = typer.Option(None, "--releases-dir",
                                                        help="Default: releases/ (→ releases/<edition>/<version>/)"),
            engine: str = typer.Option("auto", "--engine", help="auto | quarto | pandoc"),
            jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="Stages to run in parallel."),
            build_dir: Optional[Path] = typer.Option(None, "--build-dir", help="Default: build/<edition>"),
            allow_dirty: bool = typer.Option(False, "--allow-dirty",
                                             help="Publish from uncommitted changes (recorded in release.json).")
            ) -> None:
    """Build the edition as VERSION (HTML, DOCX, PDF) and write an immutable release folder.

    The folder holds the report, the citation files, every published table
    as CSV with a datapackage.json, the executed notebooks and release.json
    (sha256 of every file and every input). Re-publishing a version with
    different content is refused; a version after the first needs a
    `metadata.changelog` entry in the edition's params. The tree must be
    committed (or `--allow-dirty`); the written release is verified.
    """
    from sosrap.publish.release import publish as do_publish
    opts = options(ctx)
    res = do_publish(edition, version, releases_dir=releases_dir, engine=engine, jobs=jobs,
                     build_dir=build_dir, quiet=opts.quiet, progress=opts.progress(), allow_dirty=allow_dirty)
    typer.echo(str(res.path.resolve()))


@app.command("verify")
def verify(ctx: typer.Context,
           release: Path = typer.Argument(..., help="A release folder, e.g. releases/demo/1.0.0"),
           no_rebuild: bool = typer.Option(False, "--no-rebuild",
                                           help="Only check the files against release.json (fast)."),
           jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="Stages to run in parallel."),
           build_dir: Optional[Path] = typer.Option(None, "--build-dir",
                                                    help="Rebuild here (default: a temporary folder, removed)")
           ) -> None:
    """Rebuild a release from its recorded inputs and compare: prints "identical" or the files that differ."""
    from sosrap.publish.release import verify as do_verify
    res = do_verify(release, rebuild=not no_rebuild, build_dir=build_dir, jobs=jobs,
                    progress=options(ctx).progress())
    if res.identical:
        typer.echo("identical")
        return
    for name in res.changed:
        typer.echo(f"changed since publishing: {name}")
    for name in res.differ:
        if name not in res.changed:
            typer.echo(f"differs in the rebuild: {name}")
    if res.inputs_changed:
        typer.echo(f"inputs that differ from the recorded ones: {', '.join(res.inputs_changed)}", err=True)
    # sys.exit, not typer.Exit: main() runs click with standalone_mode=False,
    # where typer.Exit's code would be returned and lost.
    sys.exit(1)


@app.command("new-edition")
def new_edition(edition: str = typer.Argument(..., help="The new edition's name, e.g. 2027"),
                from_edition: str = typer.Option(..., "--from", help="The edition to continue, e.g. 2026"),
                snapshot: Optional[str] = typer.Option(None, "--snapshot",
                                                       help="Pin this snapshot (default: none yet; run "
                                                            "`sosrap fetch <edition>`)"),
                year: Optional[int] = typer.Option(None, "--year",
                                                   help="Edition year (default: the name if it is a year)")) -> None:
    """Scaffold next year's params and report from an earlier edition, carrying its proposals forward."""
    from sosrap.publish.edition import new_edition as do_new
    res = do_new(edition, from_edition=from_edition, snapshot=snapshot, year=year)
    if res.clamped_from is not None:
        typer.echo(f"years.end is {res.years_end}, not {res.clamped_from}: snapshot {res.snapshot} has no data "
                   f"past {res.years_end} (fetch a newer one and raise years.end when the statistics are out)",
                   err=True)
    typer.echo(f"wrote {res.params_file} and {res.report_dir}/ ({res.carried} proposal(s) carried forward "
               f"for follow-up); next: sosrap fetch {edition} && sosrap build {edition}", err=True)
    typer.echo(str(res.params_file))
