"""Edition parameters: `params/_defaults.yaml` deep-merged under
`params/<edition>.yaml`, validated by a schema.

Unknown keys, wrong types and missing required values fail with the file and
the dotted key named, because the person fixing them edits YAML, not Python.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ParamsError
from .paths import project_root

DEFAULTS_NAME = "_defaults.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaRef(_Strict):
    """A Sotkanet region by (category, code): codes collide across categories."""
    category: str
    code: str
    name: str | None = None

    @field_validator("code", mode="before")
    @classmethod
    def _code_is_text(cls, v: Any) -> Any:
        # "009" must keep its leading zeros; a YAML integer would lose them.
        if isinstance(v, int):
            raise ValueError("region code must be a quoted string (leading zeros matter), e.g. \"19\"")
        return v


class YearRange(_Strict):
    start: int = Field(ge=1990, le=2100)
    end: int = Field(ge=1990, le=2100)

    @model_validator(mode="after")
    def _ordered(self) -> "YearRange":
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    def as_list(self) -> list[int]:
        return list(range(self.start, self.end + 1))


class Indicator(_Strict):
    """One Sotkanet indicator used by the report. Titles come from the
    snapshot's metadata, never from here."""
    id: int = Field(gt=0)
    theme: str
    key: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$",
                            description="name used for key figures; default: the theme")


class Privacy(_Strict):
    min_count: int = Field(default=5, ge=1, description="counts below this are suppressed")
    marker: str = Field(default="x", min_length=1, max_length=3,
                        description="shown in place of a suppressed count (explained in the table note)")
    audit_allow: list[str] = Field(default_factory=list,
                                   description="public contact details the report may show (e.g. the "
                                               "registry's e-mail); the audit ignores exactly these")


class Sources(_Strict):
    class _Src(_Strict):
        base_url: str
    sotkanet: _Src = _Src(base_url="https://sotkanet.fi/rest/1.1/")
    statfin: _Src = _Src(base_url="https://pxdata.stat.fi/PXWeb/api/v1/fi/StatFin/")


class Params(_Strict):
    edition: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str
    subtitle: str | None = None
    language: Literal["fi", "sv", "en"] = "fi"
    area: AreaRef
    country: AreaRef
    peer_category: str = "HYVINVOINTIALUE"
    municipality_category: str = "KUNTA"
    years: YearRange
    snapshot: str = Field(description="snapshot folder, relative to the project root")
    population_indicator: int = 127
    themes: dict[str, str]
    indicators: list[Indicator] = Field(min_length=1)
    privacy: Privacy = Privacy()
    sources: Sources = Sources()
    report: str = Field(description="the edition's Quarto project, relative to the project root")

    @model_validator(mode="after")
    def _themes_known(self) -> "Params":
        for i, ind in enumerate(self.indicators):
            if ind.theme not in self.themes:
                raise ValueError(f"indicators[{i}] (id {ind.id}) has theme {ind.theme!r}, "
                                 f"which is not one of themes: {', '.join(self.themes)}")
        ids = [i.id for i in self.indicators]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"indicator ids listed twice: {dup}")
        return self

    def indicator_key(self, ind: Indicator) -> str:
        return ind.key or ind.theme

    def resolved(self) -> dict[str, Any]:
        """Plain JSON-able dict of every value (what the manifest records)."""
        return json.loads(self.model_dump_json())


def deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ParamsError(f"{path}: not valid YAML: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of keys at the top level")
    return data


def _has_path(d: Any, loc: tuple) -> bool:
    for part in loc:
        if isinstance(d, dict) and part in d:
            d = d[part]
        elif isinstance(d, list) and isinstance(part, int) and part < len(d):
            d = d[part]
        else:
            return False
    return True


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def params_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "params"


def list_editions(root: Path | None = None) -> list[str]:
    return sorted(p.stem for p in params_dir(root).glob("*.yaml") if not p.name.startswith("_"))


def load_raw(edition: str, root: Path | None = None) -> tuple[dict, list[Path]]:
    """The merged, unvalidated mapping and the files it came from."""
    pdir = params_dir(root)
    path = pdir / f"{edition}.yaml"
    if not path.is_file():
        known = ", ".join(list_editions(root)) or "none"
        raise ParamsError(f"no params file for edition {edition!r}: {path} does not exist (editions: {known})")
    files = []
    merged: dict = {}
    defaults = pdir / DEFAULTS_NAME
    if defaults.is_file():
        merged = _read_yaml(defaults)
        files.append(defaults)
    edition_data = _read_yaml(path)
    merged = deep_merge(merged, edition_data)
    files.append(path)
    merged.setdefault("edition", edition)
    return merged, files


def validate(data: dict, files: list[Path]) -> Params:
    try:
        return Params.model_validate(data)
    except ValidationError as e:
        lines = []
        edition_file = files[-1]
        edition_data = _read_yaml(edition_file)
        for err in e.errors():
            loc = tuple(err["loc"])
            # Name the file a person must edit: where the key is, else the edition file.
            where = edition_file
            if not _has_path(edition_data, loc) and len(files) > 1 and _has_path(_read_yaml(files[0]), loc):
                where = files[0]
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check spelling; see params/README.md for the keys)"
            elif err["type"] == "missing":
                msg = "required value is missing"
            got = "" if err["type"] in ("missing", "extra_forbidden") or isinstance(err.get("input"), dict) \
                else f" (got {err.get('input')!r})"
            lines.append(f"{where}: {_dotted(loc)}: {msg}{got}")
        raise ParamsError("invalid params:\n  " + "\n  ".join(lines)) from None


def load(edition: str, root: Path | None = None) -> Params:
    data, files = load_raw(edition, root)
    return validate(data, files)
