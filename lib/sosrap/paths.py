"""Where things live. One place decides, so notebooks run from JupyterLab,
the CLI and the tests all agree on the project root."""
from __future__ import annotations

import copy
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from sosrap.errors import SosrapError

ROOT_ENV = "SOSRAP_ROOT"
KEYFIGURES = "keyfigures.json"   # what a stage writes into its run folder for {{< var >}}


def is_project_root(path: Path) -> bool:
    return (path / "params").is_dir() and (path / "notebooks").is_dir()


def project_root(start: Path | None = None) -> Path:
    """The project root: $SOSRAP_ROOT, else the nearest parent of *start*
    (default: the working directory) holding both `params/` and `notebooks/`."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if is_project_root(candidate):
            return candidate
    # An installed (non-editable) package still knows the checkout it came from.
    pkg = Path(__file__).resolve().parents[2]
    if is_project_root(pkg):
        return pkg
    raise FileNotFoundError(
        f"no sosrap project found from {here}: expected a folder with params/ and notebooks/ "
        f"(or set {ROOT_ENV})")


def default_build_dir(edition: str, root: Path | None = None) -> Path:
    return (root or project_root()) / "build" / edition


def area_build_dir(edition: str, area: str | None, root: Path | None = None) -> Path:
    """build/<edition>, or build/<edition>/<area> for a build for another area (the batch's folders)."""
    base = default_build_dir(edition, root)
    return base if area is None else base / str(area).lstrip("0")


class _HasNotebook(Protocol):
    notebook: str


@dataclass
class Layout:
    """Where a build writes; everything lives under one folder (`root`):
    executed notebooks in `notebooks/`, each stage's outputs in
    `artifacts/<stage>/`, fingerprints and logs in `state/`."""
    root: Path

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def run_dir(self, stage: str) -> Path:
        return self.artifacts / stage

    def log(self, stage: str) -> Path:
        return self.state / f"{stage}.log"

    def state_file(self, stage: str) -> Path:
        return self.state / f"{stage}.json"

    def executed(self, stage: _HasNotebook) -> Path:
        """The executed copy of *stage*'s notebook."""
        return self.notebooks / stage.notebook


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write *data* to *path* through a temporary file in the same folder and
    a rename: a reader sees the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class AtomicDir:
    """A folder that appears complete or not at all: the one way sosrap writes a
    folder (snapshots, the staged report, releases, the reference tables).

        with AtomicDir(dest) as d:      # d.path: a fresh folder beside dest
            write(d.path / "x")         # an error or Ctrl-C here leaves dest untouched
        # here d.path has become dest in one rename (an existing dest is replaced,
        # or with replace=False the rename fails with FileExistsError)

    `d.discard()` inside the block throws the new folder away on exit.
    """

    def __init__(self, dest: Path, *, replace: bool = True, prefix: str | None = None):
        self.dest = Path(dest)
        self.replace = replace
        self.prefix = prefix or f".{self.dest.name}.partial-"
        self.path: Path = self.dest
        self._discard = False

    def __enter__(self) -> "AtomicDir":
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=self.prefix, dir=self.dest.parent))
        return self

    def discard(self) -> None:
        self._discard = True

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None or self._discard:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        try:
            self._commit()
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise

    def _commit(self) -> None:
        if not self.dest.exists():
            os.replace(self.path, self.dest)
            return
        if not self.replace:
            raise FileExistsError(f"{self.dest} already exists")
        old = self.dest.parent / f".{self.dest.name}.old-{os.getpid()}"
        os.replace(self.dest, old)
        os.replace(self.path, self.dest)
        shutil.rmtree(old, ignore_errors=True)


#: libyaml's parser where PyYAML has it, for YAML that sosrap itself wrote with `yaml.safe_dump`
_GENERATED_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


#: parsed YAML by its text (a build reads stages.yaml, the params and _quarto.yml several times, and
#: PyYAML's pure-Python parser takes 10-20 ms a file); callers get a deep copy, so none sees another's edits
_PARSED: dict[tuple[str, bool], object] = {}
_PARSED_MAX = 32


def _load(text: str, generated: bool):
    key = (text, generated)
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = _parse(text, generated)
    return copy.deepcopy(_PARSED[key])


def _parse(text: str, generated: bool):
    if generated:
        try:
            return yaml.load(text, Loader=_GENERATED_LOADER)  # noqa: S506 -- a safe loader
        except yaml.YAMLError:
            pass                     # PyYAML's own parser says what is wrong
    return yaml.safe_load(text)


def read_yaml(path: Path, *, error: type[Exception] = SosrapError, missing_ok: bool = False,
              generated: bool = False) -> dict:
    """A YAML file whose top level is a mapping ({} when empty, or missing with *missing_ok*);
    anything else raises *error* naming the file. *generated*: a file sosrap wrote with
    `yaml.safe_dump` (the key figures), read with libyaml's faster parser; people's YAML is read
    by PyYAML's own, which libyaml does not match on odd input (a tab after a value, a bare `!`)."""
    path = Path(path)
    if missing_ok and not path.is_file():
        return {}
    try:
        data = _load(path.read_text(encoding="utf-8"), generated)
    except yaml.YAMLError as e:
        raise error(f"{path}: not valid YAML: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping of keys at the top level")
    return data


def deep_merge(base: dict, over: dict) -> dict:
    """*over* on top of *base*, mappings merged key by key (neither input is changed)."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out
