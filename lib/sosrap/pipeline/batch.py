"""`sosrap batch <edition>`: the edition for every area, and an index comparing them.

Each area (every wellbeing services county, Helsinki and Åland in
`data/reference/wellbeing_counties.csv`) is an ordinary incremental build
(`pipeline.build.build(area=…)`) into `build/<edition>/<area>/`, so a second
batch re-runs only what changed. Areas run in parallel (`--jobs`, threads that
each drive their own stage processes); the stages running at once across all
areas are at most `--jobs` too (`runner.StageSlots`): one each while as many
areas run, more each when fewer do. The first area runs alone (its stages
side by side), so what a build creates once on first use (a synthetic demo's
private exports) is created before the others read it. One area's failure does not stop the
others: the summary names it and the exit code is non-zero.

`build/<edition>/index.html` links every area's report and shows a table of
the key indicators (each area's latest value) from the areas' staged
`_variables.yml`, in the edition's language (area names too).
"""
from __future__ import annotations

import concurrent.futures as cf
import html
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import yaml

from sosrap import params as _params
from sosrap.errors import SosrapError
from sosrap.paths import atomic_write, default_build_dir, project_root
from sosrap.pipeline import editions, imports
from sosrap.report.wording import t
from sosrap.sources import classifications


@dataclass
class AreaResult:
    code: str
    name: str
    ok: bool
    seconds: float
    report: Path | None = None
    error: str = ""


@dataclass
class BatchResult:
    edition: str
    root: Path
    areas: list[AreaResult] = field(default_factory=list)
    index: Path | None = None
    seconds: float = 0.0
    language: str = "fi"

    @property
    def failed(self) -> list[AreaResult]:
        return [a for a in self.areas if not a.ok]


def all_areas(root: Path | None = None, language: str = "fi") -> list[tuple[str, str]]:
    """(code, name in *language*) of every area of the reference table."""
    return [(str(r["county_code"]), editions.area_name(r, language))
            for r in classifications.counties(root).to_dict("records")]


def _one(edition: str, code: str, name: str, *, project: Path, jobs: int, force: bool, engine: str,
         forks=None, slots=None) -> AreaResult:
    from sosrap.pipeline.build import build
    t0 = time.monotonic()
    if slots is not None:
        slots.enter()
    try:
        res = build(edition, area=code, root=project, jobs=jobs, force=force, engine=engine, quiet=True,
                    forks=forks, slots=slots)
        return AreaResult(code, name, True, time.monotonic() - t0, res.outputs.get("html"))
    except SosrapError as e:
        return AreaResult(code, name, False, time.monotonic() - t0, error=str(e).strip().splitlines()[0])
    except Exception as e:  # noqa: BLE001 -- one area's unexpected failure must not stop the batch
        return AreaResult(code, name, False, time.monotonic() - t0, error=f"{type(e).__name__}: {e}")
    finally:
        if slots is not None:
            slots.leave()


def default_jobs() -> int:
    """Areas side by side by default: one more than the cores. An area's build leaves a core idle
    at times (its render's Python and the gate share the build process's interpreter lock with
    the other areas' stage threads), and a third area fills it: measured on 2 cores, a batch of
    4 areas took 59 s with 2 and 43 s with 3 (benchmarks/bench_pipeline.py). The same rule as
    one build's stages (`runner.default_jobs`)."""
    from sosrap.pipeline.runner import default_jobs as stages_default
    return stages_default()


