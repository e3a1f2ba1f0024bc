"""Edition parameters: `params/_defaults.yaml` deep-merged under
`params/<edition>.yaml`, validated by a schema.

Unknown keys, wrong types and missing required values fail with the file and
the dotted key named, because the person fixing them edits YAML, not Python.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from sosrap.errors import ParamsError
from sosrap.paths import deep_merge, project_root, read_yaml

DEFAULTS_NAME = "_defaults.yaml"


#: the params reference, generated from this schema (scripts/params_doc.py)
REFERENCE = "docs/params.md"


from sosrap.params._base import _At, _Strict  # noqa: F401  (the models' base, and model validators' errors)
from sosrap.params.metadata import (AUTHOR_ROLES, SEMVER, Abstract, Author, ChangelogEntry,  # noqa: F401
                                    Contributor, EditionMetadata, parse_semver)


class AreaRef(_Strict):
    """A Sotkanet region by (category, code): codes collide across categories."""
    category: str
    code: str
    name: str | None = None

    @field_validator("code", mode="before")
    @classmethod
    def _code_is_text(cls, v: Any) -> Any:
        # "009" must keep its leading zeros; a YAML integer would lose them.
        if isinstance(v, int):
            raise ValueError("region code must be a quoted string (leading zeros matter), e.g. \"19\"")
        return v


class YearRange(_Strict):
    start: int = Field(ge=1990, le=2100)
    end: int = Field(ge=1990, le=2100)

    @model_validator(mode="after")
    def _ordered(self) -> "YearRange":
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    def as_list(self) -> list[int]:
        return list(range(self.start, self.end + 1))


class Indicator(_Strict):
    """One Sotkanet indicator used by the report. Titles come from the
    snapshot's metadata, never from here."""
    id: int = Field(gt=0)
    theme: str
    key: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$",
                            description="name used for key figures; default: the theme")


class Privacy(_Strict):
    min_count: int = Field(default=5, ge=1, description="counts below this are suppressed")
    marker: str = Field(default="x", min_length=1, max_length=3,
                        description="shown in place of a suppressed count (explained in the table note)")
    audit_allow: list[str] = Field(default_factory=list,
                                   description="public contact details the report may show (e.g. the "
                                               "registry's e-mail); the audit ignores exactly these")
    client_number_patterns: list[str] = Field(default_factory=list,
                                              description="regular expressions for the client numbers of the "
                                                          "county's systems (e.g. 'AS-\\d{6}'): screened from "
                                                          "free text and failing the audit like identity codes")

    @field_validator("client_number_patterns")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for i, pat in enumerate(v):
            try:
                re.compile(pat)
            except re.error as e:
                raise ValueError(f"client_number_patterns[{i}] is not a regular expression ({e.msg})") from None
        return v


class CodeItem(_Strict):
    """One entry of a code list: a stable code for data and a Finnish label for people."""
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    label: str
    label_en: str | None = None


class Question(_Strict):
    """A survey question: its code, the statement as asked, and the export column heading."""
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str
    column: str | None = Field(default=None, description="heading in the export; default: the text")


def _default_codes(*items: tuple[str, str, str]) -> list[CodeItem]:
    return [CodeItem(code=c, label=l, label_en=e) for c, l, e in items]


