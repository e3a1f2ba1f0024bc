"""`sosrap template …`, `sosrap ingest …` and `sosrap quotes …`: client-work inputs from the command line.

Thin wrappers over `sosrap.clientwork`. Output never contains a value from
the input file (only counts, row numbers, field names and reasons), because
terminal output ends up in tickets and CI logs; the values are in the
rejects file in the private area.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

ingest_app = typer.Typer(no_args_is_help=True, help="Validate a form-tool export (CSV/XLSX) into the private area.")
template_app = typer.Typer(no_args_is_help=True, help="Write an empty XLSX + CSV template with the Finnish headings.")


def _load(edition: str):
    from sosrap import params as _params
    from sosrap.paths import project_root
    root = project_root()
    return _params.load(edition, root), root


def _ingest(kind: str, file: Path, edition: str, out: Optional[Path], show: int) -> None:
    from sosrap import clientwork, privacy
    p, root = _load(edition)
    fn = clientwork.ingest_phenomena if kind == "phenomena" else clientwork.ingest_survey
    if p.client_work is None:
        raise clientwork.IngestError(f"edition {edition!r} has no client_work section in its params")
    cw = p.client_work
    if cw.screen_names_file and not (root / cw.screen_names_file).is_file() and cw.synthetic_demo:
        from sosrap.demo import clientwork as demo_clientwork
        demo_clientwork.ensure_inputs(cw, root, language=p.language)
    res = fn(file, clientwork.with_private_names(cw, root), client_patterns=p.privacy.client_number_patterns)
    out_dir = privacy.require_private(out, root, "--out folder") if out else clientwork.private_out_dir(edition, root)
    written = clientwork.write_result(res, out_dir)
    typer.echo(res.summary())
    if len(res.rejects):
        for r in res.rejects.head(show).itertuples():
            typer.echo(f"    row {r.row}: {r.field}: {r.reason}")
        if len(res.rejects) > show:
            typer.echo(f"    … {len(res.rejects) - show} more in the rejects file")
    typer.echo(f"valid rows → {written['data']}")
    typer.echo(f"rejects ({len(res.rejects)}) → {written['rejects']}")


@ingest_app.command("phenomena")
def ingest_phenomena(file: Path = typer.Argument(..., help="Export file (.csv or .xlsx)."),
                     edition: str = typer.Option(..., "--edition", "-e", help="Edition whose params give the code lists."),
                     out: Optional[Path] = typer.Option(None, "--out", help="Default: data/private/<edition>/ingested"),
                     show: int = typer.Option(20, "--show", help="Rejects to list (row, field, reason).")) -> None:
    """Validate phenomenon reports (ilmiöraportit)."""
    _ingest("phenomena", file, edition, out, show)


@ingest_app.command("survey")
def ingest_survey(file: Path = typer.Argument(..., help="Export file (.csv or .xlsx)."),
                  edition: str = typer.Option(..., "--edition", "-e", help="Edition whose params give the questions."),
                  out: Optional[Path] = typer.Option(None, "--out", help="Default: data/private/<edition>/ingested"),
                  show: int = typer.Option(20, "--show", help="Rejects to list (row, field, reason).")) -> None:
    """Validate a resident/client survey export (Likert items, open answers)."""
    _ingest("survey", file, edition, out, show)


def _template(kind: str, edition: Optional[str], out: Path) -> None:
    from sosrap import clientwork
    cw = None
    if edition:
        p, _ = _load(edition)
        cw = p.client_work
    paths = clientwork.write_template(kind, out, cw)
    for p_ in paths:
        typer.echo(f"wrote {p_}")


@template_app.command("phenomena")
def template_phenomena(out: Path = typer.Option(Path("."), "--out", "-o", help="Folder to write into."),
                       edition: Optional[str] = typer.Option(None, "--edition", "-e",
                                                             help="Add the edition's code lists as a sheet.")) -> None:
    """Phenomenon report template: ilmioraportti-pohja.xlsx and .csv."""
    _template("phenomena", edition, out)


@template_app.command("survey")
def template_survey(out: Path = typer.Option(Path("."), "--out", "-o", help="Folder to write into."),
                    edition: str = typer.Option(..., "--edition", "-e", help="Edition whose params list the questions.")) -> None:
    """Survey template: kysely-pohja.xlsx and .csv (questions from params)."""
    _template("survey", edition, out)


def quotes(edition: str = typer.Argument(..., help="Edition whose client-work exports to review."),
           record: Optional[Path] = typer.Option(None, "--record", help="A filled-in review sheet: store its approvals.")
           ) -> None:
    """Write the private review sheet of candidate quotes, or record a reviewer's approvals."""
    from sosrap import clientwork
    p, root = _load(edition)
    if p.client_work is None:
        raise clientwork.IngestError(f"edition {edition!r} has no client_work section in its params")
    if record is not None and p.client_work.synthetic_demo:
        raise clientwork.IngestError(
            f"edition {edition!r} is synthetic (client_work.synthetic_demo: true): the demo generator writes its "
            "quote approvals at every build, so approvals recorded here would not last. Review quotes in an "
            "edition with real exports.")
    sd = clientwork.stage_data(p.client_work.model_dump(), p.privacy.model_dump(), root=root, edition=edition)
    if record is None:
        c = clientwork.candidates(sd)
        typer.echo(f"{len(c)} candidate quotes, {int(c['eligible'].sum())} quotable → "
                   f"{clientwork.write_review_sheet(sd, root)}")
        return
    done, revoked, refused = clientwork.record_approvals(sd, root, record)
    typer.echo(f"approved {done}, revoked {revoked}, refused {len(refused)} → {clientwork.approvals_path(sd.cw, root)}")
    for row, why in refused:
        typer.echo(f"    row {row}: {why}")


app = typer.Typer()
app.add_typer(template_app, name="template")
app.add_typer(ingest_app, name="ingest")
app.command("quotes")(quotes)
