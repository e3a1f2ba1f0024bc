"""Immutable data snapshots: raw API responses plus a manifest.

A snapshot is a folder::

    <snapshot>/snapshot.json            manifest (format, id, created, synthetic, files[])
    <snapshot>/sotkanet/regions.json    raw GET /regions
    <snapshot>/sotkanet/indicators/<id>.json   raw GET /indicators/<id>
    <snapshot>/sotkanet/data/<id>.json  raw GET /json?indicator=<id>&years=...&genders=total

Every file entry records where the bytes came from (url), when (retrieved),
what they are (sha256, bytes) and under which licence. Snapshots are written
to a temporary sibling folder and renamed into place only when complete, so
an error or Ctrl-C never leaves a partial snapshot, and existing snapshots are
never modified. Builds read snapshots only; they never touch the network.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from sosrap.errors import SnapshotError
from sosrap.paths import AtomicDir

if TYPE_CHECKING:   # a build opens snapshots; only a fetch needs the HTTP client
    from sosrap.sources.http import Fetched

FORMAT = "sosrap-snapshot/1"
MANIFEST = "snapshot.json"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: sha256 of files already read in this process, by their stat signature (device, inode, size,
#: modification and change times): a build hashes the same package modules, notebooks and data
#: files for several stages, the render and the manifest
_HASHED: dict[tuple, str] = {}
#: a file changed this recently is always read again: on a file system with coarse times, a second
#: write within the same tick would keep the signature (git's "racy" index entries)
RACY_NS = 2_000_000_000


def sha256_file(path: Path) -> str:
    st = os.stat(path)
    sig = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    hit = _HASHED.get(sig)
    if hit is not None:
        return hit
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS:
        _HASHED[sig] = digest
    return digest


@dataclass(frozen=True)
class SnapshotFile:
    path: str               # relative to the snapshot folder, POSIX separators
    source: str             # "sotkanet" | "statfin" | ...
    kind: str               # "regions" | "indicator" | "data" | ...
    key: str | None         # e.g. the indicator id
    url: str
    retrieved: str          # ISO 8601 UTC
    sha256: str
    bytes: int
    licence: str
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        d = {k: getattr(self, k) for k in
             ("path", "source", "kind", "key", "url", "retrieved", "sha256", "bytes", "licence")}
        if self.extra:
            d["extra"] = self.extra
        return d

    @classmethod
    def from_json(cls, d: dict) -> "SnapshotFile":
        return cls(path=d["path"], source=d["source"], kind=d["kind"], key=d.get("key"), url=d["url"],
                   retrieved=d["retrieved"], sha256=d["sha256"], bytes=d["bytes"],
                   licence=d.get("licence", ""), extra=d.get("extra", {}))


@dataclass(frozen=True)
class Snapshot:
    root: Path
    meta: dict
    files: tuple[SnapshotFile, ...]

    @property
    def id(self) -> str:
        return self.meta["id"]

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic"))

    @property
    def created(self) -> str:
        return self.meta.get("created", "")

    @classmethod
    def open(cls, root: Path | str, *, verify: bool = False) -> "Snapshot":
        root = Path(root)
        mpath = root / MANIFEST
        if not mpath.is_file():
            raise SnapshotError(f"{root}: not a snapshot (no {MANIFEST}); run `sosrap fetch` or check "
                                f"the edition's `snapshot:` path")
        try:
            meta = json.loads(mpath.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise SnapshotError(f"{mpath}: not valid JSON: {e}") from None
        if meta.get("format") != FORMAT:
            raise SnapshotError(f"{mpath}: unknown format {meta.get('format')!r} (expected {FORMAT})")
        files = tuple(SnapshotFile.from_json(d) for d in meta.get("files", []))
        snap = cls(root=root, meta=meta, files=files)
        for f in files:
            p = root / f.path
            if not p.is_file():
                raise SnapshotError(f"{root}: file listed in {MANIFEST} is missing: {f.path}")
            if verify and sha256_file(p) != f.sha256:
                raise SnapshotError(f"{p}: sha256 differs from {MANIFEST}; snapshots are immutable — "
                                    f"fetch a new snapshot instead of editing this one")
        return snap

    def find(self, source: str, kind: str, key: str | int | None = None) -> SnapshotFile | None:
        key = None if key is None else str(key)
        for f in self.files:
            if f.source == source and f.kind == kind and (key is None or f.key == key):
                return f
        return None

    def require(self, source: str, kind: str, key: str | int | None = None) -> SnapshotFile:
        f = self.find(source, kind, key)
        if f is None:
            what = f"{source} {kind}" + (f" {key}" if key is not None else "")
            raise SnapshotError(f"{self.root}: snapshot {self.id!r} has no {what}; "
                                f"add it to the edition's params and run `sosrap fetch`")
        return f

    def path(self, f: SnapshotFile) -> Path:
        return self.root / f.path

    def read_json(self, f: SnapshotFile) -> Any:
        p = self.path(f)
        try:
            return json.loads(p.read_bytes())
        except json.JSONDecodeError as e:
            raise SnapshotError(f"{p}: not valid JSON ({e}); the snapshot is damaged") from None

    def input_hashes(self) -> dict[str, str]:
        """sha256 of the manifest and every file, keyed by path relative to the snapshot."""
        out = {MANIFEST: sha256_file(self.root / MANIFEST)}
        out.update({f.path: f.sha256 for f in self.files})
        return out


@dataclass
class PendingFile:
    """One file to be written into a new snapshot."""
    path: str
    data: bytes
    source: str
    kind: str
    key: str | None
    url: str
    retrieved: str
    licence: str
    extra: dict = field(default_factory=dict)


class Draft:
    """A snapshot being assembled by `sosrap fetch`: new responses (`pending`)
    and files carried over unchanged from the previous snapshot (`carry`).
    Each source client adds its own files (`sotkanet.fetch_into`,
    `statfin.fetch_into`); `write_snapshot(dest, meta, draft.pending,
    carry=draft.carry)` then writes them."""

    def __init__(self, prev: Snapshot | None):
        self.prev = prev
        self.pending: list[PendingFile] = []
        self.carry: list[tuple[SnapshotFile, Path]] = []

    def previous(self, source: str, base_url: str) -> Snapshot | None:
        """The previous snapshot if it was fetched from the same *base_url* for
        *source* (only then may its files be carried over), else None."""
        if self.prev is None:
            return None
        same = ((self.prev.meta.get("sources") or {}).get(source) or {}).get("base_url") == base_url
        return self.prev if same else None

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


def size_text(n: int) -> str:
    """A byte count for progress lines: "12 kB", "512 B"."""
    return f"{n / 1024:.0f} kB" if n >= 1024 else f"{n} B"


def write_snapshot(dest: Path, meta: dict, files: Iterable[PendingFile], *, carry: Iterable[tuple[SnapshotFile, Path]] = ()) -> Snapshot:
    """Write a complete snapshot at *dest* atomically.

    *meta* gives id, created, synthetic, description and anything else to keep;
    *carry* re-uses unchanged files from an older snapshot (copied, not linked,
    so each snapshot stands alone). Fails if *dest* exists: snapshots are
    immutable.
    """
    dest = Path(dest)
    if dest.exists():
        raise SnapshotError(f"{dest} already exists; snapshots are immutable (choose a new id)")
    with AtomicDir(dest, replace=False) as d:
        tmp = d.path
        entries: list[SnapshotFile] = []
        for old, old_path in carry:
            target = tmp / old.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(old_path, target)
            entries.append(old)
        for pf in files:
            target = tmp / pf.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(pf.data)
            entries.append(SnapshotFile(path=pf.path, source=pf.source, kind=pf.kind, key=pf.key,
                                        url=pf.url, retrieved=pf.retrieved, sha256=sha256_bytes(pf.data),
                                        bytes=len(pf.data), licence=pf.licence, extra=pf.extra))
        entries.sort(key=lambda e: e.path)
        full = {"format": FORMAT, **meta, "files": [e.to_json() for e in entries]}
        (tmp / MANIFEST).write_text(json.dumps(full, ensure_ascii=False, indent=1, sort_keys=False) + "\n",
                                    encoding="utf-8")
    return Snapshot.open(dest)