class ClientWork(_Strict):
    """Client-work knowledge (phenomenon reports) and residents' voice (survey).

    Input files are exports from a form tool and contain free text about
    clients, so they must live under `data/private/` (git-ignored)."""
    phenomena_file: str | None = Field(default=None, description="phenomenon report export (CSV/XLSX), "
                                                                  "relative to the project root, under data/private/")
    survey_file: str | None = Field(default=None, description="resident/client survey export (CSV/XLSX), under data/private/")
    synthetic_demo: bool = Field(default=False, description="generate the synthetic demo exports into the "
                                                            "input paths when they are missing")
    categories: list[CodeItem] = Field(min_length=1, description="phenomenon categories (ilmiöluokat)")
    service_areas: list[CodeItem] = Field(min_length=1)
    age_groups: list[CodeItem] = Field(default_factory=lambda: _default_codes(
        ("lapset", "Lapset (0–17 v.)", "Children (0–17)"), ("nuoret", "Nuoret aikuiset (18–29 v.)", "Young adults (18–29)"),
        ("tyoikaiset", "Työikäiset (30–64 v.)", "Working age (30–64)"),
        ("ikaantyneet", "Ikääntyneet (65+ v.)", "Older people (65+)"), ("kaikki", "Kaikki ikäryhmät", "All ages")))
    household_types: list[CodeItem] = Field(default_factory=lambda: _default_codes(
        ("yksin", "Yksin asuva", "Living alone"), ("lapsiperhe", "Lapsiperhe", "Family with children"),
        ("yksinhuoltaja", "Yhden vanhemman perhe", "Single-parent family"),
        ("pariskunta", "Pariskunta", "Couple"), ("muu", "Muu", "Other")))
    action_types: list[CodeItem] = Field(default_factory=lambda: _default_codes(
        ("palvelu", "Palvelun kehittäminen", "Service development"),
        ("ohjeistus", "Ohjeistus tai käytäntö", "Guidance or practice"),
        ("resurssit", "Resurssit", "Resources"), ("yhteistyo", "Yhteistyö", "Cooperation"),
        ("tiedotus", "Tiedottaminen", "Communication"), ("muu", "Muu", "Other")))
    municipalities: list[str] = Field(default_factory=list, description="allowed municipality names (empty: any)")
    respondent_groups: list[CodeItem] = Field(default_factory=lambda: _default_codes(
        ("asukas", "Asukas", "Resident"), ("asiakas", "Asiakas", "Client"), ("omainen", "Omainen", "Relative")))
    likert_items: list[Question] = Field(default_factory=list)
    likert_scale: list[str] = Field(default_factory=lambda: [
        "Täysin eri mieltä", "Jokseenkin eri mieltä", "Ei samaa eikä eri mieltä",
        "Jokseenkin samaa mieltä", "Täysin samaa mieltä"], min_length=2)
    likert_dont_know: list[str] = Field(default_factory=lambda: ["En osaa sanoa", "EOS"])
    open_questions: list[Question] = Field(default_factory=list)
    phenomena_columns: dict[str, str] = Field(default_factory=dict,
                                              description="field name -> column heading in the export")
    survey_columns: dict[str, str] = Field(default_factory=dict)
    screen_names: list[str] = Field(default_factory=list, exclude=True,
                                    description="filled from screen_names_file at run "
                                    "time; must be empty in params (params are in git and stamped into the "
                                    "executed notebooks)")
    screen_names_file: str | None = Field(default=None, description="private file, one name per line, "
                                          "under data/private/")
    max_quotes: int = Field(default=6, ge=0, le=50)
    quote_approvals_file: str | None = Field(default=None, description="private file of the reviewers' quote "
                                             "approvals (`sosrap quotes`); default: lainaushyvaksynnat.csv "
                                             "beside phenomena_file")

    @field_validator("phenomena_file", "survey_file", "screen_names_file", "quote_approvals_file")
    @classmethod
    def _private(cls, v: str | None) -> str | None:
        if v is None:
            return v
        p = Path(v)
        if p.is_absolute() or ".." in p.parts or p.parts[:2] != ("data", "private"):
            raise ValueError("client-work inputs must be relative paths under data/private/ "
                             "(git-ignored, so private data never enters version control)")
        return v

    @model_validator(mode="before")
    @classmethod
    def _default_approvals_file(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("quote_approvals_file") and data.get("phenomena_file"):
            data = {**data, "quote_approvals_file":
                    (Path(str(data["phenomena_file"])).parent / "lainaushyvaksynnat.csv").as_posix()}
        return data
    @field_validator("screen_names")
    def _no_names_in_params(cls, v: list[str]) -> list[str]:
        if v:
            raise ValueError("clients' names never go in params (they are committed to git and stamped into "
                             "the executed notebooks): write them one per line in a private file under "
                             "data/private/ and name it in client_work.screen_names_file")
        return v

    @model_validator(mode="after")
    def _unique_codes(self) -> "ClientWork":
        for name in ("categories", "service_areas", "age_groups", "household_types", "action_types",
                     "respondent_groups", "likert_items", "open_questions"):
            codes = [c.code for c in getattr(self, name)]
            dup = sorted({c for c in codes if codes.count(c) > 1})
            if dup:
                raise _At((name, codes.index(dup[0], codes.index(dup[0]) + 1), "code"),
                          f"codes listed twice: {dup}")
        return self


class Sources(_Strict):
    """Where `sosrap fetch` gets data. Base URLs can be overridden by the
    environment (SOSRAP_SOTKANET_URL, SOSRAP_STATFIN_URL) for tests and mirrors."""
    class _Src(_Strict):
        base_url: str

    class _Sotkanet(_Src):
        genders: list[Literal["total", "male", "female"]] = Field(
            default_factory=lambda: ["total"], min_length=1, description="genders to fetch per indicator")

    class StatFinSelection(_Strict):
        """Values of one table variable. Variable and values are matched against
        the table's metadata by code or by text, so they survive renamed codes."""
        variable: str
        values: list[str] | Literal["all"] = "all"
        top: int | None = Field(default=None, ge=1, description="the latest n values (time variables)")

    class StatFinTable(_Strict):
        """One PxWeb table. Unlisted variables: time → the edition's years;
        eliminable → left out; others → all values."""
        id: str = Field(pattern=r"^[A-Za-z0-9_]+$", description="short id, e.g. 11ra (names snapshot files)")
        path: str = Field(pattern=r"^[A-Za-z0-9_/.-]+\.px$", description="path under base_url, e.g. vaerak/11ra.px")
        purpose: str | None = None
        contents_variable: str | None = Field(default=None, description="default: the Tiedot/contentscode variable")
        selections: list[StatFinSelection] = Field(default_factory=list)

    class _StatFin(_Src):
        tables: list[StatFinTable] = Field(default_factory=list)

    sotkanet: _Sotkanet = _Sotkanet(base_url="https://sotkanet.fi/rest/1.1/")
    statfin: _StatFin = _StatFin(base_url="https://pxdata.stat.fi/PXWeb/api/v1/fi/StatFin/")


class Params(_Strict):
    edition: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="the file's name (default)")
    title: str = Field(description="the report's title (its one source: `_quarto.yml` must not set it)")
    subtitle: str | None = Field(default=None, description="shown under the title")
    metadata: EditionMetadata | None = Field(default=None, description="edition metadata for citation and "
                                                                       "releases (issue #6)")
    language: Literal["fi", "sv"] = Field(default="fi", description="the report's language: every word sosrap "
                                          "writes (lib/sosrap/report/wording/<language>.yml), `lang`, the shared "
                                          "chapters (reports/_shared/, reports/_shared-sv/), area and indicator names")
    area: AreaRef = Field(description="the wellbeing services county the report is about")
    country: AreaRef = Field(description="the whole country, for comparison")
    peer_category: str = Field(default="HYVINVOINTIALUE", description="Sotkanet region category of the peers")
    municipality_category: str = Field(default="KUNTA", description="Sotkanet region category of municipalities")
    years: YearRange = Field(description="data years shown; `end` must not be past the snapshot's data")
    snapshot: str = Field(description="snapshot folder, relative to the project root")
    population_indicator: int = Field(default=127, description="Sotkanet indicator id of the population")
    themes: dict[str, str] = Field(description="theme key -> Finnish name; every indicator has one")
    indicators: list[Indicator] = Field(min_length=1, description="Sotkanet indicators, each in the snapshot")
    privacy: Privacy = Field(default=Privacy(), description="small-count suppression and the audit")
    client_work: ClientWork | None = Field(default=None, description="phenomenon reports and the survey")
    sources: Sources = Field(default=Sources(), description="where `sosrap fetch` gets data")
    report: str = Field(description="the edition's Quarto project, relative to the project root")

    @model_validator(mode="after")
    def _themes_known(self) -> "Params":
        for i, ind in enumerate(self.indicators):
            if ind.theme not in self.themes:
                raise _At(("indicators", i, "theme"), f"indicator {ind.id} has theme {ind.theme!r}, which is "
                          f"not one of themes: {', '.join(self.themes)}")
        ids = [i.id for i in self.indicators]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise _At(("indicators", ids.index(dup[0], ids.index(dup[0]) + 1), "id"),
                      f"indicator ids listed twice: {dup}")
        return self

    @model_validator(mode="after")
    def _abstract_in_language(self) -> "Params":
        if self.metadata is not None and not self.metadata.abstract.text(self.language):
            raise _At(("metadata", "abstract", self.language),
                      f"the abstract in the report's language ({self.language}) is missing")
        return self

    def indicator_key(self, ind: Indicator) -> str:
        return ind.key or ind.theme

    def resolved(self) -> dict[str, Any]:
        """Plain JSON-able dict of every value (what the manifest records)."""
        return json.loads(self.model_dump_json())


