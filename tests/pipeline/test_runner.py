"""The runner's skip/stale logic, parallelism and failure handling, on tiny
real notebooks executed by Papermill with a real kernel."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from sosrap import params as P
from sosrap.errors import SosrapError, StageError
from sosrap.paths import Layout
from sosrap.pipeline.runner import run_stages, status
from sosrap.stage import ParamsView

PARAMS_CELL = 'edition = "demo"\nrun_dir = ""\nparams = {}\ninputs = {}'

STAGES = """
stages:
  a:
    notebook: a.ipynb
    params: [years]
  b:
    notebook: b.ipynb
    needs: [a]
  c:
    notebook: c.ipynb
    needs: [a]
  d:
    notebook: d.ipynb
    needs: [b]
"""

BODY = {
    "a": 'import pathlib, time\nt0 = time.time()\n'
         'pathlib.Path(run_dir, "years.txt").write_text(str(params["years"]["start"]))',
    "b": 'import pathlib, time\nt0 = time.time()\ntime.sleep(2.0)\n'
         'y = pathlib.Path(inputs["a"], "years.txt").read_text()\n'
         'pathlib.Path(run_dir, "b.txt").write_text(y + "b")\n'
         'pathlib.Path(run_dir, "times.json").write_text(f"[{t0}, {time.time()}]")',
    "c": 'import pathlib, time\nt0 = time.time()\ntime.sleep(2.0)\n'
         'pathlib.Path(run_dir, "times.json").write_text(f"[{t0}, {time.time()}]")',
    "d": 'import pathlib\npathlib.Path(run_dir, "d.txt").write_text(pathlib.Path(inputs["b"], "b.txt").read_text())',
}


def write_nb(path: Path, body: str, extra: str | None = None) -> None:
    nb = new_notebook()
    p = new_code_cell(PARAMS_CELL)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, new_code_cell(body)] + ([new_code_cell(extra)] if extra else [])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def tiny(project: Path) -> Path:
    nbdir = project / "notebooks"
    shutil.rmtree(nbdir)
    nbdir.mkdir()
    (nbdir / "stages.yaml").write_text(STAGES, encoding="utf-8")
    for name, body in BODY.items():
        write_nb(nbdir / f"{name}.ipynb", body)
    return project


def run(root: Path, **kw) -> dict[str, str]:
    res = run_stages(P.load("demo", root), root, root / "build", **kw)
    return {r.name: r.state for r in res}


def set_years(root: Path, start: int) -> None:
    f = root / "params" / "demo.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("start: 2015", f"start: {start}"), encoding="utf-8")


def test_skip_stale_force_and_status(tiny):
    assert run(tiny) == {"a": "ran", "b": "ran", "c": "ran", "d": "ran"}
    executed = tiny / "build" / "notebooks" / "b.ipynb"
    mtime = executed.stat().st_mtime_ns
    # Nothing changed: no notebook is executed.
    assert run(tiny) == {"a": "skipped", "b": "skipped", "c": "skipped", "d": "skipped"}
    assert executed.stat().st_mtime_ns == mtime
    assert all(s == "fresh" for _, s, _ in status(P.load("demo", tiny), tiny, tiny / "build"))

    # A param no stage reads: still nothing runs.
    f = tiny / "params" / "demo.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("title: ", "title: Uusi "), encoding="utf-8")
    assert set(run(tiny).values()) == {"skipped"}

    # Editing one notebook re-runs it; its output is identical, so downstream stays fresh.
    write_nb(tiny / "notebooks" / "c.ipynb", BODY["c"] + "\n# edited")
    rows = {n: (s, r) for n, s, r in status(P.load("demo", tiny), tiny, tiny / "build")}
    assert rows["c"][0] == "stale" and "notebook c.ipynb changed" in rows["c"][1]
    assert rows["a"][0] == "fresh"
    assert run(tiny) == {"a": "skipped", "b": "skipped", "c": "ran", "d": "skipped"}

    # A declared param changes: a re-runs, its output changes, so b and d follow; c's inputs changed too.
    set_years(tiny, 2016)
    rows = {n: (s, r) for n, s, r in status(P.load("demo", tiny), tiny, tiny / "build")}
    assert rows["a"] == ("stale", ["params changed (years)"])
    assert rows["d"][0] == "stale" and "upstream stale" in rows["d"][1][0]
    assert run(tiny) == {"a": "ran", "b": "ran", "c": "ran", "d": "ran"}
    assert (tiny / "build" / "artifacts" / "d" / "d.txt").read_text() == "2016b"

    assert set(run(tiny, force=True).values()) == {"ran"}


def _b_and_c_times(tiny: Path) -> tuple[list, list]:
    """The (start, end) the independent stages b and c recorded."""
    return tuple(json.loads((tiny / "build" / "artifacts" / n / "times.json").read_text()) for n in "bc")


def test_independent_stages_run_in_parallel(tiny):
    run(tiny, jobs=2)
    b, c = _b_and_c_times(tiny)
    assert b[0] < c[1] and c[0] < b[1], f"b {b} and c {c} should overlap with --jobs 2"


def test_failing_stage_keeps_notebook_and_blocks_dependents(tiny):
    write_nb(tiny / "notebooks" / "b.ipynb", BODY["b"], extra='raise ValueError("boom in b")')
    with pytest.raises(StageError) as e:
        run(tiny)
    err = e.value
    assert err.stage == "b" and err.ename == "ValueError" and "boom in b" in str(err)
    assert "stage 'b' failed in cell" in str(err) and 'raise ValueError("boom in b")' in str(err)
    executed = Path(err.executed)
    assert executed.is_file()
    nb = nbformat.read(executed, as_version=4)
    assert any(o.get("ename") == "ValueError" for c in nb.cells for o in c.get("outputs", []))
    layout = Layout(tiny / "build")
    assert json.loads(layout.state_file("b").read_text())["status"] == "failed"
    assert not (layout.run_dir("d") / "d.txt").exists(), "a stage after a failed one must not run"
    rows = {n: r for n, _, r in status(P.load("demo", tiny), tiny, tiny / "build")}
    assert rows["b"] == ["last run failed"]
    # Fixed: only what is stale runs.
    write_nb(tiny / "notebooks" / "b.ipynb", BODY["b"])
    states = run(tiny)
    assert states["a"] == "skipped" and states["b"] == "ran" and states["d"] == "ran"


READS = STAGES.replace("    params: [years]\n", "    params: [years, client_work]\n    reads: [client_work.phenomena_file]\n")

# Writes its declared file when it is missing, as a synthetic demo writes its exports.
WRITES_ITS_INPUT = ('import pathlib\nf = pathlib.Path("..", params["client_work"]["phenomena_file"])\n'
                    'if not f.is_file():\n    f.parent.mkdir(parents=True, exist_ok=True)\n'
                    '    f.write_text("generated")\n')


def test_a_changed_declared_file_re_runs_only_its_stage(tiny):
    (tiny / "notebooks" / "stages.yaml").write_text(READS, encoding="utf-8")
    rel = P.load("demo", tiny).client_work.phenomena_file
    private = tiny / rel
    private.parent.mkdir(parents=True)
    private.write_text("export v1", encoding="utf-8")
    assert set(run(tiny).values()) == {"ran"}
    assert set(run(tiny).values()) == {"skipped"}
    state = json.loads(Layout(tiny / "build").state_file("a").read_text())
    assert state["fingerprint"]["inputs"] == {f"private:{rel}": __import__("hashlib").sha256(b"export v1").hexdigest()}

    private.write_text("export v2", encoding="utf-8")    # edited: a re-runs; its outputs are the same
    rows = {n: (s, r) for n, s, r in status(P.load("demo", tiny), tiny, tiny / "build")}
    assert rows["a"] == ("stale", ["inputs changed: private input file(s) changed"])
    assert run(tiny) == {"a": "ran", "b": "skipped", "c": "skipped", "d": "skipped"}

    private.unlink()                                     # gone: stale again, recorded as missing
    assert {n: s for n, s, _ in status(P.load("demo", tiny), tiny, tiny / "build")}["a"] == "stale"
    assert run(tiny)["a"] == "ran"
    state = json.loads(Layout(tiny / "build").state_file("a").read_text())
    assert state["fingerprint"]["inputs"] == {f"private:{rel}": "missing"}


def test_a_stage_that_writes_a_file_it_reads_is_fresh_afterwards(tiny):
    (tiny / "notebooks" / "stages.yaml").write_text(READS, encoding="utf-8")
    write_nb(tiny / "notebooks" / "a.ipynb", BODY["a"], extra=WRITES_ITS_INPUT)
    assert set(run(tiny).values()) == {"ran"}
    assert (tiny / P.load("demo", tiny).client_work.phenomena_file).read_text() == "generated"
    assert set(run(tiny).values()) == {"skipped"}


def test_an_unset_declared_path_is_not_an_input(tiny):
    (tiny / "notebooks" / "stages.yaml").write_text(READS.replace("client_work.phenomena_file",
                                                                  "client_work.screen_names_file"))
    f = tiny / "params" / "demo.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("  screen_names_file: data/private/demo/nimet.txt\n", ""),
                 encoding="utf-8")
    assert P.load("demo", tiny).client_work.screen_names_file is None
    run(tiny)
    assert json.loads(Layout(tiny / "build").state_file("a").read_text())["fingerprint"]["inputs"] == {}


def test_params_view_only_declared_keys():
    v = ParamsView({"years": {"start": 2015}}, "trends")
    assert v.years.start == 2015
    with pytest.raises(SosrapError, match="does not declare it"):
        v.snapshot


FLAKY_KERNEL = """\
import os, runpy, sys
marker = sys.argv[1]
if not os.path.exists(marker):          # the first start dies, as a kernel that lost a port race does
    open(marker, "w").close()
    sys.exit(1)
