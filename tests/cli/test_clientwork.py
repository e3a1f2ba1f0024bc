"""`sosrap ingest …` and `sosrap template …` (sosrap.cli.clientwork): counts and
reasons on the terminal, never a value from the file."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner
from support import ROOT

from sosrap.cli import app
from sosrap.demo import clientwork as D
from support import ROOT, run_sosrap


@pytest.fixture
def private_out(tmp_path, monkeypatch):
    """A project whose data/private/ takes the ingest output (`--out` elsewhere is refused)."""
    shutil.copytree(ROOT / "params", tmp_path / "params")
    monkeypatch.setenv("SOSRAP_ROOT", str(tmp_path))
    return tmp_path / "data" / "private" / "out"


def test_cli_ingest_refuses_out_outside_the_private_area(demo_inputs, tmp_path, private_out):
    inp, _ = demo_inputs
    r = CliRunner().invoke(app, ["ingest", "phenomena", str(inp.phenomena), "-e", "demo", "--out", str(tmp_path / "x")])
    assert r.exit_code == 1 and "data/private/" in str(r.exception) and not (tmp_path / "x").exists()


def test_cli_ingest_prints_counts_not_values(demo_inputs, private_out):
    inp, _ = demo_inputs
    tmp_path = private_out
    r = CliRunner().invoke(app, ["ingest", "phenomena", str(inp.phenomena), "--edition", "demo",
                                 "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "valid: 316" in r.output and "rejected: 4 rows" in r.output and "row 152: Päivämäärä" in r.output
    for values in D.planted().values():
        for v in values:
            assert v not in r.output
    assert "31.2.2024" not in r.output                     # values only in the rejects file
    rej = (tmp_path / "phenomena.rejects.csv").read_text(encoding="utf-8-sig")
    assert rej.startswith("rivi;kenttä;arvo;syy") and "31.2.2024" in rej
    assert pd.read_parquet(tmp_path / "phenomena.parquet").shape[0] == 316


def test_cli_ingest_survey_and_template(demo_inputs, private_out):
    inp, _ = demo_inputs
    tmp_path = private_out
    r = CliRunner().invoke(app, ["ingest", "survey", str(inp.survey), "-e", "demo", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "valid: 419" in r.output and (tmp_path / "survey.parquet").is_file()
    r = CliRunner().invoke(app, ["template", "phenomena", "--out", str(tmp_path / "t")])
    assert r.exit_code == 0 and (tmp_path / "t" / "ilmioraportti-pohja.xlsx").is_file()
    r = CliRunner().invoke(app, ["template", "survey", "--out", str(tmp_path / "s"), "-e", "demo"])
    assert r.exit_code == 0, r.output
    assert {p.name for p in (tmp_path / "s").iterdir()} == {"kysely-pohja.xlsx", "kysely-pohja.csv"}


def test_cli_error_is_one_clear_message(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Päivämäärä;Palvelualue;Kunta;Ilmiöluokka;Kuvaus;Arvio asiakasmäärästä;Toimenpide-ehdotus;"
                 "Lainauslupa\r\n5.3.2024;Aikuissosiaalityö;Oulu;asuminen;Häätöjä;12;;kyllä\r\n", encoding="utf-8")
    out = run_sosrap("ingest", "phenomena", str(f), "-e", "demo", cwd=ROOT)
    assert out.returncode == 1 and "required column(s) missing: 'Tunniste'" in out.stderr
    assert "Traceback" not in out.stderr
