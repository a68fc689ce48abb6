"""Which points lie in which polygons, on coordinate arrays: no point geometry is made.

Selected incidents run to hundreds of thousands; hotspots to hundreds of cells.  Making a point
object per incident and an STR-tree over them cost more than the tests themselves.  Here the
points are sorted by easting once, and each polygon (prepared) tests only the points within its
bounding box with ``shapely.contains_xy`` / ``intersects_xy``: the same answers as
``shapely.contains`` / ``intersects`` on point objects.
"""

from __future__ import annotations

import numpy as np
import shapely


def point_pairs(
    shapes: np.ndarray, x: np.ndarray, y: np.ndarray, *, edges: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(polygon, point) positions of every point (``x``, ``y``) inside each polygon of ``shapes``.

    Parameters
    ----------
    shapes : array of shapely geometries
        Polygons (None and empty ones hold nothing).
    x, y : array of float
        Point coordinates in the polygons' CRS; a missing coordinate is in no polygon.
    edges : bool, default False
        False: strictly inside (``contains``, a point on an edge is not in); True: inside or on
        the edge (``intersects``).

    Returns
    -------
    polygon, point : array of int
        Sorted by polygon, then point.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    by_x = ok[np.argsort(x[ok], kind="stable")]
    xs = x[by_x]
    test = shapely.intersects_xy if edges else shapely.contains_xy
    polygons, points = [np.zeros(0, dtype=int)], [np.zeros(0, dtype=int)]
    for i, (shape, (x0, y0, x1, y1)) in enumerate(zip(shapes, shapely.bounds(shapes), strict=True)):
        if shape is None or not np.isfinite(x0):
            continue
        near = by_x[np.searchsorted(xs, x0, "left") : np.searchsorted(xs, x1, "right")]
        near = near[(y[near] >= y0) & (y[near] <= y1)]
        shapely.prepare(shape)
        hit = np.sort(near[test(shape, x[near], y[near])])
        polygons.append(np.full(len(hit), i, dtype=int))
        points.append(hit)
    return np.concatenate(polygons), np.concatenate(points)


def points_in_any(shapes: np.ndarray, x: np.ndarray, y: np.ndarray, *, edges: bool = False) -> np.ndarray:
    """Positions (sorted, distinct) of the points inside at least one polygon (see :func:`point_pairs`)."""
    return np.unique(point_pairs(shapes, x, y, edges=edges)[1])
