from __future__ import annotations

from pathlib import Path

import pytest

from sosrap import params
from sosrap.errors import ParamsError
from support import ROOT


def test_demo_params_validate(project):
    p = params.load("demo", project)
    assert p.area.category == "HYVINVOINTIALUE" and p.area.code == "19"
    assert p.country.code == "358"
    assert p.years.start == 2015 and p.years.end == 2024
    themes = {i.theme for i in p.indicators}
    assert {"toimeentulotuki", "lastensuojelu", "tyottomyys", "nuoret", "pienituloisuus", "asunnottomuus",
            "ikaantyneet", "vammaisuus", "paihteet"} <= themes


def _write(project: Path, text: str) -> None:
    (project / "params" / "bad.yaml").write_text(text, encoding="utf-8")


BASE = """
title: T
area: {category: HYVINVOINTIALUE, code: "19"}
years: {start: 2015, end: 2020}
snapshot: data/snapshots/demo-synthetic-2025
report: reports/demo
indicators:
  - {id: 493, theme: toimeentulotuki}
"""


def test_unknown_key_names_file_and_key(project):
    _write(project, BASE + "yeras: 3\n")
    with pytest.raises(ParamsError) as e:
        params.load("bad", project)
    assert "params/bad.yaml" in str(e.value) and "yeras" in str(e.value) and "unknown key" in str(e.value)


def test_wrong_type_nested(project):
    _write(project, BASE.replace("start: 2015", "start: viisitoista"))
    with pytest.raises(ParamsError) as e:
        params.load("bad", project)
    assert "bad.yaml: years.start" in str(e.value)


def test_missing_required(project):
    _write(project, BASE.replace("title: T\n", ""))
    with pytest.raises(ParamsError) as e:
        params.load("bad", project)
    assert "bad.yaml: title: required value is missing" in str(e.value)


def test_error_in_defaults_names_defaults_file(project):
    d = project / "params" / "_defaults.yaml"
    d.write_text(d.read_text(encoding="utf-8").replace("population_indicator: 127", "population_indicator: x"),
                 encoding="utf-8")
    _write(project, BASE)
    with pytest.raises(ParamsError) as e:
        params.load("bad", project)
    assert "_defaults.yaml: population_indicator" in str(e.value)


def test_region_code_must_be_text(project):
    _write(project, BASE + "area: {category: HYVINVOINTIALUE, code: 19}\n")
    with pytest.raises(ParamsError) as e:
        params.load("bad", project)
    assert "area.code" in str(e.value) and "leading zeros" in str(e.value)


def test_unknown_theme_and_missing_edition(project):
    _write(project, BASE.replace("theme: toimeentulotuki", "theme: nosuch"))
    with pytest.raises(ParamsError, match="nosuch"):
        params.load("bad", project)
    with pytest.raises(ParamsError, match="editions: .*demo"):
        params.load("nope", project)


def test_year_order(project):
    _write(project, BASE.replace("end: 2020", "end: 2010"))
    with pytest.raises(ParamsError, match="before start"):
        params.load("bad", project)


# ----------------------------------------------------------------------------- issue #14: messages and reference

def _demo_with(mutate) -> str:
    """The error message of the demo params after *mutate* (a function of the raw data)."""
    import copy
    data, files = params.load_raw("demo", ROOT)
    data = copy.deepcopy(data)
    mutate(data)
    with pytest.raises(ParamsError) as e:
        params.validate(data, files)
    return str(e.value)


def test_a_theme_error_points_to_the_indicator():
    msg = _demo_with(lambda d: d["indicators"][11].__setitem__("theme", "nuorett"))
    assert "params/demo.yaml: indicators[11].theme: indicator" in msg and "(got 'nuorett')" in msg
    assert "(top level)" not in msg


@pytest.mark.parametrize("mutate, where, value", [
    (lambda d: d["client_work"]["categories"][1].__setitem__("code", "Iso Koodi"),
     "client_work.categories[1].code", "'Iso Koodi'"),
    (lambda d: d["client_work"]["categories"].append(dict(d["client_work"]["categories"][0])),
     "client_work.categories[10].code: codes listed twice", "'toimeentulo'"),
    (lambda d: d["client_work"]["categories"][1].pop("label"), "client_work.categories[1].label", "'asuminen'"),
    (lambda d: d["client_work"]["service_areas"][0].__setitem__("lable", "x"),
     "client_work.service_areas[0].lable: unknown key", "'lable': 'x'"),
])
def test_every_code_list_error_shows_the_offending_value(mutate, where, value):
    msg = _demo_with(mutate)
    line = next(ln for ln in msg.splitlines() if where in ln)
    assert value in line, line


def test_unknown_key_points_to_the_params_reference(project):
    _write(project, BASE + "yeras: 3\n")
    with pytest.raises(ParamsError) as e:
        params.load("bad", project)
    assert "docs/params.md" in str(e.value) and "README" not in str(e.value)
    assert (ROOT / params.REFERENCE).is_file()


def test_the_params_reference_is_generated_from_the_schema_and_up_to_date():
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "scripts/params_doc.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    text = (ROOT / "docs/params.md").read_text(encoding="utf-8")
    for key in params.Params.model_fields:
        assert f"| `{key}` |" in text, key
    assert "## `client_work.categories[]`" in text and "## `years`" in text
