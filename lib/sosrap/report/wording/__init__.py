"""The words sosrap writes itself, one catalogue per language.

Every sentence, label, caption, alt text and table heading that sosrap
generates (key figures, indicator sections, figures, the data notice, the
citation block, the client-work tables) is a key of the catalogue
``<lang>.yml`` beside this module: ``fi.yml`` and ``sv.yml`` have exactly
the same keys and, per key, the same ``{placeholders}`` (a test checks). The
code keeps no wording of its own; it asks `t` for a key::

    wording.t("kf.trend.increase", rel=…, ci_text=…, ci=…)

The language is the edition's `language:` parameter. A stage sets it when it
starts (`sosrap.stage.context`), the build around staging the report
(`using`); without one it is Finnish, the reports' default. Number formats
are the same in Finnish and Finland-Swedish (decimal comma, non-breaking
space for thousands and before %), so only words differ (`sosrap.report.fmt`).

In the YAML files ``\\_`` (YAML's escape, in double quotes) is a non-breaking
space; ``{name}`` is a placeholder, and no other braces are special.
"""
from __future__ import annotations

import contextlib
import contextvars
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import yaml

from sosrap.errors import SosrapError

__all__ = ["LANGUAGES", "DEFAULT", "catalogue", "current", "use", "using", "t", "group", "placeholders",
           "catalogue_file"]

HERE = Path(__file__).resolve().parent
#: the languages a report can be written in (a catalogue for each)
LANGUAGES = ("fi", "sv")
DEFAULT = "fi"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("sosrap_wording", default=DEFAULT)


def catalogue_file(lang: str) -> Path:
    return HERE / f"{lang}.yml"


def _flatten(data: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = "" if v is None else str(v)
    return out


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """The flat catalogue of *lang*: dotted key -> text."""
    path = catalogue_file(lang)
    if lang not in LANGUAGES or not path.is_file():
        raise SosrapError(f"no wording catalogue for language {lang!r} (reports can be written in "
                          f"{', '.join(LANGUAGES)}; a new language needs {path.name} beside {HERE})")
    # libyaml's parser where PyYAML has it (the catalogues ship with the package, and a test checks
    # that both parsers read them alike; people's own YAML is read by PyYAML, which libyaml is not
    # identical to on odd input)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return _flatten(yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {})  # noqa: S506 (safe)


def current() -> str:
    """The language sosrap writes in now."""
    return _CURRENT.get()


def use(lang: str) -> None:
    """Write in *lang* from now on (a stage notebook, for the rest of its kernel)."""
    catalogue(lang)
    _CURRENT.set(lang)


@contextlib.contextmanager
def using(lang: str) -> Iterator[None]:
    """Write in *lang* inside the block."""
    catalogue(lang)
    token = _CURRENT.set(lang)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The text of *key* in *lang* (default: the current language) with its placeholders filled."""
    cat = catalogue(lang or current())
    try:
        text = cat[key]
    except KeyError:
        raise SosrapError(f"wording key {key!r} is not in {catalogue_file(lang or current()).name}") from None

    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name not in values:
            raise SosrapError(f"wording key {key!r} needs a value for {{{name}}}")
        return str(values[name])
    return _PLACEHOLDER.sub(fill, text)


def group(prefix: str, lang: str | None = None) -> dict[str, str]:
    """Every key under *prefix* (without it): `group("kf.trend_word")` -> {"increase": …, …}."""
    cat = catalogue(lang or current())
    p = prefix + "."
    return {k[len(p):]: v for k, v in cat.items() if k.startswith(p)}
