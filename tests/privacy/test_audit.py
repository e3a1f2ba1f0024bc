"""The audit of published files and the privacy gate (sosrap.privacy.audit): it finds
identifiers and unsuppressed small counts, says where, and never prints them.
Tests of the gate call `privacy.gate`, the function build and publish call."""
from __future__ import annotations

from pathlib import Path

import pytest

from sosrap import privacy as P

CODE = "100190-123E"          # valid checksum
MAIL = "matti.m@example.com"
PHONE = "040 123 4567"

HTML = f"""<!doctype html><html><head><title>Raportti</title>
<style>.x {{ content: "{CODE}"; }}</style>
<script>var leak = "{MAIL} {PHONE} {CODE}";</script>
<meta name="description" content="{MAIL}">
</head><body>
<h1 id="johdanto">Johdanto</h1>
<p>Vuonna 2024 asiakkaita oli 12&nbsp;345. Katso taulukko.</p>
<h2 id="ilmiot">Ilmiöt asiakastyöstä</h2>
<p>Asiakas <b>100190-</b><br>123E soitti.</p>
<img src="data:image/png;base64,AAAA{CODE}" alt="Kuva: yhteys {MAIL}">
<div id="tbl-protected"><table>
<thead><tr><th>Luokka</th><th>A</th><th>B</th></tr></thead>
<tbody><tr><th>Asuminen</th><td>12</td><td>x</td></tr>
<tr><td>Velat</td><td>3</td><td>1&nbsp;204</td></tr></tbody></table></div>
<table id="tbl-open"><tbody><tr><td>Muu</td><td>2</td></tr></tbody></table>
<h2 id="yhteys">Yhteystiedot</h2>
<p>Puhelin {PHONE}</p>
</body></html>"""


@pytest.fixture()
def html(tmp_path: Path) -> Path:
    p = tmp_path / "report.html"
    p.write_text(HTML, encoding="utf-8")
    return p


def test_audit_html_finds_each_kind_and_says_where(html):
    f = P.audit_html(html, ["tbl-protected"])
    kinds = [x.kind for x in f]
    assert kinds.count("identity_code") == 1          # split by <b> and <br>, still found; not in script/style/src
    assert kinds.count("email") == 1                  # the alt text
    assert kinds.count("phone") == 1
    assert kinds.count("small_count") == 1            # 3 in the protected table; 2 in an unprotected one is fine
    code = next(x for x in f if x.kind == "identity_code")
    assert code.section == "Ilmiöt asiakastyöstä" and code.line > 0
    assert HTML[code.offset:code.offset + 7] == "100190-"  # offset points at it in the file
    small = next(x for x in f if x.kind == "small_count")
    assert small.table == "tbl-protected" and "row 3 (headings included), column 2" in small.detail
    phone = next(x for x in f if x.kind == "phone")
    assert phone.section == "Yhteystiedot"


def gate(files, protected=(), **kw):
    """The gate with the build's defaults (threshold 5, nothing allowed)."""
    P.gate(files, protected=protected, min_count=kw.pop("min_count", 5), allow=kw.pop("allow", ()), **kw)


def test_findings_never_contain_the_value(html):
    f = P.audit_html(html, ["tbl-protected"])
    with pytest.raises(P.PrivacyError) as e:
        gate([html], ["tbl-protected"])
    assert e.value.findings == f
    text = str(e.value) + " ".join(str(x) for x in f) + repr(f)
    for v in (CODE, "123E", MAIL, "example", PHONE, "4567"):
        assert v not in text
    assert "report.html" in text and "char" in text and "section 'Ilmiöt asiakastyöstä'" in text
    assert "#tbl-protected" in text


def test_allow_list_for_public_contacts(html):
    f = P.audit_html(html, [], allow=[MAIL, "040-1234567"])
    assert {x.kind for x in f} == {"identity_code"}


def test_require_protected_table_present(html):
    f = P.audit_html(html, ["tbl-protected", "tbl-missing"], require_protected=True)
    assert any(x.kind == "missing_table" and x.table == "tbl-missing" for x in f)


def test_clean_report_passes(tmp_path):
    p = tmp_path / "ok.html"
    p.write_text("<html><body><h1>Otsikko</h1><p>Asiakkaita 12 345 (2015–2024), osuus 0,5 %.</p>"
                 "<div id='tbl-a'><table><tr><th>a</th><td>x</td><td>15</td><td>0</td></tr></table></div>"
                 "</body></html>", encoding="utf-8")
    assert P.audit_html(p, [P.ProtectedTable("tbl-a", 5)]) == []
    gate([p], [P.ProtectedTable("tbl-a", 5)])   # does not raise
    gate([p], ["tbl-a"])


def test_threshold_per_table(tmp_path):
    p = tmp_path / "t.html"
    p.write_text("<table id='tbl-a'><tr><td>l</td><td>4</td></tr></table>", encoding="utf-8")
    assert [x.kind for x in P.audit_html(p, [P.ProtectedTable("tbl-a", 5)])] == ["small_count"]
    assert P.audit_html(p, [P.ProtectedTable("tbl-a", 3)]) == []


