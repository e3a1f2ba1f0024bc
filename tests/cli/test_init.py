"""The one `sosrap` app (sosrap.cli): its commands, registered one way, and the
shared options carried in the Typer context rather than a global."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from typer.testing import CliRunner

import sosrap.cli as cli
from sosrap.cli import app
from sosrap.cli.options import Options
from support import ROOT, run_sosrap

COMMANDS = ["build", "status", "demo-data", "batch", "doctor", "fetch", "publish", "verify", "new-edition",
            "quotes", "template", "ingest"]


def test_help_lists_every_command_once_in_order():
    r = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    listed = re.findall(r"^│ ([a-z-]+)\s{2,}", r.output.split("Commands")[1], flags=re.M)
    assert listed == COMMANDS
    assert "--debug" in r.output and "--quiet" in r.output


def test_each_module_registers_its_commands_on_its_own_app():
    names = []
    for module in cli.MODULES:
        names += [c.name or c.callback.__name__.replace("_", "-") for c in module.app.registered_commands]
        names += [g.name for g in module.app.registered_groups]
    assert names == COMMANDS
    assert [g.typer_instance for g in app.registered_groups] == [m.app for m in cli.MODULES]


def test_no_command_module_imports_the_package_or_keeps_a_global_state():
    """No import cycle: the package imports the modules, never the other way round."""
    for path in sorted(Path(cli.__file__).parent.glob("*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert "sosrap.cli" not in imported, path.name
        assert not {m for m in imported if m and m.startswith("sosrap.cli.") and m != "sosrap.cli.options"}, path.name
        assert "STATE" not in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}, path.name


def test_shared_options_live_in_the_context_object(tmp_path):
    opts = Options()
    r = CliRunner().invoke(app, ["--quiet", "--debug", "demo-data", str(tmp_path / "snap")], obj=opts)
    assert r.exit_code == 0, r.output
    assert opts == Options(debug=True, quiet=True)
    assert "wrote synthetic snapshot 'demo-synthetic-2025'" in r.output
    plain = Options()
    CliRunner().invoke(app, ["demo-data", str(tmp_path / "again")], obj=plain)
    assert plain == Options()


def test_an_error_is_one_message_and_debug_shows_the_traceback():
    proc = run_sosrap("status", "nope", cwd=ROOT)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "error:" in proc.stderr and "no params file for edition 'nope'" in proc.stderr
    proc = run_sosrap("--debug", "status", "nope", cwd=ROOT)
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "ParamsError" in proc.stderr

