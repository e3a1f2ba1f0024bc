"""The kernel zygote's parts that need no kernel: what it imports, the order of forks, the
kernel commands it stands in for (the forked kernels themselves run in test_runner.py)."""
from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from sosrap.pipeline import imports, kernels
from sosrap.pipeline.graph import Stage
from sosrap.pipeline.zygote import KERNEL_SIDE
from support import ROOT


def test_forks_are_requested_in_the_order_of_their_turns():
    forks = kernels.Forks()
    a, b, c = forks.reserve(), forks.reserve(), forks.reserve()
    assert forks._turn == a
    forks.release(b)                  # b is done first (it never forked): a still has the turn
    assert forks._turn == a
    forks.release(a)
    assert forks._turn == c
    forks.release(c)
    forks.release(None)
    assert forks._turn == c + 1


def test_a_stopped_zygote_never_starts_again():
    """After Ctrl-C the build stops the zygote; a stage thread still retrying its kernel start must
    get an error, not a new zygote whose kernel finishes the stage after the build said
    "interrupted" (it did: tests/cli/test_exit_codes.py found the stage's outputs half-written)."""
    forks = kernels.Forks().start()
    forks.close()
    with pytest.raises(RuntimeError, match="stopped"):
        forks.start()
    with pytest.raises(RuntimeError, match="stopped"):
        forks.spawn(["-f", "/nonexistent.json"], env={}, cwd=None, log="/dev/null")
    assert forks.proc is None


def test_only_ipykernel_commands_are_forked():
    cmd = ["/venv/bin/python", "-m", "ipykernel_launcher", "-f", "/tmp/k.json", "--HistoryManager.hist_file=:memory:"]
    assert kernels._launcher_args(cmd) == ["-f", "/tmp/k.json", "--HistoryManager.hist_file=:memory:"]
    assert kernels._launcher_args(["/usr/bin/R", "--slave", "-f", "/tmp/k.json"]) is None


def test_the_zygote_imports_what_the_notebooks_import(tmp_path):
    """Read from the code: each notebook's imports first, then the helpers they import and the
    libraries those import, inside functions too (statistics models)."""
    nb = tmp_path / "notebooks" / "s.ipynb"
    nb.parent.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("import sosrap.stage\nfrom sosrap.indicators import stats")]), nb)
    mods = imports.preload_modules(tmp_path, [Stage(name="s", notebook="s.ipynb")])
    assert mods[:3] == ["sosrap.indicators", "sosrap.indicators.stats", "sosrap.stage"]
    assert {"pandas", "sosrap.paths", "statsmodels.regression.linear_model"} <= set(mods)   # in a function
    assert "sosrap.report.render" not in mods              # not imported by what the notebook imports
    real = imports.preload_modules(ROOT, [Stage(name=n, notebook=f) for n, f in
                                          (("a", "10_indicators.ipynb"), ("b", "30_comparison.ipynb"))])
    assert real.index("sosrap.indicators.table") < real.index("sosrap.indicators.comparison")   # stage by stage
    client = imports.preload_modules(ROOT, [Stage(name="c", notebook="40_client_work.ipynb")])
    assert "openpyxl" in client and "pypdf" not in client    # the PDF audit runs in the build process only


def test_the_zygote_leaves_the_kernel_side_modules_to_the_kernel(monkeypatch):
    """matplotlib_inline hooks the figure display into the kernel when it is imported."""
    import importlib
    from sosrap.pipeline import zygote
    assert "matplotlib_inline" in KERNEL_SIDE
    monkeypatch.setattr(importlib, "import_module", lambda name: (_ for _ in ()).throw(AssertionError(name)))
    zygote._import("matplotlib_inline.backend_inline")     # skipped: import_module is never called


def test_parsed_imports_are_cached_by_size_and_times(tmp_path):
    mod = tmp_path / "m.py"
    mod.write_text("import json\n\ndef f():\n    import csv\n", encoding="utf-8")
    assert imports._file_imports(mod, "m") == (frozenset({"json"}), frozenset({"csv"}))
    cache = tmp_path / "imports.json"
    imports.save_cache(cache)
    imports._parsed.clear()
    imports.load_cache(cache)
    assert any(k[0] == str(mod) for k in imports._parsed)
    mod.write_text("import os\n", encoding="utf-8")         # changed: parsed again
    assert imports._file_imports(mod, "m") == (frozenset({"os"}), frozenset())


def test_a_kernels_end_is_reported_while_the_zygote_is_busy(monkeypatch):
    """The zygote reports an ended kernel from its SIGCHLD handler, not only between the imports
    of its preload (a large module takes half a second; the stage waited for it)."""
    import os
    import signal
    import time
    from sosrap.pipeline import zygote
    z = zygote.Zygote([])
    sent: list[dict] = []
    monkeypatch.setattr(z, "send", sent.append)
    old = signal.signal(signal.SIGCHLD, z.reap)
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(3)
        z.children.add(pid)
        deadline = time.monotonic() + 10
        mine = lambda: [m for m in sent if m["exited"] == pid]    # noqa: E731 (this process may have others)
        while not mine() and time.monotonic() < deadline:
            sum(i * i for i in range(10_000))          # busy in Python code, as in an import
        assert [(m["exited"], m["code"]) for m in mine()] == [(pid, 3)] and pid not in z.children
        assert isinstance(mine()[0]["cpu"], float)
        z.reap_now()                                    # reported once
        assert len(mine()) == 1
    finally:
        signal.signal(signal.SIGCHLD, old)


