"""`sosrap new-edition 2027 --from 2026`: next year's report, scaffolded.

Writes `params/<new>.yaml` and `reports/<new>/` from an earlier edition:

* params: the edition name, the year in the title, the data years (the last
  year moves by the same number of years as the edition), the report folder,
  and the snapshot pin set to a not-yet-fetched folder (so `sosrap fetch <new>`
  is the next step and a build before it says so);
* metadata: the new year and date, version 1.0.0, an empty changelog, and no
  DOI/ISBN/PDF URL (a new edition gets identifiers of its own);
* client-work inputs: the private paths move to `data/private/<new>/`;
* the report sources the old edition owns are copied as they are (its
  `_quarto.yml` and the chapters it overrides; the chapters in
  `reports/_shared/` stay there, shared by both); the proposals register is
  carried forward (`previous: <from>`, every proposal with its status history)
  so that the new report follows them up.

Nothing is overwritten: an existing params file or report folder is an error.
"""
from __future__ import annotations

import datetime as _dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from sosrap import params as _params
from sosrap.report import proposals, staging
from sosrap.errors import SosrapError
from sosrap.paths import deep_merge, project_root

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass
class NewEdition:
    edition: str
    params_file: Path
    report_dir: Path
    snapshot: str
    year: int
    carried: int              # proposals carried forward
    years_end: int = 0        # the new edition's last data year
    clamped_from: int | None = None   # the year it would have moved to, past the pinned snapshot's data


def _year_of(edition: str, p: _params.Params) -> int:
    if p.metadata is not None:
        return p.metadata.year
    if edition.isdigit():
        return int(edition)
    return p.years.end + 1


def _replace_year(value, old: int, new: int):
    if isinstance(value, str):
        return re.sub(rf"(?<!\d){old}(?!\d)", str(new), value)
    return value


def _same_day(d: _dt.date, year: int) -> _dt.date:
    try:
        return d.replace(year=year)
    except ValueError:          # 29 February
        return d.replace(year=year, day=28)


def _params_data(raw: dict, old: _params.Params, from_edition: str, new: str, old_year: int, new_year: int,
                 snap: str) -> dict:
    """The new edition's params: names, years and the snapshot pin moved on."""
    delta = new_year - old_year
    data = dict(raw)
    data["edition"] = new
    for key in ("title", "subtitle"):
        if key in data:
            data[key] = _replace_year(data[key], old_year, new_year)
    years = dict(data.get("years") or {"start": old.years.start, "end": old.years.end})
    years["end"] = int(years.get("end", old.years.end)) + delta
    data["years"] = years
    data["snapshot"] = snap
    data["report"] = f"reports/{new}"
    if isinstance(data.get("client_work"), dict):
        # each year's client-work exports are its own private inputs
        cw = dict(data["client_work"])
        for key in ("phenomena_file", "survey_file", "screen_names_file", "quote_approvals_file"):
            if isinstance(cw.get(key), str):
                cw[key] = cw[key].replace(f"data/private/{from_edition}/", f"data/private/{new}/")
        data["client_work"] = cw
    if isinstance(data.get("metadata"), dict):
        data["metadata"] = _metadata(data["metadata"], old, old_year, new_year)
    return data


def _metadata(raw: dict, old: _params.Params, old_year: int, new_year: int) -> dict:
    """Version 1.0.0 on the same day a year on, no changelog, no identifiers of the old edition."""
    meta = dict(raw)
    meta["year"] = new_year
    meta["version"] = "1.0.0"
    if old.metadata is not None:
        meta["date"] = _same_day(old.metadata.date, old.metadata.date.year + new_year - old_year)
    meta["changelog"] = []
    for key in ("doi", "isbn", "pdf_url"):
        meta.pop(key, None)
    for key in ("title_en", "number", "url"):
        if key in meta:
            meta[key] = _replace_year(meta[key], old_year, new_year)
    return meta


def _params_text(data: dict, new: str, from_edition: str, pdir: Path) -> str:
    """The params file, validated before anything is written: the new params must load."""
    header = (f"# Edition {new}, scaffolded by `sosrap new-edition {new} --from {from_edition}` from\n"
              f"# params/{from_edition}.yaml (see it for the comments). Next steps:\n"
              f"#   sosrap fetch {new}     downloads the data and pins `snapshot:` below\n"
              f"#   sosrap build {new}     builds the report (reports/{new}/)\n"
              f"# Update metadata (date, abstract, authors) and the proposals' status in\n"
              f"# reports/{new}/proposals.yaml before publishing.\n")
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
    try:
        defaults = pdir / _params.DEFAULTS_NAME
        base = yaml.safe_load(defaults.read_text(encoding="utf-8")) or {} if defaults.is_file() else {}
        _params.validate(deep_merge(base, yaml.safe_load(body)), [pdir / f"{from_edition}.yaml"])
    except SosrapError as e:
        raise SosrapError(f"the scaffolded params for {new} would be invalid: {e}") from None
    return header + body


