"""`sosrap fetch <edition>`: params → a new immutable snapshot, pinned in params.

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
from sosrap.sources.snapshot import PendingFile, Snapshot, SnapshotFile, sha256_bytes, write_snapshot
from sosrap.sources import sotkanet, statfin
from sosrap.sources.http import Fetched, HttpClient

SNAPSHOTS_DIR = Path("data") / "snapshots"
METADATA_LICENCE = "CC BY 4.0 (THL, Sotkanetin metatiedot)"

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


class _Collector:
    """New files and carried files for the snapshot being assembled."""

    def __init__(self, prev: Snapshot | None, progress: Progress):
        self.prev = prev
        self.pending: list[PendingFile] = []
        self.carry: list[tuple[SnapshotFile, Path]] = []
        self.progress = progress

    def keep(self, old: SnapshotFile) -> None:
        assert self.prev is not None
        self.carry.append((old, self.prev.path(old)))

    def add(self, path: str, f: Fetched, source: str, kind: str, key: str | None, licence: str,
            extra: dict | None = None, *, reuse_identical: bool = True) -> bool:
        """Add a response; if the previous snapshot has the same file with the
        same bytes, keep that one instead (returns True when kept)."""
        if reuse_identical and self.prev is not None:
            old = next((x for x in self.prev.files if x.path == path), None)
            if old is not None and old.sha256 == sha256_bytes(f.content) and old.url == f.url:
                self.keep(old)
                return True
        self.pending.append(PendingFile(path=path, data=f.content, source=source, kind=kind, key=key, url=f.url,
                                        retrieved=f.retrieved, licence=licence, extra=extra or {}))
        return False


def _same_base(prev: Snapshot | None, source: str, base_url: str) -> bool:
    if prev is None:
        return False
    return ((prev.meta.get("sources") or {}).get(source) or {}).get("base_url") == base_url


def _kb(n: int) -> str:
    return f"{n / 1024:.0f} kB" if n >= 1024 else f"{n} B"


def _fetch_sotkanet(params: Params, client: sotkanet.SotkanetClient, col: _Collector, prev: Snapshot | None,
                    progress: Progress) -> None:
    years = params.years.as_list()
    genders = list(params.sources.sotkanet.genders)
    carry_ok = _same_base(prev, "sotkanet", client.base_url)
    regions = client.fetch_regions()
    kept = col.add("sotkanet/regions.json", regions, "sotkanet", "regions", None, METADATA_LICENCE,
                   reuse_identical=carry_ok)
    progress(f"sotkanet regions: {len(regions.data)} regions, {'unchanged' if kept else _kb(len(regions.content))}")
    ids = [i.id for i in params.indicators]
    if params.population_indicator not in ids:
        ids.append(params.population_indicator)
    for n, iid in enumerate(ids, 1):
        meta_f = client.fetch_indicator(iid)
        info = sotkanet.parse_indicator(meta_f.data)
        licence = sotkanet.licence_for(info)
        col.add(f"sotkanet/indicators/{iid}.json", meta_f, "sotkanet", "indicator", str(iid), METADATA_LICENCE,
                extra={"data_updated": info["data_updated"]}, reuse_identical=carry_ok)
        label = f"[{n}/{len(ids)}] sotkanet {iid} {info['title_fi'][:60]}"
        old_data = prev.find("sotkanet", "data", iid) if (prev and carry_ok) else None
        old_meta = prev.find("sotkanet", "indicator", iid) if (prev and carry_ok) else None
        old_updated = None
        if old_meta is not None:
            try:
                old_updated = sotkanet.parse_indicator(prev.read_json(old_meta))["data_updated"]
            except (SnapshotError, KeyError, ValueError, TypeError):
                old_updated = None
        if (old_data is not None and info["data_updated"] and old_updated == info["data_updated"]
                and old_data.extra.get("years") == years and old_data.extra.get("genders") == genders
                and old_data.licence == licence):
            col.keep(old_data)
            progress(f"{label}: unchanged (data-updated {info['data_updated']}), kept from {prev.id}")
            continue
        data_f = client.fetch_data(iid, years, genders)
        col.add(f"sotkanet/data/{iid}.json", data_f, "sotkanet", "data", str(iid), licence,
                extra={"years": years, "genders": genders, "data_updated": info["data_updated"]},
                reuse_identical=False)
        progress(f"{label}: {len(data_f.data)} rows, {_kb(len(data_f.content))}"
                 + (f" (data-updated {old_updated} → {info['data_updated']})" if old_updated else ""))


def _table_request(params: Params, t: Any) -> dict:
    return {"path": t.path, "contents_variable": t.contents_variable,
            "selections": [s.model_dump() for s in t.selections], "years": params.years.as_list()}


def _fetch_statfin(params: Params, client: statfin.StatFinClient, col: _Collector, prev: Snapshot | None,
                   progress: Progress) -> None:
    tables = params.sources.statfin.tables
    carry_ok = _same_base(prev, "statfin", client.base_url)
    cfg = client.config()
    if client.config_fetched is not None:
        col.add("statfin/config.json", client.config_fetched, "statfin", "config", None, statfin.LICENCE,
                reuse_identical=carry_ok)
    progress(f"statfin limits: {cfg.cell_limit} cells per query, {cfg.max_calls} calls per {cfg.time_window:g} s")
    for n, t in enumerate(tables, 1):
        label = f"[{n}/{len(tables)}] statfin {t.id} ({t.path})"
        request = _table_request(params, t)
        updated, listing_url = client.fetch_updated(t.path)
        old_meta = prev.find("statfin", "metadata", t.id) if (prev and carry_ok) else None
        old_parts = [f for f in prev.files if f.source == "statfin" and f.kind == "data" and f.key == t.id] \
            if (prev and carry_ok) else []
        if (old_meta is not None and old_parts and updated and old_meta.extra.get("updated") == updated
                and old_meta.extra.get("request") == request):
            col.keep(old_meta)
            for p in old_parts:
                col.keep(p)
            progress(f"{label}: unchanged (updated {updated}), kept from {prev.id}")
            continue
        meta_f = client.fetch_metadata(t.path)
        meta = statfin.parse_metadata(meta_f.data)
        sel = client.resolve(meta, t.selections, years=params.years.as_list(), table=t.id)
        col.add(f"statfin/{t.id}/metadata.json", meta_f, "statfin", "metadata", t.id, statfin.LICENCE,
                extra={"updated": updated, "listing_url": listing_url, "request": request, "title": meta.title},
                reuse_identical=False)
        parts = client.fetch_data(t.path, sel, meta=meta, contents=t.contents_variable)
        cells = 0
        for i, f in enumerate(parts, 1):
            n_cells = statfin.cell_count({q["code"]: q["selection"]["values"] for q in f.body["query"]})
            cells += n_cells
            col.add(f"statfin/{t.id}/data-{i:03d}.json", f, "statfin", "data", t.id, statfin.LICENCE,
                    extra={"method": "POST", "query": f.body, "cells": n_cells, "updated": updated},
                    reuse_identical=False)
        progress(f"{label}: {cells} cells in {len(parts)} quer{'y' if len(parts) == 1 else 'ies'}, "
                 f"{_kb(sum(len(f.content) for f in parts))}")


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
    if pin and _is_synthetic(root / params.snapshot):
        pin = False     # the demo stays on its synthetic snapshot: a real fetch must not replace it silently
        report.notes.append(f"params/{edition}.yaml pins the synthetic snapshot {params.snapshot}; not re-pinned "
                            f"(edit `snapshot:` by hand to build from the fetched data)")
    if prev is not None:
        progress(f"previous snapshot: {prev.id} ({_rel(prev.root, root)})")

    col = _Collector(prev, progress)
    sk = sotkanet.SotkanetClient(params.sources.sotkanet.base_url, http)
    _fetch_sotkanet(params, sk, col, prev, progress)
    sources_meta: dict[str, Any] = {"sotkanet": {"base_url": sk.base_url}}
    if params.sources.statfin.tables:
        sf = statfin.StatFinClient(params.sources.statfin.base_url, http)
        _fetch_statfin(params, sf, col, prev, progress)
        report.notes += sf.notes
        sources_meta["statfin"] = {"base_url": sf.base_url}

    report.requests = http.stats.requests - before
    report.carried = sorted(f.path for f, _ in col.carry)
    report.downloaded = sorted(p.path for p in col.pending)
    if prev is not None and not col.pending:
        report.snapshot = prev.root
        report.seconds = time.perf_counter() - t0
        progress(f"nothing new: snapshot {prev.id} is up to date")
        if pin and params.snapshot != _rel(prev.root, root):
            report.pinned = pin_snapshot(params_dir(root) / f"{edition}.yaml", _rel(prev.root, root))
        return report

    now = now or _dt.datetime.now(_dt.timezone.utc)
    snap_id = f"{edition}-{_stamp(now)}"
    dest = root / SNAPSHOTS_DIR / snap_id
    k = 2
    while dest.exists():
        dest = root / SNAPSHOTS_DIR / f"{snap_id}-{k}"
        k += 1
    meta = {
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
    snap = write_snapshot(dest, meta, col.pending, carry=col.carry)
    report.snapshot, report.created = snap.root, True
    progress(f"wrote snapshot {snap.id}: {len(col.pending)} files downloaded, {len(col.carry)} kept")
    if pin:
        report.pinned = pin_snapshot(params_dir(root) / f"{edition}.yaml", _rel(snap.root, root))
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
