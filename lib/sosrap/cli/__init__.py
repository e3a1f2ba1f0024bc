"""The `sosrap` command line: one Typer app, a thin layer over the Python API.

Every command calls a public function that a notebook or a test can call too.
Errors from sosrap (SosrapError) are printed as one clear message and exit 1;
`--debug` shows the traceback.

How commands are registered (the one way): each command module (`build`,
`doctor`, `fetch`, `release`, `clientwork`) has its own `app = typer.Typer()`
and declares its commands (and command groups) on it with `@app.command()`
(or `app.add_typer(group, name=...)`); this package adds each module's app to
the top-level one with `app.add_typer(module.app)`, which, without a name,
merges the module's commands into `sosrap`. The modules never import this
package, so there is no import cycle. The shared options `--debug` and
`--quiet` live in the Typer context (`cli.options.Options`, `ctx.obj`),
never in a global; commands read them with `options(ctx)`.
"""
from __future__ import annotations

import sys

import typer
from rich.console import Console

from sosrap.cli import build, clientwork, doctor, fetch, release
from sosrap.cli.options import Options, options
from sosrap.errors import SosrapError

#: in `sosrap --help` order: commands first, then the command groups (template, ingest)
MODULES = (build, doctor, fetch, release, clientwork)

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="sosrap: reproducible social reports (sosiaalinen raportti) from indicators and client-work knowledge.")


@app.callback()
def _main(ctx: typer.Context,
          debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the final result.")) -> None:
    opts = options(ctx)
    opts.debug = debug
    opts.quiet = quiet


for _module in MODULES:
    app.add_typer(_module.app)


def main() -> None:
    opts = Options()
    err = Console(stderr=True)
    try:
        app(standalone_mode=False, obj=opts)
    except SosrapError as e:
        if opts.debug:
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
