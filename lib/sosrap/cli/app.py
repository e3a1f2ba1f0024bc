"""The `sosrap` command line: a thin layer over the Python API.

Every command calls a public function that a notebook or a test can call too.
Errors from sosrap (SosrapError) are printed as one clear message and exit 1;
`--debug` shows the traceback.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from sosrap.errors import SosrapError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="sosrap: reproducible social reports (sosiaalinen raportti) from indicators and client-work knowledge.")
err = Console(stderr=True)
STATE = {"debug": False, "quiet": False}


@app.callback()
def _main(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the final result.")) -> None:
    STATE["debug"] = debug
    STATE["quiet"] = quiet


@app.command()
def build(edition: str = typer.Argument(..., help="Edition name: params/<edition>.yaml"),
          jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="Stages to run in parallel."),
          force: bool = typer.Option(False, "--force", help="Re-run every stage even if fresh."),
          engine: str = typer.Option("auto", "--engine", help="auto | quarto | pandoc"),
          formats: str = typer.Option("html", "--format", help="Comma-separated: html[,docx,pdf]"),
          build_dir: Optional[Path] = typer.Option(None, "--build-dir", help="Default: build/<edition>"),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the report's path."),
          draft: bool = typer.Option(False, "--draft", help="Render unresolved labels/keys as Quarto's "
                                     "placeholders with warnings instead of stopping.")) -> None:
    """Run the stage notebooks that are stale, then render the report."""
    from sosrap.pipeline.build import build as do_build
    result = do_build(edition, jobs=jobs, force=force, engine=engine,
                      formats=[f.strip() for f in formats.split(",") if f.strip()],
                      build_dir=build_dir, quiet=quiet or STATE["quiet"], draft=draft)
    # The last line is the report's absolute path (scripts and `make report` rely on it).
    typer.echo(str(result.outputs["html"].resolve()) if "html" in result.outputs
               else str(next(iter(result.outputs.values())).resolve()))


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
def doctor() -> None:
    """Report what is available (Quarto, pandoc, typst, Chromium, kernel, snapshots) and what is missing."""
    from sosrap.cli import doctor as d
    if not d.print_report(d.run()):
        raise typer.Exit(1)


# --- further command groups register here (one line each) -------------------
__import__("sosrap.cli.clientwork", fromlist=["register"]).register(app)  # template, ingest (issue #4)
__import__("sosrap.cli.fetch", fromlist=["register"]).register(app)  # fetch <edition> | fetch reference (issue #3)
__import__("sosrap.cli.release", fromlist=["register"]).register(app)  # publish, verify, new-edition (issue #6)
# ---------------------------------------------------------------------------


def main() -> None:
    try:
        app(standalone_mode=False)
    except SosrapError as e:
        if STATE["debug"]:
            raise
        err.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True, markup=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        sys.exit(130)
    except (typer.Exit, SystemExit) as e:
        sys.exit(getattr(e, "exit_code", getattr(e, "code", 0)) or 0)
    except Exception as e:  # click usage errors etc.
        import click
        if isinstance(e, click.ClickException):
            e.show()
            sys.exit(e.exit_code)
        if isinstance(e, click.exceptions.Abort):
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
