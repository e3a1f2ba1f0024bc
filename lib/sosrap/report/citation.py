"""Citation metadata of an edition, from one source: `metadata:` in params.

Everything a reader or a library catalogue needs to cite the report is
generated here from the validated `EditionMetadata` — never typed twice:

* the staged `_quarto.yml` keys (`author`, `date`, `citation`, `google-scholar`,
  `version`, …) that both renderers read (Quarto natively; the pandoc engine
  through the Lua filter and the HTML template, which write the `citation_*`
  meta tags and the title block with version and date);
* the recommended citation in the report's language and in English and the
  citation appendix (kuvailulehti / presentationsblad: description sheet,
  abstracts, licence, version history), worded from the catalogue
  (`sosrap.report.wording`, ``citation.*``);
* the citation files every build writes next to the report (CITATION.cff,
  biblatex, RIS, CSL-JSON: `citation_files.py`; `write_files` is re-exported
  here for the build).

All outputs are deterministic: no build time, only the edition's own dates.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from sosrap.params import Author, EditionMetadata, Params, parse_semver
from sosrap.report.citation_files import CITATION_FILES, biblatex_text, write_files
from sosrap.report.fmt import fi_date
from sosrap.report.wording import t

__all__ = ["Edition", "LICENSES", "recommended", "quarto_metadata", "appendix_markdown", "versions_markdown",
           "write_files", "CITATION_FILES"]

def _licence_key(spdx: str) -> str:
    return f"citation.licence.{spdx.lower().replace('.', '_')}"


#: SPDX id -> (Finnish name, English name, URL of the Finnish deed); the name in the report's
#: language is the catalogue's (`Edition.license_in_language`)
LICENSES: dict[str, tuple[str, str, str]] = {
    spdx: (t(_licence_key(spdx), "fi"), en, url) for spdx, en, url in (
        ("CC-BY-4.0", "Creative Commons Attribution 4.0 International (CC BY 4.0)",
         "https://creativecommons.org/licenses/by/4.0/deed.fi"),
        ("CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
         "https://creativecommons.org/licenses/by-sa/4.0/deed.fi"),
        ("CC0-1.0", "CC0 1.0 Universal (CC0 1.0)", "https://creativecommons.org/publicdomain/zero/1.0/deed.fi"))}

#: the authors' roles in Finnish (`_role` gives them in the report's language)
ROLE_FI = {r: t(f"citation.role.{r}", "fi") for r in ("responsible", "author", "editor", "analyst")}


def _role(role: str) -> str:
    return t(f"citation.role.{role}")


@dataclass(frozen=True)
class Edition:
    """The citable facts of one build: params, metadata, the version being
    built (a publish may override the params' version) and the file base name."""
    params: Params
    meta: EditionMetadata
    version: str
    basename: str

    @classmethod
    def of(cls, params: Params, basename: str, version: str | None = None) -> "Edition | None":
        if params.metadata is None:
            return None
        return cls(params, params.metadata, version or params.metadata.version, basename)

    @property
    def date(self) -> _dt.date:
        return self.meta.version_date(self.version)

    @property
    def title(self) -> str:
        return self.params.title

    @property
    def full_title(self) -> str:
        sub = self.params.subtitle
        return f"{self.title}: {sub}" if sub else self.title

    @property
    def key(self) -> str:
        return self.basename

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.meta.doi}" if self.meta.doi else None

    @property
    def link(self) -> str | None:
        return self.doi_url or self.meta.url

    @property
    def pdf_url(self) -> str | None:
        if self.meta.pdf_url:
            return self.meta.pdf_url
        if self.meta.url:
            return self.meta.url.rstrip("/") + f"/{self.basename}.pdf" if self.meta.url.endswith("/") \
                else self.meta.url.rsplit("/", 1)[0] + f"/{self.basename}.pdf"
        return None

    @property
    def source_date_epoch(self) -> int:
        """Midnight UTC of the version's date: the only time a build may write."""
        d = self.date
        return int(_dt.datetime(d.year, d.month, d.day, tzinfo=_dt.timezone.utc).timestamp())

    def license_names(self) -> tuple[str, str, str]:
        spdx = self.meta.license
        return LICENSES.get(spdx, (spdx, spdx, f"https://spdx.org/licenses/{spdx}.html"))

    def license_in_language(self) -> tuple[str, str]:
        """The licence's name and deed URL in the report's language."""
        spdx = self.meta.license
        name, _, url = self.license_names()
        if spdx not in LICENSES:
            return name, url
        return t(_licence_key(spdx)), url.rsplit(".", 1)[0] + "." + t("citation.licence_deed")




