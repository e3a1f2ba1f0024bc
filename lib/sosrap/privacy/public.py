"""What the gate allows and what it looks for, from an edition's params.

- Public names: the edition's authors and contributors, the authors and
  editors in its bibliography (``references.bib`` of the report), and
  ``metadata.public_names``. Any other personal name in a published file fails
  the audit. The bibliography is read with a small regex for ``author`` and
  ``editor`` fields: only the names are needed, not a full BibTeX parser.
- Public URLs: the edition's own, its bibliography's and its data sources'.
- Private names: ``client_work.screen_names_file`` (one per line, ``#``
  comments), never params.
- Client-number patterns: ``privacy.client_number_patterns``.
"""
from __future__ import annotations

import re
from pathlib import Path

_BIB_URL = re.compile(r"\b(url|doi)\s*=\s*[{\"]([^}\"]+)[}\"]", re.IGNORECASE)
_BIB_FIELD = re.compile(r"\b(?:author|editor)\s*=\s*(\{(?:[^{}]|\{[^{}]*\})*\}|\"[^\"]*\")", re.IGNORECASE)


def bibliography_names(bib: Path) -> list[str]:
    """The names in the ``author`` and ``editor`` fields of a BibTeX file."""
    if not bib.is_file():
        return []
    out: list[str] = []
    for m in _BIB_FIELD.finditer(bib.read_text(encoding="utf-8", errors="replace")):
        value = m.group(1)[1:-1].replace("{", "").replace("}", "")
        out += [p.strip() for p in re.split(r"\s+and\s+", value) if p.strip()]
    return out


def _bibliographies(project: Path, report: str | None) -> list[Path]:
    """The .bib files of the composed report: `reports/_shared/` and the edition's own folder."""
    if not report:
        return []
    dirs = [(project / report).parent / "_shared", project / report]
    return [b for d in dirs for b in sorted(d.glob("*.bib"))]


def public_urls(params, project: Path) -> list[str]:
    """The web addresses an edition publishes by design: its own (``url``,
    ``pdf_url``, DOI, licence), its bibliography's ``url``/``doi`` fields and its data
    sources'. The audit allows a URL by its host."""
    out: list[str] = []
    meta = getattr(params, "metadata", None)
    if meta is not None:
        from sosrap.report.citation import LICENSES
        out += [u for u in (meta.url, meta.pdf_url, LICENSES.get(meta.license, ("", "", ""))[2]) if u]
        if meta.doi:
            out.append(f"https://doi.org/{meta.doi}")
    report = getattr(params, "report", None)
    for bib in _bibliographies(project, report):
        for field, value in _BIB_URL.findall(bib.read_text(encoding="utf-8", errors="replace")):
            out.append(value.strip() if field.lower() == "url" else f"https://doi.org/{value.strip()}")
    sources = getattr(params, "sources", None)
    for src in (getattr(sources, n, None) for n in ("sotkanet", "statfin")):
        if getattr(src, "base_url", None):
            out.append(src.base_url)
    return list(dict.fromkeys(out))


def public_names(params, project: Path) -> list[str]:
    """Every name the edition may publish (see the module docstring)."""
    out: list[str] = []
    meta = getattr(params, "metadata", None)
    if meta is not None:
        for a in meta.authors:
            out += [x for x in (a.given, a.family, a.literal) if x]
        out += [c.name for c in meta.contributors]
        out += list(meta.public_names)
    report = getattr(params, "report", None)
    if report:
        for bib in _bibliographies(project, report):
            out += bibliography_names(bib)
    out += _area_names(project)
    out += _snapshot_region_names(project, getattr(params, "snapshot", None))
    return list(dict.fromkeys(out))


def _snapshot_region_names(project: Path, snapshot: str | None) -> list[str]:
    """The names of the regions in the edition's snapshot (Sotkanet's region list): public place names."""
    import json
    if not snapshot:
        return []
    out: list[str] = []
    for f in sorted((project / snapshot).glob("**/regions.json")):
        try:
            rows = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for r in rows if isinstance(rows, list) else []:
            title = r.get("title") if isinstance(r, dict) else None
            if isinstance(title, dict):
                out += [v for v in title.values() if isinstance(v, str) and v]
    return out


def _area_names(project: Path) -> list[str]:
    """Municipality names (fi, sv) of the shipped classification table: the figures label the areas
    they compare, and some of those names are also surnames to Voikko (a place, not a person)."""
    import csv
    path = project / "data" / "reference" / "municipalities.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [n for row in csv.DictReader(fh) for n in (row.get("name_fi"), row.get("name_sv")) if n]


def private_names(params, project: Path) -> list[str]:
    """The names in the edition's private names file (none without one)."""
    cw = getattr(params, "client_work", None)
    if cw is None or not cw.screen_names_file:
        return []
    path = project / cw.screen_names_file
    if not path.is_file():
        return []
    return [ln.strip() for ln in path.read_text(encoding="utf-8-sig").splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


def gate_options(params, project: Path) -> dict:
    """The keyword arguments of :func:`sosrap.privacy.gate` for an edition:
    allowed values (public contacts and public names), private names,
    client-number patterns, and whether names must be checked (client work)."""
    return {"min_count": params.privacy.min_count,
            "allow": [*params.privacy.audit_allow, *public_names(params, project), *public_urls(params, project)],
            "names": private_names(params, project),
            "client_patterns": list(params.privacy.client_number_patterns),
            "require_names": getattr(params, "client_work", None) is not None}
