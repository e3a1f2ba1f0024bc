"""Shared fixtures. Tests use the real kernel, real pandoc, real files."""
from __future__ import annotations

import shutil
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
