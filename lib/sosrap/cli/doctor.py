"""`sosrap doctor`: what this machine can do, and what each missing piece costs."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import typer

from sosrap.paths import project_root

app = typer.Typer()


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    cost: str = ""     # what the user loses when it is missing
    required: bool = False


def _version(cmd: list[str]) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if out.returncode == 0 and text else None


def check_quarto() -> Check:
    exe = shutil.which("quarto")
    v = _version([exe, "--version"]) if exe else None
    return Check("Quarto", bool(v), f"{v} ({exe})" if v else "not on PATH",
                 "reports render with the pandoc engine instead (same sources, sosrap's Lua filter)")


def check_pandoc() -> Check:
    try:
        import pypandoc
        path = pypandoc.get_pandoc_path()
        v = _version([path, "--version"])
    except (ImportError, OSError) as e:
        return Check("pandoc", False, f"unavailable: {e}", "no report can be rendered without Quarto",
                     required=True)
    return Check("pandoc", bool(v), f"{v} ({path})" if v else "does not run",
                 "no report can be rendered without Quarto", required=True)


def check_typst() -> Check:
    try:
        from importlib.metadata import version
        v = version("typst")
        return Check("typst", True, f"typst-py {v}")
    except Exception:
        return Check("typst", False, "PyPI package `typst` not installed", "no PDF (`--format pdf`)")


def check_chromium() -> Check:
    for exe in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(exe)
        if path:
            v = _version([path, "--version"])
            return Check("Chromium", bool(v), f"{v} ({path})" if v else f"{path} does not run",
                         "browser tests and screenshots are skipped")
    return Check("Chromium", False, "not found (Debian: apt-get install chromium)",
                 "browser tests and screenshots are skipped")


def check_kernel() -> Check:
    try:
        from jupyter_client.kernelspec import KernelSpecManager
        specs = KernelSpecManager().find_kernel_specs()
    except Exception as e:
        return Check("Jupyter kernel", False, f"jupyter_client unavailable: {e}", "no stage can run",
                     required=True)
    if "sosrap" in specs:
        return Check("Jupyter kernel", True, f"sosrap ({specs['sosrap']})")
    return Check("Jupyter kernel", "python3" in specs or bool(specs),
                 "the `sosrap` kernel is not registered (run `make setup`)",
                 "JupyterLab opens the notebooks with another kernel; builds still work")


def check_snapshots(root: Path) -> list[Check]:
    from sosrap import params as P
    from sosrap.errors import SosrapError
    from sosrap.pipeline import preflight
    out = []
    for edition in P.list_editions(root):
        try:
            p = P.load(edition, root)
        except SosrapError as e:
            out.append(Check(f"params ({edition})", False, str(e).splitlines()[-1].strip(),
                             f"`sosrap build {edition}` fails until params/{edition}.yaml is fixed", required=True))
            continue
        if not (root / p.snapshot).exists():
            out.append(Check(f"snapshot ({edition})", False, f"{p.snapshot} not fetched yet",
                             f"`sosrap build {edition}` cannot run until `sosrap fetch {edition}` writes it"))
            continue
        try:       # as a build opens it: every file's sha256, and the params' indicators and years
            snap = preflight.open_verified(root, p)
            preflight.check(p, snap)
        except SosrapError as e:
            out.append(Check(f"snapshot ({edition})", False, " ".join(str(e).split())[:300],
                             f"`sosrap build {edition}` fails until this is fixed", required=True))
            continue
        created = dt.datetime.fromisoformat(snap.created.replace("Z", "+00:00")) if snap.created else None
        age = f", {(dt.datetime.now(dt.timezone.utc) - created).days} days old" if created else ""
        kind = "SYNTHETIC" if snap.synthetic else "fetched"
        out.append(Check(f"snapshot ({edition})", True, f"{snap.id}: {kind}{age}, {len(snap.files)} files"))
    return out


def run() -> list[Check]:
    root = project_root()
    return [check_pandoc(), check_quarto(), check_typst(), check_chromium(), check_kernel(),
            *check_snapshots(root)]


def print_report(checks: list[Check]) -> bool:
    from rich.console import Console
    from rich.table import Table
    table = Table(title="sosrap doctor", title_justify="left")
    table.add_column("")
    table.add_column("what")
    table.add_column("found")
    table.add_column("if missing")
    for c in checks:
        mark = "[green]✓[/]" if c.ok else ("[red]✗[/]" if c.required else "[yellow]–[/]")
        table.add_row(mark, c.name, c.detail, "" if c.ok else c.cost)
    Console().print(table)
    return all(c.ok for c in checks if c.required)


@app.command()
def doctor() -> None:
    """Report what is available (Quarto, pandoc, typst, Chromium, kernel, snapshots) and what is missing."""
    if not print_report(run()):
        raise typer.Exit(1)