def test_audit_text_offsets():
    text = f"rivi yksi\nasiakas {CODE}\nsoita {PHONE}"
    f = P.audit_text(text, file="x.md")
    assert [(x.kind, x.line, x.offset) for x in f] == [("identity_code", 2, text.index(CODE)),
                                                        ("phone", 3, text.index(PHONE))]
    assert P.audit_text(text, names=["Aino"], kinds=("name",)) == []


def test_gate_requires_every_protected_table_in_the_html(tmp_path):
    p = tmp_path / "ok.html"
    p.write_text("<p>Ei taulukoita.</p>", encoding="utf-8")
    with pytest.raises(P.PrivacyError) as e:
        gate([p], ["tbl-a"])
    assert [(x.kind, x.table) for x in e.value.findings] == [("missing_table", "tbl-a")]


def test_gate_names_files_as_given_and_allows_public_contacts(html):
    with pytest.raises(P.PrivacyError) as e:
        gate({"julkaisu/raportti.html": html}, ["tbl-protected"], allow=[MAIL, PHONE])
    assert {x.kind for x in e.value.findings} == {"identity_code", "small_count"}
    assert {x.file for x in e.value.findings} == {"julkaisu/raportti.html"}


def test_gate_checks_configured_names(tmp_path):
    """A private name counts in lower case too; the message names the place and the fix, never the name."""
    p = tmp_path / "r.html"
    p.write_text("<p>Tapasin virtasen eilen.</p>", encoding="utf-8")
    gate([p])
    with pytest.raises(P.PrivacyError) as e:
        gate([p], names=["Virtanen"])
    assert [x.kind for x in e.value.findings] == ["name"] and "irtanen" not in str(e.value)
    assert P.NAME_HINT in str(e.value)


def test_gate_finds_unlisted_names_unless_public(tmp_path):
    p = tmp_path / "r.html"
    p.write_text("<p>Raportin laati Liisa Korhonen yhdessä muiden kanssa.</p>", encoding="utf-8")
    with pytest.raises(P.PrivacyError) as e:
        gate([p])
    assert [x.kind for x in e.value.findings] == ["name"]
    gate([p], allow=["Liisa Korhonen"])


