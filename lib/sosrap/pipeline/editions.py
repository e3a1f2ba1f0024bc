"""What makes one build an edition for one area, whatever the edition leaves out.

- `applicable`: the stages an edition has inputs for. A stage whose declared
  `reads:` files all lie in a params section the edition leaves out (no
  `client_work:`) is left out of the build, with the stages that need it; the staged report replaces the chapters
  that embed its notebook with a note (`report.staging`).
- `for_area`: the params for another area (`sosrap build --area CODE`, the
  batch). Name and municipalities come from the reference table
  (`data/reference/`), in the edition's language (`name_fi` / `name_sv`);
  `{alue}` / `{alueen}` in the title, subtitle, description texts and
  metadata are the area's name in the nominative and the genitive. A params
  text that names another area's county (in Finnish or Swedish) is an error,
  so one area's text never slips into another area's report.
  (A synthetic demo's client-work exports stay those of the params'
  municipalities: they are example texts, generated once into one private
  folder that every area's build shares.)
- `report_blocks`: every stage's recorded report blocks, merged.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from sosrap import params as _params
from sosrap.errors import ParamsError
from sosrap.paths import Layout, area_build_dir  # noqa: F401 (area_build_dir: re-exported)
from sosrap.pipeline.graph import Stage
from sosrap.report import blocks
from sosrap.sources import classifications

#: the params texts an area placeholder may appear in (dotted paths; lists are walked)
AREA_TEXTS = ("title", "subtitle", "metadata")


def applicable(stages: Mapping[str, Stage], params: _params.Params) -> dict[str, Stage]:
    """The stages this edition has inputs for: a stage whose every `reads:` path lies in a params
    section the edition leaves out (no `client_work:`) is out, and so is every stage that needs it."""
    full = params.resolved()
    out: dict[str, Stage] = {}
    for name, st in stages.items():      # in dependency order
        absent = bool(st.reads) and all(full.get(d.split(".", 1)[0]) is None for d in st.reads)
        if not absent and all(n in out for n in st.needs):
            out[name] = st
    return out


def report_blocks(layout: Layout, stage_names: Iterable[str]) -> list[dict]:
    per_stage = [(layout.run_dir(n), blocks.read(layout.run_dir(n))) for n in stage_names]
    out = blocks.merged(per_stage)
    blocks.check_unique(out)
    return out


# --------------------------------------------------------------------------- areas



def genitive(name: str, language: str = "fi") -> str:
    """"Lapin hyvinvointialue" → "Lapin hyvinvointialueen", "Helsingin kaupunki" → "Helsingin kaupungin";
    Swedish: "Österbottens välfärdsområde" → "Österbottens välfärdsområdes", "Åland" → "Ålands"."""
    if language == "sv":
        return name if name[-1:] in ("s", "x", "z") else name + "s"
    for nom, gen in (("hyvinvointialue", "hyvinvointialueen"), ("kaupunki", "kaupungin")):
        if name.endswith(nom):
            return name[: -len(nom)] + gen
    return name + ":n"


def area_name(row: dict, language: str = "fi") -> str:
    """The area's name in *language* from its reference-table row (Finnish when there is none)."""
    return str(row.get(f"name_{language}") or row["name_fi"])


def area_row(code: str, root: Path | None = None) -> dict:
    cty = classifications.county_rows(root)
    hit = [r for r in cty if r["county_code"] == str(code).lstrip("0")]
    if not hit:
        known = ", ".join(f"{r['county_code']} {r['name_fi']}" for r in cty)
        raise ParamsError(f"area code {code!r} is not a wellbeing services county in data/reference/"
                          f"wellbeing_counties.csv; choose one of: {known}")
    return {**hit[0], "municipalities": int(hit[0]["municipalities"])}


def _names(rows, code: str) -> tuple[tuple[str, bool], ...]:
    """Every area's names in Finnish and Swedish, nominative and genitive, longest first, each with
    whether it is the area *code*'s own."""
    names: dict[str, bool] = {}
    for r in rows:
        own = r["county_code"] == code
        forms = [r["name_fi"], genitive(r["name_fi"])]
        if r.get("name_sv"):
            forms += [r["name_sv"], genitive(r["name_sv"], "sv")]
        for name in forms:
            names[name] = names.get(name, False) or own
    return tuple(sorted(names.items(), key=lambda kv: len(kv[0]), reverse=True))


def _other_names(code: str, root: Path | None) -> tuple[tuple[str, bool], ...]:
    return _names(classifications.county_rows(root), code)


@functools.lru_cache(maxsize=8)
def _any_name(names: tuple[tuple[str, bool], ...]) -> re.Pattern:
    """One pattern for all of *names*: it matches where any of `_named_other`'s would, so a text
    without any area's name (nearly every text) is searched once, not once per name (~200)."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n, _own in names) + r")(?!\w)")


def _named_other(value: str, names: tuple[tuple[str, bool], ...]) -> str | None:
    """The first other area's name in *value*; a name inside a longer one ("Österbottens
    välfärdsområde" in "Norra Österbottens välfärdsområde") counts as the longer one."""
    if not names or _any_name(names).search(value) is None:
        return None
    text = value
    for name, own in names:       # longest first
        pattern = rf"(?<![\w-]){re.escape(name)}(?!\w)"
        if re.search(pattern, text):
            if not own:
                return name
            text = re.sub(pattern, " ", text)
    return None


def _fill(value: Any, subst: Mapping[str, str], names: tuple[tuple[str, bool], ...], where: str, edition: str) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, subst, names, f"{where}.{k}", edition) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, subst, names, f"{where}[{i}]", edition) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    other = _named_other(value, names)
    if other is not None:
        raise ParamsError(f"params/{edition}.yaml {where} names {other!r}, but the report's area is "
                          f"{subst['{alue}']!r}: write {{alue}} / {{alueen}} instead of the name, or set "
                          f"the area's own text")
    for k, v in subst.items():
        value = value.replace(k, v)
    return value


def for_area(params: _params.Params, code: str | None = None, root: Path | None = None) -> _params.Params:
    """*params* with `area` set from the reference table (code *code*, default the params' own) and
    the area placeholders filled in; other areas' names in the texts are an error."""
    code = str(code if code is not None else params.area.code).lstrip("0")
    row = area_row(code, root)
    name = area_name(row, params.language)
    subst = {"{alue}": name, "{alueen}": genitive(name, params.language)}
    others = _other_names(code, root)
    update: dict[str, Any] = {"area": params.area.model_copy(update={"code": code, "name": name})}
    for key in AREA_TEXTS:
        value = getattr(params, key)
        if value is None:
            continue
        if isinstance(value, str):
            update[key] = _fill(value, subst, others, key, params.edition)
        else:
            filled = _fill(value.model_dump(mode="json", exclude_unset=True), subst, others, key, params.edition)
            update[key] = type(value).model_validate(filled)
    return params.model_copy(update=update)
