"""The action proposals register (toimenpide-ehdotukset), edition by edition.

Social Welfare Act § 7 makes action proposals part of structural social work,
and the plan evaluates their effects at the end of the council term (2029).
So proposals are data, not prose: each edition's Quarto project holds a
register, `reports/<edition>/proposals.yaml`, validated here::

    previous: "2026"          # the edition whose register this one continues (optional)
    proposals:
      - id: "2026-1"
        title: …
        rationale: …          # Markdown; why, from the findings
        links: [fig-kehitys-<theme>, tbl-vertailu]   # existing figure/table labels
        decides: …            # who decides (päättävä taho)
        responsible: …        # who carries it out (vastuutaho)
        timetable: …
        duty: 2               # Social Welfare Act § 7, point 1, 2 or 3
        practice: knowledge   # knowledge | strategy | inclusion | political | justice
        status:
          - {status: proposed, date: 2026-10-15, note: …}

A new edition (`sosrap new-edition`) copies the register: proposals keep
their ids and whole status history, and the editor appends status changes
(each recorded with the edition in which it was reported). The build renders
the chapter (summary table and one section per new proposal), the follow-up
table across editions, and CSV files for the release, worded in the report's
language (`sosrap.report.wording`, ``proposals.*``); a register may name a status
or practice in Finnish or Swedish too.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sosrap.errors import SosrapError
from sosrap.report import wording as W
from sosrap.report.fmt import fi_date

REGISTER = "proposals.yaml"

#: the statuses, duties and practices in Finnish (the chapters use the report's language)
STATUS_FI = W.group("proposals.status", "fi")
#: a register may name a status in Finnish or Swedish too
STATUS_ALIASES = ({v: k for lang in W.LANGUAGES for k, v in W.group("proposals.status", lang).items()}
                  | {"in progress": "in_progress", "käynnissä": "in_progress"})
DUTY_FI = {int(k): v for k, v in W.group("proposals.duty", "fi").items()}
PRACTICE_FI = W.group("proposals.practice", "fi")
PRACTICE_ALIASES = {v: k for lang in W.LANGUAGES for k, v in W.group("proposals.practice", lang).items()}
LABEL = r"^(fig|tbl)-[A-Za-z0-9][A-Za-z0-9_-]*$"


class ProposalError(SosrapError):
    """The register is invalid; the message names the file and the proposal."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusChange(_Strict):
    status: Literal["proposed", "accepted", "in_progress", "implemented", "rejected"]
    date: _dt.date
    note: str | None = None
    edition: str | None = Field(default=None, description="edition that reported it (default: the register's)")

    @field_validator("status", mode="before")
    @classmethod
    def _fi(cls, v: Any) -> Any:
        return STATUS_ALIASES.get(str(v).strip().lower(), v) if isinstance(v, str) else v


class Proposal(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=3)
    rationale: str = Field(min_length=10)
    links: list[str] = Field(default_factory=list, description="figure/table labels the rationale rests on")
    decides: str = Field(description="who decides (päättävä taho)")
    responsible: str = Field(description="who carries it out (vastuutaho)")
    timetable: str
    duty: Literal[1, 2, 3]
    practice: Literal["knowledge", "strategy", "inclusion", "political", "justice"]
    edition: str | None = Field(default=None, description="edition that made the proposal (default: this one)")
    status: list[StatusChange] = Field(min_length=1)

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @field_validator("practice", mode="before")
    @classmethod
    def _practice_fi(cls, v: Any) -> Any:
        return PRACTICE_ALIASES.get(str(v).strip().lower(), v) if isinstance(v, str) else v

    @field_validator("timetable", mode="before")
    @classmethod
    def _timetable_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, _dt.date)) else v

    @field_validator("links")
    @classmethod
    def _labels(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if not re.match(LABEL, x)]
        if bad:
            raise ValueError(f"links must be figure/table labels (fig-…, tbl-…), not {bad}")
        return v

    @model_validator(mode="after")
    def _ordered(self) -> "Proposal":
        dates = [s.date for s in self.status]
        if dates != sorted(dates):
            raise ValueError("status changes must be in date order (oldest first)")
        return self

    @property
    def current(self) -> StatusChange:
        return self.status[-1]


