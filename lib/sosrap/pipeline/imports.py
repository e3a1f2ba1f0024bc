"""What a stage notebook imports, found by reading the code, not running it.

- `closure`: the sosrap modules a notebook imports, directly or through other
  sosrap modules (imports inside functions count: they run when the stage
  calls them). The fingerprint hashes these files (`fingerprint.code_hash_for_notebook`).
- `notebook_imports`: the modules the notebook's own cells import (the
  first of `stage_modules`).
- `stage_modules`: everything a stage's code imports, helpers and libraries
  alike; the zygote imports them before it forks that stage's kernel.
- `preload_modules`: the same for all the stages; the zygote imports them
  while no fork is waiting.

Each module file is parsed once per process (memoised by path, size and
modification time), so the four stages of a build, or a batch of builds,
share the work.
"""
from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Iterable

PACKAGE = "sosrap"
PACKAGE_DIR = Path(__file__).resolve().parents[1]   # lib/sosrap

#: (file, size, mtime, ctime) -> (names imported at module level, only inside functions)
_parsed: dict[tuple[str, int, int, int], tuple[frozenset[str], frozenset[str]]] = {}
#: where a build keeps them between runs (`load_cache`, `save_cache`)
CACHE = "imports.json"


def module_file(dotted: str, pkg: Path = PACKAGE_DIR) -> Path | None:
    """sosrap.a.b → lib/sosrap/a/b.py or lib/sosrap/a/b/__init__.py."""
    parts = dotted.split(".")[1:]
    base = pkg.joinpath(*parts) if parts else pkg
    for cand in (base.with_suffix(".py") if parts else None, base / "__init__.py"):
        if cand is not None and cand.is_file():
            return cand
    return None


def _from_module(node: ast.ImportFrom, current: str, is_pkg: bool) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    base = base[: len(base) - node.level + (1 if is_pkg else 0)]
    return ".".join(base + ([node.module] if node.module else []))


class _Names(ast.NodeVisitor):
    """Absolute names imported by a tree, at module level and inside functions apart."""

    def __init__(self, current: str, is_pkg: bool):
        self.current, self.is_pkg = current, is_pkg
        self.top: set[str] = set()
        self.lazy: set[str] = set()
        self.depth = 0

    def _add(self, names: set[str]) -> None:
        (self.lazy if self.depth else self.top).update(names)

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node: ast.Import) -> None:
        self._add({a.name for a in node.names})

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        mod = _from_module(node, self.current, self.is_pkg)
        if not mod:
            return
        names = {mod}
        if mod.split(".")[0] == PACKAGE:
            names |= {f"{mod}.{a.name}" for a in node.names}   # `from sosrap import fmt` names a module
        self._add(names)


def imported_names(tree: ast.AST, current: str, is_pkg: bool) -> tuple[set[str], set[str]]:
    """(names imported at module level, names imported only inside functions): modules, and for
    sosrap `from` imports also `module.name`."""
    v = _Names(current, is_pkg)
    v.visit(tree)
    return v.top, v.lazy - v.top


def _file_imports(f: Path, name: str) -> tuple[frozenset[str], frozenset[str]]:
    st = f.stat()
    key = (str(f), st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key not in _parsed:
        top, lazy = imported_names(ast.parse(f.read_text(encoding="utf-8")), name, f.name == "__init__.py")
        _parsed[key] = (frozenset(top), frozenset(lazy))
    return _parsed[key]


def load_cache(path: Path) -> None:
    """What earlier runs parsed (`save_cache`): a module whose size and times are unchanged is not read again."""
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for f, size, mtime, ctime, top, lazy in rows if isinstance(rows, list) else ():
        _parsed.setdefault((f, size, mtime, ctime), (frozenset(top), frozenset(lazy)))


def save_cache(path: Path) -> None:
    """Write the parsed imports of the module files as they are now (a build's state folder keeps them)."""
    from sosrap.paths import atomic_write
    rows = []
    for (f, size, mtime, ctime), (top, lazy) in sorted(_parsed.items()):
        try:
            st = os.stat(f)
        except OSError:
            continue
        if (st.st_size, st.st_mtime_ns, st.st_ctime_ns) == (size, mtime, ctime):
            rows.append([f, size, mtime, ctime, sorted(top), sorted(lazy)])
    atomic_write(Path(path), json.dumps(rows) + "\n")


def _cells_tree(path: Path) -> ast.Module:
    nb = json.loads(path.read_text(encoding="utf-8"))
    body = []
    for c in nb.get("cells", []):
        if c.get("cell_type") != "code":
            continue
        # IPython magics and shell escapes are not Python: drop those lines.
        src = "".join(c.get("source", ""))
        code = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))
        try:
            body.extend(ast.parse(code).body)
        except SyntaxError:
            continue
    return ast.Module(body=body, type_ignores=[])


