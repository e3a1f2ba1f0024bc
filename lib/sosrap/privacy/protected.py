"""Protected tables: the stage registers every published count table, the
audit checks that none of its cells shows a small count."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

#: a count below this (and above 0) is a small count: hidden in published tables, a finding in the audit
DEFAULT_MIN_COUNT = 5
#: what a hidden cell shows
DEFAULT_MARKER = "x"
PROTECTED_FILE = "protected_tables.json"


@dataclass(frozen=True)
class ProtectedTable:
    """A published table whose cells must not show small counts. *id* is the
    table's label as the report renders it (e.g. ``tbl-ilmiot-alue``)."""
    id: str
    min_count: int = DEFAULT_MIN_COUNT
    marker: str = DEFAULT_MARKER


def register_protected(run_dir: Path | str, table_id: str, min_count: int = DEFAULT_MIN_COUNT,
                       marker: str = DEFAULT_MARKER) -> Path:
    """Record in the stage's run directory that *table_id* is a protected count table."""
    path = Path(run_dir) / PROTECTED_FILE
    cur = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    cur = [t for t in cur if t["id"] != table_id]
    cur.append({"id": table_id, "min_count": int(min_count), "marker": marker})
    path.write_text(json.dumps(sorted(cur, key=lambda t: t["id"]), ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    return path


def load_protected(build_dir: Path | str) -> list[ProtectedTable]:
    """Every protected table registered by any stage under *build_dir*."""
    out: dict[str, ProtectedTable] = {}
    for p in sorted(Path(build_dir).rglob(PROTECTED_FILE)):
        for t in json.loads(p.read_text(encoding="utf-8")):
            out[t["id"]] = ProtectedTable(t["id"], int(t.get("min_count", DEFAULT_MIN_COUNT)),
                                          t.get("marker", DEFAULT_MARKER))
    return list(out.values())
