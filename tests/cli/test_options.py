"""The shared options object (sosrap.cli.options)."""
from __future__ import annotations

from sosrap.cli.options import Options


def test_progress_goes_to_stderr_unless_quiet(capsys):
    Options().progress()("step 1")
    Options(quiet=True).progress()("hidden")
    Options().progress(quiet=True)("hidden too")      # a command's own --quiet
    out = capsys.readouterr()
    assert out.err == "step 1\n" and out.out == ""
