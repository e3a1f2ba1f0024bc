"""One stage notebook executed by Papermill, in a thread of the build process.

The kernel is forked by the build's zygote (`sosrap.pipeline.kernels`);
Papermill and nbclient only talk to it, so several stages run at once from
threads of one process (no worker processes, Papermill imported once). What
Papermill, nbclient and the kernel print goes to the stage's log
(`build/<edition>/state/<stage>.log`), never to the console.

`execute` returns facts, never raises: whether the notebook ran, where it
failed, when the kernel was ready and each cell ran, and the CPU seconds its
kernel used (the build records them in the stage's state file and the
manifest's timings).
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path
from typing import Sequence

from sosrap.pipeline.kernels import Forks, kernel_manager

KERNEL_START_ATTEMPTS = 3


#: optional back ends Papermill imports if it can, for notebooks on remote storage the build never
#: reads or writes: `pyarrow.fs` (HDFS) costs the build process a third of a second of CPU, NumPy included
PAPERMILL_UNUSED = ("pyarrow.fs",)
_PAPERMILL_IMPORT = threading.Lock()


def import_papermill():
    """Papermill, imported without jsonschema's optional IRI grammar: `rfc3987_syntax` compiles a
    Lark grammar on import (2 s of CPU), for "iri" format checks that notebook validation never
    makes. Blocked only when nothing imported it before. The back ends of `PAPERMILL_UNUSED` are
    kept out of Papermill's import only (anything may import them afterwards)."""
    with _PAPERMILL_IMPORT:                              # the stage threads: one holds, imports, releases
        if "jsonschema" not in sys.modules:
            sys.modules.setdefault("rfc3987_syntax", None)   # type: ignore[assignment]
        held = [] if "papermill" in sys.modules else [m for m in PAPERMILL_UNUSED if m not in sys.modules]
        for m in held:
            sys.modules[m] = None                            # type: ignore[assignment]  # an ImportError
        try:
            import papermill
        finally:
            for m in held:
                if sys.modules.get(m, False) is None:
                    del sys.modules[m]
    return papermill


class _StageLog(logging.Handler):
    """Warnings and errors logged by this thread (Papermill, nbclient, jupyter_client) into the stage log."""

    def __init__(self, path: str):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.stream = open(path, "a", encoding="utf-8")
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.stream.write(self.format(record) + "\n")
            self.stream.flush()

    def close(self) -> None:
        self.stream.close()
        super().close()


class Cancelled(Exception):
    """A stage started early (`Gate`) that the runner then did not run."""


class Gate:
    """A stage started before the stages it needs have finished: its kernel starts meanwhile,
    its first cell waits here until the runner opens the gate (the stage is stale and its
    inputs are complete) or cancels it (fresh, or blocked)."""

    def __init__(self) -> None:
        self._decided = threading.Event()
        self.go: float | None = None
        self.cancelled = False

    def open(self) -> None:
        self.go = time.monotonic()
        self._decided.set()

    def cancel(self) -> None:
        self.cancelled = True
        self._decided.set()

    def wait(self) -> float:
        """The moment the gate opened; raises Cancelled if it was cancelled."""
        self._decided.wait()
        if self.cancelled:
            raise Cancelled()
        assert self.go is not None
        return self.go


