"""Regular square grids in British National Grid metres, shared by the grid-based methods.

Grid origins are snapped to multiples of the cell size, so two grids with the same cell size
line up cell for cell (the backtest and the emerging-hotspot classes rely on this).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

#: "Nice" cell sizes in metres that automatic choices are rounded to.
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
        return (self.ny, self.nx)

    @property
    def size(self) -> int:
        return self.nx * self.ny

    @property
    def cell_area_m2(self) -> float:
        return self.cell * self.cell

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat cell index of each point, -1 outside the grid."""
        ix = np.floor((np.asarray(x) - self.x0) / self.cell).astype(np.int64)
        iy = np.floor((np.asarray(y) - self.y0) / self.cell).astype(np.int64)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        return np.where(inside, iy * self.nx + ix, -1)

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
    x: np.ndarray,
    y: np.ndarray,
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


def nn_distance_clipped(ux: np.ndarray, uy: np.ndarray, lo: float, hi: float) -> float:
    """``clip(nn_distance(ux, uy), lo, hi)``, exactly, without the k-d tree when the answer is ``lo``.

    Two points in the same square of side ``lo / sqrt(2)`` are less than ``lo`` apart, so when more
    than half the locations share such a square with another one the median nearest-neighbour
    distance is below ``lo`` (the usual case with many incidents).  Otherwise the full query runs.
    """
    n = len(ux)
    if n >= 2 and lo > 0:
        side = lo / np.sqrt(2) * (1 - 1e-9)
        key = np.floor(ux / side).astype(np.int64) * 4_000_000_000 + np.floor(uy / side).astype(np.int64)
        codes, uniq = pd.factorize(key, sort=False)
        per_square = np.bincount(codes, minlength=len(uniq))
        # np.median's upper middle value (0-based n // 2) is <= lo when n // 2 + 1 values are
        if int((per_square[codes] >= 2).sum()) >= n // 2 + 1:
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
    """Cell size from the data: the median nearest-neighbour distance between distinct locations,
    rounded to a nice value, kept within [lo, hi] metres and coarsened until the grid has at most
    ``max_cells`` cells (which keeps every grid method inside its time budget)."""
    cell = nice(nn_distance_clipped(ux, uy, lo, hi))
    w, h = bounds[2] - bounds[0], bounds[3] - bounds[1]
    cells = np.array(NICE_CELLS, dtype=float)
    while (w / cell + 1) * (h / cell + 1) > max_cells and cell < cells[-1]:
        cell = float(cells[cells > cell][0])
    return cell
