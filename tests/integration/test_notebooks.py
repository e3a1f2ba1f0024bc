"""Stage notebooks run as a person runs them in JupyterLab: top to bottom,
with their defaults, no injected parameters. And outputs never reach git."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import papermill as pm
import pytest

from sosrap.pipeline.graph import load_stages
from support import ROOT


def test_every_stage_notebook_runs_with_its_defaults(project):
    env_before = os.environ.get("JUPYTER_PREFER_ENV_PATH")
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"
    try:
        for stage in load_stages(project).values():   # dependency order, as a person would run them
            out = project / "executed" / stage.notebook
            out.parent.mkdir(exist_ok=True)
            pm.execute_notebook(str(project / "notebooks" / stage.notebook), str(out), kernel_name="python3",
                                cwd=str(project / "notebooks"), progress_bar=False)
            nb = json.loads(out.read_text(encoding="utf-8"))
            assert not any(o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", []))
            # Defaults write to the scratch area, never into the build's artifacts (issue #14).
            assert any((project / "build" / "demo" / "scratch" / stage.name).iterdir())
            assert not (project / "build" / "demo" / "artifacts").exists()
    finally:
        if env_before is None:
            os.environ.pop("JUPYTER_PREFER_ENV_PATH", None)


def nbstrip_args() -> str:
    """The nbstripout arguments `make setup` configures (one place: the Makefile)."""
    line = next(ln for ln in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
                if ln.startswith("NBSTRIP_ARGS"))
    return line.split(":=", 1)[1].strip()


def test_git_filter_strips_outputs(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("config", "user.email", "t@example.invalid")
    git("config", "user.name", "t")
    git("config", "filter.sosrap-nbstrip.clean", f"{sys.executable} -m nbstripout {nbstrip_args()}")
    (repo / ".gitattributes").write_text((ROOT / ".gitattributes").read_text(encoding="utf-8"), encoding="utf-8")
    (repo / "notebooks").mkdir()
    nb = json.loads((ROOT / "notebooks" / "10_indicators.ipynb").read_text(encoding="utf-8"))
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["secret client data\n"]}]
    code["execution_count"] = 7
    path = repo / "notebooks" / "10_indicators.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "x")
    stored = git("show", "HEAD:notebooks/10_indicators.ipynb")
    assert "secret client data" not in stored and '"execution_count": 7' not in stored
    assert "secret client data" in path.read_text(encoding="utf-8"), "the working copy keeps its outputs"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_use_the_sosrap_kernel_and_stage_context(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "sosrap"
    code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "sosrap.stage.context(" in code, "notebooks get params and paths from sosrap.stage"
    assert "\ndef " not in code and not code.startswith("def "), "helpers belong in lib/sosrap, not notebooks"
