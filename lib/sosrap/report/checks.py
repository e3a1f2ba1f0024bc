"""Checks of the staged report's sources that stop a build before it renders
(issue #14): a citation key the bibliography does not have, and `_quarto.yml`
keys the build would silently overwrite.

Citation keys are found with one regular expression for pandoc's citation
syntax (`[@key]`, `[-@key]`, `@key` in text, `@{key}`), and the BibTeX keys with
one for an entry's head (`@type{key,`): both grammars are that small, and no
bibliography library is a dependency. Quarto cross-references (`@fig-…`,
`@tbl-…`, `@sec-…`, …) are checked by the filter, not here.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Iterable, Mapping

from sosrap.errors import SosrapError

#: Quarto's cross-reference prefixes: `@fig-x` is a cross-reference, not a citation
CROSSREF_PREFIXES = ("fig", "tbl", "sec", "eq", "lst", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "exr",
                     "sol", "rem", "tip", "nte", "wrn", "imp", "cau")

# pandoc: a key starts with a letter, digit or _, and may hold internal punctuation :.#$%&-+?<>~/
_KEY = r"[\w][\w:.#$%&\-+?<>~/]*[\w]|[\w]"
# @ must not follow a word character (so `nimi@example.fi` is not a citation)
_CITE = re.compile(r"(?<![\w.@])-?@(?:\{(?P<braced>[^}\s]+)\}|(?P<key>" + _KEY + r"))")
_BIB_ENTRY = re.compile(r"^\s*@(?P<type>\w+)\s*[{(]\s*(?P<key>[^,\s]+)\s*,", re.M)
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"`[^`]*`")
_SHORTCODE = re.compile(r"\{\{<.*?>\}\}")
_COMMENT = re.compile(r"<!--.*?-->", re.S)

#: `_quarto.yml` keys the build writes from the edition's params (`title`, `subtitle`, `metadata:`)
PARAMS_KEYS = ("title", "subtitle", "author", "authors", "date", "version", "citation")


def bib_keys(text: str) -> set[str]:
    """The entry keys of a BibTeX file (`@comment`, `@string` and `@preamble` are not entries)."""
    return {m["key"] for m in _BIB_ENTRY.finditer(text)
            if m["type"].lower() not in ("comment", "string", "preamble")}


def citations(text: str) -> Iterable[tuple[int, str]]:
    """(line number, key) of each citation in Markdown *text*, outside code and shortcodes."""
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    fenced = False
    for n, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = _SHORTCODE.sub("", _INLINE_CODE.sub("", line))
        for m in _CITE.finditer(line):
            key = m["braced"] or m["key"]
            if key.split("-", 1)[0] in CROSSREF_PREFIXES and "-" in key:
                continue
            yield n, key


def _bibliographies(quarto: Mapping) -> list[str]:
    bib = quarto.get("bibliography") or []
    return [bib] if isinstance(bib, str) else [str(b) for b in bib]


def check_citations(project: Path, quarto: Mapping, sources: Mapping[str, Path]) -> None:
    """Every citation key in the report's Markdown must be in its bibliography;
    the error names chapter, line, key and the nearest keys."""
    keys: set[str] = set()
    for rel in _bibliographies(quarto):
        path = Path(project) / rel
        if not path.is_file():
            raise SosrapError(f"_quarto.yml names bibliography {rel!r}, which the report does not have")
        keys |= bib_keys(path.read_text(encoding="utf-8"))
    problems = []
    for rel, path in sorted(sources.items()):
        if not rel.endswith((".qmd", ".md")):
            continue
        for line, key in citations(path.read_text(encoding="utf-8")):
            if key not in keys:
                near = difflib.get_close_matches(key, sorted(keys), n=3, cutoff=0.5)
                hint = f"; did you mean {', '.join('@' + k for k in near)}?" if near else ""
                problems.append(f"  {rel}:{line}: citation @{key} is not in the bibliography{hint}")
    if problems:
        bibs = ", ".join(_bibliographies(quarto)) or "(none: no `bibliography:` in _quarto.yml)"
        raise SosrapError(f"{len(problems)} unknown citation key(s) (bibliography: {bibs}):\n" + "\n".join(problems))


def check_quarto_keys(quarto: Mapping, where: str, edition: str) -> None:
    """`_quarto.yml` must not set what the build takes from the params (it would be silently replaced)."""
    found = [k for k in PARAMS_KEYS if k in quarto]
    if found:
        raise SosrapError(
            f"{where} sets {', '.join(f'`{k}:`' for k in found)}, which the build replaces: the title and "
            f"subtitle come from params/{edition}.yaml (`title:`, `subtitle:`), authors, date, version and the "
            f"citation from its `metadata:` block (see docs/toimittajan-opas.md); remove the key(s) from {where}")


def check_language(quarto: Mapping, where: str, edition: str, language: str) -> None:
    """`lang` in `_quarto.yml`, when set, must be the params' `language:` (the one switch: the
    build writes it, and the key figures, sentences and captions are written in it)."""
    lang = quarto.get("lang")
    if lang is not None and str(lang).split("-")[0] != language:
        raise SosrapError(f"{where} sets `lang: {lang}`, but params/{edition}.yaml has `language: {language}` "
                          f"(the report's sentences and key figures are written in that language): set "
                          f"`language:` in the params and remove `lang:` from {where} or make it {language}")


_EMBED = re.compile(r"\{\{<\s*embed\s+(?P<nb>[^#\s>]+)#(?P<label>[^\s>]+)\s*>\}\}")
_CELL_LABEL = re.compile(r"^#\|\s*label:\s*(\S+)", re.M)


def notebook_labels(path: Path) -> set[str]:
    """The labels (`#| label: …`) and ids of a notebook's cells: what an embed may address."""
    import json
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    out: set[str] = set()
    for cell in nb.get("cells", []):
        out |= set(_CELL_LABEL.findall("".join(cell.get("source", ""))))
        if cell.get("id"):
            out.add(cell["id"])
    return out


def check_embeds(sources: Mapping[str, Path], notebooks: Mapping[str, Path]) -> None:
    """Every `{{< embed nb.ipynb#label >}}` must name a notebook of this build and a
    label in it; the error names chapter, line, label and the nearest labels."""
    labels: dict[str, set[str]] = {}
    problems = []
    for rel, path in sorted(sources.items()):
        if not rel.endswith((".qmd", ".md")):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for m in _EMBED.finditer(line):
                name, label = Path(m["nb"]).name, m["label"]
                if name not in notebooks:
                    problems.append(f"  {rel}:{n}: embed of {m['nb']}: no stage notebook is called {name} "
                                    f"(notebooks: {', '.join(sorted(notebooks))})")
                    continue
                known = labels.setdefault(name, notebook_labels(notebooks[name]))
                if label not in known:
                    near = difflib.get_close_matches(label, sorted(k for k in known if "-" in k), n=3, cutoff=0.6)
                    hint = f"; did you mean {', '.join(near)}?" if near else ""
                    problems.append(f"  {rel}:{n}: embed label {label!r} is not a cell label of {name}{hint}")
    if problems:
        raise SosrapError(f"{len(problems)} embed(s) name no notebook cell:\n" + "\n".join(problems))
