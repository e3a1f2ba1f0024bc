"""The architecture holds: the import-linter layers contract in pyproject.toml, module size and
function complexity limits (radon), and no import cycles inside the package.

Run as a script to print the numbers: `python tests/test_layout.py [path/to/lib/sosrap]`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from radon.complexity import cc_visit
from radon.metrics import mi_visit

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "sosrap"
MAX_LINES = 450       # "no module over about 450 lines" (issue #11)
MAX_COMPLEXITY = 15   # cyclomatic complexity per function or method


def modules(pkg: Path = PACKAGE) -> list[Path]:
    return sorted(p for p in pkg.rglob("*.py") if "__pycache__" not in p.parts)


def complexity(pkg: Path = PACKAGE) -> list[tuple[str, str, int]]:
    """(module, function, cyclomatic complexity) for every function and method."""
    out = []
    for f in modules(pkg):
        for block in cc_visit(f.read_text(encoding="utf-8")):
            for b in getattr(block, "methods", None) or [block]:   # a class counts by its methods
                out.append((f.relative_to(pkg).as_posix(), b.fullname, b.complexity))
    return out


def line_counts(pkg: Path = PACKAGE) -> dict[str, int]:
    return {f.relative_to(pkg).as_posix(): len(f.read_text(encoding="utf-8").splitlines()) for f in modules(pkg)}


def test_import_layers_contract():
    """cli | stage > publish > pipeline > indicators | clientwork > demo > privacy > report > sources > core."""
    proc = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_no_module_is_too_long():
    long = {m: n for m, n in line_counts().items() if n > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_no_function_is_too_complex():
    bad = [(m, f, c) for m, f, c in complexity() if c > MAX_COMPLEXITY]
    assert not bad, f"functions over cyclomatic complexity {MAX_COMPLEXITY}: {bad}"


def main(pkg: Path) -> None:
    cc = complexity(pkg)
    lines = line_counts(pkg)
    mi = {f.relative_to(pkg).as_posix(): mi_visit(f.read_text(encoding="utf-8"), multi=True) for f in modules(pkg)}
    print(f"{len(lines)} modules, {sum(lines.values())} lines; longest: "
          + ", ".join(f"{m} {n}" for m, n in sorted(lines.items(), key=lambda kv: -kv[1])[:5]))
    print("lowest maintainability index: " + ", ".join(f"{m} {v:.2f}" for m, v in sorted(mi.items(), key=lambda kv: kv[1])[:4]))
    top = sorted(cc, key=lambda t: -t[2])
    print(f"functions with CC > {MAX_COMPLEXITY}: {sum(1 for t in cc if t[2] > MAX_COMPLEXITY)}; highest: "
          + ", ".join(f"{m}:{f} {c}" for m, f, c in top[:8]))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE)
