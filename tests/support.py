"""What tests share besides fixtures: the project root, a throw-away copy of the
project, the real CLI as a subprocess, and the fetch tests' fast retry policy.
(Fixtures themselves live in the conftest.py of each folder.)"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from sosrap.sources.http import RetryPolicy

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO_SNAPSHOT = "data/snapshots/demo-synthetic-2025"

# HTTP clients in tests: tiny backoff and timeouts, so faults cost milliseconds.
FAST = RetryPolicy(retries=3, backoff=0.001, backoff_max=0.01, retry_after_max=5.0,
                   connect_timeout=2.0, read_timeout=0.5)


def copy_project(dest: Path) -> Path:
    """A throw-away copy of the project's editable parts (params, notebooks,
    reports, the demo snapshot, the reference tables), so tests can edit and build without touching
    the checkout. The sosrap package itself is the installed one."""
    for part in ("params", "notebooks", "reports"):
        shutil.copytree(ROOT / part, dest / part, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_notebooks",
                                                                                "_variables.yml", "_notice.qmd"))
    shutil.copytree(ROOT / DEMO_SNAPSHOT, dest / DEMO_SNAPSHOT)
    shutil.copytree(ROOT / "data/reference", dest / "data/reference")    # areas: names, municipalities
    return dest


def git_commit_all(root: Path) -> Path:
    """Make *root* a git repository with everything committed (a release is made from a commit)."""
    git = ["git", "-c", "user.name=sosrap tests", "-c", "user.email=tests@example.invalid", "-c",
           "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "test project"], cwd=root, check=True)
    return root


def run_sosrap(*args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """The real CLI, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "sosrap", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def demo_table(edition: str = "demo"):
    """The demo edition's tidy indicator table, built from the committed snapshot (*edition*
    "demo-sv": the Swedish demo's, for Österbotten, with Swedish titles and names)."""
    from sosrap import params
    from sosrap.indicators import table as indicators
    from sosrap.sources.snapshot import Snapshot
    p = params.load(edition, ROOT).resolved()
    snap = Snapshot.open(ROOT / p["snapshot"])
    return indicators.build_table(
        snap, indicators=p["indicators"], themes=p["themes"], area=p["area"], country=p["country"],
        peer_category=p["peer_category"], municipality_category=p["municipality_category"], years=p["years"],
        population_indicator=p["population_indicator"], language=p["language"])


_PUBLISHED: dict = {}


def published_demo(tmp_path_factory):
    """(project root, result of `publish demo --version 1.0.0`), made once per session and shared by
    the release, citation, proposals and formats tests."""
    from sosrap.publish import release
    if "demo" not in _PUBLISHED:
        root = git_commit_all(copy_project(tmp_path_factory.mktemp("release") / "project"))
        _PUBLISHED["demo"] = (root, release.publish("demo", "1.0.0", root=root))
    return _PUBLISHED["demo"]


def staging_inputs(project: Path, params) -> tuple[dict, list[dict]]:
    """Key figures for every `{{< var >}}` the sources use, and a figure block for every label the
    proposals link to that no source defines (what the stages would have recorded)."""
    import re
    from sosrap.report import proposals as PR, staging as S
    variables: dict = {"key": {"x": 1}}
    for path in S.source_files(project / params.report, params.language).values():
        if path.suffix == ".qmd":
            for key in re.findall(r"\{\{< var ([^ >]+) >\}\}", path.read_text(encoding="utf-8")):
                top, _, rest = key.partition(".")
                if top not in ("edition", "snapshot"):
                    variables.setdefault(top, {})[rest] = "1"
    defined = PR.report_labels(S.source_files(project / params.report, params.language).values())
    links = {x for p in PR.load(project, params).register.proposals for x in p.links
             if x.startswith("fig-")} - defined          # the generated sections hold the figures
    png = project / "fig.png"
    png.write_bytes(b"\x89PNG fake")
    blocks = [{"kind": "fig", "section": "teema", "title": "Teema", "label": lab, "caption": "C", "alt": "A",
               "file": "fig.png", "_dir": str(project)} for lab in sorted(links)]
    return variables, blocks


WORD = __import__("re").compile(r"[A-Za-zÅÄÖåäöÉé]+")


def finnish_only_words(min_len: int = 4) -> set[str]:
    """The words of the Finnish wording catalogue that the Swedish one never uses (taken from the
    catalogues, not typed by hand): none of them belongs in a Swedish report."""
    from sosrap.report import wording as W

    def words(cat: dict[str, str]) -> set[str]:
        return {w.lower() for v in cat.values() for w in WORD.findall(W._PLACEHOLDER.sub(" ", v))}
    return {w for w in words(W.catalogue("fi")) - words(W.catalogue("sv")) if len(w) >= min_len}
