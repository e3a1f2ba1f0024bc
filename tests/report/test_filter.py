"""The Quarto-subset Lua filter, run by the real pandoc binary (pypandoc-binary).

Each test writes a tiny document into a temporary project directory and runs
pandoc on it directly, the way sosrap.render does (cwd = project directory,
filter before --citeproc), so failures point at the filter, not the wrapper.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sosrap.report.language import language_strings
from sosrap.report.render import FILTER, pandoc_path

from support import FIXTURES  # noqa: E402

sys.path.insert(0, str(FIXTURES / "render"))
import nbfactory  # noqa: E402

NBSP = "\u00a0"


def test_main_loads_every_pass_and_each_pass_is_a_module() -> None:
    """main.lua (like Quarto's own filters) loads single-purpose passes from its
    folder; every file there is required by some pass, and each returns its exports."""
    folder = FILTER.parent
    passes = {p.stem for p in folder.glob("*.lua")} - {"main"}
    required = {m for p in folder.glob("*.lua")
                for m in re.findall(r"require\('quarto_subset\.(\w+)'\)", p.read_text(encoding="utf-8"))}
    assert passes and required == passes
    for name in passes:
        assert re.search(r"^return [{M]", (folder / f"{name}.lua").read_text(encoding="utf-8"), re.M), name


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def pandoc(root: Path, *, to: str = "html5", variables: dict | None = None, citeproc: bool = False,
           extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("SOSRAP_VARIABLES_JSON", None)
    # The language strings for the document's `lang`, as sosrap.report.render passes them.
    lang = re.search(r"^lang:\s*(\S+)", (root / "index.qmd").read_text(encoding="utf-8"), re.M)
    lang_file = root.parent / f"{root.name}-language.json"
    lang_file.write_text(json.dumps(language_strings(lang.group(1) if lang else None)), encoding="utf-8")
    env["SOSRAP_LANGUAGE_JSON"] = str(lang_file)
    if variables is not None:
        vars_file = root.parent / f"{root.name}-variables.json"
        vars_file.write_text(json.dumps(variables, ensure_ascii=False), encoding="utf-8")
        env["SOSRAP_VARIABLES_JSON"] = str(vars_file)
    cmd = [pandoc_path(), "index.qmd", "-f", "markdown", "-t", to, "--wrap=none", "--lua-filter", str(FILTER)]
    if citeproc:
        cmd.append("--citeproc")
    cmd += list(extra)
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)


def html(root: Path, **kw) -> str:
    proc = pandoc(root, **kw)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def failure(root: Path, **kw) -> str:
    proc = pandoc(root, **kw)
    assert proc.returncode != 0, proc.stdout
    return proc.stderr


def text_of(fragment: str) -> str:
    """Visible text: tags removed, whitespace collapsed (NBSP kept)."""
    return re.sub(r"[ \n\t]+", " ", re.sub(r"<[^>]+>", "", fragment)).strip()


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    return root


VARS = {"key": {"share": f"12,3{NBSP}%", "sub": {"deep": "syvä"}}, "year": "2026", "url": "https://example.org/x"}


# ----------------------------------------------------------------------------- var / meta

def test_var_dotted_everywhere_text_is_exact(proj: Path) -> None:
    write(proj, {"index.qmd": """\
# Vuosi {{< var year >}}

Osuus ({{< var key.share >}}), syvä: {{< var key.sub.deep >}}.

- kohta {{< var year >}}

| a | b |
|---|---|
| x | {{< var key.share >}} |

::: {.callout-note}
Arvo {{< var key.share >}}
:::

`koodi {{< var year >}}` ja {{{< var year >}}}
"""})
    out = html(proj, variables=VARS)
    # Heading ids are made from the expanded text, as with Quarto.
    assert '<h1 id="vuosi-2026">Vuosi 2026</h1>' in out
    assert f"Osuus (12,3{NBSP}%), syvä: syvä." in text_of(out)
    assert "<li>kohta 2026</li>" in out
    assert f"<td>12,3{NBSP}%</td>" in out
    assert f"Arvo 12,3{NBSP}%" in text_of(out)
    assert "<code>koodi 2026</code>" in out
    assert "{{&lt; var year &gt;}}" in out          # escaped shortcode stays literal
    assert "{{&lt;" not in out.replace("{{&lt; var year &gt;}}", "")


def test_var_in_link_target(proj: Path) -> None:
    write(proj, {"index.qmd": "[linkki]({{< var url >}})\n"})
    assert 'href="https://example.org/x"' in html(proj, variables=VARS)


def test_var_unknown_key_is_an_error_naming_key_and_file(proj: Path) -> None:
    write(proj, {"index.qmd": "{{< include chapters/a.qmd >}}\n",
                 "chapters/a.qmd": "Arvo {{< var key.missing >}}.\n"})
    err = failure(proj, variables=VARS)
    assert "var: unknown key 'key.missing'" in err
    assert "chapters/a.qmd" in err


def test_var_with_sub_keys_is_an_error(proj: Path) -> None:
    write(proj, {"index.qmd": "{{< var key >}}\n"})
    assert "'key' is not a single value" in failure(proj, variables=VARS)


def test_var_falls_back_to_variables_yml(proj: Path) -> None:
    write(proj, {"index.qmd": "Vuosi {{< var edition.year >}}.\n",
                 "_variables.yml": "edition:\n  year: 2027\n"})
    assert "Vuosi 2027." in html(proj)


def test_meta_values_and_shortcodes_in_metadata(proj: Path) -> None:
    write(proj, {"index.qmd": """\
---
title: "Raportti {{< var year >}}"
citation:
  publisher: Kaupunki
---

Otsikko: {{< meta title >}}; julkaisija: {{< meta citation.publisher >}}.
"""})
    out = html(proj, variables=VARS, extra=("-s", "--metadata", "pagetitle=x"))
    assert "Otsikko: Raportti 2026; julkaisija: Kaupunki." in text_of(out)
    assert '<h1 class="title">Raportti 2026</h1>' in out


def test_meta_unknown_key_is_an_error(proj: Path) -> None:
    write(proj, {"index.qmd": "{{< meta nope.nothing >}}\n"})
    assert "meta: unknown metadata key 'nope.nothing'" in failure(proj)


def test_unsupported_shortcode_is_an_error(proj: Path) -> None:
    write(proj, {"index.qmd": "{{< video x.mp4 >}}\n"})
    assert "unsupported shortcode 'video'" in failure(proj)


# ----------------------------------------------------------------------------- include

def test_include_nested_relative_to_including_file(proj: Path) -> None:
    write(proj, {
        "index.qmd": "Alku.\n\n{{< include chapters/01.qmd >}}\n{{< include chapters/02.qmd >}}\n\nLoppu.\n",
        "chapters/01.qmd": "# Luku yksi\n\n{{< include _osa.qmd >}}\n\n::: {.callout-note}\n"
                           "{{< include _teksti.qmd >}}\n:::\n",
        "chapters/_osa.qmd": "## Yhteenveto\n\n{{< include _teksti.qmd >}}\n",
        "chapters/_teksti.qmd": "Sisäkkäinen {{< var year >}}.\n",
        "chapters/02.qmd": "# Luku kaksi\n\n## Yhteenveto\n",
    })
    out = html(proj, variables=VARS)
    order = [text_of(out).index(s) for s in ("Alku.", "Luku yksi", "Sisäkkäinen 2026", "Luku kaksi", "Loppu.")]
    assert order == sorted(order)
    assert text_of(out).count("Sisäkkäinen 2026") == 2       # also inside the callout
    # The same heading in two files must not give two elements the same id.
    ids = re.findall(r'<h2 id="([^"]+)"', out)
    assert ids == ["yhteenveto", "yhteenveto-1"]


def test_include_missing_file_names_including_file(proj: Path) -> None:
    write(proj, {"index.qmd": "{{< include chapters/01.qmd >}}\n",
                 "chapters/01.qmd": "{{< include _ei-ole.qmd >}}\n"})
    err = failure(proj)
    assert "include: file not found: '_ei-ole.qmd'" in err
    assert "included from chapters/01.qmd" in err


def test_include_cycle_is_an_error(proj: Path) -> None:
    write(proj, {"index.qmd": "{{< include a.qmd >}}\n", "a.qmd": "{{< include b.qmd >}}\n",
                 "b.qmd": "{{< include a.qmd >}}\n"})
    assert "includes itself" in failure(proj)


def test_include_must_stand_alone(proj: Path) -> None:
    write(proj, {"index.qmd": "Teksti {{< include a.qmd >}} keskellä.\n", "a.qmd": "x\n"})
    assert "must stand alone" in failure(proj)


# ----------------------------------------------------------------------------- figures, tables, crossrefs

MARKDOWN_FLOATS = """\
---
lang: fi
---

Katso @fig-a, @fig-b ja @tbl-x; myös [-@fig-b], [kuvassa @fig-a] ja @Fig-a.

![Ensimmäinen](a.png){#fig-a fig-alt="Vaihtoehtoinen teksti"}

| a | b |
|---|---|
| 1 | 2 |

: Taulukon otsikko {#tbl-x}

::: {#fig-b}
![](b.png)

Toinen kuva div-muodossa
:::

::: {#tbl-y}
| c |
|---|
| 3 |

Toinen taulukko
:::
"""


def test_markdown_figures_and_tables_are_numbered_and_linked(proj: Path) -> None:
    write(proj, {"index.qmd": MARKDOWN_FLOATS})
    out = html(proj)
    soup = BeautifulSoup(out, "html.parser")
    # Quarto's float structure: div#id.quarto-float > figure.quarto-float-<kind> > content + figcaption
    for fid, kind, caption in (("fig-a", "fig", f"Kuva{NBSP}1: Ensimmäinen"),
                               ("fig-b", "fig", f"Kuva{NBSP}2: Toinen kuva div-muodossa"),
                               ("tbl-x", "tbl", f"Taulukko{NBSP}1: Taulukon otsikko"),
                               ("tbl-y", "tbl", f"Taulukko{NBSP}2: Toinen taulukko")):
        figure = soup.select_one(f"div#{fid}.quarto-float > figure.quarto-float-{kind}")
        assert figure is not None, fid
        cap = figure.select_one(f"figcaption.quarto-float-caption.quarto-float-{kind}")
        assert cap.get_text(" ", strip=True) == caption
        assert figure.select_one(f"div[aria-describedby='{cap['id']}']") is not None
        if kind == "tbl":   # caption above the table, the table's own <caption> removed
            assert "quarto-float-caption-top" in cap["class"] and figure.find("caption") is None
            assert figure.find("table") is not None
    assert 'alt="Vaihtoehtoinen teksti"' in out and "fig-alt" not in out
    assert f'<a href="#fig-a" class="quarto-xref">Kuva{NBSP}1</a>' in out
    assert f'<a href="#fig-b" class="quarto-xref">Kuva{NBSP}2</a>' in out
    assert f'<a href="#tbl-x" class="quarto-xref">Taulukko{NBSP}1</a>' in out
    assert '<a href="#fig-b" class="quarto-xref">2</a>' in out                  # [-@fig-b]
    assert f'<a href="#fig-a" class="quarto-xref">kuvassa{NBSP}1</a>' in out    # custom prefix
    assert out.count('href="#fig-a"') == 3                                       # incl. @Fig-a


def test_crossrefs_are_consumed_before_citeproc(proj: Path) -> None:
    write(proj, {"index.qmd": "---\nbibliography: refs.bib\n---\n\n"
                              "Kuva @fig-a ja lähde [@smith2020; @fig-a].\n\n![A](a.png){#fig-a}\n",
                 "refs.bib": "@book{smith2020, author={Smith, John}, title={Kirja}, year={2020}}\n"})
    proc = pandoc(proj, citeproc=True)
    assert proc.returncode == 0, proc.stderr
    assert "fig-a" not in proc.stderr          # no "citation fig-a not found"
    assert "Smith" in proc.stdout and "ref-smith2020" in proc.stdout
    assert proc.stdout.count('href="#fig-a"') == 2


def test_unknown_crossref_label_is_an_error_naming_file(proj: Path) -> None:
    write(proj, {"index.qmd": "{{< include chapters/a.qmd >}}\n", "chapters/a.qmd": "Katso @fig-puuttuu.\n"})
    err = failure(proj)
    assert "crossref: unknown label '@fig-puuttuu'" in err
    assert "chapters/a.qmd" in err


def test_duplicate_label_is_an_error(proj: Path) -> None:
    write(proj, {"index.qmd": "![A](a.png){#fig-a}\n\n![B](b.png){#fig-a}\n"})
    assert "label 'fig-a' is used twice" in failure(proj)


def test_typst_and_docx_get_no_caption_prefix(proj: Path, tmp_path: Path) -> None:
    write(proj, {"index.qmd": "Katso @fig-a.\n\n![Otsikko](a.png){#fig-a}\n"})
    (proj / "a.png").write_bytes(nbfactory.png_bytes([1, 2]))
    typst = html(proj, to="typst")
    assert "Kuva 1:" not in typst and f"Kuva{NBSP}1:" not in typst   # typst numbers itself
    assert "<fig-a>" in typst
    proc = pandoc(proj, to="docx", extra=("-o", str(tmp_path / "x.docx")))
    assert proc.returncode == 0, proc.stderr


def test_language_en_uses_english_names(proj: Path) -> None:
    write(proj, {"index.qmd": "---\nlang: en\n---\n\n@fig-a\n\n![A](a.png){#fig-a}\n\n"
                              "::: {.callout-tip}\nx\n:::\n"})
    out = text_of(html(proj))
    assert f"Figure{NBSP}1: A" in out and "Tip" in out


# ----------------------------------------------------------------------------- callouts

@pytest.mark.parametrize("kind,title", [("note", "Huomautus"), ("tip", "Vihje"), ("warning", "Varoitus"),
                                        ("caution", "Vaara"), ("important", "Tärkeää")])
def test_callout_default_titles_are_finnish(proj: Path, kind: str, title: str) -> None:
    write(proj, {"index.qmd": f"---\nlang: fi\n---\n\n::: {{.callout-{kind}}}\nSisältö.\n:::\n"})
    soup = BeautifulSoup(html(proj), "html.parser")
    box = soup.select_one(f"div.callout.callout-style-default.callout-{kind}.callout-titled")
    assert box.select_one("div.callout-header div.callout-icon-container i.callout-icon") is not None
    assert box.select_one("div.callout-title-container").get_text(strip=True) == title
    assert box.select_one("div.callout-title-container span.screen-reader-only") is None   # default title
    assert box.select_one("div.callout-body-container.callout-body > p").get_text() == "Sisältö."


def test_callout_without_lang_is_english_as_in_quarto(proj: Path) -> None:
    write(proj, {"index.qmd": "::: {.callout-note}\nx\n:::\n\n![A](a.png){#fig-a}\n"})
    out = text_of(html(proj))
    assert "Note" in out and f"Figure{NBSP}1: A" in out


def test_callout_custom_title_attribute_and_heading(proj: Path) -> None:
    write(proj, {"index.qmd": '---\nlang: fi\n---\n\n::: {.callout-tip title="Oma *otsikko*"}\nA\n:::\n\n'
                              "::: {#huom .callout-important}\n## Otsikko otsikkona\nB\n:::\n"})
    out = html(proj)
    soup = BeautifulSoup(out, "html.parser")
    tip = soup.select_one("div.callout-tip div.callout-title-container")
    assert tip.select_one("span.screen-reader-only").get_text() == "Vihje"   # an own title names the type
    assert tip.select_one("em").get_text() == "otsikko" and "Oma" in tip.get_text()
    assert 'title="' not in out                      # not left as a tooltip attribute
    important = soup.select_one("div#huom.callout.callout-important")
    assert important.select_one("div.callout-title-container").get_text(strip=True) == "TärkeääOtsikko otsikkona"
    assert "<h2" not in out


def test_pagebreak(proj: Path) -> None:
    write(proj, {"index.qmd": "A\n\n{{< pagebreak >}}\n\nB\n"})
    assert "page-break-after: always" in html(proj)


# ----------------------------------------------------------------------------- embed

@pytest.fixture
def nbproj(proj: Path) -> Path:
    nbfactory.write_trends(proj)
    return proj


def embed_doc(proj: Path, *refs: str) -> None:
    body = "\n\n".join(f"{{{{< embed _notebooks/20_trends.ipynb#{ref} >}}}}" for ref in refs)
    write(proj, {"index.qmd": "---\nlang: fi\n---\n\n{{< include chapters/03-tulokset.qmd >}}\n",
                 "chapters/03-tulokset.qmd": body + "\n\nKatso @fig-trend.\n"})


def test_embed_figure_outputs_only_with_caption_and_alt(nbproj: Path) -> None:
    embed_doc(nbproj, "fig-trend")
    proc = pandoc(nbproj, to="native")
    assert proc.returncode == 0, proc.stderr
    assert 'Figure\n    ( "fig-trend"' in proc.stdout
    assert "plot_trend" not in proc.stdout                    # the code is not embedded
    # Image named by content hash, in the media bag.
    assert re.search(r'"[0-9a-f]{40}\.png"', proc.stdout)
    out = html(nbproj)
    assert f"Kuva{NBSP}1: Asiakkaiden osuus <em>vuosittain</em>" in out
    assert 'alt="Viivakaavio, jossa osuus kasvaa"' in out


def test_embed_figure_prefers_the_data_driven_alt_text_of_the_output(nbproj: Path) -> None:
    """`sosrap.plots.show` records the alt text written from the data in the
    output's metadata; it wins over the caption (and over a static fig-alt)."""
    embed_doc(nbproj, "fig-trend", "fig-second")
    out = html(nbproj)
    assert 'alt="Osuus laski 3,0 prosentista 2,0 prosenttiin"' in out
    assert 'alt="Viivakaavio, jossa osuus kasvaa"' in out      # no metadata: the cell's fig-alt


def test_embed_dataframe_becomes_a_real_table(nbproj: Path) -> None:
    embed_doc(nbproj, "fig-trend", "tbl-top")
    out = html(nbproj)
    float_ = out[out.index('<div id="tbl-top" class="quarto-float'):]
    table = float_[float_.index("<table"):float_.index("</table>")]
    assert re.search(rf'<figcaption id="tbl-top-caption-[^"]+" class="quarto-float-caption-top[^"]*">\s*'
                     rf'Taulukko{NBSP}1: Suurimmat alueet', float_)
    assert "<th>Alue</th>" in table and "<th>Osuus</th>" in table
    assert f"<td>12,3{NBSP}%</td>" in table
    assert "border=" not in table and "<style" not in out
    # A real Table in the AST, so it survives into DOCX/typst.
    native = pandoc(nbproj, to="native").stdout
    assert 'Table\n    ( "tbl-top"' in native


def test_embed_by_id_tag_markdown_and_plain(nbproj: Path) -> None:
    embed_doc(nbproj, "fig-trend", "cell-second", "md-output", "plain-cell")
    out = html(nbproj)
    assert '<div id="fig-second" class="quarto-float' in out  # by cell id; id = label
    assert f"Kuva{NBSP}2: Toinen kuva" in out
    assert "UserWarning" not in out                          # stderr is never embedded
    assert "Markdown-tulos: <strong>lihava</strong>" in out  # text/markdown parsed
    assert "<code>vain tekstiä" in out                       # stdout as a code block


def test_embed_images_are_deterministic(nbproj: Path) -> None:
    embed_doc(nbproj, "fig-trend", "fig-second")
    assert html(nbproj) == html(nbproj)


def test_embed_missing_label(nbproj: Path) -> None:
    embed_doc(nbproj, "fig-ei-ole")
    err = failure(nbproj)
    assert ("embed: no cell labelled 'fig-ei-ole' in _notebooks/20_trends.ipynb "
            "(in chapters/03-tulokset.qmd)") in err


def test_embed_missing_notebook(proj: Path) -> None:
    embed_doc(proj, "fig-trend")
    err = failure(proj)
    assert "embed: notebook not found: _notebooks/20_trends.ipynb (in chapters/03-tulokset.qmd)" in err


def test_embed_unexecuted_cell(nbproj: Path) -> None:
    embed_doc(nbproj, "fig-unexecuted")
    err = failure(nbproj)
    assert "'fig-unexecuted'" in err and "has no outputs" in err
    assert "Please be sure to have executed any cells" in err


def test_embed_failed_cell(nbproj: Path) -> None:
    embed_doc(nbproj, "fig-broken")
    assert "ZeroDivisionError: division by zero" in failure(nbproj)


def test_embed_quarto_address_forms(nbproj: Path) -> None:
    """Quarto's forms: several ids, 1-based indices of the code cells with outputs, ranges, the whole notebook."""
    nb = "_notebooks/20_trends.ipynb"
    write(nbproj, {"index.qmd": f"---\nlang: fi\n---\n\n{{{{< embed {nb}#fig-trend,fig-second >}}}}\n"})
    text = text_of(html(nbproj))
    assert f"Kuva{NBSP}1: Asiakkaiden" in text and f"Kuva{NBSP}2: Toinen kuva" in text
    write(nbproj, {"index.qmd": f"{{{{< embed {nb} >}}}}\n"})     # every output cell: one of them failed
    assert f"cell '{nb}[6]' in {nb} failed when it was executed" in failure(nbproj)
    write(nbproj, {"index.qmd": f"{{{{< embed {nb}[1] >}}}}\n"})
    first = html(nbproj)
    assert 'id="fig-trend"' in first and 'id="fig-second"' not in first
    write(nbproj, {"index.qmd": f"{{{{< embed {nb}[2-1] >}}}}\n"})
    down = html(nbproj)
    write(nbproj, {"index.qmd": f"{{{{< embed {nb}[1-2] >}}}}\n"})
    up = html(nbproj)
    assert 'id="fig-trend"' in down and down != up                   # ranges in the order given
    assert up.startswith(first.rstrip())
    write(nbproj, {"index.qmd": f"{{{{< embed {nb}[99] >}}}}\n"})
    assert "has no output cell 99" in failure(nbproj)


# ----------------------------------------------------------------------------- notice

def test_notice_moves_to_metadata_in_html_and_typst_and_to_the_top_elsewhere(proj: Path) -> None:
    write(proj, {"index.qmd": "# Luku\n\nTeksti.\n\n::: {#sosrap-notice .callout-warning}\nSynteettistä.\n:::\n"})
    body = html(proj)
    assert "Synteettistä" not in body                        # template places it (see test_render)
    assert "Synteettistä" not in pandoc(proj, to="typst").stdout   # report.typ: after the title, before the TOC
    native = pandoc(proj, to="markdown").stdout
    assert native.index("Synteettistä") < native.index("Luku")


def test_swedish_document_gets_swedish_labels_titles_and_download(proj: Path) -> None:
    """lang: sv (Österbotten, the Nyland counties): everything the filter writes is Swedish."""
    write(proj, {"index.qmd": "---\nlang: sv\ntoc: true\n---\n\nSe @fig-a och @tbl-a.\n\n"
                              "![Andel klienter](a.png){#fig-a}\n\n| Område | Andel |\n|---|---|\n| A | 1,0 |\n\n"
                              ": Största områden {#tbl-a}\n\n"
                              + "".join(f"::: {{.callout-{k}}}\nx\n:::\n\n" for k in
                                        ("note", "tip", "warning", "caution", "important"))})
    out = html(proj)
    text = text_of(out)
    assert f"Figur{NBSP}1: Andel klienter" in text and f"Tabell{NBSP}1: Största områden" in text
    assert f"Se Figur{NBSP}1 och Tabell{NBSP}1." in text
    for title in ("Observera", "Tips", "Varning", "Försiktighet", "Viktigt"):
        assert title in text
    assert "Ladda ner data (CSV)" in text and "Kuva" not in text and "Figure" not in text


def test_language_key_overrides_and_quarto_files_win_when_configured(proj: Path, tmp_path: Path) -> None:
    from sosrap.report.language import language_strings
    quarto = tmp_path / "quarto-language"
    quarto.mkdir()
    (quarto / "_language.yml").write_text('crossref-fig-title: "Figure"\n', encoding="utf-8")
    (quarto / "_language-sv.yml").write_text('callout-note-title: "Notera"\n', encoding="utf-8")
    strings = language_strings("sv-FI", quarto)
    assert strings["callout-note-title"] == "Notera"            # Quarto's file wins over ours
    assert strings["crossref-fig-title"] == "Figur"             # a more specific tag wins over English
    assert strings["callout-caution-title"] == "Försiktighet"   # our key where Quarto's file has none
    assert language_strings(None)["crossref-fig-title"] == "Figure"
    write(proj, {"index.qmd": "---\nlang: fi\nlanguage:\n  crossref-fig-title: Kuvio\n---\n\n![A](a.png){#fig-a}\n"})
    assert f"Kuvio{NBSP}1: A" in text_of(html(proj))