sys.argv = ["ipykernel_launcher", "-f", sys.argv[2]]
runpy.run_module("ipykernel_launcher", run_name="__main__")
"""

RUN_ONE = """\
import json, sys
from sosrap.pipeline.execute import execute as _execute
a = sys.argv[1:]
print(json.dumps(_execute(a[0], a[1], json.loads(a[2]), *a[3:])))
"""


def test_a_kernel_that_dies_while_starting_is_started_again(tmp_path):
    """Parallel stages can lose jupyter_client's free-port race: the kernel dies
    before any cell runs. The worker starts it again (bounded), so the build
    does not fail on it; the retry is written to the stage log."""
    import subprocess
    import sys
    spec = tmp_path / "jupyter/kernels/flaky"
    spec.mkdir(parents=True)
    (tmp_path / "flaky.py").write_text(FLAKY_KERNEL, encoding="utf-8")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(tmp_path / "flaky.py"), str(tmp_path / "died-once"), "{connection_file}"],
        "display_name": "flaky", "language": "python"}), encoding="utf-8")
    nb = new_notebook(cells=[new_code_cell("x = 6 * 7\nprint(x)")])
    nbformat.write(nb, tmp_path / "in.ipynb")
    env = {**__import__("os").environ, "JUPYTER_PATH": str(tmp_path / "jupyter")}
    proc = subprocess.run([sys.executable, "-c", RUN_ONE, str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"),
                           "{}", str(tmp_path), "flaky", str(tmp_path / "stage.log")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (tmp_path / "died-once").exists()
    assert result["ok"], result
    assert "attempt 2 of 3" in (tmp_path / "stage.log").read_text(encoding="utf-8")
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert out.cells[0].outputs[0]["text"] == "42\n"


def test_outputs_changed_outside_the_runner_make_the_stage_stale_and_it_runs_again(tiny):
    """Issue #14 point 1: the runner records what it wrote; anything else is stale, never reused."""
    build = tiny / "build"
    run(tiny)
    out = build / "artifacts" / "b" / "b.txt"
    out.write_text("99,9 %")                     # a hand-edited result
    rows = {n: (s, r) for n, s, r in status(P.load("demo", tiny), tiny, build)}
    assert rows["b"][0] == "stale" and rows["b"][1][0].startswith("outputs changed outside the build (artifacts/b/b.txt")
    assert rows["d"][0] == "stale" and rows["a"][0] == "fresh"
    states = run(tiny)
    assert states["b"] == "ran" and states["a"] == "skipped"
    assert out.read_text() == "2015b" and (build / "artifacts" / "d" / "d.txt").read_text() == "2015b"

    # A file added beside the outputs, or an edited executed notebook, is not the runner's either.
    (build / "artifacts" / "c" / "extra.csv").write_text("x\n1\n")
    nb = build / "notebooks" / "a.ipynb"
    nb.write_text(nb.read_text(encoding="utf-8").replace("time.time()", "time.time() "), encoding="utf-8")
    rows = {n: (s, r) for n, s, r in status(P.load("demo", tiny), tiny, build)}
    assert rows["c"][0] == "stale" and "artifacts/c/extra.csv" in rows["c"][1][0]
    assert rows["a"][0] == "stale" and "notebooks/a.ipynb" in rows["a"][1][0]
    assert run(tiny)["c"] == "ran" and not (build / "artifacts" / "c" / "extra.csv").exists()
    assert all(s == "fresh" for _, s, _ in status(P.load("demo", tiny), tiny, build))

    # A state file from before outputs were recorded: stale, not trusted.
    state = Layout(build).state_file("d")
    data = json.loads(state.read_text())
    del data["outputs"]
    state.write_text(json.dumps(data))
    rows = {n: r for n, _, r in status(P.load("demo", tiny), tiny, build)}
    assert rows["d"] == ["outputs not recorded (built by an older sosrap)"]


