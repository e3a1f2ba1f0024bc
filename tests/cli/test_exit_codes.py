"""Exit codes and messages a script can rely on (issue #14, points 2 and 3): the
real `sosrap` process, as a shell runs it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import ROOT, copy_project, run_sosrap


@pytest.mark.parametrize("args, hint", [
    (["bild", "demo"], "No such command 'bild'. Did you mean 'build'?"),
    (["build"], "Missing argument 'edition'."),
    (["build", "demo", "--jobbs", "2"], "No such option: --jobbs"),
    (["build", "demo", "--jobs", "0"], "Invalid value for '--jobs'"),
])
def test_a_usage_error_is_the_usage_line_and_a_hint(args, hint):
    proc = run_sosrap(*args, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and hint in proc.stderr
    assert proc.stderr.startswith("Usage: sosrap") and len(proc.stderr.splitlines()) <= 6, proc.stderr


def test_a_usage_error_shows_the_traceback_only_with_debug():
    proc = run_sosrap("--debug", "bild", "demo", cwd=ROOT)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_boolean_flags_are_shown_as_flags():
    proc = subprocess.run([sys.executable, "-m", "sosrap", "build", "--help"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "COLUMNS": "160"})
    assert proc.returncode == 0
    force = next(line for line in proc.stdout.splitlines() if "--force" in line)
    assert "<bool>" not in proc.stdout and "Re-run every stage" in force


def test_doctor_exits_nonzero_when_a_required_tool_is_missing():
    env = {**os.environ, "PYPANDOC_PANDOC": "/nonexistent/pandoc", "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "sosrap", "doctor"], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 1, proc.stdout
    assert "no report can be rendered" in proc.stdout


def test_a_failing_command_exits_nonzero():
    assert run_sosrap("status", "nope", cwd=ROOT).returncode == 1
    assert run_sosrap("verify", "/nonexistent/release", "--no-rebuild", cwd=ROOT).returncode == 1


@pytest.mark.parametrize("after", [1.5, 2.5])     # the first stage executing; the next kernels starting
def test_ctrl_c_during_a_build_says_interrupted_exits_130_and_leaves_no_half_written_stage(tmp_path, after):
    root = copy_project(tmp_path / "project")
    build = tmp_path / "build"
    # a terminal's Ctrl-C: SIGINT to the whole process group (sosrap and its workers)
    proc = subprocess.Popen([sys.executable, "-m", "sosrap", "build", "demo", "--build-dir", str(build)], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        seen = ""
        while "running" not in seen:
            line = proc.stderr.readline()
            assert line, "the build ended before a stage ran"
            seen += line
        time.sleep(after)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert out == ""                     # no report path: nothing was built
    for run_dir in (build / "artifacts").iterdir() if (build / "artifacts").is_dir() else ():
        assert (build / "state" / f"{run_dir.name}.json").is_file(), f"half-written {run_dir}"
    finished = list((build / "state").glob("*.json"))
    assert len(list(build.glob("notebooks/*.ipynb"))) <= len(finished), "an interrupted stage's notebook"
    assert not list(build.glob(".*")) and not (build / "manifest.json").exists()
    assert not list(build.glob("*.html"))
