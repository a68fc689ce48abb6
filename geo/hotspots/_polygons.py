"""Turn selected grid cells or point clusters into hotspot polygons."""

from __future__ import annotations

import numpy as np
import shapely
from scipy import ndimage

from geo.hotspots.grid import Grid


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
        ends = np.r_[starts[1:], len(idx)]
        polys = _union_groups(boxes, starts, ends)
    return polys, flat


#: Groups of up to this many cells are dissolved in one vectorised call (a padded k x n array).
_PADDED_GROUP = 16


def _union_groups(boxes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[shapely.Geometry]:
    """One polygon per run ``boxes[start:end]`` of edge-connected grid cells.

    Grid cells of a group share edges and never overlap, a valid polygonal coverage, so GEOS's
    coverage union applies (about twice as fast as a general union, the same polygon). A one-cell
    group is its own box (most groups at 50 m: one snap point); groups of up to ``_PADDED_GROUP``
    cells go through one call over a padded array (missing cells are None, which the union skips).
    """
    sizes = ends - starts
    out = np.empty(len(starts), dtype=object)
    one = sizes == 1
    out[one] = boxes[starts[one]]
    small = np.flatnonzero((sizes > 1) & (sizes <= _PADDED_GROUP))
    if len(small):
        width = int(sizes[small].max())
        padded = np.full((len(small), width), None, dtype=object)
        cols = np.arange(width)
        mask = cols[None, :] < sizes[small][:, None]
        padded[mask] = boxes[(starts[small][:, None] + cols[None, :])[mask]]
        out[small] = shapely.coverage_union_all(padded, axis=1)
    for i in np.flatnonzero(sizes > _PADDED_GROUP):
        out[i] = shapely.coverage_union_all(boxes[starts[i] : ends[i]])
    return list(out)


def label_max(values: np.ndarray, cell_label: np.ndarray, k: int) -> list[float]:
    """Largest of ``values`` over the cells of each polygon (``cell_label`` from :func:`dissolve_cells`)."""
    if not k:
        return []
    # Only the selected cells matter: a scatter-max over them, not a pass over the whole grid.
    inside = np.flatnonzero(cell_label >= 0)
    out = np.full(k, -np.inf)
    np.maximum.at(out, cell_label[inside], np.asarray(values, dtype=float).ravel()[inside])
    return [float(v) for v in out]


def cluster_polygons(
    ux: np.ndarray, uy: np.ndarray, loc_label: np.ndarray, n_clusters: int, buffer_m: float
) -> list[shapely.Geometry]:
    """Convex hull of each cluster's locations, buffered by ``buffer_m`` metres.

    The buffer gives single-location clusters (one snap point) a real area instead of zero.
    """
    if not n_clusters:
        return []
    keep = np.flatnonzero((loc_label >= 0) & (loc_label < n_clusters))
    # one multipoint per cluster, its locations in their original order (stable sort)
    keep = keep[np.argsort(loc_label[keep], kind="stable")]
    multi = np.empty(n_clusters, dtype=object)
    multi[:] = shapely.multipoints(np.empty((0, 2)))  # a cluster left with no location (HDBSCAN votes)
    present = np.unique(loc_label[keep])
    multi[present] = shapely.multipoints(np.c_[ux[keep], uy[keep]], indices=np.searchsorted(present, loc_label[keep]))
    return list(shapely.buffer(shapely.convex_hull(multi), buffer_m, quad_segs=8))


def core_polygons(
    ux: np.ndarray,
    uy: np.ndarray,
    loc_label: np.ndarray,
    core: np.ndarray,
    n_clusters: int,
    buffer_m: float,
    ratio: float = 0.3,
) -> list[shapely.Geometry]:
    """A tight polygon around each cluster's *core* locations.

    The polygon is the concave hull (``shapely.concave_hull``, ``ratio`` 0.3: 0 is the tightest,
    1 the convex hull) of the cluster's core locations, buffered by ``buffer_m`` metres so that
    one or two core locations still give a real area.  Border members and the noise around a
    cluster do not stretch it: the convex hull of every member swallowed the noise within reach.

    Parameters
    ----------
    ux, uy : arrays
        Distinct locations.
    loc_label : int array
        Cluster of each location, -1 for none.
    core : bool array
        Whether each location is a core location of its cluster.
    n_clusters : int
    buffer_m : float
    ratio : float, default 0.3
    """
    if not n_clusters:
        return []
    keep = np.flatnonzero((loc_label >= 0) & (loc_label < n_clusters) & core)
    keep = keep[np.argsort(loc_label[keep], kind="stable")]
    # one multipoint per cluster, its core locations in their original order; a cluster without
    # core locations (HDBSCAN votes) keeps the empty multipoint
    multi = np.empty(n_clusters, dtype=object)
    multi[:] = shapely.multipoints(np.empty((0, 2)))
    if len(keep):
        shapely.multipoints(np.c_[ux[keep], uy[keep]], indices=loc_label[keep], out=multi)
    hulls = shapely.concave_hull(multi, ratio=ratio)
    return list(shapely.buffer(hulls, buffer_m, quad_segs=8))


#: (polygon, location) pairs tested per call in :func:`locations_in` (bounds its temporary arrays).
_PAIRS = 1 << 21


def locations_in(polys: list[shapely.Geometry], ux: np.ndarray, uy: np.ndarray) -> np.ndarray:
    """Index of the first polygon holding each location (-1 for none); the boundary counts as in.

    The locations are sorted by easting once; each polygon's candidates are the locations inside
    its bounding box (a binary search for the easting range, a mask for the northing).  The
    (polygon, candidate) pairs are tested in vectorised ``shapely.intersects_xy`` calls on the
    prepared polygons (up to ``_PAIRS`` pairs each), so no point geometry is ever built, and a
    location keeps the lowest index of the polygons that hold it.
    """
    out = np.full(len(ux), -1, dtype=np.int64)
    if not len(polys) or not len(ux):
        return out
    geoms = np.asarray(polys, dtype=object)
    bounds = shapely.bounds(geoms)
    ok = np.flatnonzero(np.isfinite(bounds).all(axis=1))  # empty polygons have no bounds
    order = np.argsort(ux, kind="stable")
    sx = ux[order]
    lo = np.searchsorted(sx, bounds[ok, 0], "left")
    n_cand = np.searchsorted(sx, bounds[ok, 2], "right") - lo
    shapely.prepare(geoms[ok])
    lowest = np.full(len(ux), len(geoms), dtype=np.int64)
    # polygons a group at a time, so the (polygon, candidate) pairs stay within _PAIRS
    ends = np.cumsum(n_cand)
    cut = np.unique(np.searchsorted(ends, np.arange(_PAIRS, int(ends[-1]) if len(ends) else 0, _PAIRS)) + 1)
    for group in np.split(np.arange(len(ok)), cut):
        # the pairs, polygon by polygon: positions lo .. hi - 1 of the sorted eastings
        poly = np.repeat(ok[group], n_cand[group])
        first = np.cumsum(n_cand[group]) - n_cand[group]
        cand = order[np.arange(len(poly)) + np.repeat(lo[group] - first, n_cand[group])]
        in_box = (uy[cand] >= bounds[poly, 1]) & (uy[cand] <= bounds[poly, 3])
        poly, cand = poly[in_box], cand[in_box]
        hit = shapely.intersects_xy(geoms[poly], ux[cand], uy[cand])
        np.minimum.at(lowest, cand[hit], poly[hit])
    held = lowest < len(geoms)
    out[held] = lowest[held]
    return out
