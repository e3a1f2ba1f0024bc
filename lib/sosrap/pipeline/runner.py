"""The stage runner: executes stage notebooks with Papermill in dependency
order, independent stages in parallel, skipping stages whose inputs are
unchanged.

A stage's fingerprint has four parts — its notebook's source, the values of
the params it declares, its input files (snapshot files and the outputs of
the stages it needs) and the helper package's code — recorded in
`<build>/state/<stage>.json` after a successful run. `status()` compares the
parts one by one, so it can say *why* a stage is stale.
"""
from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sosrap.pipeline import fingerprint as hashing
from sosrap.errors import SosrapError, StageError
from sosrap.params import Params
from sosrap.paths import atomic_write
from sosrap.sources.snapshot import Snapshot
from sosrap.pipeline.graph import Stage, load_stages

KERNEL = "python3"   # with JUPYTER_PREFER_ENV_PATH: the environment's own Python


@dataclass
class StageResult:
    name: str
    state: str                 # "ran" | "skipped" | "failed" | "blocked"
    seconds: float = 0.0
    reason: str = ""
    error: StageError | None = None


@dataclass
class Layout:
    """Where a build writes; everything lives under one folder."""
    root: Path

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def run_dir(self, stage: str) -> Path:
        return self.artifacts / stage

    def log(self, stage: str) -> Path:
        return self.state / f"{stage}.log"

    def state_file(self, stage: str) -> Path:
        return self.state / f"{stage}.json"

    def executed(self, st: Stage) -> Path:
        return self.notebooks / st.notebook


def stage_params(st: Stage, params: Params) -> dict:
    full = params.resolved()
    missing = [k for k in st.params if k not in full]
    if missing:
        raise SosrapError(f"notebooks/stages.yaml: stage {st.name!r} declares params {missing}, "
                          f"which are not params keys")
    return {k: full[k] for k in st.params}


def _client_work_files(params: Params, project: Path) -> dict[str, str]:
    from sosrap import clientwork
    return clientwork.input_hashes(params.client_work, project)


# Params keys that point at input files outside the snapshot (private client-work
# exports), with the function that hashes those files: a stage declaring such a
# key is re-run when one of the files changes.
FILE_PARAMS = {"client_work": _client_work_files}


def fingerprint(st: Stage, params: Params, project: Path, layout: Layout) -> dict:
    """The four parts of a stage's fingerprint (each a hash or a dict of hashes)."""
    inputs: dict[str, str] = {}
    for key in st.params:
        if key in FILE_PARAMS:
            inputs.update(FILE_PARAMS[key](params, project))
    if st.snapshot:
        snap = Snapshot.open(project / params.snapshot)
        inputs.update({f"snapshot:{k}": v for k, v in snap.input_hashes().items()})
    for need in st.needs:
        inputs.update({f"{need}:{k}": v for k, v in hashing.tree_hash(layout.run_dir(need)).items()})
    return {
        "notebook": hashing.notebook_source_hash(project / "notebooks" / st.notebook),
        "params": hashing.sha256_json(stage_params(st, params)),
        "inputs": inputs,
        "code": hashing.code_hash_for_notebook(project / "notebooks" / st.notebook),
    }


def _read_state(layout: Layout, stage: str) -> dict | None:
    p = layout.state_file(stage)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def stale_reasons(old: dict | None, new: dict, st: Stage, params: Params) -> list[str]:
    """Why a stage must run again; empty when it is fresh."""
    if old is None:
        return ["never built"]
    if old.get("status") != "ok":
        return ["last run failed"]
    fp = old.get("fingerprint", {})
    reasons = []
    if fp.get("notebook") != new["notebook"]:
        reasons.append(f"notebook {st.notebook} changed")
    if fp.get("params") != new["params"]:
        changed = [k for k in st.params if old.get("params", {}).get(k) != stage_params(st, params).get(k)]
        reasons.append("params changed" + (f" ({', '.join(changed)})" if changed else ""))
    if fp.get("inputs") != new["inputs"]:
        a, b = fp.get("inputs", {}), new["inputs"]
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        upstream = sorted({k.split(":", 1)[0] for k in diff if not k.startswith(("snapshot:", "private:"))})
        parts = []
        if any(k.startswith("snapshot:") for k in diff):
            n = sum(k.startswith("snapshot:") for k in diff)
            parts.append(f"{n} snapshot file(s) changed")
        if any(k.startswith("private:") for k in diff):
            parts.append("private input file(s) changed")
        if upstream:
            parts.append("outputs of " + ", ".join(upstream) + " changed")
        reasons.append("inputs changed: " + "; ".join(parts))
    if fp.get("code") != new["code"]:
        a, b = fp.get("code") or {}, new["code"]
        changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)) if isinstance(a, dict) else []
        reasons.append("helper code changed" + (f" ({', '.join(changed[:4])}{', …' if len(changed) > 4 else ''})"
                                                 if changed else ""))
    return reasons


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


