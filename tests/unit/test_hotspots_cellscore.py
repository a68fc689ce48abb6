"""``auto``'s choice scored on cells equals the full engine's, candidate by candidate and as a whole."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import ndimage

import geo.hotspots.auto as auto
from geo.hotspots import auto_setup, find_hotspots
from geo.hotspots._cellscore import CellFold, cell_groups, hits_in_cells, kde_cell
from geo.hotspots.auto import CANDIDATES, choose, folds
from geo.hotspots.grid import make_grid
from geo.hotspots.kde import _resolve

BOX = shapely.box(440000, 120000, 450000, 130000)  # 100 km2, its edges on the cell edges
OFFSET = shapely.box(440010, 120010, 449990, 129990)  # its edges through cells, not along them
TRIANGLE = shapely.Polygon([(440000, 120000), (450000, 120000), (440000, 130000)])


def _frame(x, y, month) -> pd.DataFrame:
    t = pd.to_datetime([f"2017-{m:02d}-15 12:00" for m in month]).tz_localize("Europe/London")
    n = len(x)
    return pd.DataFrame(
        {
            "crime_type": pd.Series(["Burglary"] * n, dtype="string"),
            "occurred_from": t,
            "occurred_to": t,
            "easting": np.asarray(x, float),
            "northing": np.asarray(y, float),
        }
    )


def _both(df, ctx=None, **kw):
    """The folds of ``df`` through the engine and on cells, side by side."""
    run, scorer, area_m2 = auto_setup(df, **kw)
    engine, cells = folds(df, ctx, run, area_m2), folds(df, ctx, run, area_m2, scorer)
    assert cells and all(isinstance(f, CellFold) for f in cells)
    return list(zip(engine, cells, strict=True)), area_m2


def _assert_equal(df, ctx=None, shares=(0.0003, 0.004, 0.02, 0.5, 2.0), **kw):
    pairs, area_m2 = _both(df, ctx, **kw)
    for engine, cells in pairs:
        assert cells.n_test == engine.n_test
        for label, method, params in CANDIDATES:
            assert cells.score(method, params) == engine.score(method, params), label
        for share in shares:
            assert cells.baseline(share * area_m2) == engine.baseline(share * area_m2), share
    run, scorer, area_m2 = auto_setup(df, **kw)
    assert choose(df, ctx, run, area_m2, scorer) == choose(df, ctx, run, area_m2)


def _snapped(rng, n, snaps, step, months=(2, 3, 4, 5), extent=10_000):
    """``n`` incidents on ``snaps`` snap points, a multiple of ``step`` metres from the box's corner."""
    pts = rng.integers(0, extent // step, (snaps, 2)) * step
    pick = rng.integers(0, snaps, n)
    return _frame(440000 + pts[pick, 0], 120000 + pts[pick, 1], rng.choice(months, n))


def test_points_on_cell_edges_and_corners_score_as_the_engine_counts_them():
    # every snap point on a 50 m grid line crossing: an edge or corner of up to four 50 m cells
    # (and of the 100 m cells where the multiple is even); held-out points too
    rng = np.random.default_rng(0)
    df = _snapped(rng, 800, 60, 50)
    _assert_equal(df, area=BOX, min_count=1)
    _assert_equal(df, area=BOX, min_count=4)


def test_a_point_on_an_edge_counts_for_the_drawn_cell_beside_its_own():
    grid = make_grid(None, None, 50.0, bounds=(0.0, 0.0, 500.0, 500.0))
    cell = 2 * grid.nx + 3  # the box [150, 200] x [100, 150]
    x = np.array([150.0, 200.0, 175.0, 175.0, 200.0, 149.999, 200.001, 150.0])
    y = np.array([125.0, 125.0, 100.0, 150.0, 150.0, 125.0, 125.0, 99.999])
    assert hits_in_cells(grid, np.array([cell]), x, y) == 5  # edges and a corner in; just off them out
    box = grid.boxes(np.array([cell]))[0]
    assert int(shapely.intersects_xy(box, x, y).sum()) == 5


def test_a_budget_that_cuts_through_tied_cells():
    # 80 snap points with one incident each month: every occupied cell ties; the budget (20 cells
    # at 50 m, 5 at 100 m) takes the lower cell indices, as the engine's stable sort does
    rng = np.random.default_rng(1)
    pts = rng.choice(200, (80, 2), replace=False) * 50 + 12.5
    x = np.tile(440000 + pts[:, 0], 4)
    y = np.tile(120000 + pts[:, 1], 4)
    df = _frame(x, y, np.repeat([2, 3, 4, 5], 80))
    for share in (0.0005, 0.0008, 0.002):
        _assert_equal(df, area=BOX, top_share=share, min_count=1)


def test_min_count_and_max_hotspots_drop_the_hotspots_the_engine_drops():
    rng = np.random.default_rng(2)
    df = pd.concat([_snapped(rng, 600, 25, 50), _snapped(rng, 200, 150, 10)], ignore_index=True)
    for kw in ({"min_count": 3}, {"min_count": 8}, {"max_hotspots": 2, "min_count": 1}, {"max_hotspots": 5}):
        _assert_equal(df, area=BOX, top_share=0.003, **kw)


def test_cells_clipped_to_the_study_area_and_points_on_its_boundary():
    rng = np.random.default_rng(3)
    df = _snapped(rng, 900, 80, 10)
    edge = rng.random(len(df)) < 0.2
    df.loc[edge, "easting"] = rng.choice([440000.0, 440010.0, 449990.0, 450000.0], int(edge.sum()))
    df.loc[edge[::-1], "northing"] = rng.choice([120000.0, 130000.0], int(edge[::-1].sum()))
    for area in (BOX, OFFSET, TRIANGLE):
        _assert_equal(df, area=area, min_count=2)


def test_all_crime_context_fills_the_counts_as_the_engine_fills_them():
    rng = np.random.default_rng(4)
    df = _snapped(rng, 120, 30, 50)
    ctx = pd.concat([df, _snapped(rng, 2000, 300, 25)], ignore_index=True)
    _assert_equal(df, ctx, area=BOX, min_count=1)
    _assert_equal(df, ctx, area=OFFSET, max_hotspots=4, min_count=3)
    # context only in the held-out months: an empty fill (the engine still keeps empty hotspots)
    late = _snapped(rng, 500, 40, 50, months=(5,))
    _assert_equal(df, late, area=BOX)


def test_no_study_area_the_incidents_box_of_each_training_window():
    rng = np.random.default_rng(5)
    df = _snapped(rng, 700, 50, 25)
    df.loc[df.index[:20], "easting"] += 3000.0 * (df["occurred_from"].dt.month.to_numpy()[:20] == 5)
    _assert_equal(df, min_count=1)
    _assert_equal(df, max_hotspots=3)


def test_a_selection_in_the_district(district):
    rng = np.random.default_rng(6)
    df = _snapped(rng, 700, 60, 50)
    df["easting"] += 5000.0
    df["northing"] += 5000.0
    _assert_equal(df, district=district)


def test_the_cell_path_agrees_on_random_planted_selections():
    # property: whatever the points, months, budget, limits, context and area, the same scores
    # (a 3 km square keeps the engine's grids small: the engine is the slow side of the test)
    rng = np.random.default_rng(7)
    small = shapely.box(440000, 120000, 443000, 123000)
    areas = (small, shapely.box(440010, 120010, 442990, 122990), shapely.Polygon([(440000, 120000), (443000, 120000),
             (440000, 123000)]), None)  # fmt: skip
    for case in range(20):
        n_months = int(rng.integers(2, 6))
        months = tuple(range(2, 2 + n_months))
        step = int(rng.choice([10, 25, 50]))
        parts = [_snapped(rng, int(rng.integers(5, 400)), int(rng.integers(1, 60)), step, months, 3000)]
        if rng.random() < 0.5:  # spread-out incidents: the kernel's side of the choice
            n = int(rng.integers(20, 300))
            c = rng.uniform(440500, 442500, 2)
            parts.append(_frame(rng.normal(c[0], 200, n), rng.normal(c[1], 200, n), rng.choice(months, n)))
        df = pd.concat(parts, ignore_index=True)
        ctx = None
        if rng.random() < 0.4:
            more = _snapped(rng, int(rng.integers(0, 1500)), 100, 50, months, 3000)
            ctx = pd.concat([df, more], ignore_index=True)
        kw = {
            "area": areas[case % len(areas)],
            "top_share": float(rng.choice([0.0005, 0.002, 0.01, 0.05])),
            "min_count": int(rng.integers(1, 7)),
            "max_hotspots": None if rng.random() < 0.5 else int(rng.integers(1, 10)),
        }
        _assert_equal(df, ctx, shares=(float(rng.uniform(0, 0.05)),), **kw)


def test_cell_groups_are_the_labels_of_the_whole_grid():
    # the groups and their numbering (ties between hotspots go to the lower number) as
    # ndimage.label gives them over the whole grid, rows wrapping at the grid's edge included
    rng = np.random.default_rng(11)
    for density in (0.05, 0.3, 0.6):
        mask = rng.random((23, 17)) < density
        cells = np.flatnonzero(mask)
        k, group = cell_groups(cells, 17)
        lab, n = ndimage.label(mask)
        assert k == n
        assert (group == lab.ravel()[cells] - 1).all()


def test_the_kernel_s_cell_needs_no_look_at_the_points():
    rng = np.random.default_rng(8)
    x, y = rng.uniform(0, 2000, 300), rng.uniform(0, 2000, 300)
    for side in (300.0, 2_000.0, 9_000.0, 35_000.0, 40_000.0, 60_000.0, 200_000.0):
        bounds = (0.0, 0.0, side, side * 0.7)
        assert kde_cell(bounds) == _resolve(x, y, bounds, None, None)[0]


def test_the_product_scores_the_choice_on_cells(monkeypatch):
    # the drawn hotspots still come from the engine; the choice never runs it
    def refuse(*_a, **_k):
        raise AssertionError("the choice ran a candidate through the engine")

    monkeypatch.setattr(auto._Fold, "score", refuse)
    rng = np.random.default_rng(9)
    res = find_hotspots(_snapped(rng, 400, 30, 50), "auto", area=BOX)
    assert len(res.params["choice"]) == len(CANDIDATES)


def test_a_kernel_win_is_the_same_choice_on_cells():
    # spread-out clusters landing on new places every month: KDE beats last month's cells
    rng = np.random.default_rng(2)
    centres = np.array([[443000, 123000], [446000, 127000], [448000, 122000]])
    parts = []
    for month in range(2, 6):
        c = centres[rng.integers(0, 3, 40)]
        parts.append(_frame(c[:, 0] + rng.normal(0, 200, 40), c[:, 1] + rng.normal(0, 200, 40), [month] * 40))
    df = pd.concat(parts, ignore_index=True)
    run, scorer, area_m2 = auto_setup(df, area=BOX, top_share=0.01)
    fast = choose(df, None, run, area_m2, scorer)
    assert fast == choose(df, None, run, area_m2)
    assert fast[0][1] == "kde"


@pytest.mark.parametrize("method, params", [("counts", {"cell_size": 50.0, "bandwidth": 1}), ("gistar", {})])
def test_a_candidate_the_cells_do_not_know_goes_through_the_engine(method, params):
    rng = np.random.default_rng(10)
    df = _snapped(rng, 300, 20, 50)
    pairs, _ = _both(df, area=BOX, min_count=1)
    engine, cells = pairs[0]
    if method == "counts":  # an unknown parameter: the engine refuses it on both paths
        with pytest.raises(ValueError, match="no parameter"):
            cells.score(method, params)
    else:
        assert cells.score(method, params) == engine.score(method, params)
