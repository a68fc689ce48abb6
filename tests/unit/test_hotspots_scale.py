"""Scale: budgets are shares of the selection's area; small hotspots are dropped and counted."""

from __future__ import annotations

import numpy as np
import pytest

from geo.hotspots import ALL_METHODS, HotspotError, find_hotspots, selection_area
from geo.hotspots.result import district_geometry
from geo.selection import Selection, filter_frame
from tests.unit.test_hotspots import frame


def test_selection_area_is_the_union_of_sectors_within_the_zone(district):
    whole = district_geometry(district)
    assert selection_area(None, district).area == pytest.approx(whole.area)
    assert selection_area(Selection(), district).area == pytest.approx(whole.area)
    a = selection_area(Selection(sectors=("Winchester Town",)), district)
    b = selection_area(Selection(sectors=("Bishops Waltham",)), district)
    both = selection_area(Selection(sectors=("Winchester Town", "Bishops Waltham")), district)
    assert both.area == pytest.approx(a.area + b.area, rel=1e-3)
    assert a.area < 0.2 * whole.area
    inside = selection_area(Selection(zone="2005"), district)
    outside = selection_area(Selection(zone="2005", zone_inside=False), district)
    assert inside.area + outside.area == pytest.approx(whole.area, rel=1e-6)


def test_a_sector_selection_gets_hotspots_sized_to_the_sector(police_uk_incidents, district):
    df = police_uk_incidents[police_uk_incidents["occurred_from"].dt.year == 2017]
    sel = filter_frame(df, Selection(sectors=("Winchester Town",)))
    res = find_hotspots(sel, "kde", district=district, top_share=0.01)
    sector_m2 = selection_area(sel.selection, district).area
    assert res.params["study_area"] == "the selection's sectors and zone"
    assert res.params["study_area_km2"] == pytest.approx(sector_m2 / 1e6, rel=1e-3)
    assert res.polygons["area_m2"].sum() <= 0.01 * sector_m2 + 1.0
    whole = find_hotspots(df, "kde", district=district, top_share=0.01)
    assert res.polygons["area_m2"].sum() < whole.polygons["area_m2"].sum()


def test_hotspots_under_the_minimum_count_are_dropped_and_counted():
    # one busy place (40 incidents) and 30 single incidents far apart
    rng = np.random.default_rng(4)
    x = np.r_[np.full(40, 448050.0), rng.uniform(440000, 458000, 30)]
    y = np.r_[np.full(40, 129050.0), rng.uniform(120000, 138000, 30)]
    res = find_hotspots(frame(x, y), "kde", cell_size=100, top_share=0.01)
    assert (res.polygons["count"] >= 5).all() and res.polygons["count"].iloc[0] == 40
    assert res.n_dropped > 0 and "fewer than 5 incidents" in res.dropped_note
    assert res.dropped_note in res.warnings
    assert list(res.polygons["rank"]) == list(range(1, len(res.polygons) + 1))
    kept_all = find_hotspots(frame(x, y), "kde", cell_size=100, top_share=0.01, min_count=1)
    assert kept_all.n_dropped == 0 and len(kept_all.polygons) == len(res.polygons) + res.n_dropped


def test_max_hotspots_and_area_budget_for_cluster_methods():
    from tests.unit.test_hotspots import planted

    res = find_hotspots(planted(), "dbscan", max_hotspots=2)
    assert len(res.polygons) == 2 and res.n_dropped >= 1 and "beyond the first 2" in res.dropped_note
    tiny = find_hotspots(planted(), "dbscan", top_share=1e-6)
    assert tiny.empty and "area budget" in tiny.dropped_note


def test_emerging_is_callable_like_the_others(police_uk_incidents, district):
    assert "emerging" in ALL_METHODS
    df = police_uk_incidents[police_uk_incidents["occurred_from"].dt.year == 2017]
    res = find_hotspots(df, "emerging", district=district, max_hotspots=3, period="M")
    assert res.method == "emerging" and len(res.polygons) <= 3 and "category" in res.polygons


@pytest.mark.parametrize("kw", [{"top_share": 0}, {"max_hotspots": 0}, {"min_count": 0}])
def test_impossible_scale_is_refused(kw):
    with pytest.raises(HotspotError):
        find_hotspots(frame([448000.0] * 10, [129000.0] * 10), "kde", **kw)
