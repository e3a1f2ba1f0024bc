"""Content hashes that decide whether a stage or the render is stale."""
from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

from sosrap.sources.snapshot import sha256_file


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


PACKAGE = "sosrap"
PACKAGE_DIR = Path(__file__).resolve().parents[1]   # lib/sosrap


def package_code_hash() -> str:
    """All of the helper package's Python code (provenance: what the build ran with)."""
    pkg = PACKAGE_DIR
    return sha256_json(tree_hash(pkg, suffixes=(".py",)))


def _module_file(pkg: Path, dotted: str) -> Path | None:
    """sosrap.a.b → lib/sosrap/a/b.py or lib/sosrap/a/b/__init__.py."""
    parts = dotted.split(".")[1:]
    base = pkg.joinpath(*parts) if parts else pkg
    for cand in (base.with_suffix(".py") if parts else None, base / "__init__.py"):
        if cand is not None and cand.is_file():
            return cand
    return None


def _imports(tree: ast.AST, current: str, is_pkg: bool) -> set[str]:
    """Absolute names of sosrap modules (or module attributes) a tree imports."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = current.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != PACKAGE:
                continue
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}   # `from sosrap import fmt` names a module
    return out


def _parse_cells(sources: Iterable[str]) -> ast.Module:
    body = []
    for src in sources:
        # IPython magics and shell escapes are not Python: drop those lines.
        code = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))
        try:
            body.extend(ast.parse(code).body)
        except SyntaxError:
            continue
    return ast.Module(body=body, type_ignores=[])


def code_hash_for_notebook(path: Path) -> dict[str, str]:
    """sha256 of each sosrap module a notebook imports, directly or through other
    sosrap modules (an import closure found by reading the code, not running it).
    Editing the CLI or the renderer therefore does not make stages stale; editing
    a helper a stage uses does."""
    pkg = PACKAGE_DIR
    nb = json.loads(path.read_text(encoding="utf-8"))
    tree = _parse_cells("".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    todo = _imports(tree, "__notebook__", False) | {PACKAGE}
    seen: dict[str, Path] = {}
    while todo:
        name = todo.pop()
        f = _module_file(pkg, name)
        if f is None or name in seen:
            continue
        seen[name] = f
        parents = name.split(".")
        for i in range(1, len(parents)):   # importing a.b.c runs a/__init__ and a/b/__init__
            todo.add(".".join(parents[:i]))
        todo |= _imports(ast.parse(f.read_text(encoding="utf-8")), name, f.name == "__init__.py") - set(seen)
    return {f.relative_to(pkg).as_posix(): sha256_file(f) for f in sorted(set(seen.values()))}