def batch(edition: str, *, areas: Sequence[str] | None = None, jobs: int | None = None,
          stage_jobs: int | None = None,
          force: bool = False, engine: str = "auto", root: Path | None = None,
          say: Callable[[str], None] = print) -> BatchResult:
    """Build *edition* for each area (default: all), *jobs* at a time (default `default_jobs`),
    then write the index. At most *jobs* stages run at once in all, at most *stage_jobs* (default
    *jobs*) in one area."""
    from sosrap.pipeline.runner import StageSlots
    jobs = jobs or default_jobs()
    project = root or project_root()
    language = _params.load(edition, project).language
    known = dict(all_areas(project, language))
    codes = [str(a).lstrip("0") for a in areas] if areas else list(known)
    for c in codes:
        editions.area_row(c, project)            # an unknown code fails before anything runs
    out = BatchResult(edition, default_build_dir(edition, project), language=language)
    t0 = time.monotonic()
    with _shared_forks(project, out.root) as forks:
        kw = dict(project=project, jobs=stage_jobs or jobs, force=force, engine=engine, forks=forks,
                  slots=StageSlots(jobs))
        _run_areas(codes, known, edition, jobs, kw, out, say)
    if (out.root / "state").is_dir():      # a stage ran: the zygote's imports were listed
        imports.save_cache(out.root / "state" / imports.CACHE)
    out.areas.sort(key=lambda a: codes.index(a.code))
    out.index = write_index(out, project)
    out.seconds = time.monotonic() - t0
    say(f"{len(codes) - len(out.failed)}/{len(codes)} areas built in {out.seconds:.1f} s → {out.index}"
        + (f"; failed: {', '.join(f'{a.code} {a.name}' for a in out.failed)}" if out.failed else ""))
    return out


def _shared_forks(project: Path, root: Path):
    """One kernel zygote for the whole batch (`pipeline.kernels`): the libraries are imported once,
    not once per area; it starts only when a stage must run."""
    from sosrap.pipeline.graph import load_stages
    from sosrap.pipeline.kernels import Forks
    return Forks.of_build(project, load_stages(project).values(), root / "state")


def _run_areas(codes: list[str], known: dict, edition: str, jobs: int, kw: dict, out: BatchResult,
               say: Callable[[str], None]) -> None:
    """The first area alone (what a build creates on first use exists before the others read it),
    then the others *jobs* areas at a time."""
    def done(r: AreaResult) -> None:
        out.areas.append(r)
        mark = "✓" if r.ok else "✗"
        say(f"[{len(out.areas)}/{len(codes)}] {mark} {r.code:>3} {r.name}  {r.seconds:.1f} s"
            + (f"  {r.error}" if r.error else ""))

    if codes:
        done(_one(edition, codes[0], known[codes[0]], **kw))
    with cf.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futs = [pool.submit(_one, edition, c, known[c], **kw) for c in codes[1:]]
        for fut in cf.as_completed(futs):
            done(fut.result())


def _variables(report: Path | None) -> dict:
    if report is None:
        return {}
    p = report.parent / "report" / "_variables.yml"
    return yaml.safe_load(p.read_text(encoding="utf-8")) if p.is_file() else {}


def index_html(result: BatchResult) -> str:
    """The index page: one row per area, its report link and each indicator's latest value."""
    per_area = {a.code: _variables(a.report) for a in result.areas}
    keys: dict[str, str] = {}
    for v in per_area.values():
        for k, f in v.items():
            if isinstance(f, dict) and "latest" in f and "title" in f:
                keys.setdefault(k, f["title"])
    e = html.escape
    lang = result.language
    head = "".join(f"<th>{e(title)}</th>" for title in keys.values())
    rows = []
    for a in result.areas:
        v = per_area[a.code]
        link = (f'<a href="{e(a.report.relative_to(result.root).as_posix())}">{e(a.name)}</a>'
                if a.ok and a.report else f"{e(a.name)} ({e(t('batch.failed', lang, error=a.error))})")
        cells = "".join(f"<td>{e(str(v.get(k, {}).get('latest', '–')))}"
                        f"{' (' + e(str(v[k]['latest_year'])) + ')' if k in v and 'latest_year' in v[k] else ''}</td>"
                        for k in keys)
        rows.append(f"<tr><td>{e(a.code)}</td><td>{link}</td>{cells}</tr>")
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            f"<title>{e(t('batch.title', lang, edition=result.edition))}</title></head><body>\n"
            f"<h1>{e(t('batch.heading', lang, edition=result.edition))}</h1>\n"
            f"<p>{e(t('batch.intro', lang))}</p>\n"
            f"<table><thead><tr><th>{e(t('batch.code', lang))}</th><th>{e(t('batch.area', lang))}</th>{head}"
            "</tr></thead><tbody>\n"
            + "\n".join(rows) + "\n</tbody></table>\n</body></html>\n")


def write_index(result: BatchResult, project: Path) -> Path:
    path = result.root / "index.html"
    result.root.mkdir(parents=True, exist_ok=True)
    atomic_write(path, index_html(result))
    return path