class _Clock:
    """nbclient hooks: when the kernel was ready (its first cell started) and how long each cell took.
    A stage started early (*gate*) is timed from the moment its gate opened."""

    def __init__(self, gate: Gate | None = None) -> None:
        self.t0 = time.monotonic()
        self.gate = gate
        self.ready: float | None = None
        self.ready_at = 0.0             # the same moment as a wall-clock time (a stage's own timings use those)
        self.cells: list[float] = []
        self._start = 0.0

    def on_cell_start(self, **_kw) -> None:
        if self.gate is not None:
            self.t0 = self.gate.wait()      # blocks this stage's thread only
            self.gate = None

    def on_cell_execute(self, **_kw) -> None:
        self._start = time.monotonic()
        if self.ready is None:
            self.ready, self.ready_at = self._start, time.time()

    def on_cell_executed(self, **_kw) -> None:
        self.cells.append(round(time.monotonic() - self._start, 3))

    def facts(self, processes: Sequence = ()) -> dict:
        """Also the CPU seconds of the stage's forked kernels (None unless every one has ended
        and was measured; a fresh kernel process is not)."""
        end = time.monotonic()
        ready = self.ready if self.ready is not None else end
        cpu = [getattr(p, "cpu", None) for p in processes]
        return {"seconds": end - self.t0, "kernel_start": round(max(0.0, ready - self.t0), 3),
                "ready_at": self.ready_at, "cells": self.cells,
                "cpu": round(sum(cpu), 3) if cpu and None not in cpu else None}


def _run(pm, clock: _Clock, nb_in: str, nb_out: str, parameters: dict, cwd: str, kernel: str, log: str,
         forks: Forks | None, modules: Sequence[str], ticket: int | None, processes: list) -> None:
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            # no `cwd=` for Papermill: it would chdir the whole build process; the kernel starts there
            pm.execute_notebook(nb_in, nb_out, parameters=parameters, kernel_name=kernel,
                                progress_bar=False, log_output=False, report_mode=False,
                                request_save_on_cell_execute=False,   # written once, at the end (or on an error)
                                kernel_manager_class=kernel_manager(forks, log, cwd, modules, ticket, processes),
                                on_cell_start=clock.on_cell_start, on_cell_execute=clock.on_cell_execute,
                                on_cell_executed=clock.on_cell_executed)
            return
        except RuntimeError as e:
            # Two kernels starting at once can pick the same free TCP port
            # (jupyter_client frees it before the kernel binds it); the
            # loser dies before running any cell, so starting again is safe.
            if "before replying to kernel_info" not in str(e) or attempt == KERNEL_START_ATTEMPTS:
                raise
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"sosrap: kernel failed to start ({e}); attempt {attempt + 1} of {KERNEL_START_ATTEMPTS}\n")
            clock.ready = None


def execute(nb_in: str, nb_out: str, parameters: dict, cwd: str, kernel: str, log: str,
            forks: Forks | None = None, modules: Sequence[str] = (), ticket: int | None = None,
            gate: Gate | None = None) -> dict:
    """Run one notebook; return facts, never raise. *forks*: the build's zygote (None: a fresh
    kernel process); *modules*: what the zygote imports before it forks this stage's kernel;
    *ticket*: its turn for the fork (`Forks.reserve`); *gate*: started early, the first cell
    waits for it (cancelled: ``{"ok": False, "cancelled": True}``, nothing written)."""
    Path(log).write_text("", encoding="utf-8")
    clock = _Clock(gate)
    procs: list = []
    handler = _StageLog(log)
    logging.getLogger().addHandler(handler)
    try:
        pm = import_papermill()
        from papermill.exceptions import PapermillExecutionError
        try:
            _run(pm, clock, nb_in, nb_out, parameters, cwd, kernel, log, forks, modules, ticket, procs)
        except Cancelled:
            handler.stream.write("sosrap: this stage's kernel was started before its inputs were ready; "
                                 "the stage did not run (it was fresh, or an upstream stage failed)\n")
            return {"ok": False, "cancelled": True, **clock.facts(procs)}
        except PapermillExecutionError as e:
            return {"ok": False, **clock.facts(procs), "cell_index": e.cell_index, "exec_count": e.exec_count,
                    "source": e.source, "ename": e.ename, "evalue": e.evalue}
        except Exception as e:  # kernel died, bad notebook JSON, ...
            return {"ok": False, **clock.facts(procs), "cell_index": None, "exec_count": None,
                    "source": "", "ename": type(e).__name__, "evalue": str(e)}
        return {"ok": True, **clock.facts(procs)}
    finally:
        if forks is not None:
            forks.release(ticket)       # its turn is over even if it never forked
        logging.getLogger().removeHandler(handler)
        handler.close()
