"""Reading a staged Quarto project (sosrap.report.quarto_project): front matter,
Quarto's metadata merge, the options that are pandoc flags, and variables as
exact strings. The render tests check the same through pandoc's output."""
from __future__ import annotations

import datetime as dt

import pytest

from sosrap.report import quarto_project as Q

CONFIG = {
    "project": {"type": "default"},
    "lang": "fi",
    "title": "Projektin otsikko",
    "toc": True,
    "toc-depth": 2,
    "format": {"html": {"toc": False, "css": "oma.css", "toc-location": "left"},
               "typst": {"papersize": "a5", "mainfont": "Typst"},
               "pdf": {"papersize": "a4"},
               "docx": "default"},
}


def test_front_matter_wins_over_the_project_and_format_options_over_both():
    meta, options = Q.pandoc_metadata(CONFIG, {"title": "Oma otsikko", "toc-location": "right"}, "html")
    assert meta["title"] == "Oma otsikko" and meta["lang"] == "fi"
    assert meta["toc-location"] == "left", "format.html beats the front matter, as in Quarto"
    assert "project" not in meta and "format" not in meta
    assert options == {"toc": False, "toc-depth": 2, "css": "oma.css"}
    assert not set(meta) & Q.CLI_OPTIONS, "pandoc flags never go into the metadata file"


def test_pdf_options_under_pdf_win_over_typst():
    meta, options = Q.pandoc_metadata(CONFIG, {}, "pdf")
    assert options["papersize"] == "a4" and meta["mainfont"] == "Typst"
    assert options["toc"] is True and meta["toc"] is True      # the template's $if(toc)$


def test_a_format_without_options_and_no_format_at_all():
    assert Q.pandoc_metadata(CONFIG, {}, "docx")[1] == {"toc": True, "toc-depth": 2}
    meta, options = Q.pandoc_metadata({"lang": "sv"}, {}, "html")
    assert meta == {"lang": "sv"} and options == {}


def test_front_matter(tmp_path):
    path = tmp_path / "index.qmd"
    path.write_text("---\ntitle: A\nlang: fi\n...\n\nText\n", encoding="utf-8")
    assert Q.front_matter(path) == {"title": "A", "lang": "fi"}
    path.write_text("No front matter\n---\ntitle: B\n---\n", encoding="utf-8")
    assert Q.front_matter(path) == {}
    path.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    with pytest.raises(Q.ProjectError, match="index.qmd: invalid YAML front matter"):
        Q.front_matter(path)


def test_project_read_with_and_without_files(tmp_path):
    (tmp_path / "index.qmd").write_text("---\nsubtitle: S\n---\n", encoding="utf-8")
    assert Q.QuartoProject.read(tmp_path) == Q.QuartoProject({}, {"subtitle": "S"}, {})
    (tmp_path / "_quarto.yml").write_text("title: T\nformat: {html: {toc: true}}\n", encoding="utf-8")
    (tmp_path / "_variables.yml").write_text("a:\n  b: 3\n", encoding="utf-8")
    project = Q.QuartoProject.read(tmp_path)
    assert project.variables == {"a": {"b": 3}}
    assert project.for_format("html") == ({"title": "T", "subtitle": "S", "toc": True}, {"toc": True})


def test_variables_are_exact_strings():
    value = {"n": 1, "x": 1.50, "ok": True, "no": False, "d": dt.date(2026, 1, 2), "none": None,
             "list": [3, "a"], 4: "key"}
    assert Q.stringify_scalars(value) == {"n": "1", "x": "1.5", "ok": "true", "no": "false", "d": "2026-01-02",
                                          "none": None, "list": ["3", "a"], "4": "key"}


def test_title_date_shows_the_version_the_finnish_way():
    assert Q.title_date({"date": "2025-10-15", "version": "1.0.1"}) == "15.10.2025 · versio 1.0.1"
    assert Q.title_date({"date": "2025-10-15"}) is None


def test_as_list():
    assert Q.as_list(None) == [] and Q.as_list("a.css") == ["a.css"] and Q.as_list(("a", "b")) == ["a", "b"]