# --------------------------------------------------------------------------- recommended citation

def _apa_name(a: Author) -> str:
    if a.literal:
        return a.literal
    initials = " ".join(part[0] + "." for part in (a.given or "").replace("-", " ").split() if part)
    return f"{a.family}, {initials}" if initials else a.family


def _name_list(authors: list[Author], conj: str) -> str:
    names = [_apa_name(a) for a in authors]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" {conj} " + names[-1]


def recommended(ed: Edition, lang: str = "fi") -> str:
    """The recommended citation as plain text (APA-like), in the report's language ("fi", "sv") or English."""
    m = ed.meta
    year = ed.date.year
    if lang != "en":
        parts = [f"{_name_list(m.authors, '&')} ({year}). {ed.full_title}."]
        if m.series:
            parts.append(f"{m.series}{' ' + m.number if m.number else ''}.")
        parts.append(t("citation.version", lang, version=ed.version))
    else:
        title = ed.full_title + (f" [{m.title_en}]" if m.title_en
                                 else f" [{t('citation.in_language', ed.params.language)}]")
        parts = [f"{_name_list(m.authors, '&')} ({year}). {title}."]
        if m.series:
            parts.append(f"{m.series}{' ' + m.number if m.number else ''}.")
        parts.append(f"Version {ed.version}.")
    parts.append(f"{m.place}: {m.publisher}.")
    if ed.link:
        parts.append(ed.link)
    return " ".join(parts)


# --------------------------------------------------------------------------- renderer metadata

def quarto_metadata(ed: Edition) -> dict[str, Any]:
    """Keys merged into the staged `_quarto.yml` (Quarto's own names, so Quarto
    renders them natively; the pandoc engine's filter and template read the same)."""
    m = ed.meta
    authors = []
    for a in m.authors:
        entry: dict[str, Any] = {"name": a.display}
        if a.affiliation:
            entry["affiliation"] = a.affiliation
        if a.orcid:
            entry["orcid"] = a.orcid
        roles = [_role(r) for r in a.roles if r != "author"]
        if "responsible" in a.roles and a.public_office:
            roles[roles.index(_role("responsible"))] = t("citation.role.responsible_office")
        if a.position:
            roles.insert(0, a.position)
        if roles:
            entry["role"] = ", ".join(roles)
        authors.append(entry)
    citation: dict[str, Any] = {"type": "report", "genre": t("citation.genre"), "publisher": m.publisher,
                                "publisher-place": m.place, "version": ed.version,
                                "issued": ed.date.isoformat(), "language": ed.params.language}
    for key, val in (("doi", m.doi), ("url", m.url), ("isbn", m.isbn), ("issn", m.issn),
                     ("collection-title", m.series), ("number", m.number), ("pdf-url", ed.pdf_url)):
        if val:
            citation[key] = val
    out: dict[str, Any] = {
        "author": authors,
        "date": ed.date.isoformat(),
        "version": ed.version,
        "citation": citation,
        "google-scholar": True,
        "license": m.license,
        "keywords": list(m.keywords),
    }
    if m.doi:
        out["doi"] = m.doi
    return out


# --------------------------------------------------------------------------- report appendix

def _md_escape(text: str) -> str:
    return text.replace("*", r"\*").replace("_", r"\_").replace("[", r"\[").replace("]", r"\]") \
        .replace("@", r"\@").replace("<", r"\<")


def _fence(text: str, lang: str) -> str:
    return f"``` {lang}\n{text.rstrip()}\n```"


def versions_markdown(ed: Edition) -> str:
    """The version history: the first version, then every changelog entry up
    to the one being built (newest first)."""
    m = ed.meta
    rows = sorted((c for c in m.changelog if _semver(c.version) <= _semver(ed.version)),
                  key=lambda c: _semver(c.version), reverse=True)
    lines = [t("citation.versions_head"), "|:--|:---|:-------|"]
    for c in rows:
        lines.append(f"| {c.version} | {fi_date(c.date)} | {_md_escape(c.changes).replace('|', '/')} |")
    # The first version has no changelog entry: 1.0.0 by convention, or an
    # earlier one when the edition's versions start lower.
    first = min([_semver(c.version) for c in m.changelog] + [_semver(ed.version), (1, 0, 0)])
    if not any(_semver(c.version) == first for c in m.changelog) and first <= _semver(ed.version):
        lines.append(f"| {'.'.join(map(str, first))} | {fi_date(m.date)} | {t('citation.first_version')} |")
    return "\n".join(lines)