def test_a_kernels_cpu_seconds_are_reported_with_its_end(monkeypatch):
    """Issue #16: the zygote reaps each kernel with its resource usage, so the build knows what a
    stage cost in CPU (the batch goal is counted in it). A child that spins for about 0.4 s of CPU
    and then sleeps 0.4 s is reported with about 0.4 s, not its 0.8 s of wall time."""
    import os
    import time
    from sosrap.pipeline import zygote
    z = zygote.Zygote([])
    sent: list[dict] = []
    monkeypatch.setattr(z, "send", sent.append)
    pid = os.fork()
    if pid == 0:
        t0 = time.process_time()
        while time.process_time() - t0 < 0.4:
            pass
        time.sleep(0.4)
        os._exit(0)
    z.children.add(pid)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)      # ended, not yet reaped
    z.reap_now()
    (msg,) = [m for m in sent if m["exited"] == pid]
    assert msg["code"] == 0 and 0.35 <= msg["cpu"] < 0.7


def test_a_forked_process_handle_carries_its_cpu_seconds():
    """What the zygote reported reaches the handle jupyter_client waits on, and a stage's facts sum it."""
    from sosrap.pipeline.execute import _Clock
    a, b = kernels.ForkedProcess(1), kernels.ForkedProcess(2)
    a._set_exit(0, 1.25)
    assert a.wait(0) == 0 and a.cpu == 1.25
    assert _Clock().facts([a])["cpu"] == 1.25
    assert _Clock().facts([a, b])["cpu"] is None          # one still running: unknown, not a part
    b._set_exit(0, 0.5)
    assert _Clock().facts([a, b])["cpu"] == 1.75          # a restarted kernel's first attempt counts too
    assert _Clock().facts([])["cpu"] is None               # a fresh kernel process: not measured


def test_a_forced_build_lists_the_zygotes_imports_from_the_builds_cache(tmp_path):
    """Issue #16: a forced build starts its zygote first thing, with the list of what to import; the
    package's imports come from the build's cache (state/imports.json), not from parsing the package
    again before the zygote can start (a quarter of a second). A marker the cache alone holds shows
    it was read."""
    import contextlib
    import json
    from sosrap.paths import Layout
    from sosrap.pipeline import build as B
    from support import copy_project
    project = copy_project(tmp_path / "project")
    layout = Layout(tmp_path / "build")
    layout.state.mkdir(parents=True)
    f = imports.module_file("sosrap.stage")
    st = f.stat()
    (layout.state / imports.CACHE).write_text(json.dumps(
        [[str(f), st.st_size, st.st_mtime_ns, st.st_ctime_ns, ["sosrap_cache_marker"], []]]), encoding="utf-8")
    saved = dict(imports._parsed)
    imports._parsed.clear()
    try:
        with contextlib.ExitStack() as reap, B.kernels_for(True, None, project, layout, reap) as forks:
            assert "sosrap_cache_marker" in forks.preload
            assert forks.proc is not None and forks.proc.poll() is None     # started, importing
        assert forks.proc is None                                         # reaped when the stack closed
    finally:
        imports._parsed.clear()
        imports._parsed.update(saved)


def test_papermill_is_imported_without_its_remote_storage_back_ends():
    """Issue #16: Papermill imports `pyarrow.fs` for HDFS notebooks if it can (NumPy with it, a third
    of a second of the build process's CPU); the build runs local notebooks only. It is held back
    for Papermill's import alone: afterwards anything may import it."""
    import subprocess
    import sys
    code = ("import sys\nfrom sosrap.pipeline.execute import import_papermill\npm = import_papermill()\n"
            "print(sorted(m for m in ('pyarrow.fs', 'numpy') if m in sys.modules), pm is import_papermill())\n"
            "import pyarrow.fs\nprint(pyarrow.fs.LocalFileSystem.__name__)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["[]", "True", "LocalFileSystem"]


def test_a_stage_using_stage_tables_has_the_parquet_engine_imported_before_its_fork(tmp_path):
    """pandas imports pyarrow's Parquet modules on first use; the stage helpers name them
    (`sosrap.stage._parquet`), so a stage's fork request (its preload) lists them and its kernel
    does not import them itself (issue #16: 4 kernels imported them, about 20 ms each)."""
    nb = tmp_path / "notebooks" / "s.ipynb"
    nb.parent.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("import sosrap.stage")]), nb)
    mods = imports.preload_modules(tmp_path, [Stage(name="s", notebook="s.ipynb")])
    assert {"pyarrow.parquet", "pyarrow.dataset"} <= set(mods)


def test_the_kernel_start_up_modules_import_in_the_zygote_without_a_thread():
    """What the zygote imports for every fork (`KERNEL_APP`) must leave it fork-safe: no thread
    started, no ZeroMQ context created, nothing of the kernel's own display hooks."""
    import subprocess
    import sys
    from sosrap.pipeline.zygote import KERNEL_APP
    code = ("import importlib, sys, threading\n"
            f"for m in {list(KERNEL_APP)!r}: importlib.import_module(m)\n"
            "import zmq\n"
            "print(threading.active_count(), zmq.Context._instance is None, 'matplotlib_inline' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1", "True", "False"]
