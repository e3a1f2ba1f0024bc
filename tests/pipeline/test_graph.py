"""`notebooks/stages.yaml` as a model: what a stage may declare, and the
errors a person sees when the file is wrong (each names the file and stage)."""
from __future__ import annotations

from pathlib import Path

import pytest

from sosrap.errors import SosrapError
from sosrap.pipeline.graph import load_stages
from support import ROOT


@pytest.fixture
def graph(tmp_path: Path):
    (tmp_path / "notebooks").mkdir()
    for name in ("a", "b"):
        (tmp_path / "notebooks" / f"{name}.ipynb").write_text("{}", encoding="utf-8")

    def load(text: str):
        (tmp_path / "notebooks" / "stages.yaml").write_text(text, encoding="utf-8")
        return load_stages(tmp_path)
    return load


def test_the_project_graph_declares_what_client_work_reads():
    stages = load_stages(ROOT)
    assert list(stages)[0] == "indicators"
    cw = stages["client_work"]
    assert cw.reads == ("client_work.phenomena_file", "client_work.survey_file", "client_work.screen_names_file",
                        "client_work.quote_approvals_file")
    assert not cw.snapshot and cw.needs == ()
    assert all(s.reads == () for n, s in stages.items() if n != "client_work")


def test_a_stage_and_its_defaults(graph):
    st = graph("stages:\n  a:\n    notebook: a.ipynb\n  b:\n    notebook: b.ipynb\n    needs: [a]\n"
               "    params: [years, client_work]\n    reads: [client_work.survey_file]\n    snapshot: true\n"
               "    description: two\n")
    assert list(st) == ["a", "b"]
    assert (st["a"].name, st["a"].needs, st["a"].params, st["a"].reads, st["a"].snapshot) == ("a", (), (), (), False)
    b = st["b"]
    assert (b.needs, b.params, b.reads, b.snapshot, b.description) == (
        ("a",), ("years", "client_work"), ("client_work.survey_file",), True, "two")
    assert graph("stages:\n  a:\n    notebook: a.ipynb\n    needs:\n")["a"].needs == ()


@pytest.mark.parametrize("text, message", [
    ("stages:\n  b:\n    notebook: b.ipynb\n    needs: [zz]\n",
     "stages.b: needs 'zz', which is not defined above it (list stages in dependency order)"),
    ("stages:\n  b:\n    notebook: b.ipynb\n    needs: [a]\n  a:\n    notebook: a.ipynb\n",
     "needs 'a', which is not defined above it"),
    ("stages:\n  b:\n    notebook: nope.ipynb\n", "nope.ipynb does not exist"),
    ("stages:\n  b:\n    notebook: b.ipynb\n    parms: [x]\n    outs: [y]\n",
     "stages.b: unknown key(s) ['outs', 'parms'] (allowed: ['description', 'needs', 'notebook', 'params', "
     "'reads', 'snapshot'])"),
    ("stage:\n  b:\n    notebook: b.ipynb\n", "unknown top-level key 'stage'"),
    ("stages:\n  b:\n    needs: []\n", "stages.b: `notebook` is required"),
    ("stages:\n  b: b.ipynb\n", "stages.b: expected a mapping"),
    ("stages:\n  b:\n    notebook: b.ipynb\n    needs: a\n", "stages.b.needs: "),
    ("stages:\n  report:\n    notebook: b.ipynb\n", "the name `report` is the render step's"),
    ("stages:\n  b:\n    notebook: b.ipynb\n    reads: [client_work.survey_file]\n",
     "stages.b: reads 'client_work.survey_file', but 'client_work' is not in its params"),
    ("stages:\n", "no stages defined"),
    ("- a\n", "expected a mapping of keys at the top level"),
])
def test_errors_name_the_file_stage_and_fix(graph, text, message):
    with pytest.raises(SosrapError) as e:
        graph(text)
    assert message in str(e.value) and "stages.yaml" in str(e.value)


def test_a_missing_stages_file(tmp_path):
    (tmp_path / "notebooks").mkdir()
    with pytest.raises(SosrapError, match="stages.yaml is missing: it defines the stage notebooks"):
        load_stages(tmp_path)
