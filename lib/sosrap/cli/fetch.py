"""`sosrap fetch <edition>` and `sosrap fetch reference` (issue #3).

One command with one argument: the word `reference` refreshes the shipped
municipality/county table; anything else is an edition name (so no edition
may be called "reference"). Progress goes to stderr, one line per
indicator/table; the last stdout line is the snapshot's path.
"""
from __future__ import annotations

from typing import Optional

import typer

from sosrap.cli.options import options

REFERENCE = "reference"

app = typer.Typer()


@app.command("fetch")
def fetch(ctx: typer.Context,
          target: str = typer.Argument(..., metavar="EDITION|reference",
                                       help="An edition (params/<edition>.yaml), or `reference` for the "
                                            "municipality → wellbeing county table."),
          no_pin: bool = typer.Option(False, "--no-pin", help="Do not rewrite `snapshot:` in the edition's "
                                                              "params (default: pin the new snapshot)."),
          year: Optional[int] = typer.Option(None, "--year", help="reference only: classification year "
                                                                  "(default: this year)."),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the result.")) -> None:
    """Download an edition's data into a new immutable snapshot (and pin it), or refresh reference data.

    Base URLs come from params (sources.*.base_url); SOSRAP_SOTKANET_URL,
    SOSRAP_STATFIN_URL and SOSRAP_CLASSIFICATIONS_URL override them.
    Unchanged data is kept from the previous snapshot, not downloaded again.
    """
    say = options(ctx).progress(quiet)
    if target == REFERENCE:
        from sosrap.sources import classifications as reference
        res = reference.refresh(year=year)
        say(f"classification {res.year}: {res.municipalities} municipalities, {res.counties} wellbeing "
            f"counties ({res.requests} requests){'' if res.changed else '; no change'}")
        typer.echo(str(res.dir))
        return
    if year is not None:
        raise typer.BadParameter("--year applies to `sosrap fetch reference` only")
    from sosrap.sources.fetch import fetch_edition
    rep = fetch_edition(target, pin=not no_pin, progress=say)
    for note in rep.notes:
        say(f"note: {note}")
    say(f"{rep.requests} requests, {len(rep.downloaded)} files downloaded, {len(rep.carried)} kept, "
        f"{rep.seconds:.1f} s")
    if rep.pinned:
        old, new = rep.pinned
        if old != new:
            say(f"params/{target}.yaml: snapshot: {old} → {new}")
    typer.echo(str(rep.snapshot))
