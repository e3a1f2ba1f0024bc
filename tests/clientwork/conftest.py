"""Fixtures shared by the client-work tests: a small edition's client_work
params, a small valid phenomenon export (headings and rows) and writers for
CSV/XLSX exports. Files are generated in tmp_path: private-looking fixtures
never need to be committed."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from sosrap import params as _params
from sosrap.demo import clientwork as D
from sosrap.params import ClientWork

CLIENT_WORK = {
    "categories": [{"code": "asuminen", "label": "Asuminen"}, {"code": "toimeentulo", "label": "Toimeentulo"},
                   {"code": "yksinaisyys", "label": "Yksinäisyys ja osallisuus"}],
    "service_areas": [{"code": "aikuiset", "label": "Aikuissosiaalityö"}, {"code": "nuoret", "label": "Nuorten palvelut"}],
    "likert_items": [{"code": "tieto", "text": "Tiedän mistä saan apua"}, {"code": "kohtelu", "text": "Kohtelu oli hyvää"}],
    "open_questions": [{"code": "avoin", "text": "Mitä pitäisi kehittää?"}],
}
PH_HEAD = ["Tunniste", "Päivämäärä", "Palvelualue", "Kunta", "Ilmiöluokka", "Kuvaus", "Arvio asiakasmäärästä",
           "Toimenpide-ehdotus", "Lainauslupa"]
PH_ROWS = [
    ["A1", "5.3.2024", "Aikuissosiaalityö", "Oulu", "asuminen; Toimeentulo", "Häätöjä, ääkköset öö", "12,0",
     "Lisää asuntoja", "kyllä"],
    ["A2", "2024-03-06", "nuoret", "", "Yksinäisyys ja osallisuus", "Nuoret yksin", "1 200", "", "ei"],
    ["A3", "31.12.2023", "aikuiset", "Raahe", "toimeentulo", "Velkaa", "", "", ""],
]


def _write_csv(path: Path, head, rows, *, encoding="utf-8", delimiter=";", bom=False) -> Path:
    def q(v: str) -> str:
        return f'"{v}"' if (delimiter in v or '"' in v or "\n" in v) else v
    text = "\r\n".join(delimiter.join(q(str(v)) for v in r) for r in [head, *rows]) + "\r\n"
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def _write_xlsx(path: Path, head, rows) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(head)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


@pytest.fixture
def client_work() -> ClientWork:
    """Three categories, two service areas, two Likert items, one open question."""
    # names come from the private names file at run time (params reject them)
    return ClientWork.model_validate(CLIENT_WORK).model_copy(update={"screen_names": ["Meikäläinen"]})


@pytest.fixture
def ph_head() -> list[str]:
    """Finnish headings of a small phenomenon export (not every column of the schema)."""
    return list(PH_HEAD)


@pytest.fixture
def ph_rows() -> list[list[str]]:
    """Three valid rows: codes and labels, decimal comma, thousands space, d.m.yyyy and ISO dates."""
    return [list(r) for r in PH_ROWS]


@pytest.fixture
def write_csv():
    """write_csv(path, head, rows, *, encoding, delimiter, bom) -> path, quoting as Excel does."""
    return _write_csv


@pytest.fixture
def write_xlsx():
    """write_xlsx(path, head, rows) -> path (openpyxl keeps native cell types)."""
    return _write_xlsx


@pytest.fixture(scope="session")
def demo_inputs(tmp_path_factory):
    """The demo edition's synthetic exports, generated once: (DemoInputs, ClientWork)."""
    cw = _params.load("demo").client_work
    return D.generate(tmp_path_factory.mktemp("demo"), cw), cw


@pytest.fixture(scope="session")
def demo_stage(tmp_path_factory):
    """The client-work stage's inputs for the demo edition, read as the stage
    reads them (synthetic exports written to a temporary private area)."""
    from sosrap import clientwork as C
    p = _params.load("demo")
    root = tmp_path_factory.mktemp("stage")
    return C.stage_data(p.client_work.model_dump(), p.privacy.model_dump(), root=root, edition="demo"), root
