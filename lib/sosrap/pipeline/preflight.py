"""Checks of an edition's params against its snapshot that run before any
kernel starts (`build`, `status` and `doctor` run the same ones): every
indicator is in the snapshot, and `years.end` is not past the data.
"""
from __future__ import annotations

from pathlib import Path

from sosrap.errors import SnapshotError
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


def data_years(snap: Snapshot, indicator_ids: list[int]) -> set[int]:
    """The years the snapshot has values for, over the given indicators."""
    years: set[int] = set()
    for ind in indicator_ids:
        f = snap.find(SOURCE, "data", ind)
        if f is None:
            continue
        rows = snap.read_json(f)
        years |= {int(r["year"]) for r in rows if isinstance(r, dict) and r.get("year") is not None
                  and r.get("value") is not None}
    return years


def check(params: Params, snap: Snapshot) -> None:
    """Raise SnapshotError naming the params key when the params ask for what the snapshot lacks."""
    where = f"params/{params.edition}.yaml"
    problems = []
    wanted = [(f"indicators[{i}].id", ind.id) for i, ind in enumerate(params.indicators)]
    wanted.append(("population_indicator", params.population_indicator))
    for key, ind in wanted:
        missing = [kind for kind in ("data", "indicator") if snap.find(SOURCE, kind, ind) is None]
        if missing:
            problems.append(f"{where}: {key}: indicator {ind} is not in snapshot {snap.id!r} "
                            f"(no {' and no '.join(missing)} file)")
    years = data_years(snap, [i.id for i in params.indicators])
    if years and params.years.end > max(years):
        problems.append(f"{where}: years.end: {params.years.end} is past the data: snapshot {snap.id!r} has "
                        f"values for {min(years)}–{max(years)}; set years.end to {max(years)} at most")
    if problems:
        hint = (f"\n  fetch a snapshot that has them (`sosrap fetch {params.edition}` on a connected machine) "
                f"or change the params") if any("is not in snapshot" in p for p in problems) else ""
        raise SnapshotError("the params ask for data the snapshot does not have:\n  " + "\n  ".join(problems)
                            + hint)
