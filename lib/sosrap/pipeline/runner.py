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
import json
import multiprocessing
import signal
import threading
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sosrap.errors import StageError
from sosrap.params import Params
from sosrap.paths import Layout, atomic_write
from sosrap.pipeline.fingerprint import (output_hashes, outputs_reason, read_hashes, stage_fingerprint, stage_params,
                                         stale_reasons)
from sosrap.pipeline.graph import Stage, load_stages

KERNEL = "python3"   # with JUPYTER_PREFER_ENV_PATH: the environment's own Python


@dataclass
class StageResult:
    name: str
    state: str                 # "ran" | "skipped" | "failed" | "blocked"
    seconds: float = 0.0
    reason: str = ""
    error: StageError | None = None


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


KERNEL_START_ATTEMPTS = 3


def _execute(nb_in: str, nb_out: str, parameters: dict, cwd: str, kernel: str, log: str) -> dict:
    """Run one notebook in a worker process; return facts, never raise (pickling-safe).

    The worker's stderr (Papermill's and the kernel's chatter) goes to *log*,
    so the console shows only sosrap's progress; the log stays for debugging."""
    import logging
    import os

    # The kernel must be this interpreter (the project's environment), not a
    # `python3` kernelspec someone registered in their home directory.
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    logging.basicConfig(level=logging.WARNING, force=True)

    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    t0 = time.monotonic()
    try:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                pm.execute_notebook(nb_in, nb_out, parameters=parameters, kernel_name=kernel, cwd=cwd,
                                    progress_bar=False, log_output=False, report_mode=False)
                break
            except RuntimeError as e:
                # Two kernels starting at once can pick the same free TCP port
                # (jupyter_client frees it before the kernel binds it); the
                # loser dies before running any cell, so starting again is safe.
                if "before replying to kernel_info" not in str(e) or attempt == KERNEL_START_ATTEMPTS:
                    raise
                print(f"sosrap: kernel failed to start ({e}); attempt {attempt + 1} of "
                      f"{KERNEL_START_ATTEMPTS}", file=sys.stderr, flush=True)
    except PapermillExecutionError as e:
        return {"ok": False, "seconds": time.monotonic() - t0, "cell_index": e.cell_index,
                "exec_count": e.exec_count, "source": e.source, "ename": e.ename, "evalue": e.evalue}
    except Exception as e:  # kernel died, bad notebook JSON, ...
        return {"ok": False, "seconds": time.monotonic() - t0, "cell_index": None, "exec_count": None,
                "source": "", "ename": type(e).__name__, "evalue": str(e)}
    return {"ok": True, "seconds": time.monotonic() - t0}


