"""The stage graph: `notebooks/stages.yaml`, validated by a pydantic model.

Each stage names its notebook, the stages it needs, the params keys it reads,
whether it reads the data snapshot and which files outside the snapshot it
reads (`reads:`, dotted params paths whose values are project-relative file
paths, e.g. `client_work.survey_file`). Declaring these is what lets the
runner skip a stage when nothing it reads has changed, without knowing what
any of them mean; the notebook only sees the params keys it declares (see
`sosrap.stage`).
"""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from sosrap.errors import SosrapError
from sosrap.paths import project_root, read_yaml

STAGES_FILE = "notebooks/stages.yaml"
#: the render step's name in state/ and the build summary: no stage may take it
REPORT_STAGE = "report"


class StageSpec(BaseModel):
    """One stage as written in stages.yaml."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    notebook: str                  # file name inside notebooks/
    needs: tuple[str, ...] = ()    # stages whose outputs it reads (listed above it)
    params: tuple[str, ...] = ()   # top-level params keys the notebook reads
    reads: tuple[str, ...] = ()    # dotted params paths naming files it reads (outside the snapshot)
    snapshot: bool = False         # reads the edition's data snapshot
    description: str = ""

    @field_validator("needs", "params", "reads", mode="before")
    @classmethod
    def _empty(cls, v):
        return () if v is None else v     # `needs:` with nothing after it


class Stage(StageSpec):
    """A stage of the graph: its spec and its name."""
    name: str


class StagesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stages: dict[str, StageSpec] = {}

    @field_validator("stages", mode="before")
    @classmethod
    def _none(cls, v):
        return {} if v is None else v     # reported as "no stages defined"


def _messages(path: Path, err: ValidationError) -> list[str]:
    """Pydantic's errors as the file's own terms: `stages.<name>: …`."""
    allowed = sorted(StageSpec.model_fields)
    unknown: dict[str, list[str]] = {}
    lines = []
    for e in err.errors():
        loc = [str(p) for p in e["loc"]]
        where = ".".join(loc[:2])
        if e["type"] == "extra_forbidden" and len(loc) == 3:
            unknown.setdefault(where, []).append(loc[2])
        elif e["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown top-level key {loc[0]!r} (allowed: ['stages'])")
        elif e["type"] == "missing" and loc[2:] == ["notebook"]:
            lines.append(f"{path}: {where}: `notebook` is required")
        elif e["type"] in ("model_type", "model_attributes_type") and len(loc) == 2:
            lines.append(f"{path}: {where}: expected a mapping")
        else:
            lines.append(f"{path}: {'.'.join(loc)}: {e['msg']}")
    lines += [f"{path}: {where}: unknown key(s) {sorted(keys)} (allowed: {allowed})" for where, keys in unknown.items()]
    return lines


def _check(path: Path, root: Path, name: str, spec: StageSpec, above: dict[str, Stage]) -> None:
    """What the model cannot know: the name, the notebook file, the order, the reads."""
    if name == REPORT_STAGE:
        raise SosrapError(f"{path}: stages.{REPORT_STAGE}: the name `{REPORT_STAGE}` is the render step's; choose another")
    nb = root / "notebooks" / spec.notebook
    if not nb.is_file():
        raise SosrapError(f"{path}: stages.{name}: notebook {nb} does not exist")
    for n in spec.needs:
        if n not in above:
            raise SosrapError(f"{path}: stages.{name}: needs {n!r}, which is not defined above it "
                              f"(list stages in dependency order)")
    for dotted in spec.reads:
        if dotted.split(".", 1)[0] not in spec.params:
            raise SosrapError(f"{path}: stages.{name}: reads {dotted!r}, but {dotted.split('.', 1)[0]!r} is not "
                              f"in its params (the notebook must see the path it reads)")


def load_stages(root: Path | None = None) -> dict[str, Stage]:
    """Stages in a valid topological order (the file order, checked)."""
    root = root or project_root()
    path = root / STAGES_FILE
    if not path.is_file():
        raise SosrapError(f"{path} is missing: it defines the stage notebooks and their order")
    try:
        spec = StagesFile.model_validate(read_yaml(path))
    except ValidationError as e:
        raise SosrapError("\n".join(_messages(path, e))) from None
    stages: dict[str, Stage] = {}
    for name, st in spec.stages.items():
        _check(path, root, name, st, stages)
        stages[name] = Stage(name=name, **st.model_dump())
    if not stages:
        raise SosrapError(f"{path}: no stages defined")
    return stages
