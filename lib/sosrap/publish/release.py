"""`sosrap publish` and `sosrap verify`: immutable, versioned releases.

A release is a folder `releases/<edition>/<version>/` holding everything a
reader, a decision maker or the 2029 evaluation needs, and the proof of how
it was made::

    sosiaalinen-raportti-<edition>.html / .docx / .pdf
    CITATION.cff  <base>.bib  <base>.ris  <base>.csl.json
    tables/<stage>/<table>.csv     every published table (and the proposals register)
    datapackage.json               Frictionless tabular data package describing tables/
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
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sosrap.pipeline import build as _build
from sosrap.pipeline import fingerprint as hashing
from sosrap.pipeline import manifest as _manifest
from sosrap import params as _params
from sosrap.errors import SosrapError
from sosrap.paths import AtomicDir, project_root
from sosrap.sources.snapshot import sha256_file
from sosrap.pipeline.graph import load_stages

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

def _is_private_stage(stage, run_dir: Path) -> bool:
    """Stages that read private client-work inputs publish only their `published_*` tables."""
    return "client_work" in stage.params or (run_dir / "protected_tables.json").is_file()


def published_tables(project: Path, build_dir: Path) -> dict[str, Path]:
    """Release path (tables/<stage>/<name>.csv) -> built CSV, for every published table."""
    layout = _build.Layout(build_dir)
    out: dict[str, Path] = {}
    for name, stage in load_stages(project).items():
        run = layout.run_dir(name)
        if not run.is_dir():
            continue
        private = _is_private_stage(stage, run)
        for csv_path in sorted(run.glob("*.csv")):
            if private and not csv_path.name.startswith("published_"):
                continue
            out[f"tables/{name}/{csv_path.name}"] = csv_path
    return out


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


def _field_type(dtype) -> str:
    kind = getattr(dtype, "kind", "O")
    return {"i": "integer", "u": "integer", "f": "number", "b": "boolean"}.get(kind, "string")


def datapackage(edition, resources: dict[str, Path], name: str) -> dict[str, Any]:
    """A Frictionless tabular data package describing the released CSV tables."""
    import pandas as pd
    meta = edition.meta
    lic_fi, lic_en, lic_url = edition.license_names()
    res = []
    for rel, path in sorted(resources.items()):
        df = pd.read_csv(path, nrows=1000)
        rname = re.sub(r"[^a-z0-9._-]+", "-", rel.removeprefix("tables/").removesuffix(".csv").lower()).strip("-")
        res.append({
            "name": rname, "path": rel, "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "bytes": path.stat().st_size,
            "hash": f"sha256:{sha256_file(path)}",
            "schema": {"fields": [{"name": str(c), "type": _field_type(df[c].dtype)} for c in df.columns]},
        })
    pkg: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": name,
        "title": edition.full_title,
        "version": edition.version,
        "created": f"{edition.date.isoformat()}T00:00:00Z",
        "licenses": [{"name": meta.license, "path": lic_url, "title": lic_en}],
        "contributors": [{"title": a.display, "role": "author"} for a in meta.authors]
                        + [{"title": meta.publisher, "role": "publisher"}],
        "keywords": list(meta.keywords),
        "description": meta.abstract.fi,
        "resources": res,
    }
    if meta.url:
        pkg["homepage"] = meta.url
    if meta.doi:
        pkg["id"] = f"https://doi.org/{meta.doi}"
    return pkg


def assemble(result: "_build.BuildResult", project: Path, dest: Path) -> dict[str, str]:
    """Copy a build's releasable files into *dest*; returns release path -> sha256."""
    from sosrap.report import citation
    params = _build.with_version(_build.load_params(result.edition, project), result.version)
    edition = citation.Edition.of(params, _build.report_basename(result.edition))
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
    tables.update(published_tables(project, result.build_dir))
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
    pkg = datapackage(edition, {k: dest / k for k in tables}, _build.report_basename(result.edition))
    (dest / "datapackage.json").write_bytes((json.dumps(pkg, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    # The privacy gate for what the report itself does not show (the build gated the report):
    from sosrap import privacy
    data_files = {p.relative_to(dest).as_posix(): p for p in sorted(dest.rglob("*")) if p.suffix in (".ipynb", ".csv")}
    privacy.gate(data_files, protected=(), min_count=params.privacy.min_count, allow=params.privacy.audit_allow)
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


def publish(edition: str, version: str, *, root: Path | None = None, releases_dir: Path | None = None,
            engine: str = "auto", jobs: int = 2, build_dir: Path | None = None, quiet: bool = True,
            progress: Callable[[str], None] | None = None) -> PublishResult:
    """Build *edition* as *version* (html, docx, pdf) and write the release folder."""
    project = (root or project_root()).resolve()
    say = progress or (lambda msg: None)
    semver(version)
    params = _build.with_version(_build.load_params(edition, project), version)
    edition_dir = releases_root(edition, project, releases_dir)
    _check_version(edition, version, params, edition_dir)
    target = edition_dir / version
    say(f"building {edition} {version} (html, docx, pdf)")
    result = _build.build(edition, jobs=jobs, engine=engine, formats=FORMATS, build_dir=build_dir, quiet=quiet,
                          root=project, version=version)
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
            "sosrap": build_manifest["sosrap"],
            "python": build_manifest["python"],
            "packages": build_manifest["packages"],
            "params": build_manifest["params"],
            "inputs": build_manifest["inputs"],
            "files": files,
        }
        (staging / MANIFEST).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        _read_only(staging)
    say(f"published {edition} {version} → {target}")
    return PublishResult(edition, version, target, True, files)


def _read_only(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            p.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


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
