"""The stage graph: `notebooks/stages.yaml`.

Each stage names its notebook, the stages it needs, the params keys it reads
and whether it reads the data snapshot. Declaring the params keys is what lets
the runner skip a stage when nothing it reads has changed; the notebook only
sees the keys it declares (see `sosrap.stage`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from sosrap.errors import SosrapError
from sosrap.paths import project_root

STAGES_FILE = "notebooks/stages.yaml"
_ALLOWED = {"notebook", "needs", "params", "snapshot", "description"}


@dataclass(frozen=True)
class Stage:
    name: str
    notebook: str            # file name inside notebooks/
    needs: tuple[str, ...]
    params: tuple[str, ...]  # top-level params keys the notebook reads
    snapshot: bool           # reads the edition's data snapshot
    description: str = ""


def load_stages(root: Path | None = None) -> dict[str, Stage]:
    """Stages in a valid topological order (the file order, checked)."""
    root = root or project_root()
    path = root / STAGES_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise SosrapError(f"{path} is missing: it defines the stage notebooks and their order") from None
    stages: dict[str, Stage] = {}
    for name, spec in (raw.get("stages") or {}).items():
        if not isinstance(spec, dict):
            raise SosrapError(f"{path}: stages.{name}: expected a mapping")
        if name == "report":
            raise SosrapError(f"{path}: stages.report: the name `report` is the render step's; choose another")
        unknown = set(spec) - _ALLOWED
        if unknown:
            raise SosrapError(f"{path}: stages.{name}: unknown key(s) {sorted(unknown)} (allowed: {sorted(_ALLOWED)})")
        if "notebook" not in spec:
            raise SosrapError(f"{path}: stages.{name}: `notebook` is required")
        nb = root / "notebooks" / spec["notebook"]
        if not nb.is_file():
            raise SosrapError(f"{path}: stages.{name}: notebook {nb} does not exist")
        needs = tuple(spec.get("needs") or ())
        for n in needs:
            if n not in stages:
                raise SosrapError(f"{path}: stages.{name}: needs {n!r}, which is not defined above it "
                                  f"(list stages in dependency order)")
        stages[name] = Stage(name=name, notebook=spec["notebook"], needs=needs,
                             params=tuple(spec.get("params") or ()), snapshot=bool(spec.get("snapshot", False)),
                             description=str(spec.get("description", "")))
    if not stages:
        raise SosrapError(f"{path}: no stages defined")
    return stages