def test_a_notebook_run_by_hand_writes_to_scratch_not_into_the_build(tiny):
    from sosrap import stage
    build = tiny / "build" / "demo"
    assert stage.context("b", edition="demo").inputs == {"a": build / "artifacts" / "a"}   # the build's results
    ctx = stage.context("a", edition="demo")          # as JupyterLab runs it: nothing injected
    assert ctx.run_dir == build / "scratch" / "a" and ctx.run_dir.is_dir()
    assert ctx.inputs == {}
    ctx.save_key_figures({"x": {"latest": "99,9 %"}})
    assert not (build / "artifacts").exists()
    # b run by hand next reads a's hand-run results (the notebooks run in order without a build)
    b = stage.context("b", edition="demo")
    assert b.inputs == {"a": build / "scratch" / "a"}
    assert b.load_key_figures("a") == {"x": {"latest": "99,9 %"}}
    with pytest.raises(SosrapError, match="does not list it in `needs:`"):
        ctx.load_key_figures("b")
    with pytest.raises(SosrapError, match=r"keyfigures\.json does not exist: run stage 'a' first"):
        stage.context("b", edition="demo", inputs={"a": str(tiny / "nowhere")}).load_key_figures("a")


WHO = ('import gc, os, pathlib, sys, sosrap\n'
       'pathlib.Path(run_dir, "who.txt").write_text(f"{os.getpid()} {os.getppid()} {sosrap.__file__} "\n'
       '                                            f"{gc.get_freeze_count()}")')