def report_files(src_report: Path, report_dir: Path, language: str = "fi") -> dict[str, Path]:
    """What the new edition's report folder gets: the files the source edition
    owns (its overrides of `reports/_shared/` included), never the shared files
    themselves, which both editions read from `_shared/`, and never the
    register (carried forward separately). A source outside the new edition's
    `_shared/` neighbourhood takes its composed sources along (in *language*: the shared folder
    of a Swedish edition is `_shared-sv/`)."""
    if staging.shared_dir(src_report, language).resolve() == staging.shared_dir(report_dir, language).resolve():
        files = staging.own_files(src_report)
    else:
        files = staging.source_files(src_report, language)
    return {rel: p for rel, p in files.items() if Path(rel).name != proposals.REGISTER}


def _write_report(src_report: Path, report_dir: Path, from_edition: str, params_file: Path, text: str,
                  language: str = "fi") -> None:
    """Copy the report sources, carry the register forward, write the params; all or nothing."""
    try:
        report_dir.mkdir(parents=True)
        for rel, path in report_files(src_report, report_dir, language).items():
            (report_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, report_dir / rel)
        register = proposals.carry_forward(src_report / proposals.REGISTER, from_edition)
        (report_dir / proposals.REGISTER).write_text(register, encoding="utf-8")
        params_file.write_text(text, encoding="utf-8")
    except BaseException:
        shutil.rmtree(report_dir, ignore_errors=True)
        raise


def new_edition(new: str, *, from_edition: str, root: Path | None = None, snapshot: str | None = None,
                year: int | None = None) -> NewEdition:
    """Scaffold edition *new* from *from_edition* (see the module docstring)."""
    project = root or project_root()
    if not NAME.match(new):
        raise SosrapError(f"edition name {new!r}: use letters, digits, '.', '_' or '-' (e.g. 2027)")
    pdir = _params.params_dir(project)
    target = pdir / f"{new}.yaml"
    if target.exists():
        raise SosrapError(f"{target} already exists; new-edition never overwrites an edition")
    old = _params.load(from_edition, project)
    raw = yaml.safe_load((pdir / f"{from_edition}.yaml").read_text(encoding="utf-8")) or {}
    old_year = _year_of(from_edition, old)
    new_year = year or (int(new) if new.isdigit() else old_year + 1)

    report_dir = project / "reports" / new
    if report_dir.exists():
        raise SosrapError(f"{report_dir} already exists; new-edition never overwrites a report")
    src_report = project / old.report
    if not (src_report / "_quarto.yml").is_file():
        raise SosrapError(f"{src_report}: edition {from_edition}'s report sources are missing (no _quarto.yml); "
                          f"new-edition copies them, so create them first (e.g. from reports/demo)")

    snap = snapshot or f"data/snapshots/{new}-not-fetched-yet"
    data = _params_data(raw, old, from_edition, new, old_year, new_year, snap)
    clamped_from = _clamp_to_snapshot(data, project / snap, old) if snapshot else None
    text = _params_text(data, new, from_edition, pdir)
    _write_report(src_report, report_dir, from_edition, target, text, old.language)
    carried = len(proposals.read_register(src_report / proposals.REGISTER, from_edition).proposals)
    return NewEdition(new, target, report_dir, snap, new_year, carried, int(data["years"]["end"]), clamped_from)


def _clamp_to_snapshot(data: dict, snap_path: Path, old: _params.Params) -> int | None:
    """With a snapshot pinned that is already here, keep `years.end` within its data.

    The last year moves on with the edition, but a snapshot fetched before the
    new year's statistics are out ends earlier; the build would refuse such
    params, so the scaffold writes the last year the snapshot has and the CLI
    says so. Returns the year it would have written, or None.
    """
    if not snap_path.is_dir():
        return None
    from sosrap.pipeline.preflight import data_years
    from sosrap.sources.snapshot import Snapshot
    years = data_years(Snapshot.open(snap_path, verify=False), [i.id for i in old.indicators])
    wanted = int(data["years"]["end"])
    if not years or wanted <= max(years):
        return None
    data["years"]["end"] = max(years)
    return wanted
