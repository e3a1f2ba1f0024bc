"""The DOCX audit (sosrap.privacy.audit_docx), on files made by real pandoc."""
from __future__ import annotations

import pypandoc
import pytest

from sosrap import privacy as P
from sosrap.errors import SosrapError

CODE = "100190-123E"          # valid checksum
MAIL = "matti.m@example.com"


MD = f"""# Johdanto

Teksti ilman tunnisteita, 12 345 asiakasta.

# Ilmiöt

Yhteys {MAIL}.

::: {{#tbl-protected}}
| Luokka | n |
|---|---|
| A | 3 |
| B | 10 |

: Suojattu taulukko
:::

| Luokka | n |
|---|---|
| C | 2 |

: Avoin taulukko {{#tbl-open}}

Tunnus {CODE}.
"""


def test_audit_docx_made_by_pandoc(tmp_path):
    src = tmp_path / "r.md"
    src.write_text(MD, encoding="utf-8")
    out = tmp_path / "r.docx"
    pypandoc.convert_file(str(src), "docx", outputfile=str(out))
    f = P.audit_docx(out, ["tbl-protected"])
    assert sorted(x.kind for x in f) == ["email", "identity_code", "small_count"]
    small = next(x for x in f if x.kind == "small_count")
    assert small.table == "tbl-protected" and small.section == "Ilmiöt"
    assert all(x.section == "Ilmiöt" for x in f)
    text = " ".join(map(str, f))
    assert MAIL not in text and CODE not in text
    # the same file through the gate, with the HTML beside it, as the build renders them
    html = tmp_path / "r.html"
    pypandoc.convert_file(str(src), "html", outputfile=str(html))
    with pytest.raises(P.PrivacyError) as e:
        P.gate([html, out], protected=["tbl-protected"], min_count=5, allow=())
    both = e.value.findings
    assert sorted(x.kind for x in both) == ["email", "email", "identity_code", "identity_code",
                                            "small_count", "small_count"]
    assert {x.file for x in both} == {"r.html", "r.docx", "r.docx:document.xml"}


def test_audit_docx_rejects_non_docx(tmp_path):
    p = tmp_path / "x.docx"
    p.write_bytes(b"nope")
    with pytest.raises(SosrapError, match="not a valid DOCX"):
        P.audit_docx(p)
