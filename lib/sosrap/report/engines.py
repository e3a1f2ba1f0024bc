"""The render engines: which one renders (`pick_engine`), where pandoc is (`pandoc_path`), and
their versions (`engine_version`, part of the render fingerprint and the manifest)."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from sosrap.errors import SosrapError

ENGINES = ("auto", "quarto", "pandoc")


class RenderError(SosrapError):
    """Rendering failed; the message names the file and the label/key at fault."""


def pandoc_path() -> str:
    """The pandoc binary of the pypandoc-binary wheel (never a system pandoc:
    the filter is written and tested against that exact version).

    The wheel's binary is found without importing pypandoc (its import and its
    probe, which runs every pandoc it finds, cost up to 0.1 s of every build);
    pypandoc itself decides only when ``PYPANDOC_PANDOC`` names a binary or the
    wheel has none (plain pypandoc, a pandoc installed by hand)."""
    if not os.environ.get("PYPANDOC_PANDOC"):
        bundled = _bundled_pandoc()
        if bundled is not None:
            return bundled
    try:
        import pypandoc
    except ImportError as e:  # pragma: no cover - a dependency of sosrap
        raise RenderError("the pandoc engine needs the 'pypandoc-binary' package") from e
    try:
        return pypandoc.get_pandoc_path()
    except OSError as e:  # pragma: no cover
        raise RenderError(f"pandoc not found: {e}") from e


def _bundled_pandoc() -> str | None:
    """`pypandoc/files/pandoc` of the installed pypandoc-binary wheel, where pypandoc looks first."""
    import importlib.util
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        binary = Path(folder).resolve() / "files" / ("pandoc.exe" if os.name == "nt" else "pandoc")
        if binary.is_file() and os.access(binary, os.X_OK):
            return str(binary)
    return None


def pick_engine(engine: str = "auto") -> str:
    """'quarto' when it is on PATH (or asked for), else 'pandoc'."""
    if engine not in ENGINES:
        raise RenderError(f"unknown render engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "quarto":
        if not shutil.which("quarto"):
            raise RenderError("engine 'quarto' requested but `quarto` is not on PATH "
                              "(install Quarto, or use --engine pandoc)")
        return "quarto"
    if engine == "pandoc":
        return "pandoc"
    return "quarto" if shutil.which("quarto") else "pandoc"


def engine_version(engine: str) -> str:
    """Version string of the engine, e.g. '3.9' for pandoc, '1.6.30' for quarto."""
    binary = pandoc_path() if engine == "pandoc" else shutil.which("quarto")
    if engine not in ("pandoc", "quarto") or not binary:
        raise RenderError(f"engine {engine!r} is not available")
    st = os.stat(binary)
    return _binary_version(binary, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _binary_version(binary: str, size: int, mtime_ns: int) -> str:
    """`<binary> --version`, asked once per process and binary (a build asks for the fingerprint,
    the render result and the manifest); a replaced binary has another size or time."""
    proc = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    first = (proc.stdout.strip().splitlines() or [""])[0]
    # pandoc prints "pandoc 3.9"; quarto prints just "1.6.30".
    return first.split()[-1] if first else "unknown"
