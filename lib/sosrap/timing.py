"""Where a stage's time goes, measured only when asked for.

With ``SOSRAP_TIMINGS=<folder>`` in the environment (`benchmarks/bench_pipeline.py`
sets it), a stage records how long it spent writing outputs and rendering
figures, and when its imports were done, in ``<folder>/<stage>.json``;
without it every call here does nothing. Phases are exclusive: the PNG
rendered inside `save_figure` counts as render, not as writing.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Iterator

ENV = "SOSRAP_TIMINGS"

_stage: str | None = None
_totals: dict[str, float] = {}
_marks: dict[str, float] = {}
_stack: list[float] = []          # time spent in nested phases, per open phase


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def begin(stage: str) -> None:
    """A stage starts (its imports are done): reset and mark the time."""
    global _stage
    if not enabled():
        return
    _stage = stage
    _totals.clear()
    _marks.clear()
    _marks["context"] = time.time()
    _flush()


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Count the time inside as *name* (minus nested phases)."""
    if _stage is None:
        yield
        return
    t0 = time.perf_counter()
    _stack.append(0.0)
    try:
        yield
    finally:
        inner = _stack.pop()
        spent = time.perf_counter() - t0
        _totals[name] = _totals.get(name, 0.0) + spent - inner
        if _stack:
            _stack[-1] += spent
        _flush()


def _flush() -> None:
    folder = Path(os.environ[ENV])
    folder.mkdir(parents=True, exist_ok=True)
    data = {"stage": _stage, "pid": os.getpid(), "marks": _marks, "totals": _totals, "at": time.time()}
    (folder / f"{_stage}.json").write_text(json.dumps(data), encoding="utf-8")
