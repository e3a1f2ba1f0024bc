"""`sosrap publish` and `sosrap verify`: immutable, versioned releases.

A release is a folder `releases/<edition>/<version>/` holding everything a
reader, a decision maker or the 2029 evaluation needs, and the proof of how
it was made::

    sosiaalinen-raportti-<edition>.html / .docx / .pdf   (social-rapport-<edition>.… in Swedish)
    CITATION.cff  <base>.bib  <base>.ris  <base>.csl.json
    tables/<stage>/<table>.csv     every published table (and the proposals register)
    datapackage.json               Frictionless tabular data package describing tables/ (`datapackage`)
    notebooks/*.ipynb              the executed stage notebooks (timestamps and local paths removed)
    release.json                   sha256 of every file above and of every input

Publishing never changes a release: the same version with identical files is
a no-op, with different files it is refused. A version after the first must
be greater than every published one and have a `metadata.changelog` entry
(the report shows it as its version history).

`verify` checks the files against `release.json`, compares the recorded
inputs with the checkout, rebuilds from scratch in a temporary folder with the
recorded version and engine, and names every file that differs.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sosrap.pipeline import build as _build
from sosrap.publish import datapackage as _datapackage
from sosrap.pipeline import fingerprint as hashing
from sosrap.pipeline import manifest as _manifest
from sosrap.pipeline import runner as _runner
from sosrap import params as _params
from sosrap.errors import SosrapError
from sosrap.paths import AtomicDir, project_root
from sosrap.pipeline.graph import load_stages
from sosrap.pipeline.vcs import git_commit

MANIFEST = "release.json"
FORMAT = "sosrap-release/1"
FORMATS = ("html", "docx", "pdf")


class ReleaseError(SosrapError):
    """Publishing was refused or a release is unreadable."""


def semver(v: str) -> tuple[int, int, int]:
    parsed = _params.parse_semver(v)
    if parsed is None:
        raise ReleaseError(f"version {v!r} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.1)")
    return parsed


def releases_root(edition: str, project: Path, releases_dir: Path | None = None) -> Path:
    """Where an edition's versions live: `<releases_dir>/<edition>/` (default `releases/`)."""
    return Path(releases_dir or project / "releases") / edition


def published_versions(edition_dir: Path) -> list[str]:
    """Published versions (folders with a release.json), oldest first."""
    if not edition_dir.is_dir():
        return []
    found = [p.name for p in edition_dir.iterdir() if (p / MANIFEST).is_file() and _params.parse_semver(p.name)]
    return sorted(found, key=semver)


# --------------------------------------------------------------------------- assembling

