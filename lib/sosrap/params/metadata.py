"""An edition's `metadata:` block: authors and roles, publisher, licence, DOI, version and
changelog — the one source of the title block, the citation appendix and the citation files."""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sosrap.params._base import _Strict

SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"


def parse_semver(v: str) -> tuple[int, int, int] | None:
    """'1.2.10' → (1, 2, 10), comparable; None when *v* is not MAJOR.MINOR.PATCH."""
    m = re.match(SEMVER, str(v))
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None

#: author roles; `responsible` = the social worker in public office who is
#: responsible for compiling the report (Social Welfare Act § 7; the plan).
AUTHOR_ROLES = ("responsible", "author", "editor", "analyst")


class Author(_Strict):
    """A person (family, given) or an organisation/role (literal) that wrote the report."""
    family: str | None = None
    given: str | None = None
    literal: str | None = Field(default=None, description="an organisation or a role, cited as written")
    position: str | None = Field(default=None, description="job title, e.g. erityissosiaalityöntekijä")
    affiliation: str | None = None
    roles: list[Literal["responsible", "author", "editor", "analyst"]] = Field(default_factory=lambda: ["author"],
                                                                                min_length=1)
    public_office: bool = Field(default=False, description="in public office (virkasuhteinen)")
    orcid: str | None = Field(default=None, pattern=r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
    email: str | None = None

    @model_validator(mode="after")
    def _named(self) -> "Author":
        if not (self.family or self.literal):
            raise ValueError("an author needs `family` (and `given`) or `literal`")
        if self.family and self.literal:
            raise ValueError("give either `family`/`given` or `literal`, not both")
        return self

    @property
    def display(self) -> str:
        """"Given Family" (or the literal) as people read it."""
        return self.literal or " ".join(x for x in (self.given, self.family) if x)


class Contributor(_Strict):
    name: str
    role: str = Field(description="what they did, in Finnish (e.g. 'aineiston koonti')")
    organisation: str | None = None


class ChangelogEntry(_Strict):
    """One published version after the first: what changed (Finnish), and when."""
    version: str = Field(pattern=SEMVER)
    date: _dt.date
    changes: str = Field(min_length=3)
    changes_en: str | None = None


class Abstract(_Strict):
    """The abstract in the report's language (`fi` or `sv`) and in English; the report's
    language is required (`Params` checks)."""
    fi: str | None = Field(default=None, min_length=10)
    sv: str | None = Field(default=None, min_length=10)
    en: str = Field(min_length=10)

    def text(self, lang: str) -> str | None:
        """The abstract in *lang* ("fi", "sv", "en")."""
        return getattr(self, lang, None)


class EditionMetadata(_Strict):
    """What makes an edition citable: one source for the title block, the
    citation appendix, the HTML meta tags and the citation files."""
    year: int = Field(ge=2000, le=2100, description="edition year (vuosi)")
    version: str = Field(default="1.0.0", pattern=SEMVER, description="semantic version of this edition")
    date: _dt.date = Field(description="publication date of the version; also SOURCE_DATE_EPOCH of the build")
    title_en: str | None = Field(default=None, description="English title, for the English citation")
    authors: list[Author] = Field(min_length=1)
    contributors: list[Contributor] = Field(default_factory=list)
    partners: list[str] = Field(default_factory=list, description="partner organisations")
    publisher: str
    place: str
    license: str = Field(default="CC-BY-4.0", description="SPDX identifier")
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    isbn: str | None = Field(default=None, pattern=r"^(97[89][- ]?)?[0-9][0-9 -]{7,15}[0-9Xx]$")
    issn: str | None = Field(default=None, pattern=r"^\d{4}-\d{3}[\dXx]$")
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    pdf_url: str | None = Field(default=None, pattern=r"^https?://\S+$",
                                description="default: the PDF's file name next to `url`")
    series: str | None = None
    number: str | None = None
    keywords: list[str] = Field(default_factory=list)
    keywords_en: list[str] = Field(default_factory=list)
    abstract: Abstract
    changelog: list[ChangelogEntry] = Field(default_factory=list, description="versions after the first")
    public_names: list[str] = Field(default_factory=list,
                                    description="public people the report may name besides its authors, "
                                                "contributors and bibliography authors (e.g. a minister quoted "
                                                "from a press release); the privacy audit fails on any other name")

    @field_validator("number", mode="before")
    @classmethod
    def _number_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @model_validator(mode="after")
    def _responsible(self) -> "EditionMetadata":
        if not any("responsible" in a.roles and a.public_office for a in self.authors):
            raise ValueError("authors: at least one author must be the responsible social worker in public "
                             "office (roles: [responsible], public_office: true) — Social Welfare Act § 7")
        versions = [c.version for c in self.changelog]
        dup = sorted({v for v in versions if versions.count(v) > 1})
        if dup:
            raise ValueError(f"changelog: versions listed twice: {dup}")
        return self

    def version_date(self, version: str | None = None) -> _dt.date:
        """The date of *version* (default: this one): its changelog entry's, else `date`."""
        v = version or self.version
        for c in self.changelog:
            if c.version == v:
                return c.date
        return self.date
