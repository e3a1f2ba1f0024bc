"""The stage runner: executes stage notebooks with Papermill in dependency
order, independent stages in parallel, skipping stages whose inputs are
unchanged.

It knows stages only as `notebooks/stages.yaml` declares them (see
`sosrap.pipeline.graph`); what makes a stage stale is computed in
`sosrap.pipeline.fingerprint` and recorded in `<build>/state/<stage>.json`
after a successful run. `status()` compares the parts one by one, so it can
say *why* a stage is stale.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sosrap.errors import StageError
from sosrap.params import Params
from sosrap.paths import Layout, atomic_write
from sosrap.pipeline.fingerprint import (output_hashes, outputs_reason, read_hashes, stage_fingerprint, stage_params,
                                         stale_reasons)
from sosrap.pipeline.graph import Stage, load_stages
from sosrap.pipeline import imports

if TYPE_CHECKING:   # imported when a stage runs: a no-op rebuild needs neither jupyter_client nor Papermill
    from sosrap.pipeline.execute import Gate
    from sosrap.pipeline.kernels import Forks

KERNEL = "python3"   # with JUPYTER_PREFER_ENV_PATH: the environment's own Python
PREFER_ENV = "JUPYTER_PREFER_ENV_PATH"


@dataclass
class StageResult:
    name: str
    state: str                 # "ran" | "skipped" | "failed" | "blocked"
    seconds: float = 0.0
    reason: str = ""
    error: StageError | None = None
    kernel_start: float | None = None   # seconds until its kernel was ready (when it ran)


def _read_state(layout: Layout, stage: str) -> dict | None:
    p = layout.state_file(stage)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _reasons(st: Stage, params: Params, project: Path, layout: Layout) -> tuple[dict, list[str]]:
    """A stage's fingerprint now, and why it is stale (empty when fresh): its
    inputs changed, or its outputs are not the ones the runner recorded."""
    fp = stage_fingerprint(st, params, project, layout)
    old = _read_state(layout, st.name)
    return fp, stale_reasons(old, fp, st, params) or outputs_reason(old, output_hashes(st, layout))


def _stage_error(st: Stage, res: dict, executed: Path) -> StageError:
    cell = res.get("cell_index")
    src_line = next((ln for ln in (res.get("source") or "").splitlines() if ln.strip() and not ln.startswith("#|")), "")
    where = ""
    if cell is not None:
        # Papermill inserts one injected-parameters cell; report the cell as the author numbers it.
        where = f" in cell {cell} (execution count {res.get('exec_count')}: `{src_line.strip()[:80]}`)"
    msg = (f"stage {st.name!r} failed{where}: {res.get('ename')}: {res.get('evalue')}\n"
           f"  notebook: notebooks/{st.notebook}\n  executed notebook with the traceback: {executed}")
    return StageError(st.name, st.notebook, msg, cell=cell, ename=res.get("ename"), evalue=res.get("evalue"),
                      executed=str(executed))


Progress = Callable[[str, str, str], None]   # (stage, state, detail)


class StageSlots:
    """The work of a batch's builds at once, at most *cap* slots: each build in progress holds one
    (`enter` to `leave`: its stages one at a time, its render), so each makes progress and none
    waits for another; a build runs a second stage at once only on a free slot. The areas then
    keep the cores busy together: one stage each while there are as many areas as slots, more
    each once fewer are left (the first area, built alone, and the last ones)."""

    def __init__(self, cap: int):
        self.cap = max(1, cap)
        self.builds = 0
        self.extra = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            self.builds += 1

    def leave(self) -> None:
        with self._lock:
            self.builds -= 1

    def take(self, own: int) -> bool:
        """May a build that runs *own* stages now start one more? (The first is its own slot's; a
        further one takes a free slot, to `give` back when a stage of the build ends.)"""
        if not own:
            return True
        with self._lock:
            if self.builds + self.extra >= self.cap:
                return False
            self.extra += 1
            return True

    def give(self) -> None:
        with self._lock:
            self.extra -= 1


@dataclass
class _Run:
    """One call of `run_stages`: what has finished, what is running, the stage threads and the zygote."""
    params: Params
    project: Path
    layout: Layout
    stages: dict[str, Stage]
    jobs: int
    force: bool
    say: Progress
    forks: Forks | None = None
    slots: StageSlots | None = None     # a batch's (`StageSlots`), shared with the other areas' runs
    held: int = 0                       # free slots of *slots* this run took (stages beyond its first)
    own_forks: bool = False
    results: dict[str, StageResult] = field(default_factory=dict)
    running: dict[cf.Future, tuple[Stage, dict, float]] = field(default_factory=dict)
    failed: list[StageError] = field(default_factory=list)
    pool: cf.ThreadPoolExecutor | None = None
    #: stages started before their needs finished (`start_early`): their future and gate
    early: dict[str, tuple[cf.Future, Gate]] = field(default_factory=dict)
    #: early stages that did not run: their threads end once their kernels stop
    dropped: list[cf.Future] = field(default_factory=list)

    def executor(self) -> cf.ThreadPoolExecutor:
        # Created only when a stage must run, so a no-op rebuild starts no process.
        if self.pool is None:
            from sosrap.pipeline.kernels import Forks
            if self.forks is None:
                self.forks = Forks.of_build(self.project, self.stages.values(), self.layout.state)
                self.own_forks = True
            self.forks.start()
            self.pool = cf.ThreadPoolExecutor(max_workers=max(1, self.jobs) + EARLY, thread_name_prefix="sosrap-stage")
        return self.pool

    def finish(self, name: str, state: str, reason: str, detail: str) -> None:
        self.results[name] = StageResult(name, state, reason=reason)
        self.say(name, "fresh" if state == "skipped" else state, detail)

    def prepare(self, st: Stage) -> tuple[Stage, dict, list[str]] | None:
        """Skip or block a stage whose needs have all finished; else what `submit` runs."""
        if any(self.results[n].state in ("failed", "blocked") for n in st.needs):
            return self.finish(st.name, "blocked", "an upstream stage failed", "upstream failed")
        if self.failed:
            return self.finish(st.name, "blocked", "the build is stopping after a failure", "build stopping")
        fp, reasons = _reasons(st, self.params, self.project, self.layout)
        reasons = ["--force"] if self.force else reasons
        if not reasons:
            return self.finish(st.name, "skipped", "fresh", "")
        return st, fp, reasons

    def _start(self, st: Stage, gate: Gate | None = None) -> cf.Future:
        """A stage thread for *st* (with *gate*: its kernel starts, its cells wait for the gate)."""
        from sosrap.pipeline.execute import execute
        parameters = {
            "edition": self.params.edition,
            "run_dir": str(self.layout.run_dir(st.name)),
            "params": stage_params(st, self.params),
            "inputs": {n: str(self.layout.run_dir(n)) for n in st.needs},
        }
        notebooks = self.project / "notebooks"
        pool = self.executor()          # may wait for the zygote: Ctrl-C can come here
        assert self.forks is not None
        return pool.submit(execute, str(notebooks / st.notebook), str(self.layout.executed(st)), parameters,
                           str(notebooks), KERNEL, str(self.layout.log(st.name)), self.forks,
                           imports.stage_modules(self.project, st), self.forks.reserve(), gate)

    def _clean(self, st: Stage) -> Path:
        run_dir = self.layout.run_dir(st.name)
        shutil.rmtree(run_dir, ignore_errors=True)   # no stale outputs survive a re-run
        run_dir.mkdir(parents=True)
        self.layout.state_file(st.name).unlink(missing_ok=True)
        return run_dir

    def submit(self, st: Stage, fp: dict, reasons: list[str]) -> None:
        """Run a stale stage in a stage thread, its kernel forked in its turn (or, started early,
        already forked: its cells start now)."""
        if self.failed:
            self.drop(st.name)
            return self.finish(st.name, "blocked", "the build is stopping after a failure", "build stopping")
        if st.name in self.early:
            fut, gate = self.early.pop(st.name)
            self._clean(st)
            gate.open()
        else:
            run_dir = self._clean(st)
            try:
                fut = self._start(st)
            except BaseException:
                shutil.rmtree(run_dir, ignore_errors=True)   # not running yet: `abort` would not see it
                raise
        self.running[fut] = (st, fp, time.monotonic())
        self.say(st.name, "running", "; ".join(reasons))

    def start_early(self, pending: list[str], order: dict[str, float], above: float = 0.0) -> None:
        """Start the kernel of the waiting stage with the longest way to the end of the build while
        the stages it needs still run (issue #16: its kernel start is then off the critical path).
        Nothing of it runs, nothing is removed or written, until `submit` opens its gate; `drop`
        cancels it if the stage turns out fresh or blocked. *above*: only a stage on a longer path
        than that."""
        if len(self.early) >= EARLY or self.failed or not self.running:
            return
        running = {st.name for st, _fp, _t0 in self.running.values()}
        waiting = [n for n in pending if n not in self.early and order[n] > above
                   and any(d in running for d in self.stages[n].needs)
                   and all(d in running or (d in self.results and self.results[d].state in ("ran", "skipped"))
                           for d in self.stages[n].needs)]
        if waiting:
            from sosrap.pipeline.execute import Gate
            name = max(waiting, key=lambda n: order[n])
            gate = Gate()
            self.early[name] = (self._start(self.stages[name], gate), gate)

    def drop(self, name: str) -> None:
        """An early stage that will not run: its kernel stops, its thread ends, it wrote nothing."""
        if name in self.early:
            fut, gate = self.early.pop(name)
            gate.cancel()
            self.dropped.append(fut)

    def collect(self, fut: cf.Future) -> None:
        """Record a finished stage: its state file, its result, its progress line."""
        # the stage stays in `running` until its state is written: a Ctrl-C in between removes it whole
        st, fp, t0 = self.running[fut]
        try:
            res = fut.result()
        except Exception as e:  # noqa: BLE001 -- execute() returns facts; this is a bug in it
            res = {"ok": False, "seconds": time.monotonic() - t0, "ename": type(e).__name__, "evalue": str(e)}
        if res["ok"]:
            # A stage may create or refresh a file it reads (a synthetic demo writes its exports):
            # record the declared files as the run left them, which is what its outputs came from.
            fp = {**fp, "inputs": {**fp["inputs"], **read_hashes(st, self.params, self.project)}}
            state = {"status": "ok", "fingerprint": fp, "params": stage_params(st, self.params),
                     "seconds": round(res["seconds"], 3), "notebook": st.notebook,
                     "timings": {k: res.get(k) for k in ("kernel_start", "ready_at", "cells", "cpu")},
                     "outputs": output_hashes(st, self.layout)}   # what this run wrote, and only that
            atomic_write(self.layout.state_file(st.name), json.dumps(state, indent=1, sort_keys=True) + "\n")
            del self.running[fut]
            self.results[st.name] = StageResult(st.name, "ran", res["seconds"], kernel_start=res.get("kernel_start"))
            self.say(st.name, "done", f"{res['seconds']:.1f} s")
            self.give()
            return
        err = _stage_error(st, res, self.layout.executed(st))
        atomic_write(self.layout.state_file(st.name), json.dumps(
            {"status": "failed", "error": str(err), "notebook": st.notebook}, indent=1) + "\n")
        del self.running[fut]
        self.failed.append(err)
        self.results[st.name] = StageResult(st.name, "failed", res["seconds"], error=err)
        self.say(st.name, "failed", f"{res.get('ename')}")
        self.give()

    def take(self) -> bool:
        """May another stage start now (the batch's slots allow it)?"""
        if self.slots is None:
            return True
        own = len(self.running)
        if self.slots.take(own):
            self.held += 1 if own else 0
            return True
        return False

    def give(self, every: bool = False) -> None:
        """A stage ended (or did not start): a slot this run took goes back to the batch (*every*:
        all it took)."""
        while self.slots is not None and self.held and (every or self.held > max(0, len(self.running) - 1)):
            self.slots.give()
            self.held -= 1

    def close(self, aborted: bool = False) -> None:
        """Stop the stage threads and the zygote (when this run started it). After Ctrl-C
        (*aborted*) the zygote goes first: its kernels stop, so the threads waiting on them end."""
        if aborted and self.forks is not None:
            self.forks.close()
        for name in list(self.early):           # undecided (an error ended the loop): not run
            self.drop(name)
        if self.pool is not None:
            self.pool.shutdown(wait=not aborted, cancel_futures=True)
            if aborted:   # the kernels are gone: the stage threads end (and write what they write) now
                cf.wait([*self.running, *self.dropped], timeout=ABORT_WAIT)
            self.pool = None
        if self.own_forks and self.forks is not None:
            self.forks.close()

    def abort(self) -> None:
        """Ctrl-C: stop the kernels and remove what the running stages half wrote;
        their state files are already gone, so they are stale."""
        self.close(aborted=True)
        for st, _fp, _t0 in self.running.values():
            shutil.rmtree(self.layout.run_dir(st.name), ignore_errors=True)
            self.layout.executed(st).unlink(missing_ok=True)
            self.layout.state_file(st.name).unlink(missing_ok=True)
        self.running.clear()

    def prepare_done(self, pending: list[str], ready: list[tuple[Stage, dict, list[str]]]) -> None:
        """Prepare every pending stage whose needs are done (a fresh one is skipped at once, so the
        next can start); the stale ones join *ready*."""
        for name in list(pending):
            if all(need in self.results for need in self.stages[name].needs):
                pending.remove(name)
                job = self.prepare(self.stages[name])
                if job is not None:
                    ready.append(job)
                else:
                    self.drop(name)

    def loop(self) -> None:
        pending = list(self.stages)
        ready: list[tuple[Stage, dict, list[str]]] = []      # stale stages waiting for a free slot
        order = critical_path(self.stages, self.layout)
        while pending or ready or self.running:
            self.prepare_done(pending, ready)
            # A free slot goes to the stage with the longest way to the end of the build.
            ready.sort(key=lambda job: -order[job[0].name])
            # A stage that waits for a running one but lies on a longer path than the next ready one
            # gets its kernel's turn first (the zygote imports for and forks one kernel at a time).
            while ready and len(self.running) < max(1, self.jobs) and self.take():
                self.submit(*ready.pop(0))
                self.give()             # a stage that did not start (the build is stopping) holds none
                self.start_early(pending, order, above=order[ready[0][0].name] if ready else 0.0)
            self.start_early(pending, order)
            if self.running:
                # waiting for a batch slot: look again soon, another area's stage may have ended
                done, _ = cf.wait(list(self.running), timeout=SLOT_POLL if ready and self.slots else None,
                                  return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    self.collect(fut)


#: seconds Ctrl-C waits for the stage threads once their kernels are stopped
ABORT_WAIT = 30.0
#: stages whose kernels may start while the stages they need still run (`_Run.start_early`)
EARLY = 1
#: seconds between looks at a batch's free slots while a ready stage waits for one
SLOT_POLL = 0.1


def default_jobs() -> int:
    """Stages side by side by default: one more than the cores (issue #16; with one per core the
    third of three parallel stages waits, then runs alone, a core idle). 2 cores, 6 alternating
    forced demo builds: median 10.67 s with 2, 9.68 s with 3 (every pair faster with 3)."""
    return (os.cpu_count() or 1) + 1


def critical_path(stages: dict[str, Stage], layout: Layout) -> dict[str, float]:
    """Per stage, the seconds from its start to the end of the stages after it: its own last
    run's seconds (1 s if unknown) plus the longest such path among the stages that need it."""
    out: dict[str, float] = {}
    for name in reversed(list(stages)):        # dependency order, read backwards
        state = _read_state(layout, name) or {}
        own = float(state.get("seconds") or 1.0)
        after = [out[d] for d, st in stages.items() if name in st.needs and d in out]
        out[name] = own + max(after, default=0.0)
    return out


def run_stages(params: Params, project: Path, build_root: Path, *, jobs: int | None = None,
               force: bool = False, progress: Progress | None = None, forks: Forks | None = None,
               slots: StageSlots | None = None) -> list[StageResult]:
    """Run stale stages; raise StageError (the first failure) after running what could run.
    A stage the edition has no inputs for is left out (`editions.applicable`). *forks*: a zygote
    shared by several builds (a batch); by default the run starts its own when a stage must run.
    *slots*: a batch's `StageSlots`, which cap the stages its builds run at once."""
    from sosrap.pipeline.editions import applicable
    stages = applicable(load_stages(project), params)
    layout = Layout(Path(build_root).resolve())      # the kernels run in notebooks/: run folders must be absolute
    for d in (layout.notebooks, layout.artifacts, layout.state):
        d.mkdir(parents=True, exist_ok=True)
    run = _Run(params, project, layout, stages, jobs or default_jobs(), force, progress or (lambda *a: None),
               forks, slots)
    imports.load_cache(layout.state / imports.CACHE)
    with _prefer_env_kernels():
        try:
            if force and stages:
                run.executor()          # every stage runs: the zygote imports while fingerprints are computed
            run.loop()
        except KeyboardInterrupt:
            run.abort()
            raise
        finally:
            run.close()
            run.give(every=True)
            imports.save_cache(layout.state / imports.CACHE)
    if run.failed:
        raise run.failed[0]
    return [run.results[n] for n in stages]


def fresh_results(params: Params, project: Path, progress: Progress | None = None) -> list[StageResult]:
    """What `run_stages` returns when every stage is fresh, for a build that knows they are (its
    stamp: `build.only_sources_changed`) without hashing their inputs."""
    from sosrap.pipeline.editions import applicable
    stages = applicable(load_stages(project), params)
    for name in stages:
        (progress or (lambda *a: None))(name, "fresh", "")
    return [StageResult(name, "skipped", reason="fresh") for name in stages]


@contextlib.contextmanager
def _prefer_env_kernels():
    """The kernel must be this interpreter (the project's environment), not a `python3`
    kernelspec someone registered in their home directory."""
    old = os.environ.get(PREFER_ENV)
    os.environ[PREFER_ENV] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(PREFER_ENV, None)
        else:
            os.environ[PREFER_ENV] = old


def status(params: Params, project: Path, build_root: Path) -> list[tuple[str, str, list[str]]]:
    """(stage, "fresh" | "stale", reasons) for each stage, without running anything.

    A stage downstream of a stale one is reported stale too ("upstream stale"),
    since its inputs may change when the upstream runs."""
    stages = load_stages(project)
    layout = Layout(build_root)
    imports.load_cache(layout.state / imports.CACHE)
    out = []
    stale: set[str] = set()
    for name, st in stages.items():
        _fp, reasons = _reasons(st, params, project, layout)
        ups = [n for n in st.needs if n in stale]
        if ups and not reasons:
            reasons = [f"upstream stale ({', '.join(ups)})"]
        if reasons:
            stale.add(name)
        out.append((name, "stale" if reasons else "fresh", reasons))
    return out
