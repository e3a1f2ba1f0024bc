"""The client-work chapters' disclosure plan against an attacker who sees only
the published tables and key figures (tests/disclosure_attack.py, written
apart from the plan). On generated data sets the outside attacker and the
plan's own attack agree on which hidden cells, primary and complementary
alike, can be narrowed below the protection interval, and the stage publishes
only when there are none. benchmarks/attack_privacy.py runs the same attack on
a few hundred seeded sets."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import disclosure_attack as A
from sosrap import clientwork as C
from sosrap.privacy.plan import DisclosureError

_report = st.tuples(st.lists(st.sampled_from(A.CATEGORIES), min_size=1, max_size=3, unique=True).map(tuple),
                    st.sampled_from(A.AREAS), st.sampled_from(A.YEARS), st.none() | st.sampled_from(A.ACTIONS))
_answer = st.tuples(st.sampled_from(A.GROUPS), st.tuples(*[st.none() | st.integers(1, 5)] * 2), st.booleans())


@st.composite
def data_sets(draw) -> A.DataSet:
    """Reports and survey answers; a few values repeated many times, so small and large cells mix."""
    common = draw(st.lists(_report, min_size=1, max_size=4))
    reports = draw(st.lists(st.sampled_from(common) | _report, min_size=5, max_size=60))
    answers = draw(st.lists(_answer, min_size=2, max_size=40))
    return A.DataSet(tuple(reports), tuple(answers))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data_sets())
@example(A.DataSet(((("asuminen",), "aikuiset", 2024, None),) * 4 + (((("asuminen",), "aikuiset", 2023, None)),),
                   (("asukas", (None, None), False),) * 2))       # five reports, two years: no plan can hide them
def test_no_hidden_cell_can_be_narrowed_from_the_report(ds):
    sd = A.stage(ds)
    pub = A.unproved(sd)
    assert A.small_published(pub, sd.min_count) == []
    ranges = A.attack(sd, pub)
    narrow = {cell for cell, (lo, hi) in ranges.items() if hi - lo < pub.plan.protection}
    exposed = {A.cell_name(e.key) for e in pub.plan.exposures()}
    assert narrow == exposed, f"outside attacker: {sorted(narrow)}; the plan's attack: {sorted(exposed)}"
    event("refused" if exposed else "published")
    if exposed:                                     # the build refuses, naming the cells
        with pytest.raises(DisclosureError):
            C.publish_tables(sd)
