"""Content hashes that decide whether a stage or the render is stale."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

from .snapshot import sha256_file


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_json(obj: Any) -> str:
    return sha256_text(json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def notebook_source_hash(path: Path) -> str:
    """Hash of a notebook's cells (type + source) only: saving it in JupyterLab,
    clearing outputs or bumping execution counts does not make it stale."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [[c.get("cell_type"), "".join(c.get("source", "")), sorted(c.get("metadata", {}).get("tags", []))]
             for c in nb.get("cells", [])]
    return sha256_json(cells)


def notebook_outputs_hash(path: Path) -> str:
    """Hash of an executed notebook's cell sources and outputs, without the
    timestamps and ids Papermill varies from run to run."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for c in nb.get("cells", []):
        tags = c.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            continue  # holds run-specific absolute paths; its values are hashed as stage params
        cells.append([c.get("cell_type"), "".join(c.get("source", "")), c.get("outputs", [])])
    return sha256_json(cells)


def files_hash(paths: Iterable[Path], base: Path) -> dict[str, str]:
    """sha256 of each file, keyed by its POSIX path relative to *base*."""
    return {p.relative_to(base).as_posix(): sha256_file(p) for p in sorted(paths) if p.is_file()}


def tree_hash(root: Path, *, suffixes: tuple[str, ...] | None = None, exclude: tuple[str, ...] = ()) -> dict[str, str]:
    if not root.is_dir():
        return {}
    files = [p for p in root.rglob("*") if p.is_file()
             and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
             and not any(part.startswith(".") for part in p.relative_to(root).parts)
             and (suffixes is None or p.suffix in suffixes)
             and p.relative_to(root).as_posix() not in exclude]
    return files_hash(files, root)


def package_code_hash() -> str:
    """The helper package's Python code: a change can change any stage's results."""
    pkg = Path(__file__).resolve().parent
    return sha256_json(tree_hash(pkg, suffixes=(".py",)))
