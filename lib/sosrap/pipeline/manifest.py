"""Provenance: what went into a build and what came out."""
from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Sequence

from sosrap import __version__
from sosrap.paths import atomic_write
from sosrap.pipeline import fingerprint as hashing
from sosrap.report import staging
from sosrap.pipeline.graph import load_stages
from sosrap.pipeline.vcs import git_commit
from sosrap.sources.snapshot import sha256_file

PACKAGES = ["sosrap", "papermill", "nbclient", "nbformat", "ipykernel", "jupyter_client", "pandas", "numpy",
            "pyarrow", "statsmodels", "scipy", "matplotlib", "seaborn", "pypandoc_binary", "typst", "pyyaml", "pydantic"]


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def engine_version(engine: str) -> str:
    from sosrap.report import render
    try:
        return render.engine_version(engine)
    except Exception as e:  # a manifest must still be written
        return f"unknown ({e})"


def private_inputs(project: Path, params) -> dict[str, str]:
    """Keyed HMAC-SHA256 of the files the stages declare in `reads:` (the private inputs; never their
    content nor a plain hash, which a guess could be tested against): a release records them so that
    `sosrap verify` can tell changed data from changed code. The key stays in data/private/ (see
    :mod:`sosrap.privacy.hygiene`)."""
    from sosrap.privacy import private_digest
    out: dict[str, str] = {}
    for st in load_stages(project).values():
        for rel in hashing.read_paths(st, params):
            if (project / rel).is_file():
                out[rel] = private_digest(project / rel, project)
    return out


def inputs(project: Path, params, snapshot) -> dict:
    """The sha256 of every input of a build."""
    return {
        "params": {p.relative_to(project).as_posix(): sha256_file(p)
                   for p in sorted((project / "params").glob("*.yaml"))
                   if p.name.startswith("_") or p.stem == params.edition},
        "snapshot": {"path": params.snapshot, "id": snapshot.id, "synthetic": snapshot.synthetic,
                     "files": snapshot.input_hashes()},
        "notebooks": hashing.tree_hash(project / "notebooks"),
        # the composed sources: reports/_shared/ with the edition's own files on top
        "report_sources": {rel: sha256_file(p) for rel, p in staging.source_files(project / params.report, params.language).items()},
        "private_inputs": private_inputs(project, params),
        "helper_code": hashing.package_code_hash(),
    }



def provenance(project: Path, params, snapshot) -> dict:
    """What the manifest records that does not depend on the build's outputs: the inputs' hashes,
    the installed packages' versions, the project's commit (a build gathers it while it renders)."""
    return {"inputs": inputs(project, params, snapshot), "packages": package_versions(),
            "git_commit": git_commit(project)}


def write(path: Path, *, project: Path, params, snapshot, stages: Sequence, timings: dict, engine: str,
          outputs: dict[str, Path], report_dir: Path, files: dict[str, Path] | None = None,
          source_date_epoch: int | None = None, gathered: dict | None = None) -> dict:
    """Write the manifest; *gathered*: `provenance()` if the caller gathered it already (a build does,
    while it renders)."""
    gathered = gathered if gathered is not None else provenance(project, params, snapshot)
    meta = getattr(params, "metadata", None)
    data = {
        "manifest": "sosrap-build/1",
        "edition": params.edition,
        "sosrap": __version__,
        "git_commit": gathered["git_commit"],
        "python": platform.python_version(),
        "engine": {"name": engine, "version": engine_version(engine)},
        "params": params.resolved(),
        "version": meta.version if meta else None,
        "source_date_epoch": source_date_epoch,
        "inputs": gathered["inputs"],
        "stages": {r.name: {"state": r.state, "seconds": round(r.seconds, 3), "reason": r.reason} for r in stages},
        "seconds": timings,
        "packages": gathered["packages"],
        "outputs": {fmt: {"file": p.name, "sha256": sha256_file(p)} for fmt, p in outputs.items() if p.is_file()},
        "files": {kind: {"file": p.relative_to(path.parent).as_posix(), "sha256": sha256_file(p)}
                  for kind, p in (files or {}).items() if p.is_file()},
        "variables_sha256": sha256_file(report_dir / "_variables.yml"),
    }
    atomic_write(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")   # never half a manifest
    return data
