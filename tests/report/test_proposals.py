"""The action proposals register (issue #6, point 6).

Unit tests of the register's validation and rendering, then two editions:
the demo (published, shared with test_release) and its successor made by
`new_edition`, with status changes recorded and a follow-up table across
editions in the built report.
"""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from sosrap.pipeline import build as B
from sosrap.publish import edition as E
from sosrap import params as P
from sosrap.report import proposals as PR, staging as S
from support import DEMO_SNAPSHOT, ROOT
from support import published_demo

ONE = """
proposals:
  - id: "2025-1"
    title: Yhteinen palveluohjaus
    rationale: Perustelu havainnoista, riittävän pitkä.
    links: [fig-kehitys-toimeentulotuki]
    decides: Aluehallitus
    responsible: Aikuissosiaalityö
    timetable: 2026
    duty: 2
    practice: strategiatyö
    status:
      - {status: ehdotettu, date: 2025-10-15}
"""


def _register(tmp_path: Path, text: str, edition: str = "demo") -> PR.Register:
    path = tmp_path / "proposals.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return PR.read_register(path, edition)


def test_demo_register_is_valid_and_realistic():
    reg = PR.read_register(ROOT / "reports/demo" / PR.REGISTER, "demo")
    assert 3 <= len(reg.proposals) <= 5
    for p in reg.proposals:
        assert p.links and p.decides and p.responsible and p.timetable and p.current.status == "proposed"
        assert p.edition == "demo" and all(s.edition == "demo" for s in p.status)
    assert {p.practice for p in reg.proposals} >= {"knowledge", "strategy"}


def test_finnish_words_and_defaults(tmp_path):
    reg = _register(tmp_path, ONE)
    p = reg.proposals[0]
    assert p.practice == "strategy" and p.current.status == "proposed" and p.timetable == "2026"
    assert p.edition == "demo" and p.status[0].edition == "demo"


@pytest.mark.parametrize("change,msg", [
    (("links: [fig-kehitys-toimeentulotuki]", "links: [kehitys]"), "figure/table labels"),
    (("practice: strategiatyö", "practice: hallinto"), "practice"),
    (("duty: 2", "duty: 7"), "duty"),
    (("status: ehdotettu", "status: unohdettu"), "status"),
    (("    decides: Aluehallitus\n", ""), "decides"),
])
def test_register_is_validated_naming_the_proposal(tmp_path, change, msg):
    with pytest.raises(PR.ProposalError, match=msg) as e:
        _register(tmp_path, ONE.replace(*change))
    assert "proposal '2025-1'" in str(e.value) and "proposals.yaml" in str(e.value)


def test_duplicate_ids_and_unordered_status(tmp_path):
    doc = yaml.safe_load(ONE)
    doc["proposals"].append(dict(doc["proposals"][0]))
    with pytest.raises(PR.ProposalError, match="listed twice"):
        _register(tmp_path, yaml.safe_dump(doc, allow_unicode=True))
    doc = yaml.safe_load(ONE)
    doc["proposals"][0]["status"].insert(0, {"status": "accepted", "date": dt.date(2026, 1, 1)})
    with pytest.raises(PR.ProposalError, match="date order"):
        _register(tmp_path, yaml.safe_dump(doc, allow_unicode=True))


def test_links_must_exist_in_the_report(tmp_path):
    reg = _register(tmp_path, ONE)
    regs = PR.Registers("demo", reg, [PR.EditionInfo("demo", "2025", None)], tmp_path / "proposals.yaml")
    PR.check_links(regs, {"fig-kehitys-toimeentulotuki"})
    with pytest.raises(PR.ProposalError, match="fig-kehitys-toimeentulotuki"):
        PR.check_links(regs, {"tbl-vertailu"})


def test_report_labels_of_the_demo_sources():
    """The labels of the composed sources: the shared chapters and the demo's own. The theme
    figures are not among them: the generated `_indicators.qmd` holds them (from the data)."""
    labels = PR.report_labels(S.source_files(ROOT / "reports/demo").values())
    assert {"tbl-vertailu", "tbl-kehitys", "tbl-indikaattorit"} <= labels
    assert not any(x.startswith("fig-kehitys-") for x in labels)


def test_chapter_markdown_table_and_sections(tmp_path):
    reg = _register(tmp_path, ONE)
    regs = PR.Registers("demo", reg, [PR.EditionInfo("demo", "2025", None)], tmp_path / "proposals.yaml")
    md = PR.chapter_markdown(regs)
    assert "::: {#tbl-toimenpide-ehdotukset}" in md and "| Nro | Ehdotus | Päättää |" in md
    assert "## 2025-1: Yhteinen palveluohjaus {#ehdotus-2025-1}" in md
    assert "@fig-kehitys-toimeentulotuki" in md and "strategiatyö" in md and "SHL 7 § 2 k." in md
    assert "ensimmäinen" in PR.followup_markdown(regs)


# ----------------------------------------------------------------------------- in the built report

@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_demo(tmp_path_factory)


