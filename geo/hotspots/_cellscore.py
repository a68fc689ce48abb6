"""``auto``'s candidates scored on grid cells, without polygons: the engine's hits and area, exactly.

:func:`geo.hotspots.auto.choose` scores each candidate by the held-out incidents its hotspots
catch and the area they use.  Run through :func:`geo.hotspots.find_hotspots` that costs a full
engine run per candidate, fold and baseline share: polygons dissolved from cells, a ranked table,
an STR-tree over the polygons.  None of that changes the score, which depends only on *which
cells* end up drawn.  This module follows the engine's steps on the cells themselves:

1. the surface, with the engine's own arithmetic (the same grid, cell indices, ``bincount``
   order, weights, all-crime fill, Gaussian filter and study-area mask), so every value is the
   same to the bit;
2. the cells the engine selects (the busiest ``n`` cells, ties to the lower index; for KDE the
   same threshold and ties as :func:`geo.hotspots.kde._densest`);
3. the hotspots the engine would keep: the cells' edge-connected groups (the polygons), each
   group's incident count, area (cells x cell area, which is the polygon's exact area: every
   vertex is a whole number of metres) and density, ranked and cut as
   :func:`geo.hotspots.result.build_table` and ``find_hotspots``'s limits cut them (empty
   hotspots, ``min_count``, ``max_hotspots``);
4. the held-out incidents inside the kept cells, a cell's boundary counting as in, as the
   STR-tree's ``intersects`` counts them: a point is tested against the closed box of the cells
   around the one it falls in, with the box edges computed as :meth:`Grid.boxes` computes them.

A surface is computed once per fold and reused: the baseline at every share the other
candidates used, the two KDE candidates (they differ only in the mask), the 50 m counts with and
without recency weights (the same grid).  Tests hold this path equal to the full engine on
planted data and random selections; candidates it does not know go through the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from geo.hotspots.counts import COUNT_CELL
from geo.hotspots.grid import Grid, forced_cell, make_grid
from geo.hotspots.kde import BANDWIDTH_CELLS, KDE_CELL, MAX_CELLS, kde_surface
from geo.hotspots.result import study_area

#: Parameters of the counts and KDE candidates this path reproduces (others go through the engine).
_COUNTS_PARAMS = frozenset({"cell_size", "half_life_months", "min_count", "top_share"})
_KDE_PARAMS = frozenset({"occupied_only", "top_share"})
#: The KDE engine's defaults the candidates rely on (local weight; rounding of distinct locations).
_LOCAL_WEIGHT = 5.0
_ROUNDING = 0.1


def kde_cell(bounds: tuple[float, float, float, float]) -> float:
    """The KDE engine's automatic cell size over ``bounds`` (:func:`geo.hotspots.kde._resolve`).

    With ``lo = hi =`` :data:`KDE_CELL` the automatic cell is the cell the grid-size cap forces
    when that is at least 50 m, and 50 m otherwise: below 50 m the nearest-neighbour distance is
    clipped to [50, 50], so the points cannot change the answer and need not be looked at.
    """
    forced, upper = forced_cell(bounds, MAX_CELLS, KDE_CELL, KDE_CELL)
    return float(forced) if upper is None else float(KDE_CELL)


class CellScorer:
    """What the engine runs of ``auto`` share: the study area, budget and limits.

    Parameters
    ----------
    district : District or None
    area : shapely geometry or None
        The study area handed to every candidate run (None: the incidents' bounding box).
    share : float
        The budget (share of the study area).
    min_count : int
        The minimum count of the drawn hotspots (the counts candidates set their own).
    max_hotspots : int or None
    """

    def __init__(self, district: Any, area: Any, share: float, min_count: int, max_hotspots: int | None) -> None:
        self.district, self.area, self.share = district, area, share
        self.min_count, self.max_hotspots = min_count, max_hotspots
        self._fixed: tuple[Any, float] | None = None

    def study(self, x: np.ndarray, y: np.ndarray) -> tuple[Any, float]:
        """The engine's study area for training points ``x, y`` (one geometry when it is given)."""
        if self.area is None and self.district is None:
            return study_area(None, x, y, None)
        if self._fixed is None:
            self._fixed = study_area(self.district, x, y, self.area)
        return self._fixed

    def supports(self, method: str, params: dict[str, Any]) -> bool:
        """Whether this path reproduces the candidate (else it goes through the engine)."""
        if method == "counts":
            return set(params) <= _COUNTS_PARAMS
        return method == "kde" and set(params) <= _KDE_PARAMS


class CellFold:
    """One held-out month scored on cells: :class:`geo.hotspots.auto._Fold`'s interface.

    Parameters
    ----------
    scorer : CellScorer
    fit : (x, y, month codes)
        The training incidents (in their order: weighted sums add up in the engine's order).
    test : (x, y)
        The held-out month's incidents.
    context : (x, y) or None
        All-crime incidents before the held-out month (None: no context at all).
    area_m2 : float
        ``auto``'s study area, for the baseline's shares.
    engine : callable
        Makes the full-engine fold, for candidates this path does not know.
    base : (method, params)
        The baseline candidate (``auto``'s first).
    """

    def __init__(
        self,
        scorer: CellScorer,
        fit: tuple[np.ndarray, np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        context: tuple[np.ndarray, np.ndarray] | None,
        area_m2: float,
        engine: Callable[[], Any],
        base: tuple[str, dict[str, Any]],
    ) -> None:
        self.scorer, self.fit, self.test, self.context, self.base = scorer, fit, test, context, base
        self.area_m2, self._engine = area_m2, engine
        self._engine_fold: Any = None
        self.n_test = len(test[0])
        self.geom: Any
        self.geom, self.study_m2 = scorer.study(fit[0], fit[1]) if len(fit[0]) else (None, 0.0)
        self._grids: dict[tuple[float, float], tuple[Grid, np.ndarray, np.ndarray]] = {}
        self._surfaces: dict[tuple | str, Any] = {}
        self._base: dict[float, tuple[int, float]] = {}
        self._fills: dict[float, np.ndarray] = {}

    def _engine_score(self, method: str, params: dict[str, Any]) -> tuple[int, float]:
        if self._engine_fold is None:
            self._engine_fold = self._engine()
        return self._engine_fold.score(method, params)

    def score(self, method: str, params: dict[str, Any]) -> tuple[int, float]:
        """Hits and area used of a candidate, as the full engine counts them."""
        if not self.scorer.supports(method, params):
            return self._engine_score(method, params)
        if not len(self.fit[0]):
            return 0, 0.0
        share = params.get("top_share", self.scorer.share)
        if method == "counts":
            cell = COUNT_CELL if params.get("cell_size") is None else float(params["cell_size"])
            min_count = params.get("min_count", self.scorer.min_count)
            return self._counts(cell, params.get("half_life_months"), share, min_count)
        return self._kde(bool(params.get("occupied_only", True)), share)

    def baseline(self, used_m2: float) -> tuple[int, float]:
        """Hits and area used of the baseline given ``used_m2`` (less when it runs out of cells)."""
        if used_m2 <= 0 or self.area_m2 <= 0:
            return 0, 0.0
        share = min(1.0, used_m2 / self.area_m2)
        if share not in self._base:
            method, params = self.base
            self._base[share] = self.score(method, {**params, "top_share": share})
        return self._base[share]

    # -- the engine's surfaces -------------------------------------------------------------------

    def _grid(self, cell: float, pad: float) -> tuple[Grid, np.ndarray, np.ndarray]:
        """The grid the engine makes for the training points, the points per cell, their cells."""
        key = (cell, pad)
        if key not in self._grids:
            x, y, _ = self.fit
            bounds = tuple(self.geom.bounds) if self.geom is not None else (x.min(), y.min(), x.max(), y.max())
            grid = make_grid(x, y, cell, bounds=bounds, pad=pad)
            loc = grid.locate(x, y)
            self._grids[key] = (grid, np.bincount(loc[loc >= 0], minlength=grid.size), loc)
        return self._grids[key]

    def _counts_order(self, cell: float, half_life: float | None) -> tuple[Grid, np.ndarray, np.ndarray]:
        """:func:`geo.hotspots.counts.counts_hotspots`'s score ranking: cells with a score, busiest first."""
        key = ("counts", cell, half_life)
        if key not in self._surfaces:
            grid, held, loc = self._grid(cell, 0.0)
            keep = loc >= 0
            weights = None
            if half_life:  # months before the latest, as counts._weights counts them
                codes = self.fit[2].astype(float)
                weights = 0.5 ** ((codes.max() - codes) / half_life)
            w = None if weights is None else weights[keep]
            score = np.bincount(loc[keep], weights=w, minlength=grid.size).reshape(grid.shape).astype(float)
            if self.context is not None and len(self.context[0]):
                if cell not in self._fills:  # the same all-crime counts with and without recency weights
                    self._fills[cell] = grid.counts(*self.context)
                fill = self._fills[cell]
                score = score + fill / (fill.max() + 1.0)
            flat = np.where(grid.inside_mask(self.geom), score, 0.0).ravel()
            pos = np.flatnonzero(flat > 0)
            self._surfaces[key] = (grid, held, pos[np.argsort(-flat[pos], kind="stable")])
        return self._surfaces[key]

    def _counts(self, cell: float, half_life: float | None, share: float, min_count: int) -> tuple[int, float]:
        grid, held, order = self._counts_order(cell, half_life)
        n_cells = max(1, int(math.floor(share * self.study_m2 / grid.cell_area_m2)))
        # with all-crime context the engine keeps empty hotspots, and at min_count 1 drops none
        filled = self.context is not None
        floor = 0 if filled and min_count == 1 else min_count
        return self._kept_hits(grid, held, order[:n_cells], keep_empty=filled, floor=floor)

    def _kde_base(self) -> tuple[Grid, np.ndarray, np.ndarray, np.ndarray]:
        """The KDE engine's grid, raw cell indices, density and occupied cells (before any mask)."""
        if "kde" not in self._surfaces:
            x, y, _ = self.fit
            bounds = tuple(self.geom.bounds) if self.geom is not None else (x.min(), y.min(), x.max(), y.max())
            cell = kde_cell(bounds)
            bandwidth = BANDWIDTH_CELLS * cell
            grid = make_grid(x, y, cell, bounds=bounds, pad=0 if self.geom is not None else 3 * bandwidth)
            loc, loc_rounded = grid.locate_rounded(x, y, _ROUNDING)
            counts = grid.counts_at(loc_rounded)
            grid, dens = kde_surface(x, y, cell_size=cell, bandwidth=bandwidth, grid=grid,
                                     local_weight=_LOCAL_WEIGHT, counts=counts)  # fmt: skip
            self._surfaces["kde"] = (grid, np.bincount(loc[loc >= 0], minlength=grid.size), dens, counts > 0)
        return self._surfaces["kde"]

    def _kde(self, occupied_only: bool, share: float) -> tuple[int, float]:
        grid, held, dens, occupied = self._kde_base()
        inside = grid.inside_mask(self.geom)
        flat = np.where(inside & occupied if occupied_only else inside, dens, 0.0).ravel()
        pos = np.flatnonzero(flat > 0)
        n_cells = min(max(1, int(math.floor(share * self.study_m2 / grid.cell_area_m2))), len(pos))
        return self._kept_hits(grid, held, _densest(flat, pos, n_cells), keep_empty=False, floor=self.scorer.min_count)

    # -- the hotspots the engine keeps, and their hits ---------------------------------------------

    def _kept_hits(self, grid: Grid, held: np.ndarray, cells: np.ndarray, *, keep_empty: bool, floor: int) -> tuple:
        """Held-out hits and area of the hotspots the engine draws from the selected ``cells``."""
        kept = kept_cells(grid, held, cells, keep_empty=keep_empty, floor=floor, max_hotspots=self.scorer.max_hotspots)
        if not len(kept):
            return 0, 0.0
        return hits_in_cells(grid, kept, *self.test), float(len(kept) * grid.cell_area_m2)


def _densest(flat: np.ndarray, pos: np.ndarray, n_cells: int) -> np.ndarray:
    """:func:`geo.hotspots.kde._densest`'s cells, found among the ``pos`` cells with a density.

    The ``n_cells``-th largest value of the grid is the ``n_cells``-th largest positive one (there
    are at least that many), so the partition runs over those cells only, and the ties at the
    threshold go to the lower indices as there.
    """
    if not n_cells:
        return np.zeros(0, dtype=np.int64)
    vals = flat[pos]
    threshold = np.partition(vals, len(vals) - n_cells)[len(vals) - n_cells]
    above = pos[vals > threshold]
    ties = pos[vals == threshold][: n_cells - len(above)]
    return np.sort(np.concatenate([above, ties]))


def kept_cells(
    grid: Grid, held: np.ndarray, cells: np.ndarray, *, keep_empty: bool, floor: int, max_hotspots: int | None
) -> np.ndarray:
    """The selected ``cells`` whose hotspot the engine keeps (flat indices, sorted).

    Parameters
    ----------
    grid : Grid
    held : int array
        Training incidents in each cell (flat, as located for the hotspots' counts).
    cells : int array
        The cells the method selected.
    keep_empty : bool
        Hotspots holding no training incident are kept (counts filled from all crime).
    floor : int
        Hotspots holding fewer incidents are dropped (``find_hotspots``'s ``min_count`` rule).
    max_hotspots : int or None
        Only the first this many hotspots in rank order are kept.
    """
    if not len(cells):
        return np.zeros(0, dtype=np.int64)
    cells = np.sort(cells)
    k, label = cell_groups(cells, grid.nx)
    counts = np.bincount(label, weights=held[cells], minlength=k).astype(np.int64)
    area = np.bincount(label, minlength=k) * grid.cell_area_m2
    density = (counts / (area / 1e6)).round(2)
    # build_table's ranking (most incidents, then density, then index), then find_hotspots' limits
    keep = np.arange(k) if keep_empty else np.flatnonzero(counts > 0)
    order = keep[np.lexsort((-density[keep], -counts[keep]))]
    ok = counts[order] >= floor if floor else np.ones(len(order), dtype=bool)
    if max_hotspots is not None and ok.sum() > max_hotspots:
        ok &= np.cumsum(ok) <= max_hotspots
    drawn = np.zeros(k, dtype=bool)
    drawn[order[ok]] = True
    return cells[drawn[label]]


def cell_groups(cells: np.ndarray, nx: int) -> tuple[int, np.ndarray]:
    """Edge-connected groups of the sorted flat ``cells`` of a grid ``nx`` cells wide.

    The groups are numbered in the order of their first cell in the grid's row-major order, as
    ``scipy.ndimage.label`` numbers them (and :func:`geo.hotspots._polygons.dissolve_cells` with
    it), but only the selected cells are looked at, not the whole grid.

    Returns
    -------
    (number of groups, group of each cell)
    """
    n = len(cells)
    idx = np.arange(n)
    pairs = []
    for step, ok in ((1, cells % nx != nx - 1), (nx, np.ones(n, dtype=bool))):  # right, then up
        j = np.minimum(np.searchsorted(cells, cells + step), n - 1)
        link = ok & (cells[j] == cells + step)
        pairs.append((idx[link], j[link]))
    rows = np.concatenate([p[0] for p in pairs])
    cols = np.concatenate([p[1] for p in pairs])
    graph = sparse.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    # connected_components numbers components from node 0 up: the lowest cell index first
    k, label = csgraph.connected_components(graph, directed=False)
    return int(k), label


def hits_in_cells(grid: Grid, cells: np.ndarray, x: np.ndarray, y: np.ndarray) -> int:
    """How many points lie in the closed box of one of ``cells`` (a shared edge or corner counts).

    Each point is tested against the boxes of the 3 x 3 cells around the one its coordinates
    fall in, with the edges :meth:`Grid.boxes` gives the polygons, so a point exactly on an edge
    (or off by a rounding of the floor) is found in the box that holds it.
    """
    if not len(cells) or not len(x):
        return 0
    drawn = np.zeros(grid.size, dtype=bool)
    drawn[cells] = True
    ix = np.floor((np.asarray(x) - grid.x0) / grid.cell).astype(np.int64)
    iy = np.floor((np.asarray(y) - grid.y0) / grid.cell).astype(np.int64)
    h = grid.cell / 2
    cols = [_in_span(ix + d, x, grid.x0, grid.cell, h, grid.nx) for d in (-1, 0, 1)]
    rows = [_in_span(iy + d, y, grid.y0, grid.cell, h, grid.ny) for d in (-1, 0, 1)]
    hit = np.zeros(len(x), dtype=bool)
    for jy, in_row in rows:
        for jx, in_col in cols:
            both = np.flatnonzero(in_row & in_col & ~hit)
            hit[both] = drawn[jy[both] * grid.nx + jx[both]]
    return int(hit.sum())


def _in_span(j: np.ndarray, v: np.ndarray, v0: float, cell: float, h: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Column (or row) ``j`` of each point, clipped into the grid, and whether it holds the point.

    The edges are the boxes' own: centre ``v0 + (j + 0.5) * cell`` minus and plus half a cell.
    """
    valid = (j >= 0) & (j < n)
    jc = np.clip(j, 0, n - 1)
    centre = v0 + (jc + 0.5) * cell
    return jc, valid & (centre - h <= v) & (v <= centre + h)
