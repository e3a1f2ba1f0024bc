"""The options every command shares (`sosrap --debug --quiet <command>`), kept
in the Typer context: the app's callback fills them in, commands read them
with `options(ctx)`, and `main()` reads `debug` after a command failed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import typer


@dataclass
class Options:
    debug: bool = False     # show tracebacks on errors
    quiet: bool = False     # only errors and the final result

    def progress(self, quiet: bool = False) -> Callable[[str], None]:
        """A progress printer for stderr (stdout's last line is the command's result); silent when quiet."""
        def say(msg: str) -> None:
            if not (quiet or self.quiet):
                typer.echo(msg, err=True)
        return say


def options(ctx: typer.Context) -> Options:
    """The shared options (defaults when a command is invoked without the app's callback)."""
    return ctx.ensure_object(Options)
