"""Hotspot membership tests each hotspot on the points in its bounding box: the same pairs as testing every point."""

from __future__ import annotations

import numpy as np
import shapely

from geo.hotspots.inside import point_pairs, points_in_any


def _brute(shapes, x, y, test=shapely.contains):
    pts = shapely.points(x, y)
    pairs = [(i, j) for i, s in enumerate(shapes) for j in np.flatnonzero(test(s, pts))]
    return sorted(pairs)


def _shapes():
    rng = np.random.default_rng(3)
    cells = [
        shapely.box(450_000 + 50 * i, 129_000 + 50 * j, 450_050 + 50 * i, 129_050 + 50 * j)
        for i, j in rng.integers(0, 60, (40, 2))
    ]
    blob = shapely.Point(452_345.5, 130_111.25).buffer(180.0)  # a kernel-density style contour
    union = shapely.union_all(cells[:6])  # neighbouring cells merged: a hole or an L shape
    return np.array([*cells[6:], blob, union], dtype=object)


def test_pairs_equal_testing_every_point_including_edges_corners_and_missing_coordinates():
    shapes = _shapes()
    rng = np.random.default_rng(4)
    x = rng.uniform(449_900, 453_200, 60_000)
    y = rng.uniform(128_900, 132_200, 60_000)
    # Points exactly on edges and corners of the cells (not contained) and at their centres.
    corners = shapely.get_coordinates(shapely.boundary(shapes[:30]))
    centres = shapely.get_coordinates(shapely.centroid(shapes))
    x = np.concatenate([x, corners[:, 0], centres[:, 0], corners[:, 0] + 1e-9, [np.nan, 451_000.0]])
    y = np.concatenate([y, corners[:, 1], centres[:, 1], corners[:, 1], [130_000.0, np.nan]])
    poly, point = point_pairs(shapes, x, y)
    assert list(zip(poly.tolist(), point.tolist(), strict=True)) == _brute(shapes, x, y)
    assert len(poly) > 1000  # the case is not empty
    # Edges included (intersects): the corner and edge points count too.
    with_edges = point_pairs(shapes, x, y, edges=True)
    expected = _brute(shapes, x, y, shapely.intersects)
    assert list(zip(*(a.tolist() for a in with_edges), strict=True)) == expected and len(expected) > len(poly)
    assert points_in_any(shapes, x, y, edges=True).tolist() == sorted({j for _, j in expected})
