"""The strings sosrap's renderer writes itself, per language (`lang`).

Quarto localises its output from translation files: ``_language.yml``
(English), then ``_language-<tag>.yml`` for each prefix of the document's
``lang`` (``de``, then ``de-CH``), then the document's own ``language:`` map
(quarto-cli ``src/core/language.ts``).  The pandoc engine does the same, in
this order for each level:

1. sosrap's own catalogue (``language/_language*.yml`` next to this module),
   written for sosrap in Quarto's format with Quarto's keys, for the keys the
   engine uses (English, Finnish, Swedish);
2. Quarto's translation files, when a copy is configured: the directory in
   ``$SOSRAP_QUARTO_LANGUAGE`` (quarto-cli ``src/resources/language``, MIT).
   Their values win over ours, so the output matches Quarto's.

Quarto's files are read at run time from that path and never copied into the
project.  Without ``lang`` the strings are English, as in Quarto.
The document's ``language:`` map is applied last, by the Lua filter.
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

__all__ = ["CATALOGUE", "QUARTO_LANGUAGE_ENV", "language_files", "language_strings", "quarto_language_dir"]

#: sosrap's own catalogue
CATALOGUE = Path(__file__).resolve().parent / "language"
#: environment variable naming a directory of Quarto's translation files
QUARTO_LANGUAGE_ENV = "SOSRAP_QUARTO_LANGUAGE"


def quarto_language_dir() -> Path | None:
    """Quarto's translation files, when configured and present."""
    env = os.environ.get(QUARTO_LANGUAGE_ENV)
    path = Path(env) if env else None
    return path if path is not None and (path / "_language.yml").is_file() else None


def _tag_prefixes(lang: str | None) -> list[str]:
    """'de-CH' -> ['de', 'de-CH'] (BCP 47 prefixes, shortest first)."""
    parts = (lang or "").replace("_", "-").split("-")
    return ["-".join(parts[:i]) for i in range(1, len(parts) + 1) if parts[0]]


def language_files(lang: str | None, quarto_dir: Path | None = None) -> list[Path]:
    """The translation files for *lang*, lowest priority first."""
    names = ["_language.yml"] + [f"_language-{p}.yml" for p in _tag_prefixes(lang)]
    dirs = [CATALOGUE] + ([quarto_dir] if quarto_dir else [])
    return [d / n for n in names for d in dirs if (d / n).is_file()]


def language_strings(lang: str | None, quarto_dir: Path | None = None) -> dict[str, str]:
    """Key -> string for *lang* (English without one)."""
    strings: dict[str, str] = {}
    for path in language_files(lang, quarto_dir if quarto_dir is not None else quarto_language_dir()):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        strings.update({str(k): str(v) for k, v in data.items() if isinstance(v, (str, int, float))})
    return strings
