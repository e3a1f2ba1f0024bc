"""Fixtures for the CLI tests: the demo edition's synthetic client-work exports."""
from __future__ import annotations

import pytest

from sosrap import params as _params
from sosrap.demo import clientwork as D


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory):
    """(paths of the synthetic exports, the demo's client_work params), written once per module."""
    cw = _params.load("demo").client_work
    return D.generate(tmp_path_factory.mktemp("demo"), cw), cw
