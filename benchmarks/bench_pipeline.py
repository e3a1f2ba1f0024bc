"""The pipeline against the same notebooks run as plain Python (issue #16).

In a throw-away copy of the project (tests/support.py `copy_project`) it
alternates, N times (default 3), a forced build (`sosrap build demo --force`)
and `benchmarks/plain_runner.py` (every stage notebook's code cells in one
process, parameters injected as the runner does, figures rendered to PNG, the
same artifacts), each as its own measured process: wall time, CPU of the
process and all its children (`getrusage(RUSAGE_CHILDREN)`, kernels
included) and peak memory (the largest `ru_maxrss` of the process tree).
It prints medians and ratios, and per stage the split: kernel start (until
its first cell runs), imports (until `sosrap.stage.context()`), compute,
output writing and figure rendering (`SOSRAP_TIMINGS`, see `sosrap.timing`).
It checks that the forced builds are byte-identical (HTML and artifacts) and
that the plain run wrote the same artifacts.

Then: the no-op rebuild, a text-only rebuild (a chapter edited) against its
render time, and the build wall time for editions of 6, 12 and all
indicators (`indicators:` of params/demo.yaml subset in the copy, rendered
with --draft since the chapters quote some indicators' figures) and for 1 and
4 areas with `sosrap batch demo --areas …` (`--all-areas`: all of them, long),
each against the issue's goal, 1.3 × areas × one area's stage CPU / cores
(one area's stage CPU: the kernels' CPU seconds of a forced build on its own,
as its state files record them).

    PYTHONPATH=lib .venv/bin/python benchmarks/bench_pipeline.py [-n 3] [--all-areas] [--only main|rebuilds|scaling]

Benchmarks on a shared machine: both sides run alternately in the same run,
so background load affects both; the load average is printed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

PY = sys.executable
EDITION = "demo"
PHASES = ("kernel", "imports", "compute", "write", "render")
PARTS = ("main", "rebuilds", "scaling")


# --------------------------------------------------------------------------- measuring one process tree

def _measured_child(cmd: list[str]) -> None:
    """`--measure CMD…`: run CMD, print wall, CPU and peak memory of it and its children as JSON."""
    started, t0 = time.time(), time.perf_counter()
    rc = subprocess.run(cmd).returncode
    wall = time.perf_counter() - t0
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    me = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"rc": rc, "wall": wall, "started_at": started, "cpu": ch.ru_utime + ch.ru_stime,
                      "maxrss_mib": max(ch.ru_maxrss, me.ru_maxrss) / 1024}))


def measure(cmd: list[str], cwd: Path, env: dict | None = None, check: bool = True) -> dict:
    proc = subprocess.run([PY, __file__, "--measure", *cmd], cwd=cwd, env={**os.environ, **(env or {})},
                          capture_output=True, text=True)
    try:
        res = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise SystemExit(f"measuring {cmd} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    if res["rc"] != 0:
        if check:
            raise SystemExit(f"{' '.join(cmd)} exited {res['rc']}:\n{proc.stderr[-4000:]}")
        res["error"] = (proc.stderr.strip().splitlines() or [""])[-1][:300]
    return res


def sosrap(*args: str) -> list[str]:
    return [PY, "-m", "sosrap", *args]


# --------------------------------------------------------------------------- the two sides

def _timings(folder: Path, stage: str) -> dict:
    p = folder / f"{stage}.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}


def _split(total: float, start_at: float | None, kernel: float | None, t: dict) -> dict:
    if not t:       # a sosrap without `sosrap.timing` (the benchmark run on older code)
        return {"kernel": kernel, "imports": None, "compute": None, "write": None, "render": None}
    totals, marks = t.get("totals", {}), t.get("marks", {})
    imports = (marks["context"] - start_at) if start_at and "context" in marks else None
    write, render = totals.get("write", 0.0), totals.get("render", 0.0)
    compute = total - (imports or 0.0) - write - render
    return {"kernel": kernel, "imports": imports, "compute": compute, "write": write, "render": render}


def tree_sha(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def run_build(project: Path, tmp: Path, i: int, env: dict | None = None) -> dict:
    tdir = tmp / f"timings-build-{i}-{project.name}"
    res = measure(sosrap("build", EDITION, "--force", "-q"), project, {"SOSRAP_TIMINGS": str(tdir), **(env or {})})
    build = project / "build" / EDITION
    m = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    stages = {}
    for name in m["stages"]:
        state = json.loads((build / "state" / f"{name}.json").read_text(encoding="utf-8"))
        tm = state.get("timings") or {}
        cells = sum(tm.get("cells") or []) or state["seconds"]
        stages[name] = {"wall": state["seconds"], "cpu": tm.get("cpu"),
                        **_split(cells, tm.get("ready_at"), tm.get("kernel_start"), _timings(tdir, name))}
    html = next(build.glob("*.html"))
    ready = [json.loads((build / "state" / f"{n}.json").read_text(encoding="utf-8")).get("timings", {}).get("ready_at")
             for n in stages]
    ready = [r for r in ready if r]
    return {**res, "stages": stages, "setup": (min(ready) - res["started_at"]) if ready else None,
            "stage_cpu": stage_cpu(build),
            "render_step": m["seconds"].get("render", 0.0),
            "html": hashlib.sha256(html.read_bytes()).hexdigest(), "artifacts": tree_sha(build / "artifacts")}


def stage_cpu(build: Path) -> float | None:
    """The CPU seconds of a build's stage kernels, as the runner recorded them (None when a stage
    has none: a sosrap that does not record them)."""
    total = 0.0
    for p in sorted((build / "state").glob("*.json")):
        state = json.loads(p.read_text(encoding="utf-8"))
        if isinstance(state, dict) and "timings" in state:
            cpu = (state.get("timings") or {}).get("cpu")
            if cpu is None:
                return None
            total += cpu
    return total


def run_plain(project: Path, tmp: Path, i: int) -> dict:
    tdir = tmp / f"timings-plain-{i}"
    out = tmp / f"plain-{i}.json"
    build = project / "build" / "_plain"
    res = measure([PY, str(HERE / "plain_runner.py"), str(project), EDITION, "--build", str(build), "--json", str(out)],
                  project, {"SOSRAP_TIMINGS": str(tdir)})
    per = json.loads(out.read_text(encoding="utf-8"))
    stages = {name: {"wall": v["seconds"], **_split(v["seconds"], v["start_at"], 0.0, _timings(tdir, name))}
              for name, v in per.items()}
    first = min(v["start_at"] for v in per.values())
    return {**res, "stages": stages, "setup": first - res["started_at"], "artifacts": tree_sha(build / "artifacts")}


# --------------------------------------------------------------------------- printing

def med(xs) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x: float | None, unit: str = "s") -> str:
    return "–" if x is None else f"{x:.2f} {unit}"


def ratio(a: float | None, b: float | None) -> str:
    return "–" if not a or not b else f"{a / b:.2f}×"


def _row(label: str, runs: list[dict], plain: list[float | None] | None) -> list[float | None]:
    w, c, m = med(r["wall"] for r in runs), med(r["cpu"] for r in runs), med(r["maxrss_mib"] for r in runs)
    ratios = "" if plain is None else (f" {ratio(w, plain[0])} | {ratio(c, plain[1])} | {ratio(m, plain[2])} |")
    print(f"| {label} | {fmt(w)} | {fmt(c)} | {fmt(m, 'MiB')} |" + (ratios or " | | |"))
    return [w, c, m]


def report_main(builds: list[dict], plains: list[dict], before: list[dict]) -> None:
    print(f"\n## Forced build vs plain scripts (medians of {len(builds)} alternating runs)\n")
    print("| | wall | CPU (incl. children) | peak memory | wall ratio (goal ≤ 0.75×) | CPU ratio (goal ≤ 1.3×) "
          "| memory ratio (goal ≤ 1.5×) |\n|---|---|---|---|---|---|---|")
    plain = _row("plain scripts, one process", plains, None)
    if before:
        _row("`sosrap build demo --force`, before (baseline)", before, plain)
    _row("`sosrap build demo --force`" + (", after" if before else ""), builds, plain)
    for label, runs in (("after", builds), ("before", before)):
        if runs:
            print(f"\nthe build's render step ({label}, median): {fmt(med(r['render_step'] for r in runs))}; "
                  f"its stage kernels' CPU: {fmt(med(r.get('stage_cpu') for r in runs))}")
    print("\n## Per stage (medians, seconds): pipeline / plain\n")
    print("| stage | wall | " + " | ".join(PHASES) + " |\n|---|---|" + "---|" * len(PHASES))
    for name in builds[0]["stages"]:
        def cell(key: str) -> str:
            b = med(r["stages"][name][key] for r in builds if name in r["stages"])
            p = med(r["stages"][name][key] for r in plains if name in r["stages"])
            return f"{fmt(b, '').strip()} / {fmt(p, '').strip()}"
        print(f"| {name} | {cell('wall')} | " + " | ".join(cell(k) for k in PHASES) + " |")
    print(f"\nplain runner before its first stage (interpreter, params): "
          f"{fmt(med(r.get('setup') for r in plains))}; build until its first kernel is ready: "
          f"{fmt(med(r.get('setup') for r in builds))}")
    same_html = len({r["html"] for r in builds + before}) == 1
    same_art = len({r["artifacts"] for r in builds + before}) == 1
    plain_same = {r["artifacts"] for r in plains} == {builds[0]["artifacts"]}
    print(f"\nforced builds byte-identical{' (before and after)' if before else ''}: HTML "
          f"{'yes' if same_html else 'NO'}, artifacts {'yes' if same_art else 'NO'}; plain run wrote the same "
          f"artifacts: {'yes' if plain_same else 'NO'}")


# --------------------------------------------------------------------------- rebuilds and scaling

def rebuilds(project: Path, n: int, env: dict | None = None, label: str = "") -> None:
    print(f"\n## Rebuilds{label} (medians)\n")
    measure(sosrap("build", EDITION, "-q"), project, env)          # settle: everything fresh
    noop = [measure(sosrap("build", EDITION, "-q"), project, env) for _ in range(n)]
    print(f"no-op rebuild: wall {fmt(med(r['wall'] for r in noop))}, CPU {fmt(med(r['cpu'] for r in noop))} "
          f"(goal ≤ 0.5 s)")
    chapter = sorted((project / "reports" / "_shared" / "chapters").glob("*.qmd"))[-1]
    original = chapter.read_text(encoding="utf-8")
    text, render = [], []
    try:
        for i in range(n):
            chapter.write_text(original + f"\nMittauslause {i}.\n", encoding="utf-8")
            text.append(measure(sosrap("build", EDITION, "-q"), project, env)["wall"])
            m = json.loads((project / "build" / EDITION / "manifest.json").read_text(encoding="utf-8"))
            render.append(m["seconds"]["render"])
    finally:
        chapter.write_text(original, encoding="utf-8")
    r = med(render)
    print(f"text-only rebuild ({chapter.name} edited): wall {fmt(med(text))}; its render {fmt(r)} "
          f"(goal ≤ render + 0.5 s = {fmt(r + 0.5 if r is not None else None)})")


def _indicators_block(params: Path) -> tuple[str, list[str]]:
    """The params text and the lines of its `indicators:` list."""
    text = params.read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("indicators:")
    items = []
    for ln in lines[start + 1:]:
        if not ln.startswith("  - "):
            break
        items.append(ln)
    return text, items


def _unlinked(proposals: Path) -> str:
    """The proposals file without its figure links (a smaller edition lacks some of the figures)."""
    text = proposals.read_text(encoding="utf-8")
    proposals.write_text("\n".join("    links: []" if ln.startswith("    links: [") else ln
                                   for ln in text.splitlines()) + "\n", encoding="utf-8")
    return text


def scaling(project: Path, areas_all: bool, env: dict | None = None, label: str = "", repeats: int = 3) -> None:
    print(f"\n## Cost as work grows{label} (one forced run each)\n")
    params = project / "params" / f"{EDITION}.yaml"
    proposals = project / "reports" / EDITION / "proposals.yaml"
    text, items = _indicators_block(params)
    links = _unlinked(proposals)
    try:
        for n in sorted({6, 12, len(items)}):
            if n > len(items):
                continue
            params.write_text(text.replace("\n".join(items), "\n".join(items[:n])), encoding="utf-8")
            r = measure(sosrap("build", EDITION, "--force", "--draft", "-q", "--build-dir",
                               str(project / "build" / f"scale-{n}")), project, env)
            print(f"edition with {n:>2} indicators: wall {fmt(r['wall'])}, CPU {fmt(r['cpu'])} "
                  f"(--draft, proposals without figure links: a smaller edition has fewer figures)")
    finally:
        params.write_text(text, encoding="utf-8")
        proposals.write_text(links, encoding="utf-8")
    from sosrap.pipeline.batch import all_areas
    codes = [c for c, _ in all_areas(project)]
    # the reference: one area's stage CPU, from forced builds of the edition on their own (a
    # median: on a shared machine one build's kernels used 13 s in one run and 16 s in another)
    ref = project / "build" / "scale-one-area"
    ones, cpus = [], []
    for _ in range(max(3, repeats)):
        ones.append(measure(sosrap("build", EDITION, "--force", "-q", "--build-dir", str(ref)), project, env))
        cpus.append(stage_cpu(ref))
    cpu1 = med(cpus)
    cores = os.cpu_count() or 1
    print(f"one area's stage CPU (the kernels of a forced build on its own, median of {len(cpus)}): {fmt(cpu1)} "
          f"(each: {', '.join(fmt(c) for c in cpus)}; the build: wall {fmt(med(o['wall'] for o in ones))}, "
          f"CPU {fmt(med(o['cpu'] for o in ones))})")
    for n in ([1, 4, len(codes)] if areas_all else [1, 4]):
        r = measure(sosrap("batch", EDITION, "--force", "--areas", ",".join(codes[:n])), project, env, check=False)
        goal = f"; goal ≤ 1.3 × {n} × {cpu1:.2f} s / {cores} cores = {1.3 * n * cpu1 / cores:.2f} s" if cpu1 else ""
        inside = med(stage_cpu(project / "build" / EDITION / c) for c in codes[:n])
        print(f"batch of {n:>2} area(s): wall {fmt(r['wall'])}, CPU {fmt(r['cpu'])}, "
              f"{r['wall'] / n:.2f} s wall per area{goal}; an area's stage CPU in the batch (median): "
              f"{fmt(inside)}" + (f"; FAILED: {r['error']}" if "error" in r else ""))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        return _measured_child(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=3, help="alternations (at least 3 for the issue's medians)")
    ap.add_argument("--all-areas", action="store_true", help="also the batch of all areas (long)")
    ap.add_argument("--only", action="append", choices=PARTS, help="run only these parts (repeatable)")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="also build with this sosrap (a `lib` folder of an older commit), alternating in the "
                         "same run, for a before/after table")
    a = ap.parse_args()
    parts = a.only or PARTS
    from support import copy_project
    import sosrap as pkg
    print(f"sosrap from {Path(pkg.__file__).parent}; baseline {a.baseline or 'none'}; {os.cpu_count()} cores; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (the machine is shared: the sides "
          f"alternate in one run)")
    base_env = {"PYTHONPATH": str(Path(a.baseline).resolve())} if a.baseline else None
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as t:
        tmp = Path(t)
        project = copy_project(tmp / "project")
        baseline = copy_project(tmp / "baseline") if a.baseline else None
        measure(sosrap("build", EDITION, "-q"), project)     # first build: creates the demo's private exports
        if baseline:
            measure(sosrap("build", EDITION, "-q"), baseline, base_env)
        if "main" in parts:
            runs: dict[str, list] = {"build": [], "plain": [], "before": []}
            sides = [("build", lambda i: run_build(project, tmp, i)), ("plain", lambda i: run_plain(project, tmp, i))]
            if baseline:
                sides.append(("before", lambda i: run_build(baseline, tmp, i, base_env)))
            for i in range(a.n):
                for name, side in (sides if i % 2 == 0 else sides[::-1]):
                    runs[name].append(side(i))
            report_main(runs["build"], runs["plain"], runs["before"])
            shutil.rmtree(project / "build" / "_plain", ignore_errors=True)
        for part, fn in (("rebuilds", lambda p, e, lab: rebuilds(p, a.n, e, lab)),
                         ("scaling", lambda p, e, lab: scaling(p, a.all_areas, e, lab, a.n))):
            if part in parts:
                fn(project, None, ", after" if baseline else "")
                if baseline:
                    fn(baseline, base_env, ", before (baseline)")
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
