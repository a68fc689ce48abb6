"""The map's incidents, asked of the store: the same figures as the pandas rule engine, on both backends.

``run_incidents`` counts, bins and bounds in the database; here each figure is recomputed from the
selected rows with :func:`geo.selection.filter_frame` (the pandas twin of the SQL selection) on the
bundled demo store, for selections that exercise the rule's edges: a night across the October clock
change, month-precision records partly in the range, a zone with a sector and a crime type.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from geo.bounds import padded_bounds
from geo.demo_store import build_demo_store
from geo.selection import Selection, filter_frame
from geo.store import Store
from service import cache, incidents
from service.incidents import IncidentsOptions, grid_bounds, grid_counts, run_incidents
from service.source import Source

VIOLENCE = "Violence and sexual offences"
SELECTIONS = {
    "everything": Selection(),
    # Saturday nights 22:00-04:00 around the end of British Summer Time (29/10/2006, 02:00 -> 01:00).
    "DST night": Selection(date_from=date(2006, 10, 20), date_to=date(2006, 11, 5), days=(5,), hours=(22, 4)),
    # data.police.uk months: March and May only partly covered, April whole.
    "month precision, partial months": Selection(date_from=date(2017, 3, 15), date_to=date(2017, 5, 10)),
    "month precision, whole months": Selection(date_from=date(2017, 4, 1), date_to=date(2017, 6, 30)),
    # Exact times (the synthetic extract) and months (data.police.uk, March 2017 partly in) with days.
    "mixed precision with days": Selection(date_from=date(2007, 6, 15), date_to=date(2017, 3, 20), days=(4, 5)),
    "zone and sector": Selection(sectors=("Winchester Town",), zone="2005", crime_types=(VIOLENCE,)),
    "outside the zone, daytime": Selection(zone="2007", zone_inside=False, hours=(9, 17)),
    "nothing": Selection(date_from=date(2030, 1, 1), date_to=date(2030, 1, 31)),
}


@pytest.fixture(scope="module")
def demo_pg_source(pg_schemas, district) -> Source:
    """The demo store built again in a PostgreSQL schema."""
    url = pg_schemas()
    build_demo_store(url, district)
    return Source.build(url, district.folder)


@pytest.fixture
def demo_source(demo_store) -> Source:
    return Source.build(demo_store.path, demo_store.district.folder)


def _pandas_view(frame, sel: Selection, limit: int) -> dict:
    """What the map shows, from the selected rows in pandas (the path the store's SQL replaces)."""
    picked = filter_frame(frame, sel)
    df = picked.incidents
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    located = np.isfinite(x) & np.isfinite(y)
    out = {"count": len(df), "notes": tuple(picked.notes), "without_location": int((~located).sum())}
    if located.sum() > limit:
        grid = grid_counts(x, y)
        out |= {"capped": True, "grid": grid, "bounds": grid_bounds(grid), "n_points": 0}
    else:
        out |= {"capped": False, "grid": None, "bounds": padded_bounds(x, y), "n_points": int(located.sum())}
        out["lon"] = np.sort(df["longitude"].to_numpy(float)[located])
    return out


def _assert_same(got, want: dict) -> None:
    assert (got.count, got.notes, got.without_location, got.capped) == (
        want["count"],
        want["notes"],
        want["without_location"],
        want["capped"],
    )
    assert got.bounds == want["bounds"]
    assert len(got.longitude) == len(got.latitude) == want["n_points"]
    if want["grid"] is None:
        assert got.grid is None
        np.testing.assert_array_equal(np.sort(got.longitude), want["lon"])
    else:
        g, w = got.grid, want["grid"]
        assert g.cell_m == w.cell_m
        np.testing.assert_array_equal(np.c_[g.easting, g.northing, g.counts], np.c_[w.easting, w.northing, w.counts])


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_pushed_down_figures_equal_the_pandas_path(name, demo_source, demo_incidents):
    cache.clear()
    sel = SELECTIONS[name]
    _assert_same(run_incidents(demo_source, IncidentsOptions(sel)), _pandas_view(demo_incidents, sel, 50_000))


@pytest.mark.parametrize("name", ["everything", "DST night", "month precision, partial months", "zone and sector"])
def test_grid_counts_above_the_point_limit_equal_the_pandas_path(name, demo_source, demo_incidents, monkeypatch):
    monkeypatch.setattr(incidents, "MAP_POINT_LIMIT", 20)
    cache.clear()
    sel = SELECTIONS[name]
    got = run_incidents(demo_source, IncidentsOptions(sel))
    _assert_same(got, _pandas_view(demo_incidents, sel, 20))
    cache.clear()


def test_a_selection_above_the_limit_sends_grid_counts_never_points(demo_source, demo_incidents, monkeypatch):
    monkeypatch.setattr(incidents, "MAP_POINT_LIMIT", 1_000)
    cache.clear()
    got = run_incidents(demo_source, IncidentsOptions(Selection()))
    located = int(demo_incidents["easting"].notna().sum())
    assert located > 1_000
    assert got.capped and got.grid is not None and len(got.longitude) == len(got.latitude) == 0
    assert got.grid.total == located and f"{located:,} located incidents" in got.message
    small = run_incidents(demo_source, IncidentsOptions(SELECTIONS["DST night"]))
    assert not small.capped and 0 < len(small.longitude) <= 1_000
    cache.clear()


def test_rows_are_read_only_when_asked_for(demo_source, demo_incidents, monkeypatch):
    calls: list[Selection] = []
    real = Store.query

    def counting(self, sel=None, columns=None, categorical=False, ordered=True):
        calls.append(sel)
        return real(self, sel, columns, categorical, ordered)

    monkeypatch.setattr(Store, "query", counting)
    cache.clear()
    sel = SELECTIONS["zone and sector"]
    result = run_incidents(demo_source, IncidentsOptions(sel))
    assert calls == []
    rows = result.incidents
    assert calls == [sel]
    assert list(rows["incident_id"]) == list(filter_frame(demo_incidents, sel).incidents["incident_id"])
    assert len(incidents.limited(result, 5)) == 5 and calls == [sel]
    cache.clear()


@pytest.mark.parametrize("name", ["everything", "DST night", "month precision, partial months", "zone and sector"])
def test_postgresql_gives_the_same_figures(name, demo_pg_source, demo_source, monkeypatch):
    sel = SELECTIONS[name]
    for limit in (50_000, 20):
        monkeypatch.setattr(incidents, "MAP_POINT_LIMIT", limit)
        cache.clear()
        duck = run_incidents(demo_source, IncidentsOptions(sel))
        pg = run_incidents(demo_pg_source, IncidentsOptions(sel))
        assert (pg.count, pg.notes, pg.without_location, pg.capped, pg.bounds) == (
            duck.count,
            duck.notes,
            duck.without_location,
            duck.capped,
            duck.bounds,
        )
        np.testing.assert_array_equal(np.sort(pg.longitude), np.sort(duck.longitude))
        if duck.grid is not None:
            np.testing.assert_array_equal(pg.grid.counts, duck.grid.counts)
            np.testing.assert_array_equal(pg.grid.easting, duck.grid.easting)
    cache.clear()