def _notebook_names(path: Path) -> set[str]:
    top, lazy = imported_names(_cells_tree(path), "__notebook__", False)
    return top | lazy


def notebook_imports(path: Path) -> list[str]:
    """The modules a notebook's code cells import, in a stable order."""
    return _existing(_notebook_names(path))


def _existing(names: set[str]) -> list[str]:
    """*names* sorted, without sosrap modules that have no file."""
    return sorted(n for n in names if n.split(".")[0] != PACKAGE or module_file(n) is not None)


def _walk(start: set[str], *, lazy: bool, pkg: Path = PACKAGE_DIR) -> tuple[dict[str, Path], set[str]]:
    """Follow sosrap imports from *start* (with *lazy*, also those inside functions)."""
    todo = set(start) | {PACKAGE}
    seen: dict[str, Path] = {}
    others: set[str] = set()
    while todo:
        name = todo.pop()
        if name.split(".")[0] != PACKAGE:
            others.add(name)
            continue
        f = module_file(name, pkg)
        if f is None or name in seen:
            continue
        seen[name] = f
        parents = name.split(".")
        for i in range(1, len(parents)):   # importing a.b.c runs a/__init__ and a/b/__init__
            todo.add(".".join(parents[:i]))
        top, inner = _file_imports(f, name)
        todo |= (top | inner if lazy else top) - set(seen)
    return seen, others


def closure(path: Path, pkg: Path = PACKAGE_DIR) -> tuple[dict[str, Path], set[str]]:
    """(sosrap module name → file, other modules imported on the way) of a notebook, imports
    inside functions included (they run when the stage calls them)."""
    return _walk(_notebook_names(path), lazy=True, pkg=pkg)


def _installed(name: str) -> bool:
    import importlib.util
    try:
        return importlib.util.find_spec(name.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


#: libraries that helpers import inside functions only the build process calls, never a stage:
#: the privacy gate reads a rendered PDF with pypdf (`privacy.audit_files`). The zygote would
#: spend half a second of CPU importing it, beside the stages, for nothing.
BUILD_SIDE = frozenset({"pypdf"})


def stage_modules(project: Path, stage) -> list[str]:
    """What the zygote imports before it forks *stage*'s kernel: its notebook's imports and what
    importing them imports (module level), then the libraries those helpers import inside
    functions (statistics models, the plot style). Helpers imported only inside functions are
    left to the kernel that calls them."""
    nb = project / "notebooks" / stage.notebook
    if not nb.is_file():
        return []
    direct = _notebook_names(nb)  # the notebook is read and parsed once
    helpers, libraries = _walk(direct, lazy=False)
    out = dict.fromkeys([*_existing(direct), *sorted(helpers), *sorted(libraries)])
    inner = set().union(*(_file_imports(f, n)[1] for n, f in helpers.items())) if helpers else set()
    out.update(dict.fromkeys(sorted(n for n in inner if n.split(".")[0] not in (PACKAGE, *BUILD_SIDE)
                                    and _installed(n))))
    return list(out)


def preload_modules(project: Path, stages: Iterable) -> list[str]:
    """What the zygote imports while no fork waits: every stage's `stage_modules`, stage by stage."""
    return list(dict.fromkeys(m for st in stages for m in stage_modules(project, st)))