def _worker_init() -> None:
    """A worker starts with SIGINT ignored (see `_Run.executor`), so a Ctrl-C while it is still
    importing cannot print a traceback; from here on it reacts to Ctrl-C like the build itself."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _warm() -> None:
    """Import Papermill in a fresh worker while earlier stages run, so parallel
    stages start together instead of one worker being spawned late."""
    import papermill  # noqa: F401


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


@dataclass
class _Run:
    """One call of `run_stages`: what has finished, what is running, the worker pool."""
    params: Params
    project: Path
    layout: Layout
    stages: dict[str, Stage]
    jobs: int
    force: bool
    say: Progress
    results: dict[str, StageResult] = field(default_factory=dict)
    running: dict[cf.Future, tuple[Stage, dict, float]] = field(default_factory=dict)
    failed: list[StageError] = field(default_factory=list)
    pool: cf.ProcessPoolExecutor | None = None

    def executor(self) -> cf.ProcessPoolExecutor:
        # Created only when a stage must run, so a no-op rebuild starts no process.
        if self.pool is None:
            workers = max(1, self.jobs)
            self.pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=_worker_init)
            # Each submit below spawns one worker; it inherits SIGINT ignored until `_worker_init` runs.
            # Only the main thread may set handlers (a batch drives areas from threads; there
            # the main thread's Ctrl-C handling is the one that counts).
            main = threading.current_thread() is threading.main_thread()
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
            try:
                for _ in range(workers):
                    self.pool.submit(_warm)
            finally:
                if main:
                    signal.signal(signal.SIGINT, previous)
        return self.pool

    def finish(self, name: str, state: str, reason: str, detail: str) -> None:
        self.results[name] = StageResult(name, state, reason=reason)
        self.say(name, "fresh" if state == "skipped" else state, detail)

    def start(self, st: Stage) -> None:
        """Skip, block or submit a stage whose needs have all finished."""
        if any(self.results[n].state in ("failed", "blocked") for n in st.needs):
            return self.finish(st.name, "blocked", "an upstream stage failed", "upstream failed")
        if self.failed:
            return self.finish(st.name, "blocked", "the build is stopping after a failure", "build stopping")
        fp, reasons = _reasons(st, self.params, self.project, self.layout)
        reasons = ["--force"] if self.force else reasons
        if not reasons:
            return self.finish(st.name, "skipped", "fresh", "")
        run_dir = self.layout.run_dir(st.name)
        shutil.rmtree(run_dir, ignore_errors=True)   # no stale outputs survive a re-run
        run_dir.mkdir(parents=True)
        self.layout.state_file(st.name).unlink(missing_ok=True)
        parameters = {
            "edition": self.params.edition,
            "run_dir": str(run_dir),
            "params": stage_params(st, self.params),
            "inputs": {n: str(self.layout.run_dir(n)) for n in st.needs},
        }
        notebooks = self.project / "notebooks"
        fut = self.executor().submit(_execute, str(notebooks / st.notebook), str(self.layout.executed(st)),
                                     parameters, str(notebooks), KERNEL, str(self.layout.log(st.name)))
        self.running[fut] = (st, fp, time.monotonic())
        self.say(st.name, "running", "; ".join(reasons))

    def collect(self, fut: cf.Future) -> None:
        """Record a finished stage: its state file, its result, its progress line."""
        st, fp, t0 = self.running.pop(fut)
        try:
            res = fut.result()
        except Exception as e:  # the worker process itself died
            res = {"ok": False, "seconds": time.monotonic() - t0, "ename": type(e).__name__, "evalue": str(e)}
        if res["ok"]:
            # A stage may create or refresh a file it reads (a synthetic demo writes its exports):
            # record the declared files as the run left them, which is what its outputs came from.
            fp = {**fp, "inputs": {**fp["inputs"], **read_hashes(st, self.params, self.project)}}
            state = {"status": "ok", "fingerprint": fp, "params": stage_params(st, self.params),
                     "seconds": round(res["seconds"], 3), "notebook": st.notebook,
                     "outputs": output_hashes(st, self.layout)}   # what this run wrote, and only that
            atomic_write(self.layout.state_file(st.name), json.dumps(state, indent=1, sort_keys=True) + "\n")
            self.results[st.name] = StageResult(st.name, "ran", res["seconds"])
            self.say(st.name, "done", f"{res['seconds']:.1f} s")
            return
        err = _stage_error(st, res, self.layout.executed(st))
        atomic_write(self.layout.state_file(st.name), json.dumps(
            {"status": "failed", "error": str(err), "notebook": st.notebook}, indent=1) + "\n")
        self.failed.append(err)
        self.results[st.name] = StageResult(st.name, "failed", res["seconds"], error=err)
        self.say(st.name, "failed", f"{res.get('ename')}")

    def abort(self) -> None:
        """Ctrl-C: stop the workers (their kernels exit with them, ipykernel
        watches its parent) and remove what the running stages half wrote;
        their state files are already gone, so they are stale."""
        if self.pool is not None:
            # the worker processes: no public API before Python 3.14's terminate_workers()
            procs = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.join(10)
            self.pool = None
        for st, _fp, _t0 in self.running.values():
            shutil.rmtree(self.layout.run_dir(st.name), ignore_errors=True)
            self.layout.executed(st).unlink(missing_ok=True)
        self.running.clear()

    def loop(self) -> None:
        pending = list(self.stages)
        while pending or self.running:
            # Start every stage whose needs are done (a skipped need lets the next one start at once).
            for name in list(pending):
                if all(need in self.results for need in self.stages[name].needs):
                    pending.remove(name)
                    self.start(self.stages[name])
            if self.running:
                done, _ = cf.wait(list(self.running), return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    self.collect(fut)


def run_stages(params: Params, project: Path, build_root: Path, *, jobs: int = 2, force: bool = False,
               progress: Progress | None = None) -> list[StageResult]:
    """Run stale stages; raise StageError (the first failure) after running what could run.
    A stage the edition has no inputs for is left out (`editions.applicable`)."""
    from sosrap.pipeline.editions import applicable
    stages = applicable(load_stages(project), params)
    layout = Layout(build_root)
    for d in (layout.notebooks, layout.artifacts, layout.state):
        d.mkdir(parents=True, exist_ok=True)
    run = _Run(params, project, layout, stages, jobs, force, progress or (lambda *a: None))
    try:
        run.loop()
    except KeyboardInterrupt:
        run.abort()
        raise
    finally:
        if run.pool is not None:
            run.pool.shutdown(wait=True, cancel_futures=True)
    if run.failed:
        raise run.failed[0]
    return [run.results[n] for n in stages]


def status(params: Params, project: Path, build_root: Path) -> list[tuple[str, str, list[str]]]:
    """(stage, "fresh" | "stale", reasons) for each stage, without running anything.

    A stage downstream of a stale one is reported stale too ("upstream stale"),
    since its inputs may change when the upstream runs."""
    stages = load_stages(project)
    layout = Layout(build_root)
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