def test_each_stage_runs_in_its_own_kernel_forked_from_the_builds_zygote(tiny):
    """Issue #16: the kernels are forks of one warm process, each stage still its own process,
    importing the same sosrap as the build."""
    import os
    import sosrap
    for name in ("b", "c"):
        write_nb(tiny / "notebooks" / f"{name}.ipynb", BODY[name], extra=WHO)
    run(tiny, jobs=2)
    who = {n: (tiny / "build" / "artifacts" / n / "who.txt").read_text().split() for n in ("b", "c")}
    (pid_b, parent_b, file_b, frozen_b), (pid_c, parent_c, file_c, frozen_c) = who["b"], who["c"]
    assert pid_b != pid_c and os.getpid() not in (int(pid_b), int(pid_c))
    assert parent_b == parent_c and int(parent_b) != os.getpid()      # the zygote, a child of the build
    assert file_b == file_c == sosrap.__file__
    # the zygote's imports are out of the kernels' garbage collections (gc.freeze before the fork)
    assert int(frozen_b) > 10_000 and int(frozen_c) > 10_000
    log = (tiny / "build" / "state" / "b.log").read_text(encoding="utf-8")
    assert "Ctrl-C will not work" not in log                          # the kernel watches the zygote
    # each stage's state records its kernel's CPU seconds: b slept 2 s, so far less than its wall time
    state = json.loads((tiny / "build" / "state" / "b.json").read_text())
    assert 0 < state["timings"]["cpu"] < state["seconds"] - 1.0


