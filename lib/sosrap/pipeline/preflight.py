"""Checks of an edition's params against its snapshot that run before any
kernel starts (`build`, `status` and `doctor` run the same ones): every
indicator is in the snapshot, and `years.end` is not past the data.
"""
from __future__ import annotations

import json
from pathlib import Path

from sosrap.errors import SnapshotError
from sosrap.paths import atomic_write
from sosrap.params import Params
from sosrap.sources.snapshot import Snapshot

SOURCE = "sotkanet"


def open_verified(project: Path, params: Params) -> Snapshot:
    """The pinned snapshot with every file's sha256 checked, as a build opens it."""
    path = project / params.snapshot
    if not path.exists():
        raise SnapshotError(f"params/{params.edition}.yaml pins snapshot {params.snapshot}, which does not exist "
                            f"yet: run `sosrap fetch {params.edition}` on a connected machine first (a build "
                            "never touches the network)")
    return Snapshot.open(path, verify=True)


#: format of the years cache (`data_years`)
YEARS_CACHE_FORMAT = "sosrap-data-years/1"


def _file_years(snap: Snapshot, f) -> set[int]:
    rows = snap.read_json(f)
    return {int(r["year"]) for r in rows if isinstance(r, dict) and r.get("year") is not None
            and r.get("value") is not None}


def _read_years_cache(cache: Path | None) -> dict[str, list[int]]:
    if cache is None:
        return {}
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):      # missing or damaged: read the data files
        return {}
    if not isinstance(data, dict) or data.get("format") != YEARS_CACHE_FORMAT:
        return {}
    if not isinstance(data.get("years"), dict):
        return {}
    return {k: v for k, v in data["years"].items()
            if isinstance(v, list) and all(isinstance(y, int) and not isinstance(y, bool) for y in v)}


def _years_per_file(snap: Snapshot, indicator_ids: list[int], known: dict[str, list[int]]) -> dict[str, list[int]]:
    """The years of each data file of the indicators, by sha256: from *known* (the cache), else read."""
    per_file: dict[str, list[int]] = {}
    for ind in indicator_ids:
        f = snap.find(SOURCE, "data", ind)
        if f is not None and f.sha256 not in per_file:
            per_file[f.sha256] = known[f.sha256] if f.sha256 in known else sorted(_file_years(snap, f))
    return per_file


def _all_years(per_file: dict[str, list[int]]) -> set[int]:
    return {y for ys in per_file.values() for y in ys}


def data_years(snap: Snapshot, indicator_ids: list[int], cache: Path | None = None) -> set[int]:
    """The years the snapshot has values for, over the given indicators.

    *cache*: a JSON file of the years per data file, keyed by the file's sha256 in the snapshot's
    manifest (a build keeps it in its `state/`), so that a rebuild does not parse the data files
    again; only read here (`check` writes it when the params pass). The key is the content's
    hash, so an entry is only reused for the same bytes: a build opens its snapshot with every
    file's sha256 checked (`open_verified`) first."""
    return _all_years(_years_per_file(snap, indicator_ids, _read_years_cache(cache)))


def _write_years_cache(cache: Path, per_file: dict[str, list[int]], known: dict[str, list[int]]) -> None:
    if any(known.get(k) != v for k, v in per_file.items()):
        atomic_write(cache, json.dumps({"format": YEARS_CACHE_FORMAT, "years": dict(sorted(per_file.items()))},
                                       indent=0) + "\n")


def check(params: Params, snap: Snapshot, years_cache: Path | None = None) -> None:
    """Raise SnapshotError naming the params key when the params ask for what the snapshot lacks.
    *years_cache*: see `data_years`."""
    where = f"params/{params.edition}.yaml"
    problems = []
    wanted = [(f"indicators[{i}].id", ind.id) for i, ind in enumerate(params.indicators)]
    wanted.append(("population_indicator", params.population_indicator))
    for key, ind in wanted:
        missing = [kind for kind in ("data", "indicator") if snap.find(SOURCE, kind, ind) is None]
        if missing:
            problems.append(f"{where}: {key}: indicator {ind} is not in snapshot {snap.id!r} "
                            f"(no {' and no '.join(missing)} file)")
    known = _read_years_cache(years_cache)
    per_file = _years_per_file(snap, [i.id for i in params.indicators], known)
    years = _all_years(per_file)
    if years and params.years.end > max(years):
        problems.append(f"{where}: years.end: {params.years.end} is past the data: snapshot {snap.id!r} has "
                        f"values for {min(years)}–{max(years)}; set years.end to {max(years)} at most")
    if problems:
        hint = (f"\n  fetch a snapshot that has them (`sosrap fetch {params.edition}` on a connected machine) "
                f"or change the params") if any("is not in snapshot" in p for p in problems) else ""
        raise SnapshotError("the params ask for data the snapshot does not have:\n  " + "\n  ".join(problems)
                            + hint)
    if years_cache is not None:          # only a build that goes on keeps it (in its state folder)
        _write_years_cache(years_cache, per_file, known)
