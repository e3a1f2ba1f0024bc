"""The attacks of issue #17 on the privacy gate.

Free text: 122 planted values (identity codes, phones, e-mails, names,
addresses, IBANs, plates, client numbers, birth dates, URLs, IPs, each with the
evasions the audit used), each in one sentence. A case *reaches the outputs*
when screening leaves the text as it is (no hit) and the audit of that text
finds nothing either: the sentence would be published verbatim. Prints the
count by kind. Works against any version of ``sosrap.privacy`` that has
``screen_text`` and ``audit_text`` (for the before/after comparison).

Tables: a few hundred seeded random client-work data sets through the stage's
disclosure plan, each attacked by integer programming from what the chapters
publish (tests/disclosure_attack.py, an attacker written apart from the plan),
every hidden cell, primary and complementary. Prints how many sets were
published or refused, the hidden cells attacked, exact disclosures and ranges
narrower than the protection interval, and whether the plan's own attack saw
the same cells.

Usage: python benchmarks/attack_privacy.py [--sets 300] [--seed 0] [--no-text] [--no-tables]
"""
from __future__ import annotations

import argparse
import collections
import inspect
import random
import sys
import time
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


def text_attack() -> None:
    total, leaked = collections.Counter(), collections.Counter()
    for kind, text in cases():
        total[kind] += 1
        leaked[kind] += reaches_outputs(text)
    for kind in total:
        print(f"{kind:15} {leaked[kind]:3} of {total[kind]:3} reach the outputs")
    print(f"{'all':15} {sum(leaked.values()):3} of {sum(total.values()):3} reach the outputs")


def table_attack(sets: int, seed: int) -> None:
    sys.path.insert(0, str(CASES.parents[2]))
    import disclosure_attack as A
    r = random.Random(seed)
    c = collections.Counter()
    t0 = time.perf_counter()
    for _ in range(sets):
        sd = A.stage(A.random_set(r))
        pub = A.unproved(sd)
        ranges = A.attack(sd, pub)
        narrow = {k for k, (lo, hi) in ranges.items() if hi - lo < pub.plan.protection}
        exposed = {A.cell_name(e.key) for e in pub.plan.exposures()}
        c["refused" if exposed else "published"] += 1
        c["small counts shown"] += len(A.small_published(pub, sd.min_count))
        for name, (lo, hi) in ranges.items():
            key = next((k for k in pub.plan.keys() if A.cell_name(k) == name), None)
            kind = "primary" if key is not None and pub.plan.is_primary(key) else "complementary"
            c[f"hidden {kind}"] += 1
            if not exposed:
                c["exact disclosures (published sets)"] += lo == hi
                c["narrower than the interval (published sets)"] += hi - lo < pub.plan.protection
        c["sets where the plan's attack disagrees"] += narrow != exposed
    secs = time.perf_counter() - t0
    print(f"{sets} random client-work data sets (seed {seed}), {secs:.0f} s:")
    for k in ("published", "refused", "hidden primary", "hidden complementary", "small counts shown",
              "exact disclosures (published sets)", "narrower than the interval (published sets)",
              "sets where the plan's attack disagrees"):
        print(f"  {k:45} {c[k]:6}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", type=int, default=300, help="random client-work data sets to attack")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-text", action="store_true")
    ap.add_argument("--no-tables", action="store_true")
    a = ap.parse_args()
    if not a.no_text:
        text_attack()
    if not a.no_tables:
        table_attack(a.sets, a.seed)


if __name__ == "__main__":
    main()
