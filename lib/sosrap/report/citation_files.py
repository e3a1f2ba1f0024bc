"""The citation files every build writes next to the report, from the
edition's metadata: CITATION.cff (1.2.0), BibTeX in biblatex dialect (keeps
DOI and version; made by pandoc from the CSL-JSON), RIS and CSL-JSON.

CFF (YAML) and RIS are written directly, a few fixed fields each; the tests
validate CITATION.cff with cffconvert. biblatex goes through pandoc's own
writer. All outputs are deterministic: no build time, only the edition's own
dates.
"""
from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sosrap.errors import SosrapError
from sosrap.params import Author
from sosrap.report.wording import t

if TYPE_CHECKING:                      # citation imports this module for the appendix
    from sosrap.report.citation import Edition

__all__ = ["CITATION_FILES", "csl_item", "csljson_text", "biblatex_text", "ris_text", "cff_text", "write_files"]

#: file kind -> file name pattern ({base} = the report's base name)
CITATION_FILES = {"cff": "CITATION.cff", "biblatex": "{base}.bib", "ris": "{base}.ris", "csljson": "{base}.csl.json"}

# --------------------------------------------------------------------------- CSL-JSON

def _csl_name(a: Author) -> dict:
    if a.literal:
        return {"literal": a.literal}
    return {k: v for k, v in (("family", a.family), ("given", a.given)) if v}


def csl_item(ed: Edition) -> dict[str, Any]:
    """The report as one CSL-JSON item (type report)."""
    m = ed.meta
    d = ed.date
    item: dict[str, Any] = {
        "id": ed.key,
        "type": "report",
        "title": ed.full_title,
        "author": [_csl_name(a) for a in m.authors],
        "issued": {"date-parts": [[d.year, d.month, d.day]]},
        "publisher": m.publisher,
        "publisher-place": m.place,
        "genre": t("citation.genre", ed.params.language),
        "version": ed.version,
        "language": ed.params.language,
    }
    optional = {"DOI": m.doi, "URL": m.url, "ISBN": m.isbn, "ISSN": m.issn, "collection-title": m.series,
                "number": m.number, "abstract": m.abstract.text(ed.params.language),
                "keyword": ", ".join(m.keywords) if m.keywords else None}
    item.update({k: v for k, v in optional.items() if v})
    return item


def csljson_text(ed: Edition) -> str:
    return json.dumps([csl_item(ed)], ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- BibTeX (biblatex)

def biblatex_text(ed: Edition) -> str:
    """biblatex via pandoc (`-t bibtex` would drop DOI and version); @report
    also needs `institution`, which CSL does not have."""
    from sosrap.report.engines import pandoc_path
    lines = _pandoc_biblatex(pandoc_path(), csljson_text(ed)).rstrip("\n").splitlines()
    extra = [f"  institution = {{{ed.meta.publisher}}},", f"  type = {{{t('citation.genre', ed.params.language)}}},"]
    if ed.meta.keywords:
        extra.append(f"  keywords = {{{', '.join(ed.meta.keywords)}}},")
    out = [lines[0], *extra, *lines[1:]]
    return "\n".join(out) + "\n"


@functools.lru_cache(maxsize=4)
def _pandoc_biblatex(binary: str, csljson: str) -> str:
    """pandoc's biblatex of one CSL-JSON text, run once per process (a build writes the
    appendix and then `references.bib` and the citation files from the same edition)."""
    proc = subprocess.run([binary, "-f", "csljson", "-t", "biblatex"], input=csljson,
                          capture_output=True, text=True, encoding="utf-8", check=False)
    if proc.returncode != 0:
        raise SosrapError(f"pandoc could not write BibTeX: {proc.stderr.strip()}")
    return proc.stdout


# --------------------------------------------------------------------------- RIS

def ris_text(ed: Edition) -> str:
    """RIS (RPRT) for reference managers; CRLF-free, tags in the usual order."""
    m = ed.meta
    d = ed.date
    rows: list[tuple[str, str]] = [("TY", "RPRT"), ("TI", ed.full_title)]
    for a in m.authors:
        rows.append(("AU", a.literal or ", ".join(x for x in (a.family, a.given) if x)))
    rows += [("PY", str(d.year)), ("DA", f"{d.year:04d}/{d.month:02d}/{d.day:02d}"), ("PB", m.publisher),
             ("CY", m.place), ("ET", ed.version), ("LA", ed.params.language)]
    if m.series:
        rows.append(("T3", m.series))
    if m.number:
        rows.append(("M1", m.number))
    for tag, val in (("DO", m.doi), ("UR", m.url or ed.doi_url), ("SN", m.isbn or m.issn)):
        if val:
            rows.append((tag, val))
    rows += [("KW", k) for k in m.keywords]
    rows.append(("AB", m.abstract.text(ed.params.language)))
    rows.append(("ER", ""))
    return "".join(f"{tag}  - {val}".rstrip() + "\n" for tag, val in rows)


# --------------------------------------------------------------------------- CITATION.cff

def _cff_person(a: Author) -> dict:
    if a.literal:
        p: dict[str, Any] = {"name": a.literal}
    else:
        p = {"family-names": a.family}
        if a.given:
            p["given-names"] = a.given
    if a.affiliation:
        p["affiliation"] = a.affiliation
    if a.orcid:
        p["orcid"] = f"https://orcid.org/{a.orcid}"
    return p


def cff_text(ed: Edition) -> str:
    """CITATION.cff 1.2.0: the report's metadata, with a `preferred-citation`
    of type report (the root `type` can only be software or dataset: the
    release is a dataset of tables, notebooks and the report)."""
    m = ed.meta
    authors = [_cff_person(a) for a in m.authors]
    data: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "Viittaa raporttiin alla olevin tiedoin. / If you use this report, please cite it as below.",
        "type": "dataset",
        "title": ed.full_title,
        "version": ed.version,
        "date-released": ed.date.isoformat(),
        "authors": authors,
        "license": m.license,
    }
    if m.doi:
        data["doi"] = m.doi
    if m.url:
        data["url"] = m.url
    if m.keywords:
        data["keywords"] = list(m.keywords)
    data["abstract"] = m.abstract.en
    pref: dict[str, Any] = {
        "type": "report", "title": ed.full_title, "authors": authors, "version": ed.version,
        "year": ed.date.year, "month": ed.date.month, "date-published": ed.date.isoformat(),
        "publisher": {"name": m.publisher, "city": m.place, "country": "FI"},
        "institution": {"name": m.publisher},
        "languages": [ed.params.language],
    }
    for key, val in (("doi", m.doi), ("url", m.url), ("isbn", m.isbn), ("issn", m.issn),
                     ("collection-title", m.series), ("number", m.number)):
        if val:
            pref[key] = val
    data["preferred-citation"] = pref
    return ("# Written by `sosrap build` from the edition's metadata (params); do not edit.\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000))


# --------------------------------------------------------------------------- files

def write_files(ed: Edition, out_dir: Path) -> dict[str, Path]:
    """Write CITATION.cff, <base>.bib (biblatex), <base>.ris and <base>.csl.json (CSL-JSON)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = {"cff": cff_text(ed), "biblatex": biblatex_text(ed), "ris": ris_text(ed), "csljson": csljson_text(ed)}
    out: dict[str, Path] = {}
    for kind, pattern in CITATION_FILES.items():
        path = out_dir / pattern.format(base=ed.basename)
        path.write_bytes(texts[kind].encode("utf-8"))
        out[kind] = path
    return out
