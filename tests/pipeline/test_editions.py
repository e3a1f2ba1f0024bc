"""Editions for any area (sosrap.pipeline.editions): names from the reference table, area
placeholders in params texts, other areas' names refused, stages the edition has no inputs for."""
from __future__ import annotations

import pytest

from sosrap import params as P
from sosrap.errors import ParamsError
from sosrap.pipeline import editions
from sosrap.pipeline.graph import load_stages
from sosrap.sources import classifications
from support import ROOT


@pytest.mark.parametrize("code", sorted(classifications.counties(ROOT).county_code))
def test_every_area_of_the_reference_table_gets_its_own_texts(code):
    row = editions.area_row(code, ROOT)
    p = editions.for_area(P.load("demo", ROOT), code, ROOT)
    assert p.area.code == code and p.area.name == row["name_fi"]
    assert p.subtitle.startswith(row["name_fi"]) and p.metadata.publisher == row["name_fi"]
    assert editions.genitive(row["name_fi"]) in p.metadata.abstract.fi
    assert "{alue" not in p.model_dump_json()
    others = set(classifications.counties(ROOT).name_fi) - {row["name_fi"]}
    texts = " ".join([p.title, p.subtitle or "", p.metadata.model_dump_json()])
    assert not [o for o in others if o in texts.replace(row["name_fi"], "")]


def test_genitive_of_counties_and_helsinki():
    assert editions.genitive("Lapin hyvinvointialue") == "Lapin hyvinvointialueen"
    assert editions.genitive("Helsingin kaupunki") == "Helsingin kaupungin"


def test_a_params_text_naming_another_area_is_an_error():
    """The 2026 edition is Pohde's: building it for Lapland would mix Pohde's texts into it."""
    assert editions.for_area(P.load("2026", ROOT), None, ROOT).area.name == "Pohjois-Pohjanmaan hyvinvointialue"
    with pytest.raises(ParamsError, match=r"params/2026.yaml subtitle names 'Pohjois-Pohjanmaan hyvinvointialue'.*"
                                          r"Lapin hyvinvointialue"):
        editions.for_area(P.load("2026", ROOT), "21", ROOT)


def test_an_unknown_area_code_lists_the_known_ones():
    with pytest.raises(ParamsError, match=r"area code '99'.*21 Lapin hyvinvointialue"):
        editions.area_row("99", ROOT)


def test_a_stage_whose_files_the_edition_does_not_name_is_left_out():
    stages = load_stages(ROOT)
    demo = P.load("demo", ROOT)
    assert set(editions.applicable(stages, demo)) == set(stages)
    without = demo.model_copy(update={"client_work": None})
    assert set(editions.applicable(stages, without)) == set(stages) - {"client_work"}


def test_build_dir_per_area(tmp_path):
    assert editions.area_build_dir("demo", None, ROOT) == ROOT / "build/demo"
    assert editions.area_build_dir("demo", "021", ROOT) == ROOT / "build/demo/21"


def test_a_stage_with_an_unset_optional_file_still_runs_and_dependents_of_a_left_out_stage_go_too():
    stages = load_stages(ROOT)
    demo = P.load("demo", ROOT)
    cw = demo.client_work.model_copy(update={"screen_names_file": None})
    assert "client_work" in editions.applicable(stages, demo.model_copy(update={"client_work": cw}))
    fake = {**stages, "after": stages["client_work"].model_copy(update={"name": "after", "needs": ("client_work",),
                                                                          "reads": ()})}
    assert "after" not in editions.applicable(fake, demo.model_copy(update={"client_work": None}))


@pytest.mark.parametrize("code", sorted(classifications.counties(ROOT).county_code))
def test_a_swedish_edition_names_every_area_in_swedish(code):
    """Issue 15: `language: sv` takes the reference table's name_sv, with the Swedish genitive."""
    row = editions.area_row(code, ROOT)
    p = editions.for_area(P.load("demo-sv", ROOT), code, ROOT)
    assert p.area.name == row["name_sv"] and p.subtitle.startswith(row["name_sv"])
    assert p.metadata.publisher == row["name_sv"] and row["name_sv"] in p.metadata.abstract.sv
    assert "{alue" not in p.model_dump_json()


def test_swedish_genitive_and_names_inside_longer_names():
    assert editions.genitive("Österbottens välfärdsområde", "sv") == "Österbottens välfärdsområdes"
    assert editions.genitive("Åland", "sv") == "Ålands" and editions.genitive("Helsingfors stad", "sv") == "Helsingfors stads"
    demo_sv = P.load("demo-sv", ROOT)
    # Norra Österbotten's own name contains Österbotten's: that is no other area …
    own = demo_sv.model_copy(update={"subtitle": "Norra Österbottens välfärdsområde"})
    assert editions.for_area(own, "19", ROOT).subtitle == "Norra Österbottens välfärdsområde"
    # … but in Österbotten's report it is, in Swedish as in Finnish
    with pytest.raises(ParamsError, match="names 'Norra Österbottens välfärdsområde'"):
        editions.for_area(own, "17", ROOT)


def _named_other_one_by_one(value: str, names) -> str | None:
    """`_named_other` as it was: one search per name, longest first (what the one pattern must agree with)."""
    import re
    text = value
    for name, own in names:
        pattern = rf"(?<![\w-]){re.escape(name)}(?!\w)"
        if re.search(pattern, text):
            if not own:
                return name
            text = re.sub(pattern, " ", text)
    return None


def test_the_one_pattern_for_all_area_names_finds_what_one_search_per_name_finds():
    from hypothesis import given, settings, strategies as st
    rows = classifications.county_rows(ROOT)
    names = editions._names(rows, rows[0]["county_code"])
    words = [n for n, _ in names] + ["alue", "Pohjois", "-", " ", "välfärdsområdes", "x", "ä", "\u00a0", "2024"]

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.sampled_from(words) | st.text(max_size=3), max_size=8))
    def check(parts):
        for joiner in ("", " "):
            value = joiner.join(parts)
            assert editions._named_other(value, names) == _named_other_one_by_one(value, names), value
    check()
