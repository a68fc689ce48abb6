"""Turn selected grid cells or point clusters into hotspot polygons."""

from __future__ import annotations

import numpy as np
import shapely
from scipy import ndimage

from geo.hotspots._grid import Grid


def dissolve_cells(grid: Grid, selected: np.ndarray) -> tuple[list[shapely.Geometry], np.ndarray]:
    """Dissolve selected cells into one polygon per edge-connected group.

    Parameters
    ----------
    grid : Grid
    selected : bool array, shape ``grid.shape``

    Returns
    -------
    polygons : list of shapely polygons
    cell_label : int array, shape ``grid.size``
        Polygon index of every cell, -1 for cells not selected.
    """
    # Rook (edge) connectivity: cells touching only at a corner stay separate hotspots, so
    # every polygon is a simple Polygon rather than a bow-tie MultiPolygon.
    lab, k = ndimage.label(selected)
    flat = lab.ravel() - 1
    polys: list[shapely.Geometry] = []
    if k:
        idx = np.flatnonzero(flat >= 0)
        order = np.argsort(flat[idx], kind="stable")
        idx = idx[order]
        starts = np.searchsorted(flat[idx], np.arange(k))
        boxes = grid.boxes(idx)
        for i in range(k):
            end = starts[i + 1] if i + 1 < k else len(idx)
            polys.append(shapely.union_all(boxes[starts[i] : end]))
    return polys, flat


def cluster_polygons(
    ux: np.ndarray, uy: np.ndarray, loc_label: np.ndarray, n_clusters: int, buffer_m: float
) -> list[shapely.Geometry]:
    """Convex hull of each cluster's locations, buffered by ``buffer_m`` metres.

    The buffer gives single-location clusters (one snap point) a real area instead of zero.
    """
    polys = []
    pts = shapely.points(ux, uy)
    for c in range(n_clusters):
        hull = shapely.convex_hull(shapely.multipoints(pts[loc_label == c]))
        polys.append(shapely.buffer(hull, buffer_m, quad_segs=8))
    return polys
