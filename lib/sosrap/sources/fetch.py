"""`sosrap fetch <edition>`: params → a new immutable snapshot, pinned in params.

Orchestration only: which clients the edition needs, then each client's own
fetch step (`sotkanet.fetch_into`, `statfin.fetch_into`) adds its files to a
`snapshot.Draft`, and `write_snapshot` writes the result.

What the edition declares (Sotkanet indicators + the population indicator,
years, genders; StatFin tables) is downloaded into memory, checked by the
clients, and written with `write_snapshot` (temporary folder, renamed only
when complete). An error or Ctrl-C therefore leaves no partial snapshot and
never touches the previous one.

No redundant downloads: small "probe" responses are always fetched (Sotkanet
regions and indicator metadata, the StatFin `?config` and folder listing),
and the large ones are carried over from the previous snapshot when the probe
says nothing changed:

- a Sotkanet data file is kept when the indicator's `data-updated` and the
  requested years/genders are the same;
- a StatFin table is kept when its `updated` stamp (folder listing) and the
  request in params are the same;
- a probe whose bytes are identical to the previous one is kept too, with its
  original retrieval time.

When nothing at all is new, no snapshot is written and params stay as they are.
"""
from __future__ import annotations

import datetime as _dt
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sosrap import __version__
from sosrap.errors import FetchError, SnapshotError
from sosrap.params import Params, load, params_dir
from sosrap.paths import atomic_write, project_root
from sosrap.sources import sotkanet, statfin
from sosrap.sources.http import HttpClient
from sosrap.sources.snapshot import Draft, Snapshot, write_snapshot

SNAPSHOTS_DIR = Path("data") / "snapshots"

Progress = Callable[[str], None]


@dataclass
class FetchReport:
    """What a fetch did; `snapshot` is the new one, or the unchanged previous."""
    edition: str
    snapshot: Path | None
    created: bool
    previous: Path | None
    downloaded: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    pinned: tuple[str | None, str] | None = None      # (old, new) `snapshot:` values
    notes: list[str] = field(default_factory=list)