class Register(_Strict):
    previous: str | None = Field(default=None, description="the edition whose register this one continues")
    proposals: list[Proposal] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "Register":
        ids = [p.id for p in self.proposals]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"proposal ids listed twice: {dup}")
        return self


@dataclass(frozen=True)
class EditionInfo:
    edition: str
    label: str          # column heading: the edition year, else its name
    date: _dt.date | None


@dataclass
class Registers:
    """This edition's register with editions filled in, and the chain of editions before it."""
    edition: str
    register: Register
    chain: list[EditionInfo]              # oldest first, this edition last
    path: Path

    @property
    def new(self) -> list[Proposal]:
        return [p for p in self.register.proposals if p.edition == self.edition]

    @property
    def inherited(self) -> list[Proposal]:
        return [p for p in self.register.proposals if p.edition != self.edition]


# --------------------------------------------------------------------------- loading

def read_register(path: Path, edition: str) -> Register:
    """Parse and validate one register; editions left out default to *edition*."""
    if not path.is_file():
        return Register()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ProposalError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ProposalError(f"{path}: expected `previous:` and `proposals:` at the top level")
    _default_editions(data, edition)
    try:
        return Register.model_validate(data)
    except ValidationError as e:
        lines = [_error_line(err, data.get("proposals") or []) for err in e.errors()]
        raise ProposalError(f"{path}: invalid proposals register:\n  " + "\n  ".join(lines)) from None


def _default_editions(data: dict, edition: str) -> None:
    """A proposal or status change without `edition:` belongs to the register's edition."""
    for p in data.get("proposals") or []:
        if isinstance(p, dict):
            p.setdefault("edition", edition)
            for s in p.get("status") or []:
                if isinstance(s, dict):
                    s.setdefault("edition", edition)
    if data.get("previous") is not None:
        data["previous"] = str(data["previous"])


