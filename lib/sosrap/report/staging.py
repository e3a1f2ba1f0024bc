"""The renderable Quarto project of one build, staged in `<build>/report/`.

An edition's report sources are composed from two folders: the shared folder
of the edition's language (`reports/_shared/` for Finnish, `reports/_shared-sv/`
for Swedish: the chapters and files common to every edition written in it) and
then the edition's own folder (`reports/<edition>/`: its `_quarto.yml`,
`proposals.yaml`, and any file it overrides). The same relative path in both:
the edition's file wins. A Swedish edition never sees a Finnish shared chapter.

The composed sources are copied into the staged folder together with the
executed notebooks (`_notebooks/`) and the generated includes: the key
figures (`_variables.yml`, next to `_quarto.yml`), the data notice
(`_notice.qmd`), the citation appendix (`_citation.qmd`), the action
proposals (`_proposals.qmd`, `_followup.qmd`) and the indicator sections the
stages recorded (`_indicators.qmd` with its images in `_figures/`; see
`report.blocks`). sosrap's Quarto extension is staged as `_extensions/sosrap/` and
listed under `filters:`; the staged notebooks carry the captions and alt texts their outputs
recorded as cell options (`report.staged_notebook`), so real Quarto renders the same project.
A chapter that embeds the notebook of a stage the edition leaves out (*left_out*) is replaced by its heading and a note before the sources are
checked; an embed of any other notebook the build does not have is an error,
so a misspelt notebook name never turns a chapter into a note. Every `{{< var >}}` key must exist
(`report.composition`). The sources stay clean, and a build into any folder
is self-contained. The folder is replaced whole.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Mapping

import yaml

from sosrap import params as _params
from sosrap.errors import SosrapError
from sosrap.paths import AtomicDir, atomic_write
from sosrap.report import blocks as _blocks, citation, composition, proposals, wording
from sosrap.report.language import language_strings
from sosrap.report.staged_notebook import write_staged_notebook
from sosrap.report.fmt import fi_date
from sosrap.sources.snapshot import Snapshot

__all__ = ["SHARED", "GENERATED", "IGNORED", "NOTICE_SYNTHETIC", "report_basename", "shared_dir", "own_files",
           "source_files", "edition_variables", "notice_markdown", "stage_report", "write_proposal_tables"]

#: the folder, beside the editions' folders, that holds what every Finnish edition shares
#: (`_shared-<lang>` for an edition in another language)
SHARED = "_shared"

#: generated includes in the staged report (never copied from the sources)
GENERATED = ("_notebooks", "_extensions", "_variables.yml", "_notice.qmd", "_citation.qmd", "_proposals.qmd", "_followup.qmd",
             "_indicators.qmd", _blocks.FIGURES)
#: sosrap's Quarto extension (staged into every report project as `_extensions/sosrap/`)
EXTENSION = Path(__file__).resolve().parent / "_extensions" / "sosrap"
#: its name in `filters:`
EXTENSION_NAME = "sosrap"

#: names never taken from the sources (at any depth): generated files and Quarto's own output
IGNORED = (*GENERATED, ".quarto", "_site")

NOTICE_SYNTHETIC = """::: {{#sosrap-notice .callout-warning title="{title}"}}
{text}
:::
"""


def notice_markdown(snap_id: str) -> str:
    """The synthetic-data notice under the title, in the report's language."""
    return NOTICE_SYNTHETIC.format(title=wording.t("report.notice_title"),
                                   text=wording.t("report.notice", snapshot=snap_id))


def report_basename(edition: str, language: str = wording.DEFAULT) -> str:
    """The file name (without extension) of an edition's rendered report, in its language:
    `sosiaalinen-raportti-<edition>`, `social-rapport-<edition>`."""
    return f"{wording.t('report.basename', language)}-{edition}"


# --------------------------------------------------------------------------- composing the sources

def shared_dir(edition_dir: Path, language: str = wording.DEFAULT) -> Path:
    """`reports/_shared/` for `reports/<edition>/` (`reports/_shared-sv/` for a Swedish one)."""
    return Path(edition_dir).parent / (SHARED if language == wording.DEFAULT else f"{SHARED}-{language}")


def _ignored(name: str, extra: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in (*IGNORED, *extra))


def own_files(folder: Path, ignore: tuple[str, ...] = ()) -> dict[str, Path]:
    """The files one folder holds (POSIX relative path -> file), without the
    generated names and Quarto's output; *ignore* adds names to leave out."""
    folder = Path(folder)
    out: dict[str, Path] = {}
    if not folder.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not _ignored(d, ignore))
        for name in sorted(filenames):
            if not _ignored(name, ignore):
                path = Path(dirpath) / name
                out[path.relative_to(folder).as_posix()] = path
    return out


def source_files(edition_dir: Path, language: str = wording.DEFAULT) -> dict[str, Path]:
    """The edition's report sources as composed: the shared folder of its *language* first, then
    the edition's own files on top (the edition wins). Relative path -> file."""
    edition_dir = Path(edition_dir)
    shared = shared_dir(edition_dir, language)
    composed = own_files(shared) if edition_dir.name != shared.name else {}
    composed.update(own_files(edition_dir))
    return dict(sorted(composed.items()))


# --------------------------------------------------------------------------- generated files

def edition_variables(params: _params.Params, snap: Snapshot) -> dict:
    """The `edition.*` and `snapshot.*` keys of `_variables.yml`."""
    meta = params.metadata
    return {
        "edition": {"name": params.edition, "title": params.title, "first_year": str(params.years.start),
                    "last_year": str(params.years.end),
                    **({"year": str(meta.year), "version": meta.version,
                        "date": fi_date(meta.version_date())} if meta else {})},
        "snapshot": {"id": snap.id, "created": fi_date(snap.created) if snap.created else "",
                     "synthetic": wording.t("common.yes") if snap.synthetic else wording.t("common.no")},
    }


def _write_quarto_yml(path: Path, params: _params.Params, edition: citation.Edition | None) -> None:
    """Title and subtitle have one source of truth: the edition's params, and so has the
    language (`lang`: the params' `language`); authors, date, version and the citation
    block: the edition's metadata."""
    quarto = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    quarto.setdefault("lang", params.language)
    # the extension's filter for Quarto, and its link text in the report's language
    filters = list(quarto.get("filters") or [])
    if EXTENSION_NAME not in filters:
        quarto["filters"] = [EXTENSION_NAME, *filters]
    quarto["sosrap-data-download"] = language_strings(quarto["lang"])["sosrap-data-download"]
    quarto["title"] = params.title
    if params.subtitle:
        quarto["subtitle"] = params.subtitle
    if edition is not None:
        quarto.update(citation.quarto_metadata(edition))
    path.write_text("# Staged by `sosrap build`; edit reports/<edition>/_quarto.yml instead.\n"
                    + yaml.safe_dump(quarto, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _write_indicators(tmp: Path, blocks: list[dict]) -> None:
    """`_indicators.qmd` and its figures (`_figures/`), from the blocks the stages recorded."""
    figdir = tmp / _blocks.FIGURES
    figdir.mkdir()
    for name, png in _blocks.figure_files(blocks).items():
        shutil.copyfile(png, figdir / name)
    have = {p.stem for p in (tmp / _blocks.INTERPRETATION_DIR).glob("*.qmd")}
    (tmp / "_indicators.qmd").write_text(_blocks.chapter_markdown(blocks, have), encoding="utf-8")


#: the format of a build's kept `_variables.yml` text (`variables_text`)
VARIABLES_CACHE_FORMAT = "sosrap-variables-yml/1"


def variables_text(variables: dict, cache: Path | None = None) -> str:
    """The text of `_variables.yml`. PyYAML's pure-Python writer takes 40-120 ms for an edition's
    key figures, nearly always the same as the last build's, so *cache* (a JSON file in the build's
    state/) keeps the last text under a hash of the values (their types included: JSON tells 1 from
    1.0 and True) and of the PyYAML version; it is written again when either differs. A damaged or
    foreign cache is ignored. (libyaml's writer is not used: on many inputs its bytes differ from PyYAML's.)"""
    key = hashlib.sha256(json.dumps([VARIABLES_CACHE_FORMAT, yaml.__version__, variables], sort_keys=True,
                                    ensure_ascii=False, default=_typed).encode("utf-8")).hexdigest()
    if cache is not None:
        try:
            kept = json.loads(cache.read_text(encoding="utf-8"))
            if isinstance(kept, dict) and kept.get("key") == key and isinstance(kept.get("text"), str):
                return kept["text"]
        except (OSError, ValueError):
            pass
    text = ("# Written by `sosrap build`: key figures for {{< var … >}}. Do not edit.\n"
            + yaml.safe_dump(variables, allow_unicode=True, sort_keys=True, width=1000))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache, json.dumps({"format": VARIABLES_CACHE_FORMAT, "key": key, "text": text},
                                       ensure_ascii=False) + "\n")
    return text


def _typed(value) -> str:
    """JSON for the values that have none (dates): their type and text, so that no two differ only in type."""
    return f"{type(value).__module__}.{type(value).__qualname__}:{value!r}"


def _write_generated(tmp: Path, params: _params.Params, snap: Snapshot, key_figures: dict,
                     edition: citation.Edition | None, registers: proposals.Registers | None,
                     blocks: list[dict], variables_cache: Path | None = None) -> None:
    _write_indicators(tmp, blocks)
    variables = {**edition_variables(params, snap), **key_figures}
    (tmp / "_variables.yml").write_text(variables_text(variables, variables_cache), encoding="utf-8")
    notice = notice_markdown(snap.id) if snap.synthetic else ""
    (tmp / "_notice.qmd").write_text(notice, encoding="utf-8")
    (tmp / "_citation.qmd").write_text(citation.appendix_markdown(edition), encoding="utf-8")
    if registers is not None:
        # the labels of the composed project: shared chapters and the edition's overrides
        proposals.check_links(registers, proposals.report_labels(tmp))
    (tmp / "_proposals.qmd").write_text(proposals.chapter_markdown(registers) if registers else "", encoding="utf-8")
    (tmp / "_followup.qmd").write_text(proposals.followup_markdown(registers) if registers else "", encoding="utf-8")
    composition.check_variables(tmp, variables)


# --------------------------------------------------------------------------- staging

def stage_report(src: Path, dest: Path, params: _params.Params, snap: Snapshot, key_figures: dict,
                 notebooks: Mapping[str, Path], edition: citation.Edition | None = None,
                 registers: proposals.Registers | None = None, blocks: list[dict] | None = None,
                 left_out: tuple[str, ...] = (), variables_cache: Path | None = None) -> Path:
    """Assemble the renderable Quarto project of edition folder *src* in *dest*
    (replaced whole), written in the params' language. *notebooks*: file name in `_notebooks/` -> executed notebook;
    *blocks*: the report blocks the stages recorded (`report.blocks.merged`);
    *left_out*: the notebook file names of the stages this edition leaves out;
    *variables_cache*: where the build keeps the last `_variables.yml` text (`variables_text`)."""
    src, dest = Path(src), Path(dest)
    if not (src / "_quarto.yml").is_file():
        raise SosrapError(f"{src}: not a Quarto project (no _quarto.yml); check `report:` in params/{params.edition}.yaml")
    with AtomicDir(dest, prefix=f".{dest.name}-") as staged, wording.using(params.language):
        _fill_staging(staged.path, src, params, snap, key_figures, notebooks, edition, registers, blocks or [],
                      tuple(left_out), variables_cache)
    return dest


def _fill_staging(tmp: Path, src: Path, params: _params.Params, snap: Snapshot, key_figures: dict,
                  notebooks: Mapping[str, Path], edition: citation.Edition | None,
                  registers: proposals.Registers | None, blocks: list[dict], left_out: tuple[str, ...],
                  variables_cache: Path | None = None) -> None:
    for rel, path in source_files(src, params.language).items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    shutil.copystat(src, tmp)
    composition.absent_chapters(tmp, left_out)
    _check_sources(tmp, src, params, notebooks)
    shutil.copytree(EXTENSION, tmp / "_extensions" / EXTENSION_NAME)
    nbdir = tmp / "_notebooks"
    nbdir.mkdir()
    for name, executed in notebooks.items():
        write_staged_notebook(executed, nbdir / name)
    _write_quarto_yml(tmp / "_quarto.yml", params, edition)
    _write_generated(tmp, params, snap, key_figures, edition, registers, blocks, variables_cache)


def _check_sources(tmp: Path, src: Path, params: _params.Params, notebooks: Mapping[str, Path]) -> None:
    """Stop before rendering on a misspelt citation key or embed label (named at the
    chapter and line, before the proposals' links are checked) or a `_quarto.yml` key
    the build would replace."""
    from sosrap.report import checks
    sources = source_files(src, params.language)
    project = src.parent.parent
    shown = {rel: (p.relative_to(project).as_posix() if p.is_relative_to(project) else str(p))
             for rel, p in sources.items()}
    quarto = yaml.safe_load((tmp / "_quarto.yml").read_text(encoding="utf-8")) or {}
    checks.check_quarto_keys(quarto, shown["_quarto.yml"], params.edition)
    checks.check_language(quarto, shown["_quarto.yml"], params.edition, params.language)
    named = {shown[rel]: tmp / rel for rel in sources}     # the staged copies (left-out chapters are notes)
    checks.check_embeds(named, notebooks)
    checks.check_citations(tmp, quarto, named)


def write_proposal_tables(registers: proposals.Registers, out_dir: Path) -> dict[str, Path]:
    """The register and its follow-up as CSV (published with the release)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"proposals": out_dir / "toimenpide-ehdotukset.csv", "followup": out_dir / "toimenpide-ehdotukset-seuranta.csv"}
    files["proposals"].write_bytes(proposals.register_csv(registers).encode("utf-8"))
    files["followup"].write_bytes(proposals.followup_csv(registers).encode("utf-8"))
    return files