def _stamp(now: _dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ")


def previous_snapshot(params: Params, root: Path) -> Snapshot | None:
    """The snapshot a re-fetch compares against: the pinned one if it exists and
    is real data, else the newest `data/snapshots/<edition>-*` that opens."""
    candidates = [root / params.snapshot]
    candidates += sorted((root / SNAPSHOTS_DIR).glob(f"{params.edition}-*"), reverse=True)
    for c in candidates:
        if c.name.startswith("."):
            continue
        try:
            snap = Snapshot.open(c)
        except SnapshotError:
            continue
        if not snap.synthetic:
            return snap
    return None


def _fetch_sources(params: Params, http: HttpClient, draft: Draft, report: FetchReport,
                   progress: Progress) -> dict[str, Any]:
    """Run each source's fetch step the edition needs; returns the snapshot's `sources` entry."""
    sk = sotkanet.SotkanetClient(params.sources.sotkanet.base_url, http)
    ids = [i.id for i in params.indicators]
    if params.population_indicator not in ids:
        ids.append(params.population_indicator)
    sotkanet.fetch_into(draft, sk, ids, params.years.as_list(), params.sources.sotkanet.genders, progress)
    sources_meta: dict[str, Any] = {"sotkanet": {"base_url": sk.base_url}}
    if params.sources.statfin.tables:
        sf = statfin.StatFinClient(params.sources.statfin.base_url, http)
        statfin.fetch_into(draft, sf, params.sources.statfin.tables, params.years.as_list(), progress)
        report.notes += sf.notes
        sources_meta["statfin"] = {"base_url": sf.base_url}
    return sources_meta


def _new_dest(root: Path, edition: str, now: _dt.datetime) -> Path:
    """`data/snapshots/<edition>-<UTC stamp>`, with `-2`, `-3` … if taken."""
    snap_id = f"{edition}-{_stamp(now)}"
    dest = root / SNAPSHOTS_DIR / snap_id
    k = 2
    while dest.exists():
        dest = root / SNAPSHOTS_DIR / f"{snap_id}-{k}"
        k += 1
    return dest


def _snapshot_meta(edition: str, params: Params, dest: Path, now: _dt.datetime, sources_meta: dict[str, Any],
                   prev: Snapshot | None) -> dict[str, Any]:
    return {
        "id": dest.name,
        "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "synthetic": False,
        "edition": edition,
        "description": ("Sotkanet" + (" ja Tilastokeskus" if "statfin" in sources_meta else "")
                        + f": painoksen {edition} aineisto, vuodet {params.years.start}–{params.years.end}, "
                        f"haettu {now.date().isoformat()}."),
        "generator": f"sosrap {__version__} fetch",
        "sources": sources_meta,
        "previous": prev.id if prev else None,
        "request": {"years": params.years.as_list(), "genders": list(params.sources.sotkanet.genders),
                    "indicators": sorted({i.id for i in params.indicators} | {params.population_indicator}),
                    "statfin_tables": [t.id for t in params.sources.statfin.tables]},
    }


def _may_pin(edition: str, params: Params, root: Path, report: FetchReport, pin: bool) -> bool:
    """False when the edition pins the synthetic snapshot (noted in the report)."""
    if pin and _is_synthetic(root / params.snapshot):
        # the demo stays on its synthetic snapshot: a real fetch must not replace it silently
        report.notes.append(f"params/{edition}.yaml pins the synthetic snapshot {params.snapshot}; "
                            f"not re-pinned (edit `snapshot:` by hand to build from the fetched data)")
        return False
    return pin


def fetch_edition(edition: str, *, root: Path | None = None, pin: bool = True, http: HttpClient | None = None,
                  progress: Progress | None = None, now: _dt.datetime | None = None) -> FetchReport:
    """Fetch what params/<edition>.yaml declares into a new snapshot and pin it.

    Base URLs: params `sources.*.base_url`, overridden by SOSRAP_SOTKANET_URL /
    SOSRAP_STATFIN_URL. Raises `FetchError` (naming URL and indicator/table)
    when a source fails after retries; nothing is written then."""
    t0 = time.perf_counter()
    root = root or project_root()
    progress = progress or (lambda msg: None)
    params = load(edition, root)
    http = http or HttpClient()
    before = http.stats.requests
    prev = previous_snapshot(params, root)
    report = FetchReport(edition=edition, snapshot=None, created=False, previous=prev.root if prev else None)
    pin = _may_pin(edition, params, root, report, pin)
    if prev is not None:
        progress(f"previous snapshot: {prev.id} ({_rel(prev.root, root)})")

    draft = Draft(prev)
    sources_meta = _fetch_sources(params, http, draft, report, progress)
    report.requests = http.stats.requests - before
    report.carried = sorted(f.path for f, _ in draft.carry)
    report.downloaded = sorted(p.path for p in draft.pending)
    params_file = params_dir(root) / f"{edition}.yaml"
    if prev is not None and not draft.pending:
        report.snapshot = prev.root
        report.seconds = time.perf_counter() - t0
        progress(f"nothing new: snapshot {prev.id} is up to date")
        if pin and params.snapshot != _rel(prev.root, root):
            report.pinned = pin_snapshot(params_file, _rel(prev.root, root))
        return report

    now = now or _dt.datetime.now(_dt.timezone.utc)
    dest = _new_dest(root, edition, now)
    snap = write_snapshot(dest, _snapshot_meta(edition, params, dest, now, sources_meta, prev), draft.pending,
                          carry=draft.carry)
    report.snapshot, report.created = snap.root, True
    progress(f"wrote snapshot {snap.id}: {len(draft.pending)} files downloaded, {len(draft.carry)} kept")
    if pin:
        report.pinned = pin_snapshot(params_file, _rel(snap.root, root))
    report.seconds = time.perf_counter() - t0
    return report


def _is_synthetic(path: Path) -> bool:
    try:
        return Snapshot.open(path).synthetic
    except SnapshotError:
        return False


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


_SNAPSHOT_LINE = re.compile(r"^snapshot:[ \t]*(?P<value>[^#\n]*?)(?P<tail>[ \t]*(#[^\n]*)?)$", re.MULTILINE)


def pin_snapshot(params_file: Path, rel: str) -> tuple[str | None, str]:
    """Point the edition's top-level `snapshot:` at *rel*, changing only that
    line (comments and layout stay). Returns (old value, new value)."""
    text = params_file.read_text(encoding="utf-8")
    m = _SNAPSHOT_LINE.search(text)
    if m:
        old = m.group("value").strip().strip("'\"") or None
        new_text = text[:m.start("value")] + rel + text[m.end("value"):]
    else:
        old = None
        new_text = text + ("" if text.endswith("\n") else "\n") + f"snapshot: {rel}\n"
    if new_text != text:
        atomic_write(params_file, new_text)
    return old, rel


__all__ = ["FetchReport", "FetchError", "fetch_edition", "pin_snapshot", "previous_snapshot"]
