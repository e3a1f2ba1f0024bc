"""The conformance run reads Quarto's own translation files in place; it sets
`SOSRAP_QUARTO_LANGUAGE` for this folder's tests only, so the rest of the suite
renders with sosrap's own catalogue."""
from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="module")
def _quarto_language_env():
    before = os.environ.get("SOSRAP_QUARTO_LANGUAGE")
    yield
    if before is None:
        os.environ.pop("SOSRAP_QUARTO_LANGUAGE", None)
    else:
        os.environ["SOSRAP_QUARTO_LANGUAGE"] = before
