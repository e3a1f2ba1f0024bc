"""The tidy indicator table from the committed demo snapshot: one row per indicator × region × year,
in the params' reading order, roles from the params, missing values kept missing."""
from __future__ import annotations

import pytest

from sosrap import params
from sosrap.errors import SnapshotError
from sosrap.indicators import table as T
from sosrap.sources.snapshot import Snapshot
from support import ROOT, demo_table


@pytest.fixture(scope="module")
def demo():
    p = params.load("demo", ROOT).resolved()
    return p, Snapshot.open(ROOT / p["snapshot"]), demo_table()


def test_one_row_per_indicator_region_year(demo):
    p, _, t = demo
    assert list(t.columns) == T.COLUMNS
    assert not t.duplicated(["indicator", "region_id", "year"]).any()
    assert set(t.year) <= set(range(p["years"]["start"], p["years"]["end"] + 1))
    assert list(t.key.drop_duplicates()) == [i.get("key") or i["theme"] for i in p["indicators"]]


def test_roles_follow_the_params_and_are_ordered(demo):
    _, _, t = demo
    roles = t.drop_duplicates("region_id").groupby("role").size()
    assert roles["area"] == 1 and roles["country"] == 1 and roles["peer"] > 1 and roles["municipality"] > 1
    for _, k in t.groupby("key", sort=False):
        order = k.role.map(T.ROLE_ORDER).tolist()
        assert order == sorted(order)                              # area, country, peers, municipalities


def test_missing_stays_missing_and_population_is_joined(demo):
    _, _, t = demo
    assert t.value.isna().any() and t["count"].isna().any()        # suppressed cells and rate-only indicators
    assert t.population.notna().all() and (t.population > 0).all()
    assert set(t.value_type) <= {"PROS", "PER1000", "PER100000", "LKM"}


def test_unknown_area_is_a_snapshot_error_naming_it(demo):
    p, snap, _ = demo
    regs = T.regions(snap)
    with pytest.raises(SnapshotError, match="no area with category .* code '999999'"):
        T.region_roles(regs, area={"category": p["area"]["category"], "code": "999999"}, country=p["country"],
                       peer_category=p["peer_category"], municipality_category=p["municipality_category"])


def test_sources_table_attributes_every_indicator(demo):
    p, snap, _ = demo
    src = T.sources_table(snap, p["indicators"])
    assert len(src) == len(p["indicators"])
