"""Regular square grids in British National Grid metres, shared by the grid-based methods.

Grid origins are snapped to multiples of the cell size, so two grids with the same cell size
line up cell for cell (the backtest and the emerging-hotspot classes rely on this).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

#: "Nice" cell sizes in metres that automatic choices are rounded to.
#: (xmin, ymin, xmax, ymax) in metres.
Bounds = tuple[float, float, float, float]
NICE_CELLS = (10, 20, 25, 50, 75, 100, 150, 200, 250, 500, 1000, 2000)


@dataclass(frozen=True)
class Grid:
    """A ``ny`` x ``nx`` grid of square cells of side ``cell`` metres, lower-left corner (x0, y0)."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns, ``(ny, nx)``."""
        return (self.ny, self.nx)

    @property
    def size(self) -> int:
        """Number of cells."""
        return self.nx * self.ny

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell (m2)."""
        return self.cell * self.cell

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat cell index of each point, -1 outside the grid."""
        ix = np.floor((np.asarray(x) - self.x0) / self.cell).astype(np.int64)
        iy = np.floor((np.asarray(y) - self.y0) / self.cell).astype(np.int64)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        return np.where(inside, iy * self.nx + ix, -1)

    def locate_rounded(self, x: np.ndarray, y: np.ndarray, resolution: float) -> tuple[np.ndarray, np.ndarray]:
        """``locate(x, y)`` and ``locate`` of the points rounded to ``resolution``, in one pass.

        The points are rounded as ``dedupe`` rounds them: rounding moves a point by at most half the
        resolution, so only points that close to a cell edge are rounded and located again.
        """
        fx = np.subtract(x, self.x0, dtype=float)
        fx /= self.cell
        fy = np.subtract(y, self.y0, dtype=float)
        fy /= self.cell
        ix = np.floor(fx).astype(np.int64)
        iy = np.floor(fy).astype(np.int64)
        # distance to the nearest cell edge, in cells: |frac - 0.5| > 0.5 - margin means near one
        limit = 0.5 - resolution / self.cell
        fx -= ix
        fx -= 0.5
        fy -= iy
        fy -= 0.5
        near = np.flatnonzero((np.abs(fx, out=fx) > limit) | (np.abs(fy, out=fy) > limit))
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        raw = np.where(inside, iy * self.nx + ix, -1)
        rounded = raw.copy()
        if len(near):
            rx = np.round(np.asarray(x)[near] / resolution).astype(np.int64) * resolution
            ry = np.round(np.asarray(y)[near] / resolution).astype(np.int64) * resolution
            rounded[near] = self.locate(rx, ry)
        return raw, rounded

    def counts_at(self, flat: np.ndarray) -> np.ndarray:
        """Number of points per cell from their flat cell indices (-1 outside), shape ``(ny, nx)``."""
        return np.bincount(flat[flat >= 0], minlength=self.size).reshape(self.shape).astype(float)

    def counts(self, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Weighted number of points per cell, shape ``(ny, nx)``."""
        flat = self.locate(x, y)
        keep = flat >= 0
        w = None if weights is None else np.asarray(weights, dtype=float)[keep]
        return np.bincount(flat[keep], weights=w, minlength=self.size).reshape(self.shape).astype(float)

    def centres(self, flat: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Cell centre coordinates (all cells, or those with the given flat indices)."""
        flat = np.arange(self.size) if flat is None else np.asarray(flat)
        iy, ix = np.divmod(flat, self.nx)
        return self.x0 + (ix + 0.5) * self.cell, self.y0 + (iy + 0.5) * self.cell

    def boxes(self, flat: np.ndarray) -> np.ndarray:
        """Shapely boxes of the given cells."""
        cx, cy = self.centres(flat)
        h = self.cell / 2
        return shapely.box(cx - h, cy - h, cx + h, cy + h)

    def inside_mask(self, area: shapely.Geometry | None) -> np.ndarray:
        """Cells whose centre lies in ``area`` (all cells when None), shape ``(ny, nx)``."""
        if area is None:
            return np.ones(self.shape, dtype=bool)
        return _inside_mask(self, area)


@lru_cache(maxsize=16)
def _inside_mask(grid: Grid, area: shapely.Geometry) -> np.ndarray:
    # Keyed by the (frozen) grid and the boundary geometry: the dashboard and the backtest ask for
    # the same district mask on the same grid again and again.  Read-only, since it is shared.
    cx, cy = grid.centres()
    shapely.prepare(area)
    mask = shapely.contains_xy(area, cx, cy).reshape(grid.shape)
    mask.flags.writeable = False
    return mask


def make_grid(
    x: np.ndarray | None,
    y: np.ndarray | None,
    cell: float,
    *,
    bounds: tuple[float, float, float, float] | None = None,
    pad: float = 0.0,
) -> Grid:
    """A grid of ``cell`` metres covering the points (or ``bounds``) plus ``pad`` metres, snapped to the cell.

    Parameters
    ----------
    x, y : arrays
        Point coordinates (ignored when ``bounds`` is given).
    cell : float
        Cell side in metres (> 0).
    bounds : (minx, miny, maxx, maxy), optional
    pad : float, default 0
        Extra margin on every side, e.g. a kernel's reach.
    """
    if not cell > 0:
        raise ValueError(f"cell size must be positive, got {cell}")
    if bounds is None:
        if x is None or y is None:
            raise ValueError("make_grid needs points or bounds")
        bounds = (float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y)))
    minx, miny, maxx, maxy = bounds
    x0 = np.floor((minx - pad) / cell) * cell
    y0 = np.floor((miny - pad) / cell) * cell
    nx = int(np.floor((maxx + pad - x0) / cell)) + 1
    ny = int(np.floor((maxy + pad - y0) / cell)) + 1
    return Grid(float(x0), float(y0), float(cell), nx, ny)


