"""The snapshot format: atomic, immutable writing, verification, and the fetch `Draft`."""
from __future__ import annotations

import pytest

from sosrap.errors import SnapshotError
from sosrap.sources.http import Fetched
from sosrap.sources.snapshot import Draft, PendingFile, Snapshot, size_text, write_snapshot


def test_write_is_atomic_and_immutable(tmp_path):
    files = [PendingFile("a/x.json", b"[]", "sotkanet", "data", "1", "http://x", "2025-01-01T00:00:00Z", "CC BY 4.0")]
    snap = write_snapshot(tmp_path / "s1", {"id": "s1", "created": "2025-01-01T00:00:00Z"}, files)
    assert snap.files[0].bytes == 2
    with pytest.raises(SnapshotError, match="immutable"):
        write_snapshot(tmp_path / "s1", {"id": "s1"}, files)

    def boom():
        yield files[0]
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        write_snapshot(tmp_path / "s2", {"id": "s2"}, boom())
    assert not (tmp_path / "s2").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["s1"], "no partial folder is left behind"


def test_tampered_file_is_detected(tmp_path):
    files = [PendingFile("x.json", b"[1]", "sotkanet", "data", "1", "http://x", "2025-01-01T00:00:00Z", "")]
    write_snapshot(tmp_path / "s", {"id": "s"}, files)
    (tmp_path / "s" / "x.json").write_bytes(b"[2]")
    with pytest.raises(SnapshotError, match="immutable"):
        Snapshot.open(tmp_path / "s", verify=True)
    with pytest.raises(SnapshotError, match="not a snapshot"):
        Snapshot.open(tmp_path / "nothing")


def _fetched(content: bytes, url: str = "http://x/a") -> Fetched:
    return Fetched(url=url, method="GET", status=200, content=content, retrieved="2026-01-01T00:00:00Z")


def test_draft_keeps_identical_bytes_from_the_same_url_only(tmp_path):
    old = write_snapshot(tmp_path / "s", {"id": "s", "sources": {"sotkanet": {"base_url": "http://x/"}}},
                         [PendingFile("a.json", b"[1]", "sotkanet", "data", "1", "http://x/a",
                                      "2025-01-01T00:00:00Z", "CC BY 4.0")])
    draft = Draft(old)
    assert draft.previous("sotkanet", "http://x/") is old and draft.previous("sotkanet", "http://y/") is None
    assert draft.previous("statfin", "http://x/") is None
    assert draft.add("a.json", _fetched(b"[1]"), "sotkanet", "data", "1", "CC BY 4.0") is True
    assert draft.carry == [(old.files[0], tmp_path / "s" / "a.json")] and not draft.pending
    assert draft.add("a.json", _fetched(b"[1]", "http://x/other"), "sotkanet", "data", "1", "") is False
    assert draft.add("a.json", _fetched(b"[2]"), "sotkanet", "data", "1", "") is False
    assert draft.add("a.json", _fetched(b"[1]"), "sotkanet", "data", "1", "", reuse_identical=False) is False
    assert len(draft.pending) == 3 and draft.pending[0].retrieved == "2026-01-01T00:00:00Z"
    assert Draft(None).previous("sotkanet", "http://x/") is None


def test_size_text():
    assert (size_text(512), size_text(2048), size_text(1536 * 1024)) == ("512 B", "2 kB", "1536 kB")


def test_a_file_hash_kept_in_the_process_is_read_again_when_the_file_changes(tmp_path, monkeypatch):
    import hashlib
    import os
    from sosrap.sources import snapshot as S
    f = tmp_path / "a.bin"
    f.write_bytes(b"alpha")
    S.sha256_file(f)
    st = os.stat(f)
    assert (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) not in S._HASHED, \
        "a file written just now is not kept (a coarse clock could hide a second write)"
    monkeypatch.setattr(S, "RACY_NS", -10**12)          # keep every hash, to see each change invalidate it
    assert S.sha256_file(f) == hashlib.sha256(b"alpha").hexdigest()
    f.write_bytes(b"ALPHA")                             # same size
    assert S.sha256_file(f) == hashlib.sha256(b"ALPHA").hexdigest()
    st = os.stat(f)
    with open(f, "r+b") as fh:                          # in place, times put back: the change time moves
        fh.write(b"omega")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert S.sha256_file(f) == hashlib.sha256(b"omega").hexdigest()
    g = tmp_path / "b.bin"                              # replaced by another file (a new inode)
    g.write_bytes(b"beta")
    os.replace(g, f)
    assert S.sha256_file(f) == hashlib.sha256(b"beta").hexdigest()
