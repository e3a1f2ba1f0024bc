"""The no-op rebuild in a few milliseconds: nothing a build reads or wrote has changed.

At the end of a successful build, `write` records in `<build>/state/stamp.json`
the build's options and a stat signature (size, modification and change
time, inode) of every file and folder it read or wrote: params, notebooks,
the snapshot, the report sources, the area tables, the declared private
files, the helper package, the render engine, the installed packages' folder,
and the build folder itself. `fresh` compares that with the files now, with
`os.stat` alone and none of the heavy imports a build needs: when everything
is as the last build left it, the stages are all fresh and the render is
too, so the build only rewrites its manifest (`refresh_manifest`).

Anything else takes the ordinary path, which decides stage by stage from
content hashes: the stamp is removed when a build starts, so a failed or
interrupted build never leaves one. Files changed within `RACY_NS` before the
stamp was taken are recorded by content hash too, since a second write in the
same clock tick can keep size and times (git's "racy clean" problem).
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sosrap.paths import atomic_write
from sosrap.pipeline.vcs import git_commit

STAMP = "stamp.json"
FORMAT = "sosrap-stamp/1"
#: files modified this close (ns) before the stamp are also checked by content
RACY_NS = 200_000_000
#: folders that change on their own (bytecode caches, editor checkpoints)
SKIP = ("__pycache__", ".ipynb_checkpoints")
#: environment variables a build reads
ENV = ("SOSRAP_ROOT", "SOSRAP_QUARTO_LANGUAGE", "SOURCE_DATE_EPOCH", "PATH")


def stamp_file(build_root: Path) -> Path:
    return Path(build_root) / "state" / STAMP


def _sha(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None                                        # recorded as absent
    return [-1 if stat.S_ISDIR(st.st_mode) else st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _walk(root: str, out: dict, own: str, depth: int | None = None) -> None:
    """Signatures of the files of *root* (a file, or a folder *depth* levels deep; None: all)
    into *out*, the stamp file *own* left out. A folder counts by the files in it (added or
    removed ones change the keys), not by its own times, which bytecode caches move."""
    sig = _stat(root)
    if sig is None or sig[0] != -1:
        out[root] = sig
        return
    out[root] = "dir"
    with os.scandir(root) as it:
        for entry in sorted(it, key=lambda e: e.name):
            if entry.name in SKIP or entry.path == own:
                continue
            if entry.is_dir(follow_symlinks=True):
                if depth is None:
                    _walk(entry.path, out, own)
            else:
                out[entry.path] = _stat(entry.path)


def signature(roots: Iterable[str], build_root: Path) -> dict:
    """*roots*: ``tree:PATH`` (a folder and everything in it, or a file), ``top:PATH`` (the files
    directly in a folder) or ``stat:PATH`` (the folder itself, by its times: a package
    installed or removed changes them)."""
    out: dict = {}
    own = str(stamp_file(build_root))
    for spec in sorted(set(roots)):
        kind, _, path = spec.partition(":")
        if kind == "stat":
            out[spec] = _stat(path)
        else:
            _walk(path, out, own, None if kind == "tree" else 1)
    return out


def build_roots(build_root: Path, parts: Iterable[str]) -> list[str]:
    """A build folder as a build writes it: the files at its top and its own subfolders (not the
    folders of other builds inside it, such as a batch's areas)."""
    root = Path(build_root)
    return [f"top:{root}", *(f"tree:{root / p}" for p in parts)]


def options_key(**options) -> dict:
    """What must be the same for a build to be the same: its options, the interpreter, the environment."""
    return {**{k: (str(v) if isinstance(v, Path) else v) for k, v in options.items()},
            "python": sys.executable, "env": {k: os.environ.get(k) for k in ENV}}


def environment_roots() -> list[str]:
    """The installed packages' folders (an upgrade re-runs the ordinary path)."""
    paths = sysconfig.get_paths()
    return [f"stat:{p}" for p in sorted({paths["purelib"], paths["platlib"]})]


def write(build_root: Path, key: dict, roots: Iterable[str], result: dict) -> None:
    """Record that a build with *key* just succeeded, reading and writing *roots*; *result* is
    what `fresh` hands back (outputs, files, engine, stage names, …)."""
    now = time.time_ns()
    sig = signature(roots, build_root)
    racy = {p: _sha(p) for p, s in sig.items()
            if isinstance(s, list) and s[0] >= 0 and not p.startswith("stat:") and max(s[1], s[2]) >= now - RACY_NS}
    atomic_write(stamp_file(build_root), json.dumps(
        {"stamp": FORMAT, "key": key, "roots": sorted(set(roots)), "signature": sig,
         "racy": racy, "result": result}, sort_keys=True) + "\n")


def remove(build_root: Path) -> None:
    stamp_file(build_root).unlink(missing_ok=True)


def changes(build_root: Path, key: dict) -> tuple[dict | None, set[str]]:
    """(the stamp, the paths whose signature or, for racy entries, content changed since it was
    written); (None, empty) when there is no stamp for *key*."""
    try:
        data = json.loads(stamp_file(build_root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, set()
    if not isinstance(data, dict) or data.get("stamp") != FORMAT or data.get("key") != key:
        return None, set()
    now, old = signature(data["roots"], build_root), data["signature"]
    changed = set() if now == old else {p for p in now.keys() | old.keys() if now.get(p) != old.get(p)}
    for p, h in data.get("racy", {}).items():
        if p not in changed:
            try:
                if _sha(p) != h:
                    changed.add(p)
            except OSError:
                changed.add(p)
    return data, changed


def fresh(build_root: Path, key: dict) -> dict | None:
    """The recorded result when nothing changed since the stamp was written, else None."""
    data, changed = changes(build_root, key)
    return data if data is not None and not changed else None


@dataclass(frozen=True)
class Probe:
    """A build's stamp compared with the files now (`probe`)."""
    data: dict | None                  # the stamp; None: no stamp for these options
    changed: frozenset[str]            # what changed since (paths, ``stat:`` roots)

    def only_within(self, folder: Path, but: Iterable[Path] = ()) -> bool:
        """Something changed, all of it inside *folder*, none of it one of *but*."""
        inside, excluded = str(folder), {str(p) for p in but}
        return (self.data is not None and bool(self.changed)
                and all((p == inside or p.startswith(inside + os.sep)) and p not in excluded for p in self.changed))


def probe(edition: str, *, project: Path, build_root: Path, **options) -> Probe:
    data, changed = changes(build_root, build_key(edition, project=project, build_root=build_root, **options))
    return Probe(data, frozenset(changed))


def refresh_manifest(build_root: Path, project: Path, data: dict, seconds: float) -> dict:
    """The manifest of a no-op build: the last one's, every stage fresh, this build's time and
    commit; then the stamp again (the manifest is a file of the build)."""
    path = Path(build_root) / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    m["git_commit"] = git_commit(project)
    m["stages"] = {name: {"state": "skipped", "seconds": 0.0, "reason": "fresh"} for name in m.get("stages", {})}
    m["seconds"] = {**{name: 0.0 for name in m["stages"]}, "render": 0.0, "total": round(seconds, 3)}
    atomic_write(path, json.dumps(m, ensure_ascii=False, indent=1) + "\n")
    write(build_root, data["key"], data["roots"], data["result"])
    return m


def build_key(edition: str, *, project: Path, build_root: Path, area: str | None, formats, engine: str,
              version: str | None, draft: bool) -> dict:
    return options_key(edition=edition, project=str(Path(project).resolve()),
                       build_dir=str(Path(build_root).resolve()), area=None if area is None else str(area),
                       formats=list(dict.fromkeys(formats)), engine=engine, version=version, draft=bool(draft))


def try_noop(edition: str, *, project: Path, build_root: Path, quiet: bool = False, checked: Probe | None = None,
             **options) -> dict | None:
    """The last build's result if nothing changed (its manifest rewritten as a no-op build's), else None.
    *checked*: the `probe` of these options, if the caller made it already."""
    t0 = time.monotonic()
    pr = checked if checked is not None else probe(edition, project=project, build_root=build_root, **options)
    if pr.data is None or pr.changed:
        return None
    data = pr.data
    refresh_manifest(build_root, project, data, time.monotonic() - t0)
    if not quiet:
        print(f"sosrap build {edition} → {build_root}: nothing changed since the last build "
              f"(every stage and the render are fresh)", file=sys.stderr)
    return data["result"]