def nice(value: float) -> float:
    """The nearest "nice" cell size (see :data:`NICE_CELLS`) to ``value``."""
    cells = np.array(NICE_CELLS, dtype=float)
    return float(cells[np.argmin(np.abs(np.log(cells) - np.log(max(value, 1e-9))))])


def nn_distance(ux: np.ndarray, uy: np.ndarray) -> float:
    """Median distance from each distinct location to its nearest other location (metres)."""
    if len(ux) < 2:
        return 0.0
    d, _ = cKDTree(np.c_[ux, uy]).query(np.c_[ux, uy], k=2)
    return float(np.median(d[:, 1]))


def _median_nn_below(ux: np.ndarray, uy: np.ndarray, t: float) -> bool:
    """True when the median nearest-neighbour distance is proven to be below ``t``.

    Two points in the same square of side ``t / sqrt(2)`` are less than ``t`` apart, so when more
    than half the locations share such a square with another one the median is below ``t``.
    False means "not proven" (the k-d tree has to decide).
    """
    n = len(ux)
    if n < 2 or not t > 0:
        return False
    side = t / np.sqrt(2) * (1 - 1e-9)
    ix = np.floor((ux - ux.min()) / side).astype(np.int64)
    iy = np.floor((uy - uy.min()) / side).astype(np.int64)
    ny = int(iy.max()) + 1
    if (int(ix.max()) + 1) * ny <= 4 * n + 1_000_000:  # a dense array of squares is cheapest
        codes = ix * ny + iy
    else:
        codes, _ = pd.factorize(ix * ny + iy, sort=False)
    per_square = np.bincount(codes)
    # np.median's upper middle value (0-based n // 2) is below t when n // 2 + 1 values are
    return int((per_square[codes] >= 2).sum()) >= n // 2 + 1


def nn_distance_clipped(ux: np.ndarray, uy: np.ndarray, lo: float, hi: float) -> float:
    """``clip(nn_distance(ux, uy), lo, hi)``, exactly, without the k-d tree when the answer is ``lo``.

    That is the usual case with many incidents (see :func:`_median_nn_below`).
    """
    if _median_nn_below(ux, uy, lo):
        return float(lo)
    return float(min(max(nn_distance(ux, uy), lo), hi))


def auto_cell_size(
    ux: np.ndarray,
    uy: np.ndarray,
    bounds: tuple[float, float, float, float],
    *,
    max_cells: int = 250_000,
    lo: float = 25.0,
    hi: float = 500.0,
) -> float:
    """Cell size from the data: the median nearest-neighbour distance, rounded to a nice value.

    The distance is between distinct locations; the cell is kept within [lo, hi] metres and
    coarsened until the grid has at most ``max_cells`` cells (which keeps every grid method
    inside its time budget).
    """
    coarsest, upper = forced_cell(bounds, max_cells, lo, hi)
    if upper is None or (upper > 0 and _median_nn_below(ux, uy, upper)):
        return coarsest
    return max(nice(nn_distance_clipped(ux, uy, lo, hi)), coarsest)