def _get(d: Any, loc: tuple) -> tuple[bool, Any]:
    """(found, value) at *loc* in plain YAML data."""
    for part in loc:
        if isinstance(d, dict) and part in d or isinstance(d, list) and isinstance(part, int) and part < len(d):
            d = d[part]
        else:
            return False, None
    return True, d


def _has_path(d: Any, loc: tuple) -> bool:
    return _get(d, loc)[0]


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _offending(err: dict, loc: tuple, data: dict) -> str:
    """The value an error is about, as the params have it: the input itself, or,
    when that is a whole mapping or absent, the list item it sits in (a code-list entry)."""
    found, value = _get(data, loc) if err["type"] == "located" else (True, err.get("input"))
    if found and err["type"] not in ("missing", "extra_forbidden") and not isinstance(value, dict):
        return f" (got {value!r})"
    idx = max((i for i, part in enumerate(loc) if isinstance(part, int)), default=None)
    found, item = _get(data, loc[:idx + 1]) if idx is not None else (False, None)
    return f" (in {_dotted(loc[:idx + 1])}: {item!r})" if found and err["type"] != "located" else ""


def params_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "params"


def list_editions(root: Path | None = None) -> list[str]:
    return sorted(p.stem for p in params_dir(root).glob("*.yaml") if not p.name.startswith("_"))


