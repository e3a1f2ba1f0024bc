"""Quotes only after human review (sosrap.clientwork.quotes): consented fields
only, no small groups, approvals bound to the exact text."""
from __future__ import annotations

import shutil

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from privacy_strategies import CF_CHARS, DASH_VARIANTS

from sosrap import clientwork as C
from sosrap.demo import clientwork as D


def test_candidates_cover_consented_fields_only(demo_stage):
    sd, _ = demo_stage
    c = C.candidates(sd)
    assert set(c.loc[c["source"] == "phenomena", "field"]) == {"description"}     # not suggested_action
    assert set(c.loc[c["source"] == "survey", "field"]) <= {q.code for q in sd.cw.open_questions}
    assert C.action_quotes(sd).empty
    flagged = c[c["findings"] != ""]
    assert len(flagged) and not flagged["eligible"].any()
    text = " ".join(c["text"])
    for values in D.planted().values():
        for v in values:
            assert v not in text                                  # the sheet shows screened text only


def test_no_quotes_from_a_small_group(demo_stage):
    sd, _ = demo_stage
    c = C.candidates(sd).set_index("id")
    small = sd.cw.respondent_groups[-1].code                      # the demo's group of three
    ids = sd.survey.data.loc[sd.survey.data["respondent_group"] == small, "id"]
    sub = c[(c["source"] == "survey") & c.index.isin(ids)]
    assert len(sub) and not sub["eligible"].any()


def test_review_record_and_revocation(demo_stage, tmp_path):
    sd, root = demo_stage
    work = tmp_path / "root"
    shutil.copytree(root, work)
    sd2 = C.StageData(sd.cw, sd.phenomena, sd.survey, sd.min_count, sd.marker, sd.synthetic, work)
    C.approvals_path(sd.cw, work).unlink()
    assert C.phenomenon_quotes(sd2).empty                         # nothing approved: nothing quoted
    sheet = C.write_review_sheet(sd2, work)
    assert sheet.parent == C.approvals_path(sd.cw, work).parent and "private" in sheet.parts
    wb = openpyxl.load_workbook(sheet)
    ws = wb.active
    rows = [r for r in ws.iter_rows(min_row=2) if r[5].value == "kyllä" and r[0].value == "phenomena"]
    rows[0][8].value, rows[0][9].value = "Tarkastaja", "kyllä"
    rows[1][8].value, rows[1][9].value = "Tarkastaja", "kyllä"
    rows[1][3].value = rows[1][3].value + " Lisätty lause."          # edited text: refused
    wb.save(sheet)
    done, revoked, refused = C.record_approvals(sd2, work, sheet)
    assert (done, revoked, [why for _, why in refused]) == (1, 0, ["teksti on muuttunut tarkastuksen jälkeen"])
    quotes = C.approved_quotes(sd2, "phenomena", max_quotes=10)
    assert list(quotes["quote"]) == [rows[0][3].value]
    # any change to the text revokes: the approval no longer matches the screened text
    data = sd2.phenomena.data.copy()
    data.loc[data["id"] == rows[0][1].value, "description"] += " Muutos."
    sd3 = C.StageData(sd.cw, type(sd.phenomena)(**{**sd.phenomena.__dict__, "data": data}), sd.survey,
                      sd.min_count, sd.marker, sd.synthetic, work)
    assert C.approved_quotes(sd3, "phenomena", max_quotes=10).empty


def test_demo_quotes_are_reviewed_and_stable(demo_stage):
    sd, _ = demo_stage
    for choose in (C.phenomenon_quotes, C.resident_quotes):
        q = choose(sd)
        assert 0 < len(q) <= sd.cw.max_quotes and q.equals(choose(sd))


@st.composite
def client_numbers(draw):
    """(pattern as an edition configures it, the number as someone typed it, its digits): any
    prefix and length, any dash, sometimes an invisible character inside or full-width digits."""
    prefix = draw(st.text(alphabet="ABCDEFGHJKLMNPRSTUVXYZ", min_size=2, max_size=3))
    n = draw(st.integers(4, 6))
    digits = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=n, max_size=n)))
    typed = prefix + draw(st.sampled_from(DASH_VARIANTS)) + digits
    if draw(st.booleans()):
        typed = typed.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    if draw(st.booleans()):
        i = draw(st.integers(1, len(typed) - 1))
        typed = typed[:i] + draw(st.sampled_from(CF_CHARS)) + typed[i:]
    return rf"{prefix}-\d{{{n}}}", typed, digits


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=client_numbers(), where=st.sampled_from(["start", "middle", "end"]))
def test_a_client_number_in_a_description_is_screened_at_the_stage(demo_stage, number, where):
    """`privacy.client_number_patterns` reach the stage's screening: the candidate is redacted,
    marked and not quotable, before the end-of-build audit ever sees it."""
    sd, _ = demo_stage
    pattern, typed, digits = number
    row = C.candidates(sd).query("source == 'phenomena' and eligible").iloc[0]
    data = sd.phenomena.data.copy()
    i = data.index[data["id"] == row["id"]][0]
    words = str(data.at[i, "description"]).split(" ")
    at = {"start": 0, "middle": len(words) // 2, "end": len(words)}[where]
    data.at[i, "description"] = " ".join(words[:at] + [f"(asiakasnumero {typed})"] + words[at:])
    sd2 = C.StageData(sd.cw, type(sd.phenomena)(**{**sd.phenomena.__dict__, "data": data}), sd.survey,
                      sd.min_count, sd.marker, sd.synthetic, sd.root, (pattern,))
    c = C.candidates(sd2).set_index(["source", "id", "field"]).loc[("phenomena", row["id"], "description")]
    assert "asiakasnumero 1" in c["findings"] and not c["eligible"]
    assert digits not in c["text"] and "[asiakasnumero]" in c["text"]