def _notebook(outputs: list[dict], source: str = "") -> str:
    import json
    return json.dumps({"cells": [{"cell_type": "code", "source": source, "outputs": outputs}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_gate_reads_notebook_outputs_and_tables(tmp_path):
    """Data files get the full detector set: what a notebook printed (every mime type, markdown
    cells, the injected parameters) and CSV tables. Code cells' source is not published text."""
    nb = tmp_path / "40.ipynb"
    nb.write_text(_notebook([{"output_type": "stream", "name": "stdout", "text": ["rivi\n", f"tunnus {CODE}\n"]},
                             {"output_type": "execute_result", "data": {"text/plain": f"'{MAIL}'"}}],
                            source=f"# {CODE}"), encoding="utf-8")
    csv = tmp_path / "t.csv"
    csv.write_text(f"luokka,n\nA,{CODE}\nB,0401234567\n", encoding="utf-8")
    clean = tmp_path / "ok.csv"
    clean.write_text("luokka,n\nA,12\nB,1 204\n", encoding="utf-8")
    assert "tunnus" in P.notebook_text(nb) and "# " not in P.notebook_text(nb)
    gate({"tables/ok.csv": clean})
    with pytest.raises(P.PrivacyError) as e:
        gate({"notebooks/40.ipynb": nb, "tables/t.csv": csv, "tables/ok.csv": clean})
    got = sorted((x.file, x.kind, x.line or x.section) for x in e.value.findings)
    assert got == [("notebooks/40.ipynb", "email", "cell 1 text/plain"),
                   ("notebooks/40.ipynb", "identity_code", "cell 1 stream"),
                   ("tables/t.csv", "identity_code", 2), ("tables/t.csv", "phone", 3)]
    for v in (CODE, "123E", MAIL, "0401234567"):
        assert v not in str(e.value)


def test_privacy_error_lists_at_most_fifty_findings():
    findings = [P.Finding("phone", "r.html", offset=k) for k in range(53)]
    msg = str(P.PrivacyError(findings))
    assert msg.count("\n  - ") == 50 and "… and 3 more" in msg and "53 finding(s)" in msg


# --- the demo report, built once (shared session fixture from conftest) -------------

def _planted_inputs_text(root: Path) -> str:
    import openpyxl
    priv = root / "data" / "private" / "demo"
    text = (priv / "ilmioraportit.csv").read_bytes().decode("utf-8-sig")
    ws = openpyxl.load_workbook(priv / "asukaskysely.xlsx", read_only=True).active
    cells = " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    return text + "\n" + cells


@pytest.mark.e2e
def test_demo_report_planted_identifiers_in_input_absent_from_output(demo_build):
    from bs4 import BeautifulSoup

    from sosrap.demo import clientwork as D
    root, html = demo_build
    inputs = _planted_inputs_text(root)
    unwrapped = inputs.replace("\n", "")
    raw = html.read_text(encoding="utf-8")
    visible = " ".join(BeautifulSoup(raw, "html.parser").get_text(" ").split())
    executed = (root / "build" / "demo" / "notebooks" / "40_client_work.ipynb").read_text(encoding="utf-8")
    for kind, values in D.planted().items():
        for v in values:
            assert v in inputs or v in unwrapped, f"planted {kind} #{values.index(v)} missing from the input"
            for where, text in (("html", raw), ("visible text", visible), ("executed notebook", executed)):
                assert v not in text and v not in " ".join(text.split()), \
                    f"planted {kind} #{values.index(v)} leaked into the {where}"


@pytest.mark.e2e
def test_demo_report_passes_audit_and_suppresses_small_cells(demo_build):
    from bs4 import BeautifulSoup

    from sosrap import clientwork as C
    from sosrap import params as _params
    root, html = demo_build
    protected = P.load_protected(root / "build" / "demo")
    assert {t.id for t in protected} >= {"tbl-ilmiot-alue", "tbl-ilmiot-vuosi", "tbl-kysely-ryhmat"}
    ed = _params.load("demo", root)
    P.gate([html], protected=protected, **P.gate_options(ed, root))   # as the build calls it
    with pytest.raises(P.PrivacyError) as e:          # the authors are public only because params say so
        P.gate([html], protected=protected, min_count=ed.privacy.min_count, allow=[], require_names=True)
    assert "name" in {f.kind for f in e.value.findings} and "Mallinen" not in str(e.value)
    # the input has small cells; the published table shows markers instead
    cw = _params.load("demo", root).client_work
    res = C.ingest_phenomena(root / cw.phenomena_file, cw)
    t = C.crosstab(res.data, "categories", "service_area", explode=["categories"])
    assert ((t > 0) & (t < 5)).to_numpy().any()
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    el = soup.find(id="tbl-ilmiot-alue")
    table = el if el.name == "table" else el.find("table")
    cells = [td.get_text(strip=True) for td in table.find_all("td")]
    assert "x" in cells
    assert "tietosuojasyistä salattu" in soup.get_text()


def test_data_downloads_are_audited_cell_by_cell(tmp_path):
    """A figure's CSV download (a data: URI the filter writes) is published text too: an identity
    code in it is found under its section, and plain numeric data cells are not findings."""
    from urllib.parse import quote
    clean = "axes,series,x,y\nKuva,line 1,3105,2.2811\nKuva,Oulu,2024,6.1\n"
    leaky = clean + f"Kuva,{CODE},2024,1\n"
    for csv_text, expect in ((clean, 0), (leaky, 1)):
        p = tmp_path / "r.html"
        href = "data:text/csv;charset=utf-8,%EF%BB%BF" + quote(csv_text, safe="")
        p.write_text(f'<html><body><h2>Kuvat</h2><p><a download="fig-a.csv" href="{href}">Lataa</a></p>'
                     "</body></html>", encoding="utf-8")
        found = [f for f in P.audit_html(p) if f.kind == "identity_code"]
        assert len(found) == expect
        assert all(f.section == "Kuvat" and CODE not in str(f) for f in found)


GATE_ALONE = r'''
import sys
from pathlib import Path
from sosrap import privacy
html = Path(sys.argv[1])
try:
    privacy.gate({html.name: html}, protected=[], min_count=5, allow=[])
    found = []
except privacy.PrivacyError as e:
    found = [f.kind for f in e.findings]
heavy = sorted(m for m in ("numpy", "pandas", "pyarrow") if m in sys.modules)
from sosrap.privacy import SuppressedTable, screen_text, suppress      # what needs pandas, on first use
try:
    privacy.no_such_name
    missing = "no error"
except AttributeError as e:
    missing = str(e)
print(found, heavy, "pandas" in sys.modules, callable(suppress) and callable(screen_text), missing, sep="\n")
'''


def test_the_gate_runs_without_numpy_or_pandas_and_the_rest_loads_on_first_use(tmp_path):
    """Issue #16: the build process audits the rendered report; the audit needs neither NumPy nor
    pandas (half a second of CPU to import), which the screening and suppression functions load
    when first used. The gate still finds what it must."""
    import subprocess
    import sys
    from stdnum.fi import hetu
    code = "010203-345" + "0123456789ABCDEFHJKLMNPRSTUVWXY"[int("010203345") % 31]
    assert hetu.is_valid(code)
    page = tmp_path / "raportti.html"
    page.write_text(f"<html><body><p>Asiakas {code} soitti.</p></body></html>", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", GATE_ALONE, str(page)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    found, heavy, pandas_after, usable, missing = proc.stdout.strip().splitlines()
    assert "identity_code" in found
    assert heavy == "[]"
    assert pandas_after == "True" and usable == "True"
    assert "no attribute 'no_such_name'" in missing
