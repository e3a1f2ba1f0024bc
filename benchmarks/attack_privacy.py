"""The free-text attack of issue #17: 122 planted values (identity codes,
phones, e-mails, names, addresses, IBANs, plates, client numbers, birth dates,
URLs, IPs, each with the evasions the audit used), each in one sentence.

A case *reaches the outputs* when screening leaves the text as it is (no hit)
and the audit of that text finds nothing either: the sentence would be
published verbatim. Prints the count by kind. Works against any version of
``sosrap.privacy`` that has ``screen_text`` and ``audit_text`` (for the
before/after comparison). Usage: python benchmarks/attack_privacy.py
"""
from __future__ import annotations

import collections
import inspect
from pathlib import Path

from sosrap import privacy

CASES = Path(__file__).resolve().parents[1] / "tests" / "privacy" / "data" / "attack_cases.tsv"
NAMES = ["Matti Meikäläinen", "Helena Lindqvist", "Jukka Virtanen", "Teppo Testaaja"]
CLIENT_PATTERNS = [r"AS-\d{6}"]


def cases() -> list[tuple[str, str]]:
    out = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, text = line.split("\t", 1)
        out.append((kind, text.encode("latin-1", "backslashreplace").decode("unicode_escape")))
    return out


def reaches_outputs(text: str) -> bool:
    kw = {"client_patterns": CLIENT_PATTERNS} if "client_patterns" in inspect.signature(privacy.screen_text).parameters else {}
    _, rep = privacy.screen_text(text, NAMES, **kw)
    if rep.texts_with_hits:
        return False
    akw = {"client_patterns": CLIENT_PATTERNS} if "client_patterns" in inspect.signature(privacy.audit_text).parameters else {}
    return not privacy.audit_text(text, names=NAMES, **akw)


def main() -> None:
    total, leaked = collections.Counter(), collections.Counter()
    for kind, text in cases():
        total[kind] += 1
        leaked[kind] += reaches_outputs(text)
    for kind in total:
        print(f"{kind:15} {leaked[kind]:3} of {total[kind]:3} reach the outputs")
    print(f"{'all':15} {sum(leaked.values()):3} of {sum(total.values()):3} reach the outputs")


if __name__ == "__main__":
    main()
