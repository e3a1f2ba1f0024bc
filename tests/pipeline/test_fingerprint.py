"""What makes a stage stale: the parts of its fingerprint, the files it
declares in `reads:`, and the reasons `sosrap status` gives."""
from __future__ import annotations

import hashlib

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from sosrap import params as P
from sosrap.errors import SosrapError
from sosrap.pipeline import fingerprint as F
from sosrap.pipeline.graph import Stage
from support import ROOT

DEMO = P.load("demo", ROOT)


def stage(*reads: str, params=("client_work",)) -> Stage:
    return Stage(name="s", notebook="s.ipynb", params=params, reads=reads)


def test_code_fingerprint_follows_imports(tmp_path):
    """A stage depends on the sosrap modules its notebook imports (transitively), not on all of them."""
    nb = tmp_path / "x.ipynb"
    book = new_notebook(cells=[new_code_cell("%matplotlib inline\nfrom sosrap.report import fmt\nimport sosrap.stage")])
    nbformat.write(book, nb)
    files = set(F.code_hash_for_notebook(nb))
    assert {"__init__.py", "report/fmt.py", "stage.py", "params/__init__.py", "params/metadata.py", "sources/snapshot.py"} <= files
    assert not {"report/render.py", "cli/__init__.py", "cli/build.py", "pipeline/build.py"} & files
    nbformat.write(new_notebook(cells=[new_code_cell("import pandas as pd")]), nb)
    assert set(F.code_hash_for_notebook(nb)) == {"__init__.py"}


def test_declared_files_are_hashed_by_content_or_marked_missing(tmp_path):
    cw = DEMO.client_work
    st = stage("client_work.phenomena_file", "client_work.survey_file")
    assert F.read_paths(st, DEMO) == [cw.phenomena_file, cw.survey_file]
    (tmp_path / cw.phenomena_file).parent.mkdir(parents=True)
    (tmp_path / cw.phenomena_file).write_bytes(b"rivi;1\n")
    assert F.read_hashes(st, DEMO, tmp_path) == {
        f"private:{cw.phenomena_file}": hashlib.sha256(b"rivi;1\n").hexdigest(),
        f"private:{cw.survey_file}": F.MISSING}


def test_unset_paths_and_absent_sections_are_no_inputs():
    no_names = DEMO.model_copy(update={"client_work": DEMO.client_work.model_copy(update={"screen_names_file": None})})
    assert F.read_paths(stage("client_work.screen_names_file"), no_names) == []
    assert F.read_paths(stage("client_work.survey_file"), DEMO.model_copy(update={"client_work": None})) == []


@pytest.mark.parametrize("dotted, message", [
    ("client_work.survey", "reads 'client_work.survey', which is not a params path"),
    ("client_work.survey_file.x", "which is not a params path"),
    ("client_work.categories", "whose value is not a file path"),
])
def test_a_bad_reads_path_is_named(dotted, message):
    with pytest.raises(SosrapError, match=message):
        F.read_paths(stage(dotted), DEMO)


def test_undeclared_params_are_an_error():
    with pytest.raises(SosrapError, match=r"declares params \['nope'\], which are not params keys"):
        F.stage_params(stage(params=("nope",)), DEMO)


def fp(**parts) -> dict:
    return {"notebook": "n", "params": F.sha256_json(F.stage_params(stage(params=("years",)), DEMO)),
            "inputs": {}, "code": {}, **parts}


def test_stale_reasons_name_each_part():
    st = stage(params=("years",))
    ok = {"status": "ok", "fingerprint": fp(), "params": F.stage_params(st, DEMO)}
    assert F.stale_reasons(None, fp(), st, DEMO) == ["never built"]
    assert F.stale_reasons({"status": "failed"}, fp(), st, DEMO) == ["last run failed"]
    assert F.stale_reasons(ok, fp(), st, DEMO) == []
    assert F.stale_reasons(ok, fp(notebook="m"), st, DEMO) == ["notebook s.ipynb changed"]
    old = {**ok, "fingerprint": fp(params="x"), "params": {"years": {"start": 1990}}}
    assert F.stale_reasons(old, fp(), st, DEMO) == ["params changed (years)"]
    new = fp(inputs={"snapshot:a": "2", "snapshot:b": "1", "private:data/private/x.csv": "missing", "up:t.csv": "1"})
    old = {**ok, "fingerprint": fp(inputs={"snapshot:a": "1", "snapshot:b": "1", "private:data/private/x.csv": "h"})}
    assert F.stale_reasons(old, new, st, DEMO) == [
        "inputs changed: 1 snapshot file(s) changed; private input file(s) changed; outputs of up changed"]
    code = {f"m{i}.py": "1" for i in range(6)}
    assert F.stale_reasons({**ok, "fingerprint": fp(code=code)}, fp(), st, DEMO) == [
        "helper code changed (m0.py, m1.py, m2.py, m3.py, …)"]
