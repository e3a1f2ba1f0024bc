"""The no-op rebuild's stat signature (`pipeline.stamp`): any change to what a build read or
wrote sends the next build down the ordinary path."""
from __future__ import annotations

import os
from pathlib import Path

from sosrap.pipeline import stamp

KEY = stamp.options_key(edition="demo", formats=["html"])


def tree(tmp_path: Path) -> tuple[Path, list[str]]:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha", encoding="utf-8")
    (src / "sub" / "b.txt").write_text("beta", encoding="utf-8")
    build = tmp_path / "build"
    (build / "state").mkdir(parents=True)
    (build / "report.html").write_text("<p>x</p>", encoding="utf-8")
    (build / "area" / "state").mkdir(parents=True)          # another build inside this one's folder
    roots = [f"tree:{src}", f"tree:{tmp_path / 'absent.csv'}", *stamp.build_roots(build, ("state",))]
    stamp.write(build, KEY, roots, {"outputs": {"html": str(build / "report.html")}})
    return build, roots


def test_unchanged_is_fresh_and_gives_the_recorded_result(tmp_path):
    build, _ = tree(tmp_path)
    hit = stamp.fresh(build, KEY)
    assert hit is not None and hit["result"]["outputs"]["html"].endswith("report.html")
    assert stamp.fresh(build, {**KEY, "formats": ["html", "pdf"]}) is None      # other options


def test_a_file_edited_keeping_its_size_and_mtime_is_a_change(tmp_path):
    build, _ = tree(tmp_path)
    a = tmp_path / "src" / "a.txt"
    st = a.stat()
    a.write_text("ALPHA", encoding="utf-8")
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))    # cp -p / rsync -t keep the time; the change time moves
    assert stamp.fresh(build, KEY) is None


def test_added_removed_and_appearing_files_are_changes(tmp_path):
    build, _ = tree(tmp_path)
    (tmp_path / "src" / "sub" / "c.txt").write_text("new", encoding="utf-8")
    assert stamp.fresh(build, KEY) is None
    build, _ = tree(tmp_path / "2")
    (tmp_path / "2" / "src" / "sub" / "b.txt").unlink()
    assert stamp.fresh(build, KEY) is None
    build, _ = tree(tmp_path / "3")
    (tmp_path / "3" / "absent.csv").write_text("x", encoding="utf-8")   # a declared file that was missing
    assert stamp.fresh(build, KEY) is None
    build, _ = tree(tmp_path / "4")
    (build / "state" / "b.json").write_text("{}", encoding="utf-8")     # inside the build's own folders
    assert stamp.fresh(build, KEY) is None


def test_other_builds_inside_the_folder_and_bytecode_are_not_its_files(tmp_path):
    build, _ = tree(tmp_path)
    (build / "area" / "state" / "x.json").write_text("{}", encoding="utf-8")
    (tmp_path / "src" / "__pycache__").mkdir()
    assert stamp.fresh(build, KEY) is not None


def test_files_written_just_before_the_stamp_are_checked_by_content(tmp_path):
    build, _ = tree(tmp_path)
    data = stamp.fresh(build, KEY)
    assert str(tmp_path / "src" / "a.txt") in data["racy"]       # same clock tick: size and times may not move
    a = tmp_path / "src" / "a.txt"
    st = a.stat()
    with open(a, "r+b") as fh:          # same size, and both times put back as far as the clock allows
        fh.write(b"ALPHA")
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert stamp.fresh(build, KEY) is None


def test_a_build_that_starts_removes_the_stamp(tmp_path):
    build, _ = tree(tmp_path)
    stamp.remove(build)
    assert stamp.fresh(build, KEY) is None


def _probe(build: Path) -> stamp.Probe:
    data, changed = stamp.changes(build, KEY)
    return stamp.Probe(data, frozenset(changed))


def test_the_probe_names_what_changed_and_whether_it_is_all_inside_a_folder(tmp_path):
    build, _ = tree(tmp_path)
    src, sub = tmp_path / "src", tmp_path / "src" / "sub"
    assert not _probe(build).changed and not _probe(build).only_within(src)     # nothing changed: a no-op
    (sub / "b.txt").write_text("BETA!", encoding="utf-8")
    pr = _probe(build)
    assert str(sub / "b.txt") in pr.changed
    assert pr.only_within(src) and pr.only_within(sub)
    assert not pr.only_within(tmp_path / "sr"), "a folder whose name the path only starts with is not it"
    assert not pr.only_within(src, but=[sub / "b.txt"]), "an excluded file changed"
    (tmp_path / "absent.csv").write_text("x", encoding="utf-8")                  # and one outside
    assert not _probe(build).only_within(src)


def test_the_probe_sees_a_new_file_a_removed_one_and_a_build_folder_change(tmp_path):
    build, _ = tree(tmp_path)
    (tmp_path / "src" / "sub" / "c.txt").write_text("new", encoding="utf-8")
    (tmp_path / "src" / "a.txt").unlink()
    pr = _probe(build)
    assert {str(tmp_path / "src" / "sub" / "c.txt"), str(tmp_path / "src" / "a.txt")} <= pr.changed
    assert pr.only_within(tmp_path / "src")
    (build / "report.html").write_text("<p>y</p>", encoding="utf-8")
    assert not _probe(build).only_within(tmp_path / "src")


def test_no_stamp_or_other_options_give_no_probe(tmp_path):
    build, _ = tree(tmp_path)
    (tmp_path / "src" / "a.txt").write_text("ALPHA!", encoding="utf-8")
    data, changed = stamp.changes(build, {**KEY, "formats": ["docx"]})
    assert data is None and not changed
    assert not stamp.Probe(data, frozenset(changed)).only_within(tmp_path / "src")
    stamp.remove(build)
    assert stamp.changes(build, KEY) == (None, set())
    stamp.stamp_file(build).write_text("{not json", encoding="utf-8")
    assert stamp.changes(build, KEY) == (None, set())
