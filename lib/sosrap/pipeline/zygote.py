"""The kernel fork server ("zygote"): one process that imports what the stage
notebooks import, once, and forks a fresh IPython kernel for each stage.

A stage's kernel is still its own process, started from a pristine state:
the zygote never runs notebook code, creates no ZeroMQ context and starts no
thread, so a fork holds nothing but imported modules. What a fork saves is
the import: pandas, matplotlib, SciPy and the helper package are read and
initialised once per build instead of once per stage, and their pages are
shared (copy-on-write) between the kernels.

It is started by `sosrap.pipeline.kernels.Forks` with pipes as stdin and
stdout and speaks JSON lines:

- in:  ``{"id": n, "modules": [...], "argv": [...], "env": {...}, "cwd": ..., "log": ...}``
  imports *modules* (the ones the stage's notebook imports) if not yet
  imported, then forks a kernel (`argv`: the IPKernelApp arguments);
- out: ``{"id": n, "pid": p}`` (or ``"error"``), and ``{"exited": p, "code": c, "cpu": s}``
  when a kernel ends (the zygote reaps it, so its CPU time is counted as
  the zygote's children's, and the zygote is the runner's child; *s*: the
  kernel's own CPU seconds, user and system, what its stage cost).

Between requests it imports the `preload` modules (argv[1], a JSON list),
so later stages fork with everything warm. When stdin closes (the build
ended, or died) it stops its kernels and exits.

Never imported here, so that the kernel configures them itself:
`matplotlib_inline` (its import hooks the figure display into the running
kernel, and there is none in the zygote).
"""
from __future__ import annotations

import builtins
import gc
import importlib
import json
import os
import select
import signal
import sys
import time

#: the inline backend a kernel selects at start-up, set before matplotlib is imported (as ipykernel does)
MPLBACKEND = "module://matplotlib_inline.backend_inline"
#: modules that must be imported inside the kernel (see the module docstring)
KERNEL_SIDE = ("matplotlib_inline",)
#: what every fork needs: the kernel application and what its start-up imports (the debugger, the
#: history database, the event loop's queues, the shell's logger, inspector and completer, the
#: process facts it reports), so a fork is ready in a few tenths of a second; what a kernel still
#: imports itself is in its stage's log under `python -X importtime`
KERNEL_APP = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython.core.history",
              "tornado.queues", "pdb", "psutil", "sqlite3", "IPython.core.logger", "IPython.core.oinspect",
              "IPython.core.completerlib", "IPython.core.debugger", "tornado.platform.asyncio")
#: how long stopped kernels get to exit before they are killed (seconds)
STOP_GRACE = 5.0


class _KernelToBe:
    """What `get_ipython()` returns while the zygote imports: a shell that has a kernel.

    Some libraries ask at import time whether they run in a Jupyter kernel (pandas
    chooses its display width: `pandas.io.formats.console.is_terminal`); they will,
    so they are told so. Removed before any fork (the kernel's shell installs the real one)."""

    kernel = None
    config: dict = {}


def _import(name: str) -> None:
    if name.split(".")[0] in KERNEL_SIDE or name in sys.modules:
        return
    builtins.get_ipython = _KernelToBe      # type: ignore[attr-defined]
    try:
        importlib.import_module(name)
    except BaseException:  # noqa: BLE001 -- the kernel meets (and reports) the same error itself
        pass
    finally:
        del builtins.get_ipython            # type: ignore[attr-defined]