def _error_line(err: Any, plist: list) -> str:
    """One validation error, naming the proposal by its id (not its position)."""
    loc = list(err["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "proposals" and isinstance(loc[1], int):
        item = plist[loc[1]] if loc[1] < len(plist) else None
        pid = item.get("id", "?") if isinstance(item, dict) else "?"
        where = f"proposal {pid!r}: "
        loc = loc[2:]
    msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    return f"{where}{'.'.join(str(x) for x in loc) or '(top level)'}: {msg}"


def _edition_info(edition: str, project: Path) -> tuple[EditionInfo, Path | None]:
    from sosrap import params as _params
    try:
        p = _params.load(edition, project)
    except Exception:  # an edition whose params are gone: still a column
        return EditionInfo(edition, edition, None), None
    label = str(p.metadata.year) if p.metadata else edition
    return EditionInfo(edition, label, p.metadata.date if p.metadata else None), project / p.report


def load(project: Path, params) -> Registers:
    """This edition's register, validated against the previous editions' registers:
    an inherited proposal may not disappear, and its recorded history may not change."""
    path = project / params.report / REGISTER
    reg = read_register(path, params.edition)
    this = EditionInfo(params.edition, str(params.metadata.year) if params.metadata else params.edition,
                       params.metadata.date if params.metadata else None)
    chain = [this]
    seen = {params.edition}
    prev_name = reg.previous
    child = reg
    child_path = path
    while prev_name:
        if prev_name in seen:
            raise ProposalError(f"{child_path}: `previous:` editions form a loop at {prev_name!r}")
        seen.add(prev_name)
        info, report_dir = _edition_info(prev_name, project)
        chain.insert(0, info)
        if report_dir is None or not (report_dir / REGISTER).is_file():
            break
        prev_path = report_dir / REGISTER
        prev = read_register(prev_path, prev_name)
        if child is reg:
            _check_inherited(reg, path, prev, prev_path)
        child, child_path, prev_name = prev, prev_path, prev.previous
    known = {e.edition for e in chain}
    for p in reg.proposals:
        for e in [p.edition, *(s.edition for s in p.status)]:
            if e not in known:
                raise ProposalError(f"{path}: proposal {p.id!r} names edition {e!r}, which is not this edition "
                                    f"or one before it (`previous:` chain: {', '.join(x.edition for x in chain)})")
    return Registers(params.edition, reg, chain, path)


def _check_inherited(reg: Register, path: Path, prev: Register, prev_path: Path) -> None:
    current = {p.id: p for p in reg.proposals}
    for old in prev.proposals:
        new = current.get(old.id)
        if new is None:
            raise ProposalError(f"{path}: proposal {old.id!r} of {prev_path} is missing; earlier proposals are "
                                f"followed up until implemented or rejected (keep it and add a status change)")
        if list(new.status[:len(old.status)]) != list(old.status):
            raise ProposalError(f"{path}: the recorded status history of proposal {old.id!r} differs from "
                                f"{prev_path}; add new status changes after the old ones, do not edit them")


def check_links(regs: Registers, labels: set[str]) -> None:
    """Every link must be a figure or table label that exists in the staged report."""
    for p in regs.register.proposals:
        if p.edition != regs.edition:
            continue        # an earlier edition's figures are not in this report
        missing = [x for x in p.links if x not in labels]
        if missing:
            raise ProposalError(f"{regs.path}: proposal {p.id!r} links to {', '.join(missing)}, which is not a "
                                f"figure or table label in the report (known: {', '.join(sorted(labels)) or 'none'})")


_EMBED = re.compile(r"\{\{<\s*embed\s+\S+?#((?:fig|tbl)-[A-Za-z0-9_-]+)\s*>\}\}")
_ATTR = re.compile(r"\{#((?:fig|tbl)-[A-Za-z0-9_-]+)[\s}]")


def report_labels(source: Path | Iterable[Path]) -> set[str]:
    """Figure/table labels of a report: embedded notebook cells and
    `{#fig-…}`/`{#tbl-…}` attributes in its Markdown. *source* is a staged
    report folder, or the files of a composed edition (`staging.source_files`)."""
    labels: set[str] = set()
    files = sorted(Path(source).rglob("*.qmd")) if isinstance(source, (str, Path)) \
        else sorted(p for p in source if p.suffix == ".qmd")
    for qmd in files:
        text = qmd.read_text(encoding="utf-8")
        labels |= set(_EMBED.findall(text)) | set(_ATTR.findall(text))
    return labels


# --------------------------------------------------------------------------- rendering



def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "/")


def _status_text(s: StatusChange) -> str:
    return f"{W.t(f'proposals.status.{s.status}')} {fi_date(s.date)}"


def _refs(links: list[str]) -> str:
    return ", ".join(f"@{x}" for x in links)


def chapter_markdown(regs: Registers) -> str:
    """The proposals of this edition: a summary table and one section each."""
    new = regs.new
    if not new:
        return W.t("proposals.none") + "\n"
    rows = [W.t("proposals.head"), "|:-|:-------|:----|:----|:----|:---|"]
    for p in new:
        rows.append(f"| [{p.id}](#ehdotus-{p.id.lower().replace('.', '-')}) | {_cell(p.title)} | {_cell(p.decides)} | "
                    f"{_cell(p.responsible)} | {_cell(p.timetable)} | {_status_text(p.current)} |")
    out = ["::: {#tbl-toimenpide-ehdotukset}", *rows, "",
           W.t("proposals.caption"), ":::", ""]
    for p in new:
        anchor = f"ehdotus-{p.id.lower().replace('.', '-')}"
        out += [f"## {p.id}: {p.title} {{#{anchor}}}", "", p.rationale.strip(), ""]
        if p.links:
            out += [W.t("proposals.based_on", refs=_refs(p.links)), ""]
        history = "; ".join(_status_text(s) + (f" ({s.note.strip()})" if s.note else "") for s in p.status)
        for term, value in (("decides", p.decides), ("responsible", p.responsible), ("timetable", p.timetable),
                            ("duty", W.t(f"proposals.duty.{p.duty}")),
                            ("practice", W.t(f"proposals.practice.{p.practice}")), ("status", history)):
            out += [W.t(f"proposals.term.{term}"), f":   {' '.join(str(value).split())}", ""]
    return "\n".join(out)


def status_at(p: Proposal, chain: list[EditionInfo], edition: str) -> StatusChange | None:
    """The proposal's status as reported in *edition* (the last change up to it)."""
    order = {e.edition: i for i, e in enumerate(chain)}
    upto = order[edition]
    if order.get(p.edition, 0) > upto:
        return None
    last = None
    for s in p.status:
        if order.get(s.edition or p.edition, 0) <= upto:
            last = s
    return last


def followup_rows(regs: Registers) -> list[dict[str, str]]:
    """One row per proposal of an earlier edition: its status at each edition."""
    rows = []
    for p in regs.inherited:
        row = {"id": p.id, "title": p.title, "proposed_in": _label(regs, p.edition)}
        for e in regs.chain:
            s = status_at(p, regs.chain, e.edition)
            row[e.label] = _status_text(s) if s else "–"
        row["note"] = p.current.note or ""
        rows.append(row)
    return rows


def _label(regs: Registers, edition: str | None) -> str:
    for e in regs.chain:
        if e.edition == edition:
            return e.label
    return edition or ""


def followup_markdown(regs: Registers) -> str:
    """The follow-up of earlier editions' proposals, across editions."""
    inherited = regs.inherited
    if len(regs.chain) == 1 or not inherited:
        return W.t("proposals.first_report") + "\n"
    counts: dict[str, int] = {}
    for p in inherited:
        counts[p.current.status] = counts.get(p.current.status, 0) + 1
    summary = ", ".join(f"{W.t(f'proposals.status.{k}')} {v}"
                        for k, v in sorted(counts.items(), key=lambda kv: list(STATUS_FI).index(kv[0])))
    labels = [e.label for e in regs.chain]
    head = W.t("proposals.followup_head") + " | ".join(labels) + " |"
    sep = "|" + "|".join([":--------", ":--"] + [":---"] * len(labels)) + "|"
    lines = [head, sep]
    for r in followup_rows(regs):
        lines.append(f"| {r['id']}: {_cell(r['title'])} | {r['proposed_in']} | "
                     + " | ".join(r[lbl] for lbl in labels) + " |")
    out = [W.t("proposals.followup", n=len(inherited), summary=summary), "",
           "::: {#tbl-seuranta}", *lines, "",
           W.t("proposals.followup_caption"), ":::", "",
           f"## {W.t('proposals.changes')}", ""]
    for p in inherited:
        history = "; ".join(_status_text(s) + (f" ({s.note.strip()})" if s.note else "") for s in p.status)
        out += [f"- **{p.id}: {p.title}.** {' '.join(history.split())}."]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- tables for the release

def register_csv(regs: Registers) -> str:
    """Every proposal in this edition's register with its current status."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "edition", "title", "decides", "responsible", "timetable", "duty", "practice", "links",
                "status", "status_date", "status_note"])
    for p in regs.register.proposals:
        w.writerow([p.id, p.edition, p.title, p.decides, p.responsible, p.timetable, p.duty, p.practice,
                    " ".join(p.links), p.current.status, p.current.date.isoformat(), p.current.note or ""])
    return buf.getvalue()


def followup_csv(regs: Registers) -> str:
    """Status of every proposal at every edition in the chain (long format)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "proposed_in", "edition", "status", "status_date"])
    for p in regs.register.proposals:
        for e in regs.chain:
            s = status_at(p, regs.chain, e.edition)
            if s is not None:
                w.writerow([p.id, p.edition, e.edition, s.status, s.date.isoformat()])
    return buf.getvalue()


def carry_forward(register_path: Path, from_edition: str) -> str:
    """The text of a new edition's register: every proposal of *from_edition*
    with its history (editions made explicit), `previous:` pointing back."""
    reg = read_register(register_path, from_edition)
    data: dict[str, Any] = {"previous": from_edition, "proposals": []}
    for p in reg.proposals:
        d = p.model_dump(mode="json", exclude_none=True)
        data["proposals"].append(d)
    header = (f"# Toimenpide-ehdotukset (action proposals). Carried forward from edition {from_edition} by\n"
              f"# `sosrap new-edition`: keep every earlier proposal and append status changes, e.g.\n"
              f"#   - {{status: accepted, date: YYYY-MM-DD, note: \"…\"}}\n"
              f"# Add this edition's new proposals at the end (no `edition:` needed).\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
