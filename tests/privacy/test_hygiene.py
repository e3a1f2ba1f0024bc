"""Channel hygiene (issue #17, point 6): keyed digests of private inputs, names
never in params, messages without input values, private outputs only under
data/private/, no unscreened notebook left by a failed build."""
from __future__ import annotations

import hashlib
import json

import pytest
from pydantic import ValidationError

from sosrap import clientwork as C
from sosrap import privacy as P
from sosrap.errors import SosrapError
from sosrap.params import ClientWork

CODE = "131052-308T"


def test_private_digest_is_keyed_and_never_the_plain_hash(tmp_path):
    f = tmp_path / "data/private/nimet.txt"
    f.parent.mkdir(parents=True)
    f.write_text("Matti Meikäläinen\n", encoding="utf-8")
    d = P.private_digest(f, tmp_path)
    assert d.startswith("hmac-sha256:") and hashlib.sha256(f.read_bytes()).hexdigest() not in d
    assert P.private_digest(f, tmp_path) == d                       # stable for verify
    assert (tmp_path / P.KEY_FILE).stat().st_mode & 0o077 == 0       # the key is private
    other = tmp_path / "other"
    (other / "data/private").mkdir(parents=True)
    (other / "data/private/nimet.txt").write_bytes(f.read_bytes())
    assert P.private_digest(other / "data/private/nimet.txt", other) != d   # another key: no guessing


def test_require_private(tmp_path):
    assert P.require_private(tmp_path / "data/private/x", tmp_path) == (tmp_path / "data/private/x").resolve()
    for bad in (tmp_path / "out", tmp_path / "data/private/../x", tmp_path / "data"):
        with pytest.raises(SosrapError, match="data/private/"):
            P.require_private(bad, tmp_path)


def test_redacted_never_shows_characters():
    r = P.redacted("Helena Lindqvist p. 040 999 8877")
    assert "Helena" not in r and "040" not in r and r.startswith("<32 chars")


def test_params_reject_names_and_never_dump_them():
    base = {"categories": [{"code": "a", "label": "A"}], "service_areas": [{"code": "b", "label": "B"}]}
    with pytest.raises(ValidationError, match="screen_names_file"):
        ClientWork.model_validate({**base, "screen_names": ["Matti Meikäläinen"]})
    cw = ClientWork.model_validate(base).model_copy(update={"screen_names": ["Matti Meikäläinen"]})
    assert "Meikäläinen" not in json.dumps(cw.model_dump())           # never into manifest or notebook


def test_headerless_export_error_does_not_print_the_first_row(tmp_path, ):
    cw = ClientWork.model_validate({"categories": [{"code": "a", "label": "A"}],
                                    "service_areas": [{"code": "b", "label": "B"}]})
    f = tmp_path / "x.csv"
    f.write_text(f"A1;5.3.2024;b;Oulu;a;Yhteyshenkilö Helena Lindqvist p. 040 999 8877 {CODE};3;;kyllä\r\n"
                 "A2;6.3.2024;b;Oulu;a;Kuvaus;3;;ei\r\n", encoding="utf-8")
    with pytest.raises(C.IngestError) as e:
        C.ingest_phenomena(f, cw)
    msg = str(e.value)
    assert "column 6" in msg
    for v in ("Helena", "Lindqvist", "040 999", CODE, "Oulu", "A1"):
        assert v not in msg


def test_scrub_notebooks_removes_only_unscreened_ones(tmp_path):
    def nb(text):
        return json.dumps({"cells": [{"cell_type": "code", "source": "", "metadata": {},
                                      "outputs": [{"output_type": "stream", "name": "stdout", "text": text}]}],
                           "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    (tmp_path / "10.ipynb").write_text(nb("Asiakkaita 12.\n"), encoding="utf-8")
    (tmp_path / "40.ipynb").write_text(nb(f"rivi {CODE}\n"), encoding="utf-8")
    assert P.scrub_notebooks(tmp_path, min_count=5, allow=[]) == ["40.ipynb"]
    assert (tmp_path / "10.ipynb").is_file() and not (tmp_path / "40.ipynb").exists()
