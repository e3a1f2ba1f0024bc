"""Issue #17, point 7: real builds with many planted values at once.

Every case of the 122-case attack (identity codes, phones, e-mails, names,
addresses, IBANs, plates, client numbers, birth dates, URLs, IPs, each with
its evasions) is planted in the phenomenon reports' free text (description and
suggested action, all with quoting consent), in the survey's open answers and
in an ignored column heading; the demo is built as HTML, DOCX and PDF, and no
planted value may be found in any output (visible HTML text, DOCX text, PDF
text, executed notebooks). Then a planted value in chapter text must fail the
build, naming the chapter and line, never the value, and leave no unscreened
notebook behind.
"""
from __future__ import annotations

import csv
import json
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from support import copy_project, run_sosrap

from sosrap import params as _params
from sosrap import privacy as P
from sosrap.demo import clientwork as D

pytestmark = pytest.mark.e2e

CASES = [ln.split("\t", 1)[1].encode("latin-1", "backslashreplace").decode("unicode_escape")
         for ln in (Path(__file__).parent / "data" / "attack_cases.tsv").read_text(encoding="utf-8").splitlines()
         if ln.strip() and not ln.startswith("#")]
# The one case that reaches the outputs by design: a listed name written in lower case that is also
# a common word ('meikäläinen' = 'one of us'); lower-case listed names count only without such a reading.
KNOWN_MISS = "Tapasin meikäläisen eilen."
CASES = [c for c in CASES if c != KNOWN_MISS]
# The county's client numbers (the two client-number cases), screened by the stage and audited by the gate.
CLIENT_NUMBER_PATTERNS = [r"AS-\d{6}"]
HEADING = "Yhteyshenkilö Helena Lindqvist p. 040 999 8877"
NAMES = ["Matti Meikäläinen", "Helena Lindqvist", "Jukka Virtanen", "Teppo Testaaja"]
# Distinctive pieces of the planted values, compared on lower-case alphanumerics only.
TOKENS = ["131052", "010594", "020505", "290200", "170985", "1112201", "1112208", "1112209", "4011122",
          "3101234", "0401234567", "9876543", "7654321", "9998877", "examplefi", "exampledotfi", "e07virtanen", "gmail", "meikäl",
          "virtase", "jukalle", "korhose", "lindqvist", "mäkisen", "närhi", "smith", "niemise", "heikkine",
          "koskise", "mäkelä", "lehtose", "järvine", "hämäläise", "testaaja", "kauppurienkatu", "isokatu5",
          "koulukuja", "rantatie14", "pohjantie", "fi2112", "fi4950", "abc123", "xyz9",
          "1791985", "19850917", "syyskuuta1985", "facebook", "19216810", "2001db8", "mattivirtanen", "as123456"]


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", P.normalise(text).lower())


def _compact_cells(text: str) -> str:
    """As `_compact`, but a comma, semicolon or line break stays: digit runs of different CSV cells
    (the figures' embedded data, one cell per line in the notebook text) never join into a false
    match. No planted value has a comma or line break inside."""
    return re.sub(r"[^\w,;\n]+|_", "", P.normalise(text).lower())


def _leaks(texts: dict[str, str]) -> list[tuple[str, str, str]]:
    found = []
    for where, text in texts.items():
        plain, cells = _compact(text), _compact_cells(text)
        for tok in TOKENS:
            c = cells if tok.isdigit() else plain
            if tok in c:
                found.append((where, tok, c[max(0, c.index(tok) - 30):c.index(tok) + 30]))
    return found