def _child(req: dict, zygote_pid: int) -> None:
    """In the forked process: become the stage's kernel (never returns)."""
    code = 1
    try:
        os.setsid()                       # its own process group, as jupyter_client starts kernels
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        os.environ.clear()
        os.environ.update(req["env"])
        os.environ.setdefault("MPLBACKEND", MPLBACKEND)
        os.environ["JPY_PARENT_PID"] = str(zygote_pid)
        # the kernel exits when the zygote does (the trait's default was read from the zygote's environment)
        argv = [*req["argv"], f"--IPKernelApp.parent_handle={zygote_pid}"]
        if req.get("cwd"):
            os.chdir(req["cwd"])
        sys.argv = ["ipykernel_launcher", *argv]
        sys.stdin = open(os.devnull)
        sys.stdout = os.fdopen(1, "w", buffering=1)
        sys.stderr = os.fdopen(2, "w", buffering=1)
        from ipykernel import kernelapp
        kernelapp.launch_new_instance(argv=argv)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
    except BaseException:  # noqa: BLE001
        import traceback
        traceback.print_exc()
    finally:
        os._exit(code)


class Zygote:
    def __init__(self, preload: list[str]):
        self.preload = list(preload)
        self.children: set[int] = set()
        self.buf = b""

    def send(self, msg: dict) -> None:
        os.write(1, (json.dumps(msg) + "\n").encode())

    def spawn(self, req: dict) -> None:
        for name in (*KERNEL_APP, *req.get("modules", ())):
            _import(name)
        # What the zygote imported lives as long as the kernels: out of the collector's sight
        # (the permanent generation), a kernel's collections walk only its own objects and never
        # write to (copy) the shared pages. No collection first: it would find ~20 objects in 0.07 s.
        gc.freeze()
        # the reply names the kernel before any report of its end can (SIGCHLD held until then)
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        try:
            try:
                pid = os.fork()
            except OSError as e:
                self.send({"id": req["id"], "error": str(e)})
                return
            if pid == 0:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                _child(req, os.getppid())
            self.children.add(pid)
            self.send({"id": req["id"], "pid": pid})
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def reap(self, *_signal) -> None:
        """Report every kernel that has ended. Also the SIGCHLD handler: a kernel's end is reported
        at once, even while the zygote imports a large module (its stage would wait for it)."""
        while True:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if not pid:
                return
            self.children.discard(pid)
            self.send({"exited": pid, "code": os.waitstatus_to_exitcode(status),
                       "cpu": round(usage.ru_utime + usage.ru_stime, 3)})

    def reap_now(self) -> None:
        """`reap` from the main loop, with the handler held off (one reaper at a time)."""
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        try:
            self.reap()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def requests(self, timeout: float) -> list[dict] | None:
        """Complete request lines on stdin (None when it closed)."""
        ready, _, _ = select.select([0], [], [], timeout)
        if not ready:
            return []
        chunk = os.read(0, 65536)
        if not chunk:
            return None
        self.buf += chunk
        *lines, self.buf = self.buf.split(b"\n")
        return [json.loads(ln) for ln in lines if ln.strip()]

    def stop(self) -> None:
        for pid in self.children:
            try:
                os.killpg(pid, signal.SIGTERM)
            except OSError:
                pass
        deadline = time.monotonic() + STOP_GRACE
        while self.children and time.monotonic() < deadline:
            self.reap_now()
            time.sleep(0.05)
        for pid in self.children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in list(self.children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass

    def serve(self) -> None:
        while True:
            # idle: import the next preload module; else wait for a request or a kernel's exit
            reqs = self.requests(0 if self.preload else 0.05)
            if reqs is None:
                return self.stop()
            for req in reqs:
                self.spawn(req)
            self.reap_now()
            if self.preload and not reqs:
                _import(self.preload.pop(0))


def main() -> None:
    # as ipykernel_launcher: the working directory is not on the path while modules load
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the build's; it closes our stdin
    os.environ.setdefault("MPLBACKEND", MPLBACKEND)
    preload = json.loads(sys.argv[1]) if len(sys.argv) > 1 else []
    zygote = Zygote([*KERNEL_APP, *preload])
    signal.signal(signal.SIGCHLD, zygote.reap)       # a fork resets it (`_child`)
    zygote.send({"ready": os.getpid()})
    zygote.serve()


if __name__ == "__main__":
    main()
