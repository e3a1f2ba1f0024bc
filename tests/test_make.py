"""The Makefile and README say what they do (issue #14, point 9): `make lab`
takes extra options and works as root; the README starts with the two commands
and says how to get the browser tests."""
from __future__ import annotations

import os
import re
import subprocess

from support import ROOT

STAMP = ".venv/.sosrap-installed"


def _dry_run(*args: str) -> str:
    # -n: print the recipe, run nothing; -o: treat the install stamp as up to date
    proc = subprocess.run(["make", "-n", "-o", STAMP, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_make_lab_passes_lab_args_and_allows_root():
    cmd = _dry_run("lab", "LAB_ARGS=--no-browser --port 8899")
    assert re.search(r"jupyter lab .*--no-browser --port 8899 notebooks/", cmd), cmd
    assert ("--allow-root" in cmd) == (os.getuid() == 0), cmd
    assert "--no-browser" not in _dry_run("lab")


def test_readme_starts_with_the_two_commands_and_explains_skipped_browser_tests():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in block.strip().splitlines()] == [["make", "report"], ["make", "test"]]
    assert text.index("make report") < text.index("## ")
    para = " ".join(text[:text.index("## ")].split())
    assert "skips the browser tests" in para and "apt-get install chromium" in para