def _plant_inputs(root) -> None:
    cw = _params.load("demo", root).client_work
    D.ensure_inputs(cw, root)
    y = root / "params" / "demo.yaml"
    text = y.read_text(encoding="utf-8").replace("synthetic_demo: true", "synthetic_demo: false")
    text += "privacy:\n  client_number_patterns: [" + ", ".join(f"'{p}'" for p in CLIENT_NUMBER_PATTERNS) + "]\n"
    y.write_text(text, encoding="utf-8")
    (root / cw.screen_names_file).write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    ph = root / cw.phenomena_file
    rows = list(csv.reader(io.StringIO(ph.read_text(encoding="utf-8-sig")), delimiter=";"))
    head = rows[0] + [HEADING]
    d, a, q = head.index("Kuvaus"), head.index("Toimenpide-ehdotus"), head.index("Lainauslupa")
    for k, case in enumerate(CASES):
        r = rows[1 + k]
        r[d] = f"{r[d]} {case}"
        r[a] = f"{case} {r[a]}"
        r[q] = "kyllä"
        r.append(case)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([head, *[r + [""] * (len(head) - len(r))
                                                                             for r in rows[1:]]])
    ph.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    sv = root / cw.survey_file
    wb = openpyxl.load_workbook(sv)
    ws = wb.active
    header = [c.value for c in ws[1]]
    cols = [header.index(qq.column or qq.text) + 1 for qq in cw.open_questions]
    consent = header.index("Lainauslupa") + 1
    for k, case in enumerate(CASES):
        for c in cols:
            ws.cell(row=2 + k, column=c, value=f"Palvelut toimivat kohtuullisesti, mutta kehitettävää on. {case}")
        ws.cell(row=2 + k, column=consent, value="kyllä")
    wb.save(sv)


def _without_run_metadata(nb) -> str:
    """The executed notebook's JSON without Papermill's and nbclient's timing metadata (timestamps such
    as 22:51:11.220827 can contain a planted digit run by chance)."""
    d = json.loads(nb.read_text(encoding="utf-8"))
    d.get("metadata", {}).pop("papermill", None)
    for c in d.get("cells", []):
        for key in ("papermill", "execution"):
            c.get("metadata", {}).pop(key, None)
    return json.dumps(d, ensure_ascii=False)


def _output_texts(build):
    from bs4 import BeautifulSoup
    from pypdf import PdfReader
    for p in sorted(build.iterdir()):
        if p.suffix == ".html":
            yield p.name, BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser").get_text(" ")
        elif p.suffix == ".docx":
            with zipfile.ZipFile(p) as z:
                yield p.name, " ".join(re.sub(r"<[^>]+>", " ", z.read(n).decode("utf-8"))
                                       for n in z.namelist() if n.startswith("word/") and n.endswith(".xml"))
        elif p.suffix == ".pdf":
            yield p.name, " ".join(page.extract_text() or "" for page in PdfReader(p).pages)
    for nb in sorted((build / "notebooks").glob("*.ipynb")):
        yield f"notebooks/{nb.name}", _without_run_metadata(nb) + P.notebook_text(nb)


def test_planted_values_reach_no_output_and_chapter_text_fails_the_build(tmp_path):
    root = copy_project(tmp_path / "project")
    _plant_inputs(root)
    proc = run_sosrap("build", "demo", "--format", "html,docx,pdf", cwd=root, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    build = root / "build" / "demo"
    texts = dict(_output_texts(build))
    assert {"sosiaalinen-raportti-demo.html", "sosiaalinen-raportti-demo.docx", "sosiaalinen-raportti-demo.pdf",
            "notebooks/40_client_work.ipynb"} <= set(texts)
    leaks = _leaks(texts)
    assert not leaks, leaks[:10]
    for out in (proc.stdout, proc.stderr):
        assert not [t for t in TOKENS if t in _compact(out)]

    # A listed client's name and an identity code typed into a chapter: the gate stops the build.
    chapter = sorted((root / "reports" / "demo" / "chapters").glob("*.qmd"))[0]
    lines = chapter.read_text(encoding="utf-8").splitlines()
    lines.append("")
    lines.append("Asiakas Meikäläisen tunnus on 131052\u2011308T.")
    chapter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_sosrap("build", "demo", cwd=root, timeout=1500)
    assert proc.returncode != 0
    assert f"chapters/{chapter.name}, line {len(lines)}" in proc.stderr, proc.stderr[-2000:]
    assert P.NAME_HINT in proc.stderr
    assert not [t for t in TOKENS if t in _compact(proc.stderr)]
