"""Stage kernels forked from a warm process (`sosrap.pipeline.zygote`).

`Forks` starts the zygote when a build first needs a kernel and talks to it
over its stdin/stdout; `kernel_manager(forks, ...)` gives the kernel manager
class nbclient (under Papermill) starts each stage's kernel with. Its
provisioner asks the zygote to fork instead of starting a new Python, and
hands jupyter_client a process handle (`ForkedProcess`) with the methods it
uses on a `Popen` (poll, wait, signals). A kernelspec that is not an
ipykernel (a test's, say) is started the ordinary way.

Why: a fresh kernel spends about 1 s starting IPython and 2.5 s importing
pandas, matplotlib, SciPy and the helpers, for every stage; a fork from the
zygote is ready in a few tenths of a second and the imports are paid once per
build (and the zygote imports while the first stage already runs). Each stage
still runs in its own process with nothing of another stage in it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, Iterable, Sequence

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

#: kernelspec argv that the zygote can stand in for
LAUNCHER = ("-m", "ipykernel_launcher")
#: the zygote's log in a build's (or batch's) state folder: state/_kernels.log, what it printed
ZYGOTE_LOG = "_kernels"


class ForkedProcess:
    """What jupyter_client needs of a kernel's `Popen`, for a kernel the zygote forked."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self.cpu: float | None = None       # its CPU seconds, once it has ended (the zygote measured them)
        self._exited = threading.Event()

    def _set_exit(self, code: int, cpu: float | None = None) -> None:
        self.returncode, self.cpu = code, cpu
        self._exited.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._exited.wait(timeout):
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Forks:
    """The zygote of one build (or of a batch of builds): start, fork kernels, stop."""

    def __init__(self, preload: Sequence[str] = (), log: Path | None = None):
        self.preload = list(preload)
        self.log = log
        self.proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._next = 0
        self._replies: dict[int, dict] = {}
        self._kernels: dict[int, ForkedProcess] = {}
        self._cond = threading.Condition(self._lock)
        self._reader: threading.Thread | None = None
        self._tickets = 0               # reserved turns (`reserve`), in the order the runner starts stages
        self._turn = 1                  # the turn whose fork may be requested now
        self._done: set[int] = set()
        self._early: dict[int, tuple[int, float | None]] = {}
        self._closed = False

    @classmethod
    def of_build(cls, project: Path, stages: Iterable, state: Path) -> "Forks":
        """The zygote of a build (or a batch) whose state folder is *state*: it imports what the
        *stages*' notebooks import, listed with the parsed-imports cache there (the package is not
        parsed again before the zygote can start), and logs to state/_kernels.log. Not started."""
        from sosrap.pipeline import imports
        imports.load_cache(state / imports.CACHE)
        return cls(imports.preload_modules(project, stages), log=state / f"{ZYGOTE_LOG}.log")

    def start(self) -> "Forks":
        """Start the zygote (it imports in the background; forks wait for what they need).
        Once closed, never again: a stage thread still retrying after Ctrl-C gets an error,
        not a new zygote whose kernel would finish the stage behind the build's back."""
        if self._closed:
            raise RuntimeError("the kernel fork server was stopped (the build is stopping)")
        if self.proc is not None:
            return self
        err: IO | int = subprocess.DEVNULL
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            err = open(self.log, "ab")
        env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1"}
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from sosrap.pipeline.zygote import main; main()", json.dumps(self.preload)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env, bufsize=0)
        finally:
            if not isinstance(err, int):
                err.close()
        self._reader = threading.Thread(target=self._read, name="sosrap-zygote", daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            msg = json.loads(line)
            with self._cond:
                if "exited" in msg:
                    k = self._kernels.pop(msg["exited"], None)
                    if k is not None:
                        k._set_exit(msg["code"], msg.get("cpu"))
                    else:                   # it ended before `spawn` had its reply
                        self._early[msg["exited"]] = (msg["code"], msg.get("cpu"))
                elif "id" in msg:
                    self._replies[msg["id"]] = msg
                self._cond.notify_all()
        with self._cond:            # the zygote is gone: so are its kernels
            for k in self._kernels.values():
                k._set_exit(-signal.SIGKILL)
            self._kernels.clear()
            self._cond.notify_all()

    def reserve(self) -> int:
        """A turn for a stage's fork: forks are requested in the order of their turns (the stage on
        the critical path first), whichever of the stage threads gets there first."""
        with self._cond:
            self._tickets += 1
            return self._tickets

    def release(self, ticket: int | None) -> None:
        """A turn is over (its fork was requested, or its stage ended without one)."""
        if ticket is None:
            return
        with self._cond:
            self._done.add(ticket)
            while self._turn in self._done:
                self._turn += 1
            self._cond.notify_all()

    def spawn(self, argv: list[str], *, env: dict, cwd: str | None, log: str,
              modules: Sequence[str] = (), ticket: int | None = None) -> ForkedProcess:
        """Fork a kernel with IPKernelApp arguments *argv*, after importing *modules* in the zygote
        (in the order of *ticket*, see `reserve`)."""
        self.start()
        assert self.proc is not None and self.proc.stdin is not None
        with self._cond:
            while ticket is not None and ticket > self._turn and self.proc.poll() is None:
                self._cond.wait(1.0)
            self._next += 1
            rid = self._next
            req = {"id": rid, "argv": list(argv), "env": dict(env), "cwd": cwd, "log": log,
                   "modules": list(modules)}
            self._send((json.dumps(req) + "\n").encode())
        self.release(ticket)
        with self._cond:
            while rid not in self._replies:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the kernel fork server exited ({self.proc.returncode}); see {self.log}")
                self._cond.wait(1.0)
            reply = self._replies.pop(rid)
            if "error" in reply:
                raise RuntimeError(f"the kernel fork server could not fork: {reply['error']}")
            proc = ForkedProcess(reply["pid"])
            if proc.pid in self._early:
                proc._set_exit(*self._early.pop(proc.pid))
            else:
                self._kernels[proc.pid] = proc
            return proc

    def _send(self, data: bytes) -> None:
        """All of *data* to the zygote (a pipe may take a long request in parts)."""
        assert self.proc is not None and self.proc.stdin is not None
        view = memoryview(data)
        while view:
            view = view[self.proc.stdin.write(view) or 0:]

    def close(self, timeout: float = 15.0, wait: bool = True) -> None:
        """Stop the zygote and its kernels (it stops them when its stdin closes) and reap it.
        *wait* False: only tell it to stop (it exits on its own while the caller goes on; a
        later `close()` reaps it)."""
        self._closed = True
        if self.proc is None:
            return
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass
        if not wait:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._reader is not None:
            self._reader.join(5)
        self.proc = None

    def __enter__(self) -> "Forks":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _launcher_args(cmd: list[str]) -> list[str] | None:
    """The IPKernelApp arguments of a `python -m ipykernel_launcher …` kernel command, else None."""
    for i in range(len(cmd) - 1):
        if tuple(cmd[i:i + 2]) == LAUNCHER:
            return cmd[i + 2:]
    return None


class ForkProvisioner(LocalProvisioner):
    """Starts the kernel as a fork of the zygote; anything else as LocalProvisioner does."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        km = self.parent
        args = _launcher_args(cmd)
        kwargs = {**kwargs, "cwd": kwargs.get("cwd") or km.kernel_cwd}
        if km.forks is None or args is None:
            log = open(km.log_path, "ab") if km.log_path else None
            try:
                extra = {"stdout": log, "stderr": log} if log else {}
                return await super().launch_kernel(cmd, **{**kwargs, **extra})
            finally:
                if log:
                    log.close()
        env = kwargs.get("env") or dict(os.environ)
        ticket, type(km).ticket = km.ticket, None         # a restarted kernel waits for no turn
        self.process = km.forks.spawn(args, env=env, cwd=kwargs.get("cwd"), log=km.log_path or os.devnull,
                                      modules=km.modules, ticket=ticket)
        if km.processes is not None:
            km.processes.append(self.process)
        self.pid = self.process.pid
        self.pgid = self.process.pid          # the fork is its own process group (setsid)
        self.cwd = kwargs.get("cwd", Path.cwd())
        return self.connection_info


class StageKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, with the provisioner above; `kernel_manager` binds its settings."""

    forks: Forks | None = None
    log_path: str | None = None
    kernel_cwd: str | None = None
    modules: tuple[str, ...] = ()
    ticket: int | None = None
    processes: list | None = None     # the forked kernels (`ForkedProcess`), for their CPU seconds

    async def _async_pre_start_kernel(self, **kw: Any):
        if self.provisioner is None:
            import uuid
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


def kernel_manager(forks: Forks | None, log: str | None, cwd: str | None = None,
                   modules: Sequence[str] = (), ticket: int | None = None,
                   processes: list | None = None) -> type[StageKernelManager]:
    """A kernel manager class (what nbclient's `kernel_manager_class` takes) for one stage: its
    kernel starts in *cwd* (the build's own working directory is not changed: stages run in threads).
    *processes*: a list the forked kernels are appended to."""
    return type("StageKernelManager", (StageKernelManager,),
                {"forks": forks, "log_path": log, "kernel_cwd": cwd, "modules": tuple(modules), "ticket": ticket,
                 "processes": processes})