def run_stages(params: Params, project: Path, build_root: Path, *, jobs: int = 2, force: bool = False,
               progress: Progress | None = None) -> list[StageResult]:
    """Run stale stages; raise StageError (the first failure) after running what could run."""
    stages = load_stages(project)
    layout = Layout(build_root)
    for d in (layout.notebooks, layout.artifacts, layout.state):
        d.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda *a: None)
    results: dict[str, StageResult] = {}
    pending = list(stages)
    running: dict[cf.Future, tuple[Stage, dict, float]] = {}
    failed: list[StageError] = []
    pool: cf.ProcessPoolExecutor | None = None

    def executor() -> cf.ProcessPoolExecutor:
        # Created only when a stage must run, so a no-op rebuild starts no process.
        nonlocal pool
        if pool is None:
            pool = cf.ProcessPoolExecutor(max_workers=max(1, jobs),
                                          mp_context=multiprocessing.get_context("spawn"))
            for _ in range(max(1, jobs)):
                pool.submit(_warm)
        return pool

    try:
        while pending or running:
            # Start every stage whose needs are done.
            for name in list(pending):
                st = stages[name]
                if any(n not in results for n in st.needs):
                    continue
                pending.remove(name)
                if any(results[n].state in ("failed", "blocked") for n in st.needs):
                    results[name] = StageResult(name, "blocked", reason="an upstream stage failed")
                    say(name, "blocked", "upstream failed")
                    continue
                if failed:
                    results[name] = StageResult(name, "blocked", reason="the build is stopping after a failure")
                    say(name, "blocked", "build stopping")
                    continue
                fp = fingerprint(st, params, project, layout)
                reasons = ["--force"] if force else stale_reasons(_read_state(layout, name), fp, st, params)
                if not reasons:
                    results[name] = StageResult(name, "skipped", reason="fresh")
                    say(name, "fresh", "")
                    continue
                run_dir = layout.run_dir(name)
                shutil.rmtree(run_dir, ignore_errors=True)   # no stale outputs survive a re-run
                run_dir.mkdir(parents=True)
                layout.state_file(name).unlink(missing_ok=True)
                parameters = {
                    "edition": params.edition,
                    "run_dir": str(run_dir),
                    "params": stage_params(st, params),
                    "inputs": {n: str(layout.run_dir(n)) for n in st.needs},
                }
                fut = executor().submit(_execute, str(project / "notebooks" / st.notebook),
                                        str(layout.executed(st)), parameters, str(project / "notebooks"), KERNEL,
                                        str(layout.log(name)))
                running[fut] = (st, fp, time.monotonic())
                say(name, "running", "; ".join(reasons))
            if not running:
                continue
            done, _ = cf.wait(list(running), return_when=cf.FIRST_COMPLETED)
            for fut in done:
                st, fp, t0 = running.pop(fut)
                try:
                    res = fut.result()
                except Exception as e:  # the worker process itself died
                    res = {"ok": False, "seconds": time.monotonic() - t0, "ename": type(e).__name__,
                           "evalue": str(e)}
                if res["ok"]:
                    state = {"status": "ok", "fingerprint": fp, "params": stage_params(st, params),
                             "seconds": round(res["seconds"], 3), "notebook": st.notebook}
                    atomic_write(layout.state_file(st.name), json.dumps(state, indent=1, sort_keys=True) + "\n")
                    results[st.name] = StageResult(st.name, "ran", res["seconds"])
                    say(st.name, "done", f"{res['seconds']:.1f} s")
                else:
                    err = _stage_error(st, res, layout.executed(st))
                    atomic_write(layout.state_file(st.name), json.dumps(
                        {"status": "failed", "error": str(err), "notebook": st.notebook}, indent=1) + "\n")
                    failed.append(err)
                    results[st.name] = StageResult(st.name, "failed", res["seconds"], error=err)
                    say(st.name, "failed", f"{res.get('ename')}")
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if failed:
        raise failed[0]
    return [results[n] for n in stages]


def status(params: Params, project: Path, build_root: Path) -> list[tuple[str, str, list[str]]]:
    """(stage, "fresh" | "stale", reasons) for each stage, without running anything.

    A stage downstream of a stale one is reported stale too ("upstream stale"),
    since its inputs may change when the upstream runs."""
    stages = load_stages(project)
    layout = Layout(build_root)
    out = []
    stale: set[str] = set()
    for name, st in stages.items():
        fp = fingerprint(st, params, project, layout)
        reasons = stale_reasons(_read_state(layout, name), fp, st, params)
        ups = [n for n in st.needs if n in stale]
        if ups and not reasons:
            reasons = [f"upstream stale ({', '.join(ups)})"]
        if reasons:
            stale.add(name)
        out.append((name, "stale" if reasons else "fresh", reasons))
    return out
