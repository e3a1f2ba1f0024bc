"""`sosrap doctor` (sosrap.cli.doctor): what this machine can do, on the real machine."""
from __future__ import annotations

from typer.testing import CliRunner

from sosrap.cli import app
from sosrap.cli import doctor as D


def test_doctor_reports_the_tools_and_each_editions_snapshot():
    r = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output          # pandoc and a kernel are required, and installed here
    for what in ("pandoc", "Quarto", "typst", "Chromium", "Jupyter kernel", "snapshot (demo)"):
        assert what in r.output
    assert "demo-synthetic-2025: SYNTHETIC" in r.output


def test_a_missing_required_tool_fails(capsys):
    ok = D.Check("x", True, "found")
    assert D.print_report([ok, D.Check("y", False, "absent", "nice to have")])
    assert not D.print_report([ok, D.Check("z", False, "absent", "nothing renders", required=True)])
    assert "nothing renders" in capsys.readouterr().out
