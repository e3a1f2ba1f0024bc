"""Where things live. One place decides, so notebooks run from JupyterLab,
the CLI and the tests all agree on the project root."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

ROOT_ENV = "SOSRAP_ROOT"


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
