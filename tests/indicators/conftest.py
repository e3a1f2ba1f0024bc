"""Fixtures of the indicator tests: the demo edition's table with rates and intervals, built once."""
from __future__ import annotations

import pytest

from support import demo_table


@pytest.fixture(scope="session")
def demo_rated():
    from sosrap.indicators import stats
    return stats.add_rates(demo_table())