def load_raw(edition: str, root: Path | None = None) -> tuple[dict, list[Path]]:
    """The merged, unvalidated mapping and the files it came from."""
    pdir = params_dir(root)
    path = pdir / f"{edition}.yaml"
    if not path.is_file():
        known = ", ".join(list_editions(root)) or "none"
        raise ParamsError(f"no params file for edition {edition!r}: {path} does not exist (editions: {known})")
    files = []
    merged: dict = {}
    defaults = pdir / DEFAULTS_NAME
    if defaults.is_file():
        merged = read_yaml(defaults, error=ParamsError)
        files.append(defaults)
    edition_data = read_yaml(path, error=ParamsError)
    merged = deep_merge(merged, edition_data)
    files.append(path)
    named = merged.setdefault("edition", edition)
    if named != edition:
        raise ParamsError(f"{path}: edition: {named!r} differs from the file name: an edition is named by "
                          f"its file (params/{edition}.yaml is edition {edition!r}); remove the key or make "
                          f"it {edition!r}")
    return merged, files


def validate(data: dict, files: list[Path]) -> Params:
    try:
        return Params.model_validate(data)
    except ValidationError as e:
        lines = []
        edition_file = files[-1]
        edition_data = read_yaml(edition_file, error=ParamsError)
        for err in e.errors():
            loc = tuple(err["loc"])
            at = (err.get("ctx") or {}).get("error")
            if isinstance(at, _At):
                loc, err = loc + at.loc, {**err, "msg": at.msg, "type": "located"}
            # Name the file a person must edit: where the key is, else the edition file.
            where = edition_file
            if not _has_path(edition_data, loc) and len(files) > 1 and _has_path(read_yaml(files[0], error=ParamsError), loc):
                where = files[0]
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = f"unknown key (check spelling; {REFERENCE} lists every key)"
            elif err["type"] == "missing":
                msg = "required value is missing"
            lines.append(f"{where}: {_dotted(loc)}: {msg.removeprefix('Value error, ')}"
                         f"{_offending(err, loc, data)}")
        raise ParamsError("invalid params:\n  " + "\n  ".join(lines)) from None


def load(edition: str, root: Path | None = None) -> Params:
    data, files = load_raw(edition, root)
    return validate(data, files)
