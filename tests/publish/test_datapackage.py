"""`datapackage.json` of a release: it describes every published table, and the Frictionless
validator accepts it, data included (hashes, sizes, field types); a mutated copy fails.

Uses the session's one published demo (`support.published_demo`), so no extra build.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from sosrap.publish import datapackage as DP
from sosrap.sources.snapshot import sha256_file
from support import ROOT, published_demo

e2e = pytest.mark.e2e


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_demo(tmp_path_factory)


def _validate(package: Path) -> list[tuple[str, str]]:
    """(error type, note) of every error frictionless finds, data included; [] when valid."""
    import frictionless
    report = frictionless.validate(str(package))
    errors = [(t, n) for t, n in report.flatten(["type", "note"])]
    assert report.valid == (not errors)
    return errors


def _copy(rel: Path, dest: Path) -> Path:
    """A writable copy of a (read-only) release's data package and tables."""
    shutil.copytree(rel / "tables", dest / "tables", copy_function=shutil.copyfile)
    shutil.copyfile(rel / DP.FILENAME, dest / DP.FILENAME)
    return dest / DP.FILENAME


@e2e
def test_datapackage_describes_every_table(published):
    """Every released CSV is a resource with its hash, and its fields follow the CSV header."""
    rel = published[1].path
    pkg = json.loads((rel / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["profile"] == "tabular-data-package" and pkg["version"] == "1.0.0"
    assert re.fullmatch(r"[a-z0-9._-]+", pkg["name"])
    assert pkg["licenses"][0]["name"] == "CC-BY-4.0"
    tables = {p.relative_to(rel).as_posix() for p in (rel / "tables").rglob("*.csv")}
    assert {r["path"] for r in pkg["resources"]} == tables
    for r in pkg["resources"]:
        assert re.fullmatch(r"[a-z0-9._-]+", r["name"]), r["name"]
        assert r["hash"] == "sha256:" + sha256_file(rel / r["path"])
        header = (rel / r["path"]).read_text(encoding="utf-8").splitlines()[0]
        assert [f["name"] for f in r["schema"]["fields"]] == header.split(",")[:len(r["schema"]["fields"])]
        assert {f["type"] for f in r["schema"]["fields"]} <= {"string", "number", "integer", "boolean"}


@e2e
def test_frictionless_validates_the_released_package(published):
    rel = published[1].path
    assert _validate(rel / DP.FILENAME) == []


@e2e
@pytest.mark.parametrize("mutation, error", [
    ("hash", "hash-count"),           # a table changed after the package was written
    ("type", "type-error"),           # a text column declared as a number
    ("name", "resource-error"),       # a resource name the profile does not allow
    ("data", "hash-count"),           # the CSV itself edited
])
def test_frictionless_fails_a_mutated_copy(published, tmp_path, mutation, error):
    rel = published[1].path
    path = _copy(rel, tmp_path)
    pkg = json.loads(path.read_text(encoding="utf-8"))
    res = next(r for r in pkg["resources"] if any(f["type"] == "string" for f in r["schema"]["fields"]))
    if mutation == "hash":
        res["hash"] = "sha256:" + "0" * 64
    elif mutation == "type":
        next(f for f in res["schema"]["fields"] if f["type"] == "string")["type"] = "number"
    elif mutation == "name":
        res["name"] = "Not A Valid Name"
    else:
        csv = tmp_path / res["path"]
        text = csv.read_text(encoding="utf-8")
        csv.write_text(text + text.splitlines()[-1] + "\n", encoding="utf-8")   # one row more
    path.write_text(json.dumps(pkg, ensure_ascii=False, indent=1), encoding="utf-8")
    errors = _validate(path)
    assert errors and error in {t for t, _ in errors}, errors


def test_field_types_follow_pandas_kinds():
    import pandas as pd
    df = pd.DataFrame({"i": [1], "f": [1.5], "b": [True], "s": ["x"], "n": [None]})
    assert [DP._field_type(df[c].dtype) for c in df.columns] == ["integer", "number", "boolean", "string", "string"]


def test_types_come_from_every_row(tmp_path):
    """A column empty in the first thousand rows and text later (a note column) is a string, not a
    number: the package then validates, data included. (Typing from the first 1 000 rows failed here.)"""
    from sosrap import params
    from sosrap.report import citation
    rows = ["year,value,note"] + [f"{2000 + i % 25},{i / 10},{'' if i < 1200 else 'ei julkaistu'}"
                                  for i in range(1500)]
    csv = tmp_path / "tables" / "stage" / "t.csv"
    csv.parent.mkdir(parents=True)
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    edition = citation.Edition.of(params.load("demo", ROOT), "sosiaalinen-raportti-demo")
    path = DP.write(tmp_path, edition, ["tables/stage/t.csv"], "sosiaalinen-raportti-demo")
    pkg = json.loads(path.read_text(encoding="utf-8"))
    assert [(f["name"], f["type"]) for f in pkg["resources"][0]["schema"]["fields"]] == [
        ("year", "integer"), ("value", "number"), ("note", "string")]
    assert pkg["resources"][0]["name"] == "stage-t" and pkg["version"] == edition.version
    assert _validate(path) == []