def normalize_notebook(text: str, replacements: dict[str, str]) -> str:
    """An executed notebook without what differs between two identical runs:
    Papermill's and Jupyter's timestamps and durations, the random id of the
    injected-parameters cell, and local absolute paths (build and project root)."""
    for old, new in sorted(replacements.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(old, new)
    nb = json.loads(text)
    pm = nb.get("metadata", {}).get("papermill")
    if isinstance(pm, dict):
        for key in ("start_time", "end_time", "duration"):
            pm.pop(key, None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("execution", None)
        if isinstance(meta.get("papermill"), dict):
            for key in ("start_time", "end_time", "duration"):
                meta["papermill"].pop(key, None)
        if "injected-parameters" in (meta.get("tags") or []):
            cell["id"] = "injected-parameters"
    return json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def assemble(result: "_build.BuildResult", project: Path, dest: Path) -> dict[str, str]:
    """Copy a build's releasable files into *dest*; returns release path -> sha256."""
    from sosrap.report import citation
    params = _build.with_version(_build.load_params(result.edition, project), result.version)
    base = _build.report_basename(result.edition, params.language)
    edition = citation.Edition.of(params, base)
    if edition is None:
        raise ReleaseError(f"params/{result.edition}.yaml has no `metadata:` block: a release must be citable "
                           f"(title, authors, publisher, licence…; see params/demo.yaml)")
    dest.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for fmt in FORMATS:
        files[result.outputs[fmt].name] = result.outputs[fmt]
    for kind, p in result.files.items():
        rel = p.relative_to(result.build_dir).as_posix()
        if rel.startswith("tables/"):       # the proposals register and its follow-up
            rel = f"tables/toimenpide-ehdotukset/{p.name}"
        files[rel] = p
    tables = {k: v for k, v in files.items() if k.startswith("tables/")}
    tables.update(_datapackage.published_tables(project, result.build_dir))
    files.update(tables)
    for rel, src in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    # Executed notebooks, without timestamps and local paths.
    replacements = {str(result.build_dir.resolve()): "<build>", str(project.resolve()): "<project>"}
    stages = load_stages(project)
    nb_dir = dest / "notebooks"
    nb_dir.mkdir(exist_ok=True)
    layout = _build.Layout(result.build_dir)
    for st in stages.values():
        src = layout.executed(st)
        if src.is_file():
            (nb_dir / st.notebook).write_bytes(
                normalize_notebook(src.read_text(encoding="utf-8"), replacements).encode("utf-8"))
    _datapackage.write(dest, edition, tables, base)
    # The privacy gate over every file of the release (the report formats again, the data, the notebooks):
    from sosrap import privacy
    release_files = {p.relative_to(dest).as_posix(): p for p in sorted(dest.rglob("*")) if p.is_file()}
    privacy.gate(release_files, protected=privacy.load_protected(_build.Layout(result.build_dir).artifacts),
                 **privacy.gate_options(params, project))
    return tree_hashes(dest)


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under *root* (dotfiles too) except the release manifest."""
    return hashing.files_hash((p for p in root.rglob("*") if p.name != MANIFEST), root)


# --------------------------------------------------------------------------- publish

@dataclass
class PublishResult:
    edition: str
    version: str
    path: Path
    created: bool                    # False: the identical version was already published
    files: dict[str, str] = field(default_factory=dict)


def _check_version(edition: str, version: str, params: _params.Params, edition_dir: Path) -> None:
    published = published_versions(edition_dir)
    if version in published or not published:
        return
    latest = published[-1]
    if semver(version) <= semver(latest):
        raise ReleaseError(f"version {version} is not newer than the latest published version {latest} of "
                           f"{edition}; a correction is a new, higher version (e.g. {_bump(latest)})")
    if not any(c.version == version for c in params.metadata.changelog):
        raise ReleaseError(
            f"version {version} of {edition} needs a changelog entry: versions after the first say what changed. "
            f"Add to params/{edition}.yaml under metadata:\n"
            f"  changelog:\n    - {{version: {version}, date: YYYY-MM-DD, changes: \"Mitä korjattiin…\"}}")


def _bump(v: str) -> str:
    a, b, c = semver(v)
    return f"{a}.{b}.{c + 1}"


def check_committed(project: Path, allow_dirty: bool) -> str:
    """The commit a release is made from; an uncommitted tree is refused unless *allow_dirty*."""
    commit = git_commit(project)
    if commit.endswith("uncommitted") and not allow_dirty:
        what = ("is not a git checkout" if commit == "uncommitted"
                else "has uncommitted changes to tracked files (`git status`)")
        raise ReleaseError(f"{project} {what}: a release must say which commit it was made from. Commit first, "
                           f"or publish with --allow-dirty (recorded in release.json)")
    return commit


def check_fresh(params: _params.Params, project: Path, build_dir: Path) -> None:
    """A release holds only what the runner produced from the recorded inputs:
    after the build every stage must be fresh (nothing changed meanwhile, nothing edited by hand)."""
    stale = [f"{name} ({'; '.join(why)})" for name, state, why in _runner.status(params, project, build_dir)
             if state != "fresh"]
    if stale:
        raise ReleaseError(f"not publishing: stage(s) not fresh after the build: {', '.join(stale)}; "
                           f"run `sosrap build {params.edition}` and publish again")


def publish(edition: str, version: str, *, root: Path | None = None, releases_dir: Path | None = None,
            engine: str = "auto", jobs: int = 2, build_dir: Path | None = None, quiet: bool = True,
            progress: Callable[[str], None] | None = None, allow_dirty: bool = False) -> PublishResult:
    """Build *edition* as *version* (html, docx, pdf) and write the release folder, then verify it."""
    project = (root or project_root()).resolve()
    say = progress or (lambda msg: None)
    semver(version)
    params = _build.with_version(_build.load_params(edition, project), version)
    edition_dir = releases_root(edition, project, releases_dir)
    _check_version(edition, version, params, edition_dir)
    check_committed(project, allow_dirty)
    target = edition_dir / version
    say(f"building {edition} {version} (html, docx, pdf)")
    result = _build.build(edition, jobs=jobs, engine=engine, formats=FORMATS, build_dir=build_dir, quiet=quiet,
                          root=project, version=version)
    check_fresh(params, project, result.build_dir)
    with AtomicDir(target, replace=False, prefix=f".{version}-") as swap:
        staging = swap.path
        files = assemble(result, project, staging)
        if target.exists():
            old = read_manifest(target)
            differ = _differences(old.get("files", {}), files)
            if differ:
                raise ReleaseError(
                    f"{edition} {version} is already published ({target}) and a release is never changed; "
                    f"this build differs in {len(differ)} file(s): {', '.join(differ[:10])}"
                    f"{' …' if len(differ) > 10 else ''}. Publish a new version with a changelog entry.")
            say(f"{edition} {version} is already published with identical content")
            swap.discard()
            return PublishResult(edition, version, target, False, files)
        build_manifest = json.loads((result.build_dir / "manifest.json").read_text(encoding="utf-8"))
        data = {
            "release": FORMAT,
            "edition": edition,
            "version": version,
            "date": params.metadata.version_date(version).isoformat(),
            "source_date_epoch": result.source_date_epoch,
            "engine": build_manifest["engine"],
            "formats": list(FORMATS),
            "git_commit": build_manifest["git_commit"],
            "allow_dirty": allow_dirty,
            "sosrap": build_manifest["sosrap"],
            "python": build_manifest["python"],
            "packages": build_manifest["packages"],
            "params": build_manifest["params"],
            "inputs": build_manifest["inputs"],
            "files": files,
        }
        (staging / MANIFEST).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        _read_only(staging)
    written = verify(target, root=project, rebuild=False)      # what is on disk is what release.json says
    if not written.identical:
        raise ReleaseError(f"{target} does not match its release.json after writing: {', '.join(written.changed)}")
    say(f"verified {len(files)} files against {MANIFEST}")
    say(f"published {edition} {version} → {target}")
    return PublishResult(edition, version, target, True, files)


#: a release is readable by everyone (an intranet web server) and writable by no one
FILE_MODE, DIR_MODE = 0o444, 0o755


def _read_only(root: Path) -> None:
    root.chmod(DIR_MODE)            # the staging folder was made by mkdtemp: 0700
    for p in root.rglob("*"):
        p.chmod(FILE_MODE if p.is_file() else DIR_MODE)


def _rmtree(path: Path) -> None:
    def onerror(func, p, _exc):
        os.chmod(p, stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
        func(p)
    shutil.rmtree(path, onerror=onerror)


def _differences(recorded: dict[str, str], actual: dict[str, str]) -> list[str]:
    names = sorted(set(recorded) | set(actual))
    return [n for n in names if recorded.get(n) != actual.get(n)]


def read_manifest(release_dir: Path) -> dict:
    path = Path(release_dir) / MANIFEST
    if not path.is_file():
        raise ReleaseError(f"{release_dir}: not a sosrap release (no {MANIFEST})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ReleaseError(f"{path}: not valid JSON: {e}") from None
    if data.get("release") != FORMAT:
        raise ReleaseError(f"{path}: unknown release format {data.get('release')!r} (expected {FORMAT})")
    return data


# --------------------------------------------------------------------------- verify

@dataclass
class VerifyResult:
    release: Path
    edition: str
    version: str
    changed: list[str] = field(default_factory=list)      # files that no longer match release.json
    differ: list[str] = field(default_factory=list)       # files the rebuild produced differently
    inputs_changed: list[str] = field(default_factory=list)  # recorded inputs that differ in the checkout
    rebuilt: bool = False

    @property
    def identical(self) -> bool:
        return not self.changed and not self.differ


def _flat_inputs(inputs: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in inputs.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat_inputs(v, key + "/"))
        elif isinstance(v, (str, bool, int)) or v is None:
            out[key] = str(v)
    return out


def verify(release_dir: Path, *, root: Path | None = None, rebuild: bool = True, build_dir: Path | None = None,
           jobs: int = 2, progress: Callable[[str], None] | None = None) -> VerifyResult:
    """Check a release: its files against its manifest, and (with *rebuild*)
    a clean rebuild from the recorded inputs against the recorded hashes."""
    release_dir = Path(release_dir).resolve()
    say = progress or (lambda msg: None)
    data = read_manifest(release_dir)
    res = VerifyResult(release_dir, data["edition"], data["version"])
    actual = tree_hashes(release_dir)
    res.changed = _differences(data["files"], actual)
    if not rebuild:
        return res
    project = (root or project_root()).resolve()
    params = _build.with_version(_build.load_params(res.edition, project), res.version)
    from sosrap.sources.snapshot import Snapshot
    snap = Snapshot.open(project / params.snapshot)
    now = _flat_inputs(_manifest.inputs(project, params, snap))
    was = _flat_inputs(data["inputs"])
    res.inputs_changed = [k for k in sorted(set(was) | set(now)) if was.get(k) != now.get(k)]
    if res.inputs_changed:
        say(f"{len(res.inputs_changed)} input(s) differ from the release's: " + ", ".join(res.inputs_changed[:8]))
    engine = data.get("engine", {}).get("name", "auto")
    tmp_build = None
    if build_dir is None:
        tmp_build = Path(tempfile.mkdtemp(prefix="sosrap-verify-"))
        build_dir = tmp_build / "build"
    try:
        say(f"rebuilding {res.edition} {res.version} from scratch ({engine})")
        result = _build.build(res.edition, jobs=jobs, engine=engine, formats=FORMATS, build_dir=build_dir,
                              quiet=True, root=project, version=res.version)
        out = Path(tempfile.mkdtemp(prefix="sosrap-verify-out-"))
        try:
            rebuilt = assemble(result, project, out)
        finally:
            _rmtree(out)
        res.differ = _differences(data["files"], rebuilt)
        res.rebuilt = True
    finally:
        if tmp_build is not None:
            _rmtree(tmp_build)
    return res
