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


#: the exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it)
INTERRUPTED = 130


def command() -> "typer.core.TyperGroup":
    """The click command of `app`, with boolean flags shown as flags in `--help`
    (typer 0.29 labels them `<bool>` as if they took a value)."""
    cmd = typer.main.get_command(app)

    def flag(p):
        if p is not None and getattr(p, "is_flag", False) and p.metavar is None:
            p.metavar = ""
        return p

    def fix(c) -> None:
        for p in c.params:
            flag(p)
        help_option = c.get_help_option
        c.get_help_option = lambda ctx: flag(help_option(ctx))
        for sub in getattr(c, "commands", {}).values():
            fix(sub)
    fix(cmd)
    return cmd


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; the exit code is the process's: 0 ok, 1 an error, 2 a usage error, 130 interrupted.

    Typer 0.29 vendors its own click (`typer._click`), so its exceptions are
    not `click`'s; with `standalone_mode=False` a command's `typer.Exit(code)`
    comes back as the return value, which is passed on here, and Ctrl-C
    comes back as 130."""
    from typer._click.exceptions import ClickException   # typer 0.29's own click copy: its usage errors
    opts = Options()
    err = Console(stderr=True)
    try:
        rc = command().main(args=argv, prog_name="sosrap", standalone_mode=False, obj=opts)
    except SosrapError as e:
        if opts.debug:
            raise
        err.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True, markup=True)
        rc = 1
    except (KeyboardInterrupt, typer.Abort):
        rc = INTERRUPTED
    except ClickException as e:     # usage errors: the usage line and click's hint, no traceback
        # (a mistyped command fails before the app's callback has read --debug)
        if opts.debug or "--debug" in (sys.argv[1:] if argv is None else argv):
            raise
        e.show()
        rc = e.exit_code
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    rc = rc if isinstance(rc, int) else 0
    if rc == INTERRUPTED:      # typer turns Ctrl-C into Exit(130), returned like any exit code
        err.print("[yellow]interrupted[/]")
    sys.exit(rc)


def run() -> None:
    """The `sosrap` command (console script and `python -m sosrap`): `main`, then the process
    ends without tearing its modules down one object at a time. A build has loaded the privacy
    gate's name and phone data and its caches, and Python's own teardown of them took 0.1 s of
    every command. What the exit must still do is done first: the other (non-daemon) threads
    are waited for, the atexit handlers run (logging's among them) and stdout and stderr are
    flushed. Errors that reach here (`--debug`'s tracebacks) exit the usual way."""
    import os
    import threading
    code = 0
    try:
        main()
    except SystemExit as e:      # main() always ends with sys.exit(an int)
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    for t in threading.enumerate():
        if t is not threading.main_thread() and not t.daemon:
            t.join()
    import atexit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more can be said
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
