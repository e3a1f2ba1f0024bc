"""Fixtures for the source clients' tests (Sotkanet, Statistics Finland, fetch, classifications).

The replay server runs on 127.0.0.1 with real sockets; HTTP clients get tiny
backoff and timeout settings and a recording sleep, so faults cost
milliseconds, not seconds.
"""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from replay_server import ReplayServer
from sosrap.sources.http import HttpClient
from support import FAST, ROOT


class SleepRecorder:
    """Stands in for time.sleep: records the requested seconds, waits 1 ms."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        import time
        self.calls.append(seconds)
        time.sleep(min(seconds, 0.001))


@pytest.fixture
def replay():
    with ReplayServer() as server:
        yield server


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def http(sleeps) -> HttpClient:
    return HttpClient(FAST, sleep=sleeps)


EDITION = textwrap.dedent("""\
    # a test edition (comments must survive pinning)
    edition: t
    title: Testiraportti
    area: {category: HYVINVOINTIALUE, code: "19"}
    years: {start: 2022, end: 2025}
    snapshot: data/snapshots/t-unfetched   # pinned by sosrap fetch
    report: reports/t
    indicators:
      - {id: 493, theme: toimeentulotuki}
      - {id: 181, theme: tyottomyys}
      - {id: 1086, theme: lastensuojelu}
    sources:
      statfin:
        tables:
          - id: 11ra
            path: vaerak/11ra.px
            selections:
              - {variable: Alue, values: all}
              - {variable: Tiedot, values: [vaerak-vaesto, Naiset 31.12. (lkm)]}
    """)


@pytest.fixture
def fetch_project(tmp_path, replay, monkeypatch) -> Path:
    """A minimal project (params + an empty notebooks/) whose sources point at
    the replay server through the environment, as an offline mirror would."""
    root = tmp_path / "project"
    (root / "params").mkdir(parents=True)
    (root / "notebooks").mkdir()
    shutil.copy(ROOT / "params/_defaults.yaml", root / "params/_defaults.yaml")
    shutil.copy(ROOT / "params/2026.yaml", root / "params/2026.yaml")
    (root / "params/t.yaml").write_text(EDITION, encoding="utf-8")
    monkeypatch.setenv("SOSRAP_ROOT", str(root))
    monkeypatch.setenv("SOSRAP_SOTKANET_URL", replay.sotkanet_url)
    monkeypatch.setenv("SOSRAP_STATFIN_URL", replay.statfin_url)
    monkeypatch.setenv("SOSRAP_CLASSIFICATIONS_URL", replay.classifications_url)
    return root
