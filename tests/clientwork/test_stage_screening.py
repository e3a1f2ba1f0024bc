"""The client-work stage notebook (notebooks/40_client_work.ipynb), run by the
real runner: `privacy.client_number_patterns` reach its screening of free
text, so a client number typed in a description is kept out of the stage's
quotes and counted in its disclosure log, not left for the end-of-build audit."""
from __future__ import annotations

import csv
import io
import json
import random
import re
import unicodedata

from privacy_strategies import CF_CHARS, DASH_VARIANTS

from sosrap import clientwork as C
from sosrap import params as P
from sosrap.demo import clientwork as D
from sosrap.pipeline.runner import run_stages
from sosrap.privacy.quotes import approvals_bytes, Approval

def _only_client_work() -> str:
    """The project's own stages.yaml with the client-work stage alone (it needs no other stage)."""
    import yaml
    from support import ROOT
    doc = yaml.safe_load((ROOT / "notebooks/stages.yaml").read_text(encoding="utf-8"))
    return yaml.safe_dump({"stages": {"client_work": doc["stages"]["client_work"]}}, allow_unicode=True)


ONLY_CLIENT_WORK = _only_client_work()


def _typed(r: random.Random, digits: str) -> str:
    """A client number as people type it: any dash, sometimes full-width digits or an invisible character."""
    s = "AS" + r.choice(DASH_VARIANTS) + digits
    if r.random() < 0.3:
        s = s.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    if r.random() < 0.3:
        i = r.randint(1, len(s) - 1)
        s = s[:i] + r.choice(CF_CHARS) + s[i:]
    return s


def _plant(root, cw, r: random.Random) -> dict[str, str]:
    """A client number in every description that may be quoted; returns row id -> its digits."""
    ph = root / cw.phenomena_file
    rows = list(csv.reader(io.StringIO(ph.read_text(encoding="utf-8-sig")), delimiter=";"))
    i, d, q = rows[0].index("Tunniste"), rows[0].index("Kuvaus"), rows[0].index("Lainauslupa")
    planted = {}
    for row in rows[1:]:
        if len(row) > q and row[q].strip().lower() in C.YES_WORDS - {""}:
            digits = f"{r.randrange(10**6):06d}"
            words = row[d].split(" ")
            at = r.randint(0, len(words))
            row[d] = " ".join(words[:at] + [f"asiakasnumero {_typed(r, digits)}"] + words[at:])
            planted[row[i]] = digits
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    ph.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    return planted


def test_client_numbers_are_screened_by_the_stage_not_only_by_the_gate(project):
    root = project
    (root / "notebooks" / "stages.yaml").write_text(ONLY_CLIENT_WORK, encoding="utf-8")
    y = root / "params" / "demo.yaml"
    y.write_text(y.read_text(encoding="utf-8").replace("synthetic_demo: true", "synthetic_demo: false"),
                 encoding="utf-8")
    p = P.load("demo", root)
    D.ensure_inputs(p.client_work, root)
    planted = _plant(root, p.client_work, random.Random(17))
    assert len(planted) > 20
    # A reviewer approved every quotable text before the county's client-number pattern was configured.
    sd = C.stage_data(p.client_work.model_dump(), p.privacy.model_dump(), root=root, edition="demo")
    eligible = C.candidates(sd).query("eligible")
    C.approvals_path(sd.cw, root).write_bytes(approvals_bytes(
        Approval(c.source, c.id, c.field, c.sha256, "Tarkastaja", "2025-06-01") for c in eligible.itertuples()))
    with y.open("a", encoding="utf-8") as fh:
        fh.write("privacy:\n  client_number_patterns: ['AS-\\d{6}']\n")
    p = P.load("demo", root)
    assert p.privacy.client_number_patterns == [r"AS-\d{6}"] and p.privacy.min_count == 5

    build = root / "build" / "demo"
    [res] = run_stages(p, root, build)
    assert res.state == "ran"
    run_dir = build / "artifacts" / "client_work"
    texts = [_notebook_text(build / "notebooks" / "40_client_work.ipynb")]
    texts += [f.read_text(encoding="utf-8") for f in sorted(run_dir.rglob("*"))
              if f.is_file() and f.suffix in (".json", ".csv", ".md", ".txt")]
    texts = [unicodedata.normalize("NFKC", t) for t in texts]
    found = {d for d in planted.values() for t in texts if re.search(rf"(?<!\d){d}(?!\d)", t)}
    assert not found, f"{len(found)} of {len(planted)} planted client numbers in the stage's outputs"
    # counted by the stage's screening (the disclosure log, counts only)
    log = json.loads((run_dir / C.DISCLOSURE_LOG).read_text(encoding="utf-8"))
    valid = set(sd.phenomena.data["id"]) & set(planted)               # rows the stage did not reject
    assert log["screening"]["phenomena"]["client_number"] == len(valid) > 20
    # every quotable description had one: the stage quotes none of them
    assert _cell_output(build / "notebooks" / "40_client_work.ipynb", "lainaukset-ilmiot") == \
        "*Ei lainattavia vastauksia.*"


def _outputs(cell) -> list[str]:
    """The text of a cell's outputs (images left out: their coordinates and base64 are digits by chance)."""
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", "") if o.get("output_type") == "stream" else "")
        for mime, v in o.get("data", {}).items():
            if mime.startswith("text/") or mime.endswith("json"):
                out.append(v if isinstance(v, str) else json.dumps(v) if not isinstance(v, list) else "".join(v))
    return ["".join(x) if isinstance(x, list) else x for x in out]


def _notebook_text(path) -> str:
    import nbformat
    nb = nbformat.read(path, as_version=4)
    return "\n".join(t for c in nb.cells for t in [c.source, *_outputs(c)])


def _cell_output(path, label: str) -> str:
    import nbformat
    nb = nbformat.read(path, as_version=4)
    [cell] = [c for c in nb.cells if f"#| label: {label}" in c.source]
    return "".join(o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o.get("data", {})).strip()