SLOW_A = ('import pathlib, time\ntime.sleep(1.5)\n'
          'pathlib.Path(run_dir, "years.txt").write_text(str(params["years"]["start"]))\n'
          'pathlib.Path(run_dir, "end.txt").write_text(repr(time.time()))')
WHEN_B = ('import json, pathlib, time, psutil\nfirst = time.time()\nborn = psutil.Process().create_time()\n'
          'y = pathlib.Path(inputs["a"], "years.txt").read_text()\n'
          'pathlib.Path(run_dir, "b.txt").write_text(y + "b")\n'
          'pathlib.Path(run_dir, "when.json").write_text(json.dumps({"first": first, "born": born}))')


def test_a_waiting_stage_starts_its_kernel_while_the_stage_it_needs_runs(tiny):
    """Issue #16: the kernel of the stage on the longest path starts while the stage it needs
    still runs; its first cell starts only after that stage has finished."""
    write_nb(tiny / "notebooks" / "a.ipynb", SLOW_A)
    write_nb(tiny / "notebooks" / "b.ipynb", WHEN_B)
    assert set(run(tiny, jobs=2).values()) == {"ran"}
    art = tiny / "build" / "artifacts"
    a_end = float((art / "a" / "end.txt").read_text())
    when = json.loads((art / "b" / "when.json").read_text())
    assert when["born"] < a_end - 0.5                  # forked while a slept
    assert a_end <= when["first"]                      # ran after a had written everything
    assert (art / "b" / "b.txt").read_text() == "2015b"
    state = json.loads((tiny / "build" / "state" / "b.json").read_text())
    assert state["seconds"] < 1.5                       # timed from its start, not from its kernel's


def test_an_early_kernel_of_a_stage_that_turns_out_fresh_is_dropped(tiny):
    """The stage it waited for ran again with the same outputs: the early stage is fresh, its
    kernel stops, and nothing of its last run changes."""
    write_nb(tiny / "notebooks" / "a.ipynb", SLOW_A.replace('write_text(repr(time.time()))', 'write_text("1")'))
    run(tiny, jobs=2)
    layout = Layout(tiny / "build")
    b_files = {p: p.read_bytes() for n in "bcd" for p in [*layout.run_dir(n).iterdir(), layout.state_file(n),
                                                           layout.notebooks / f"{n}.ipynb"]}
    write_nb(tiny / "notebooks" / "a.ipynb", SLOW_A.replace('write_text(repr(time.time()))', 'write_text("1")')
             + "\n# edited: runs again, writes the same")
    assert run(tiny, jobs=2) == {"a": "ran", "b": "skipped", "c": "skipped", "d": "skipped"}
    assert {p: p.read_bytes() for p in b_files} == b_files
    dropped = [n for n in "bcd" if "the stage did not run" in layout.log(n).read_text(encoding="utf-8")]
    assert len(dropped) == 1            # the one started early (on the longest path by the last run's times)


def test_an_early_kernel_is_dropped_when_the_stage_it_waits_for_fails(tiny):
    write_nb(tiny / "notebooks" / "a.ipynb", 'import time\ntime.sleep(1.0)\nraise ValueError("a fails")')
    with pytest.raises(StageError, match="a fails"):
        run(tiny, jobs=2)
    layout = Layout(tiny / "build")
    assert not layout.run_dir("b").exists() and not layout.state_file("b").exists()
    assert not (layout.notebooks / "b.ipynb").exists()


def test_default_jobs_is_one_more_than_the_cores(tiny, monkeypatch):
    """Issue #16: without --jobs a build runs cores + 1 stages at once, so even on one core the two
    independent stages overlap (with one slot per core they could not)."""
    import os
    from sosrap.pipeline import runner as R
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert R.default_jobs() == 2
    run(tiny)
    b, c = _b_and_c_times(tiny)
    assert b[0] < c[1] and c[0] < b[1], f"b {b} and c {c} should overlap by default"