def forced_cell(bounds: Bounds, max_cells: int, lo: float, hi: float) -> tuple[float, float | None]:
    """The cell the grid-size cap forces, and the median distance below which it is the cell.

    The distance is the median nearest-neighbour distance (None: always; 0: never).

    The automatic cell is ``max(nice(clip(median, lo, hi)), forced)``: when the median is proven
    to round to the forced cell or below, the exact nearest-neighbour search is not needed.
    """
    w, h = bounds[2] - bounds[0], bounds[3] - bounds[1]
    cells = np.array(NICE_CELLS, dtype=float)
    fits = [c for c in cells if (w / c + 1) * (h / c + 1) <= max_cells]
    forced = float(fits[0]) if fits else float(cells[-1])
    if forced >= nice(hi):
        return forced, None
    above = cells[cells > forced]
    upper = math.sqrt(forced * float(above[0]))  # medians below this round to `forced` or below
    return forced, (upper if lo < upper else 0.0)


def distinct_locations(x: np.ndarray, y: np.ndarray, resolution: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Distinct points after rounding to ``resolution`` metres (first-seen order)."""
    kx = np.round(x / resolution).astype(np.int64)
    ky = np.round(y / resolution).astype(np.int64)
    uniq = pd.unique(kx * 4_000_000_000 + ky)
    return ((uniq // 4_000_000_000) * resolution).astype(float), ((uniq % 4_000_000_000) * resolution).astype(float)


def auto_cell_size_points(
    x: np.ndarray,
    y: np.ndarray,
    bounds: tuple[float, float, float, float],
    *,
    max_cells: int = 250_000,
    lo: float = 25.0,
    hi: float = 500.0,
    resolution: float = 0.1,
) -> float:
    """:func:`auto_cell_size` of the distinct locations of the points ``x, y``, found only when needed.

    Locations are rounded to ``resolution``.

    With S squares of side about ``upper / sqrt(2)`` holding points, at most S distinct locations
    have no other within ``upper`` (two such locations cannot share a square), so when the
    distinct locations number at least 2 (S + 1), more than half of them have a neighbour nearer
    than ``upper`` (see :func:`forced_cell`).  The distinct locations among the first points give
    a lower bound on their number cheaply.
    """
    forced, upper = forced_cell(bounds, max_cells, lo, hi)
    if upper is None:
        return forced
    n = len(x)
    # squares of the raw points, shrunk so that rounding (at most resolution / sqrt(2) per point)
    # cannot take two locations sharing a square to ``upper`` apart
    side = (upper * (1 - 1e-9) - resolution * np.sqrt(2) * (1 + 1e-6)) / np.sqrt(2) if upper else 0.0
    if side > 0 and n >= 4:
        xmin, ymin = float(x.min()), float(y.min())
        in_box = (int((float(x.max()) - xmin) / side) + 1) * (int((float(y.max()) - ymin) / side) + 1)

        def distinct_in_head(head: int) -> int:
            kx = np.round(x[:head] / resolution).astype(np.int64)
            ky = np.round(y[:head] / resolution).astype(np.int64)
            return len(pd.unique(kx * 4_000_000_000 + ky))

        # every square of the bounding box holding points is the loosest bound, and costs nothing
        lower = distinct_in_head(min(n, 4 * in_box + 65_536))
        if (lower + 1) // 2 >= in_box + 1:
            return forced
        if in_box <= 4 * n + 1_000_000:  # count the squares that do hold points
            ix = ((x - xmin) / side).astype(np.int64)  # truncation is floor here (non-negative)
            iy = ((y - ymin) / side).astype(np.int64)
            squares = int(np.count_nonzero(np.bincount(ix * (int(iy.max()) + 1) + iy)))
            if (lower + 1) // 2 >= squares + 1:
                return forced
    ux, uy = distinct_locations(x, y, resolution)
    return auto_cell_size(ux, uy, bounds, max_cells=max_cells, lo=lo, hi=hi)
