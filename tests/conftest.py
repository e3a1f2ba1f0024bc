"""Shared fixtures. Tests use the real kernel, real pandoc, real files."""
from __future__ import annotations

from pathlib import Path

import pytest

from support import copy_project, run_sosrap


@pytest.fixture(autouse=True, scope="module")
def _restore_matplotlib_rcparams():
    """The report theme (`sosrap.report.theme.setup`) sets matplotlib's rcParams globally, as a notebook
    wants; every test module gets matplotlib's state back as it found it."""
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt
    saved = matplotlib.rcParams.copy()
    yield
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # deprecated rc keys warn when set back
        matplotlib.rcParams.update(saved)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = copy_project(tmp_path / "project")
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOSRAP_ROOT", raising=False)
    return root


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
