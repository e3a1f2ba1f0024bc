"""Protected tables: registered by a stage, loaded by the build (sosrap.privacy.protected)."""
from __future__ import annotations

from sosrap import privacy as P


def test_register_and_load_protected(tmp_path):
    (tmp_path / "artifacts" / "s").mkdir(parents=True)
    P.register_protected(tmp_path / "artifacts" / "s", "tbl-a", 5)
    P.register_protected(tmp_path / "artifacts" / "s", "tbl-b", 3, "..")
    P.register_protected(tmp_path / "artifacts" / "s", "tbl-a", 6)
    got = sorted(P.load_protected(tmp_path), key=lambda t: t.id)
    assert got == [P.ProtectedTable("tbl-a", 6), P.ProtectedTable("tbl-b", 3, "..")]


def test_protected_file_is_json_sorted_by_id(tmp_path):
    import json
    P.register_protected(tmp_path, "tbl-b", 5)
    P.register_protected(tmp_path, "tbl-a", 5)
    data = json.loads((tmp_path / P.PROTECTED_FILE).read_text(encoding="utf-8"))
    assert [t["id"] for t in data] == ["tbl-a", "tbl-b"]
