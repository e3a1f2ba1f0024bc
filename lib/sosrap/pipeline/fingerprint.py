"""Content hashes that decide whether a stage or the render is stale.

A stage's fingerprint has four parts: its notebook's source, the values of
the params it declares, its input files (the snapshot files when it reads
the snapshot, the files its `reads:` paths name, and the outputs of the
stages it needs) and the helper package's code it imports. `stale_reasons`
compares them part by part, so `sosrap status` can say *why* a stage is stale.
Nothing here knows what a stage or a file means.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

from sosrap.errors import SosrapError
from sosrap.params import Params
from sosrap.paths import Layout
from sosrap.pipeline.graph import STAGES_FILE, Stage
from sosrap.pipeline.imports import PACKAGE_DIR, closure
from sosrap.sources.snapshot import Snapshot, sha256_file


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
    """All of the helper package's Python code (provenance: what the build ran with)."""
    return sha256_json(tree_hash(PACKAGE_DIR, suffixes=(".py",)))


def code_hash_for_notebook(path: Path) -> dict[str, str]:
    """sha256 of each sosrap module a notebook imports, directly or through other
    sosrap modules (`imports.closure`: found by reading the code, not running it).
    Editing the CLI or the renderer therefore does not make stages stale; editing
    a helper a stage uses does, and so does editing a package's YAML data (the
    wording catalogues of `sosrap.report.wording`)."""
    helpers, _others = closure(path)
    files = set(helpers.values())
    for f in list(files):      # a package's data (the wording catalogues, *.yml beside its __init__) is its code
        if f.name == "__init__.py":
            files |= set(f.parent.glob("*.yml"))
    return {f.relative_to(PACKAGE_DIR).as_posix(): sha256_file(f) for f in sorted(files)}


# --------------------------------------------------------------------------- stage fingerprints

#: input keys of the files a stage declares in `reads:` (outside the snapshot, private by design)
READ_PREFIX = "private:"
#: the hash recorded for a declared file that does not exist (the stage fails or creates it)
MISSING = "missing"


def stage_params(st: Stage, params: Params) -> dict:
    """The params values a stage declares (all the notebook may read)."""
    full = params.resolved()
    missing = [k for k in st.params if k not in full]
    if missing:
        raise SosrapError(f"{STAGES_FILE}: stage {st.name!r} declares params {missing}, "
                          f"which are not params keys")
    return {k: full[k] for k in st.params}


def _lookup(full: dict, dotted: str, st: Stage) -> Any:
    node: Any = full
    for part in dotted.split("."):
        if node is None:              # an optional section the edition leaves out: nothing to read
            return None
        if not isinstance(node, dict) or part not in node:
            raise SosrapError(f"{STAGES_FILE}: stage {st.name!r} reads {dotted!r}, which is not a params path")
        node = node[part]
    return node


def read_paths(st: Stage, params: Params) -> list[str]:
    """The project-relative files a stage declares in `reads:` (unset paths left out)."""
    full = params.resolved()
    out = []
    for dotted in st.reads:
        value = _lookup(full, dotted, st)
        if not value:
            continue
        if not isinstance(value, str):
            raise SosrapError(f"{STAGES_FILE}: stage {st.name!r} reads {dotted!r}, whose value is not a file path")
        out.append(value)
    return out


def read_hashes(st: Stage, params: Params, project: Path) -> dict[str, str]:
    """sha256 of each declared file, or MISSING (never the content: they may be private)."""
    return {f"{READ_PREFIX}{rel}": sha256_file(project / rel) if (project / rel).is_file() else MISSING
            for rel in read_paths(st, params)}


def stage_fingerprint(st: Stage, params: Params, project: Path, layout: Layout) -> dict:
    """The four parts of a stage's fingerprint (each a hash or a dict of hashes)."""
    inputs = read_hashes(st, params, project)
    if st.snapshot:
        snap = Snapshot.open(project / params.snapshot)
        inputs.update({f"snapshot:{k}": v for k, v in snap.input_hashes().items()})
    for need in st.needs:
        inputs.update({f"{need}:{k}": v for k, v in tree_hash(layout.run_dir(need)).items()})
    notebook = project / "notebooks" / st.notebook
    return {
        "notebook": notebook_source_hash(notebook),
        "params": sha256_json(stage_params(st, params)),
        "inputs": inputs,
        "code": code_hash_for_notebook(notebook),
    }


def _changed(a: dict, b: dict) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def _params_reason(old_values: dict, st: Stage, params: Params) -> str:
    now = stage_params(st, params)
    changed = [k for k in st.params if old_values.get(k) != now.get(k)]
    return "params changed" + (f" ({', '.join(changed)})" if changed else "")


def _inputs_reason(old: dict, new: dict) -> str:
    diff = _changed(old, new)
    upstream = sorted({k.split(":", 1)[0] for k in diff if not k.startswith(("snapshot:", READ_PREFIX))})
    parts = []
    n = sum(k.startswith("snapshot:") for k in diff)
    if n:
        parts.append(f"{n} snapshot file(s) changed")
    if any(k.startswith(READ_PREFIX) for k in diff):
        parts.append("private input file(s) changed")
    if upstream:
        parts.append("outputs of " + ", ".join(upstream) + " changed")
    return "inputs changed: " + "; ".join(parts)


def _code_reason(old: Any, new: dict) -> str:
    changed = _changed(old, new) if isinstance(old, dict) else []
    return "helper code changed" + (f" ({', '.join(changed[:4])}{', …' if len(changed) > 4 else ''})"
                                    if changed else "")


def stale_reasons(old: dict | None, new: dict, st: Stage, params: Params) -> list[str]:
    """Why a stage must run again, given its recorded state and its fingerprint now; empty when fresh."""
    if old is None:
        return ["never built"]
    if old.get("status") != "ok":
        return ["last run failed"]
    fp = old.get("fingerprint", {})
    reasons = []
    if fp.get("notebook") != new["notebook"]:
        reasons.append(f"notebook {st.notebook} changed")
    if fp.get("params") != new["params"]:
        reasons.append(_params_reason(old.get("params", {}), st, params))
    if fp.get("inputs") != new["inputs"]:
        reasons.append(_inputs_reason(fp.get("inputs", {}), new["inputs"]))
    if fp.get("code") != new["code"]:
        reasons.append(_code_reason(fp.get("code") or {}, new["code"]))
    return reasons


def output_hashes(st: Stage, layout: Layout) -> dict[str, str]:
    """sha256 of every file a stage's run left: its run folder and its executed
    notebook. The runner records them; any other change (a notebook run by
    hand into the build, a hand-edited table) makes the stage stale."""
    out = {f"artifacts/{st.name}/{k}": v for k, v in tree_hash(layout.run_dir(st.name)).items()}
    executed = layout.executed(st)
    if executed.is_file():
        out[f"notebooks/{executed.name}"] = sha256_file(executed)
    return out


def outputs_reason(old: dict | None, now: dict[str, str]) -> list[str]:
    """Why the outputs of a stage that ran ok are not the runner's any more; empty when they are."""
    if old is None or old.get("status") != "ok":
        return []
    recorded = old.get("outputs")
    if not isinstance(recorded, dict):
        return ["outputs not recorded (built by an older sosrap)"]
    diff = _changed(recorded, now)
    if not diff:
        return []
    shown = ", ".join(diff[:3]) + (", …" if len(diff) > 3 else "")
    return [f"outputs changed outside the build ({shown}; a notebook run by hand?)"]