def _semver(v: str) -> tuple[int, int, int]:
    # versions in params are validated against SEMVER, so this never sees None
    return parse_semver(v)  # type: ignore[return-value]


def _authors_row(ed: Edition) -> str:
    return "; ".join(
        _md_escape(a.display) + (f" ({_md_escape(a.position)})" if a.position else "")
        + (t("citation.responsible_office") if "responsible" in a.roles and a.public_office else "")
        for a in ed.meta.authors)


def _people_rows(ed: Edition) -> list[tuple[str, str]]:
    """Title and the people and organisations behind the report."""
    m = ed.meta
    rows = [(t("citation.row.title"), _md_escape(ed.full_title))]
    if m.title_en:
        rows.append((t("citation.row.title_en"), _md_escape(m.title_en)))
    rows.append((t("citation.row.authors"), _authors_row(ed)))
    if m.contributors:
        rows.append((t("citation.row.contributors"), "; ".join(
            f"{_md_escape(c.name)} ({_md_escape(c.role)}{', ' + _md_escape(c.organisation) if c.organisation else ''})"
            for c in m.contributors)))
    if m.partners:
        rows.append((t("citation.row.partners"), "; ".join(_md_escape(p) for p in m.partners)))
    return rows


def _publication_rows(ed: Edition) -> list[tuple[str, str]]:
    """Publisher, version, series and identifiers."""
    m = ed.meta
    rows = [(t("citation.row.publisher"), _md_escape(m.publisher)), (t("citation.row.place"), _md_escape(m.place)),
            (t("citation.row.year"), str(m.year)), (t("citation.row.version"), ed.version),
            (t("citation.row.date"), fi_date(ed.date))]
    if m.series:
        rows.append((t("citation.row.series"), _md_escape(m.series) + (f" {m.number}" if m.number else "")))
    rows += [(label, val) for label, val in (("ISBN", m.isbn), ("ISSN", m.issn)) if val]
    if m.doi:
        rows.append(("DOI", f"<{ed.doi_url}>"))
    if m.url:
        rows.append((t("citation.row.url"), f"<{m.url}>"))
    return rows


def _subject_rows(ed: Edition) -> list[tuple[str, str]]:
    """Language, licence and keywords."""
    m = ed.meta
    lic, lic_url = ed.license_in_language()
    rows = [(t("citation.row.language"), t(f"citation.languages.{ed.params.language}")),
            (t("citation.row.licence"), f"[{lic}]({lic_url})")]
    if m.keywords:
        rows.append((t("citation.row.keywords"), _md_escape(", ".join(m.keywords))))
    if m.keywords_en:
        rows.append(("Keywords", _md_escape(", ".join(m.keywords_en))))
    return rows


def _abstracts(ed: Edition) -> str:
    """The abstract in the report's language, then in English."""
    m = ed.meta
    own = m.abstract.text(ed.params.language) or ""
    return f"""### {t("citation.abstract")}

{own.strip()}

### Abstract {{lang="en"}}

::: {{lang="en"}}
{m.abstract.en.strip()}
:::
"""


def appendix_markdown(ed: Edition | None) -> str:
    """The citation appendix (kuvailulehti / presentationsblad), as Markdown for `_citation.qmd`."""
    if ed is None:
        return (f"::: {{.callout-warning title=\"{t('citation.missing_title')}\"}}\n{t('citation.missing')}\n:::\n")
    lic, lic_url = ed.license_in_language()
    rows = _people_rows(ed) + _publication_rows(ed) + _subject_rows(ed)
    table = "\n".join(f"{k}\n:   {v}\n" for k, v in rows)
    files = ", ".join(f"`{n.format(base=ed.basename)}`" for n in CITATION_FILES.values())
    lang = ed.params.language
    return f"""## {t("citation.sheet")} {{#sec-kuvailulehti}}

{table}
{_abstracts(ed)}
## {t("citation.how_to_cite")} {{#sec-viittausohje}}

{t("citation.recommended")}

> {_md_escape(recommended(ed, lang))}

Recommended citation (in English):

::: {{lang="en"}}
> {_md_escape(recommended(ed, "en"))}
:::

{t("citation.licence_text", licence=lic, url=lic_url, files=files)}

BibTeX (biblatex):

{_fence(biblatex_text(ed), "bibtex")}

## {t("citation.history")} {{#sec-versiohistoria}}

{t("citation.history_text")}

::: {{#tbl-versiohistoria}}
{versions_markdown(ed)}

{t("citation.history_caption")}
:::
"""