def test_demo_report_has_the_proposals_chapter(published):
    root, res = published
    soup = BeautifulSoup((res.path / "sosiaalinen-raportti-demo.html").read_text(encoding="utf-8"), "html.parser")
    table = soup.find(id="tbl-toimenpide-ehdotukset")
    assert table is not None and table.find_parent(id="sec-ehdotukset") is not None
    rows = table.find_all("tr")
    assert len(rows) == 1 + 4 and "Päättää" in rows[0].get_text()
    section = soup.find(id="ehdotus-2025-1")
    assert section is not None
    # The rationale links to the findings it rests on (numbered cross-references).
    links = [a["href"] for a in section.find_all("a", href=True)]
    assert "#fig-kehitys-toimeentulotuki" in links and "#tbl-vertailu" in links
    csv = (res.path / "tables/toimenpide-ehdotukset/toimenpide-ehdotukset.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[0].startswith("id,edition,title,decides,responsible,timetable,duty,practice")
    assert len(csv.splitlines()) == 5


@pytest.fixture(scope="module")
def second_edition(published) -> tuple[Path, Path]:
    """demo2026 scaffolded from demo, with status changes and one new proposal, built."""
    root, _ = published
    new = E.new_edition("demo2026", from_edition="demo", root=root, year=2026, snapshot=DEMO_SNAPSHOT)
    reg_path = new.report_dir / PR.REGISTER
    doc = yaml.safe_load(reg_path.read_text(encoding="utf-8"))
    assert doc["previous"] == "demo" and len(doc["proposals"]) == 4
    by_id = {p["id"]: p for p in doc["proposals"]}
    by_id["2025-1"]["status"].append({"status": "accepted", "date": "2026-02-10",
                                      "note": "Aluehallitus hyväksyi mallin valmistelun."})
    by_id["2025-2"]["status"] += [{"status": "accepted", "date": "2026-01-20"},
                                  {"status": "toteutuksessa", "date": "2026-05-01"}]
    by_id["2025-4"]["status"].append({"status": "hylätty", "date": "2026-03-01", "note": "Korvattu raadeilla."})
    doc["proposals"].append({
        "id": "2026-1", "title": "Asunnottomuuden ennaltaehkäisyn yhteinen malli",
        "rationale": "Asunnottomuus on noussut, ja häätöuhat tulevat sosiaalityöhön liian myöhään.",
        "links": ["tbl-vertailu"], "decides": "Aluehallitus", "responsible": "Aikuissosiaalityö",
        "timetable": "2027", "duty": 2, "practice": "justice",
        "status": [{"status": "proposed", "date": "2026-10-15"}]})
    reg_path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = B.build("demo2026", root=root, quiet=True)
    return root, result.outputs["html"]


def test_two_editions_follow_up_table(second_edition):
    root, html = second_edition
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    table = soup.find(id="tbl-seuranta")
    assert table is not None and table.find_parent(id="sec-seuranta") is not None
    head = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
    assert head[-2:] == ["2025", "2026"]
    rows = {tr.find("td").get_text(" ", strip=True).split(":")[0]: [td.get_text(" ", strip=True)
            for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")}
    assert set(rows) == {"2025-1", "2025-2", "2025-3", "2025-4"}, "new proposals are not follow-up"
    assert rows["2025-1"][-2:] == ["ehdotettu 15.10.2025", "hyväksytty 10.2.2026"]
    assert rows["2025-2"][-1] == "toteutuksessa 1.5.2026"
    assert rows["2025-3"][-1] == "ehdotettu 15.10.2025"
    assert rows["2025-4"][-1] == "hylätty 1.3.2026"
    text = " ".join(soup.find(id="sec-seuranta").get_text(" ").split())
    assert "Aluehallitus hyväksyi mallin valmistelun." in text
    # This edition's own proposal is in chapter 6, not in the follow-up.
    chapter = soup.find(id="tbl-toimenpide-ehdotukset")
    assert "2026-1" in chapter.get_text() and "2025-1" not in chapter.get_text()
    csv = (html.parent / "tables/toimenpide-ehdotukset-seuranta.csv").read_text(encoding="utf-8").splitlines()
    assert "2025-1,demo,demo2026,accepted,2026-02-10" in csv and "2026-1,demo2026,demo2026,proposed,2026-10-15" in csv


def test_inherited_proposals_cannot_vanish_or_be_rewritten(second_edition):
    root, _ = second_edition
    reg_path = root / "reports/demo2026" / PR.REGISTER
    original = reg_path.read_text(encoding="utf-8")
    params = P.load("demo2026", root)
    try:
        doc = yaml.safe_load(original)
        doc["proposals"] = [p for p in doc["proposals"] if p["id"] != "2025-3"]
        reg_path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        with pytest.raises(PR.ProposalError, match="2025-3.*missing"):
            PR.load(root, params)
        doc = yaml.safe_load(original)
        doc["proposals"][0]["status"][0]["date"] = "2025-10-01"
        reg_path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        with pytest.raises(PR.ProposalError, match="history of proposal '2025-1'"):
            PR.load(root, params)
        doc = yaml.safe_load(original)
        doc["proposals"][-1]["links"] = ["fig-ei-ole"]
        reg_path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        with pytest.raises(PR.ProposalError, match="'2026-1' links to fig-ei-ole"):
            B.build("demo2026", root=root, quiet=True)
    finally:
        reg_path.write_text(original, encoding="utf-8")
