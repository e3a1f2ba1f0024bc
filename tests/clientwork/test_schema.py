"""The client_work schema: export fields and the client_work params they are
read with (sosrap.clientwork.schema, sosrap.params.ClientWork)."""
from __future__ import annotations

import pytest

from sosrap import clientwork as C
from sosrap import params as _params
from sosrap.params import ClientWork


@pytest.mark.parametrize("path", ["data/demo.csv", "/tmp/x.csv", "data/private/../x.csv", "private/x.csv"])
def test_inputs_must_be_under_data_private(path, client_work):
    with pytest.raises(Exception, match="data/private"):
        ClientWork.model_validate({**client_work.model_dump(), "phenomena_file": path})


def test_demo_params_have_client_work():
    p = _params.load("demo")
    assert p.client_work is not None and p.client_work.synthetic_demo
    assert p.privacy.min_count == 5


def test_survey_fields_follow_the_editions_questions(client_work):
    fields = C.survey_fields(client_work)
    assert [f.name for f in fields[:len(C.SURVEY_BASE_FIELDS)]] == [f.name for f in C.SURVEY_BASE_FIELDS]
    assert [(f.name, f.kind, f.heading) for f in fields[len(C.SURVEY_BASE_FIELDS):]] == [
        ("tieto", "likert", "Tiedän mistä saan apua"), ("kohtelu", "likert", "Kohtelu oli hyvää"),
        ("avoin", "text", "Mitä pitäisi kehittää?"), ("quote_ok", "bool", "Lainauslupa")]
    assert [f.name for f in C.PHENOMENON_FIELDS if f.required] == ["id", "date", "service_area", "categories",
                                                                   "description"]
