"""Shared fixtures. Tests use the real kernel, real pandoc, real files."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_SNAPSHOT = "data/snapshots/demo-synthetic-2025"


def copy_project(dest: Path) -> Path:
    """A throw-away copy of the project's editable parts (params, notebooks,
    reports, the demo snapshot), so tests can edit and build without touching
    the checkout. The sosrap package itself is the installed one."""
    for part in ("params", "notebooks", "reports"):
        shutil.copytree(ROOT / part, dest / part, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_notebooks",
                                                                                "_variables.yml", "_notice.qmd"))
    shutil.copytree(ROOT / DEMO_SNAPSHOT, dest / DEMO_SNAPSHOT)
    return dest


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = copy_project(tmp_path / "project")
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOSRAP_ROOT", raising=False)
    return root


def run_sosrap(*args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """The real CLI, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "sosrap", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> tuple[Path, Path]:
    """One cold build of the demo edition in a copied project, shared by the
    end-to-end and browser tests: (project root, absolute path of the HTML)."""
    root = copy_project(tmp_path_factory.mktemp("demo-build") / "project")
    proc = run_sosrap("build", "demo", cwd=root)
    assert proc.returncode == 0, proc.stderr
    html = Path(proc.stdout.strip().splitlines()[-1])
    assert html.is_absolute() and html.is_file(), proc.stdout
    return root, html
