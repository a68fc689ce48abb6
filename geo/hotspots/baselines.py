"""Fair baselines for the backtest: previous counts and a KDE with a bandwidth chosen on training.

Each baseline is cut to the *same budget* as the method it is compared with (a number of square
metres of the study area) and allowed to use all of it:

* **previous counts** at a given cell size: cells ranked by the training window's count of the
  selected incidents; ties, and the budget left when too few cells hold any, are filled by the
  all-crime counts of the same window (``context``), so a rare crime type is not charged for area
  it never got to use;
* **KDE, bandwidth chosen on training**: a plain Gaussian KDE (no cell mixture) whose bandwidth is
  picked from :data:`KDE_BANDWIDTHS` (50-400 m) by an inner backtest on the training window only
  (fit on all but its last month, score that month), then refitted on the whole window.  Scott's
  rule (kilometre bandwidths on district data) is never the default.

Perfect foresight (for PEI*): the most test incidents any set of cells of the same total area
could have held, :func:`oracle_hits`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from geo.hotspots.grid import Grid, make_grid

#: Cell sizes (metres) of the previous-counts baselines, beside the method's own cell size.
COUNT_CELLS = (50.0, 100.0)
#: Bandwidths (metres) the KDE baseline chooses from on the training window.
KDE_BANDWIDTHS = (50.0, 100.0, 200.0, 400.0)
#: Cell size of the KDE baseline's grid.
KDE_CELL = 50.0
#: Cell size of the perfect-foresight count for methods without cells (cluster polygons).
ORACLE_CELL = 10.0


@dataclass(frozen=True)
class Frame:
    """A grid over the study area with its mask (flat)."""

    grid: Grid
    inside: np.ndarray

    @classmethod
    def make(cls, geom: shapely.Geometry, cell: float) -> Frame:
        """A grid of ``cell`` metres over ``geom``'s bounds, masked to ``geom``."""
        grid = make_grid(None, None, cell, bounds=tuple(geom.bounds))
        return cls(grid, grid.inside_mask(geom).ravel())

    def counts(self, df: pd.DataFrame | None) -> np.ndarray:
        """Incidents per cell (flat); zeros for no incidents."""
        if df is None or df.empty:
            return np.zeros(self.grid.size)
        return self.grid.counts(df["easting"].to_numpy(float), df["northing"].to_numpy(float)).ravel()

    def cells_for(self, budget_m2: float) -> int:
        """How many whole cells fit in ``budget_m2``."""
        return max(0, int(math.floor(budget_m2 / self.grid.cell_area_m2 + 1e-9)))


def top_cells(score: np.ndarray, frame: Frame, n: int) -> np.ndarray:
    """The ``n`` highest-scoring cells of the study area holding a positive score (ties by index)."""
    pos = np.flatnonzero(frame.inside & (score > 0))
    sel = np.zeros(score.size, dtype=bool)
    if n <= 0 or not len(pos):
        return sel
    if len(pos) > n:
        # the n best without sorting the whole grid (a stable sort when the candidates are few)
        order = np.argsort(-score[pos], kind="stable")
        pos = pos[order[:n]] if len(pos) < 4 * n else pos[np.sort(np.argpartition(-score[pos], n - 1)[:n])]
    sel[pos] = True
    return sel


def hits_in_cells(sel: np.ndarray, frame: Frame, test: pd.DataFrame) -> int:
    """Test incidents inside the selected cells."""
    loc = frame.grid.locate(test["easting"].to_numpy(float), test["northing"].to_numpy(float))
    return int(sel[loc[loc >= 0]].sum())


def oracle_hits(frame: Frame, test: pd.DataFrame, area_m2: float) -> int:
    """Perfect foresight: the test incidents held by the busiest test cells covering ``area_m2``."""
    counts = np.where(frame.inside, frame.counts(test), 0.0)
    n = frame.cells_for(area_m2)
    if n <= 0:
        return 0
    return int(np.sort(counts)[::-1][:n].sum())


def counts_cells(frame: Frame, train: pd.DataFrame, context: pd.DataFrame | None, budget_m2: float) -> np.ndarray:
    """Previous-counts baseline: selected cells (flat bool) within ``budget_m2``."""
    own = frame.counts(train)
    fill = frame.counts(context) if context is not None else own
    # all-crime counts break ties and fill the budget; scaled below one own incident
    score = own + fill / (fill.max() + 1.0) if fill.max() > 0 else own
    return top_cells(score, frame, frame.cells_for(budget_m2))


def _kde(frame: Frame, df: pd.DataFrame, bandwidth: float) -> np.ndarray:
    counts = frame.counts(df).reshape(frame.grid.shape)
    return ndimage.gaussian_filter(counts, sigma=bandwidth / frame.grid.cell, mode="constant", truncate=4.0).ravel()


def choose_bandwidth(frame: Frame, train: pd.DataFrame, months: pd.Series, budget_m2: float) -> float:
    """The bandwidth of :data:`KDE_BANDWIDTHS` that best predicts the training window's last month.

    Fitted on its earlier months (ties: the smaller); 100 m when the window has one month.
    """
    last = months.max()
    fit, check = train[(months < last).to_numpy()], train[(months == last).to_numpy()]
    if fit.empty or check.empty:
        return 100.0
    n = frame.cells_for(budget_m2)
    scores = [hits_in_cells(top_cells(_kde(frame, fit, bw), frame, n), frame, check) for bw in KDE_BANDWIDTHS]
    return float(KDE_BANDWIDTHS[int(np.argmax(scores))])


def kde_cells(frame: Frame, train: pd.DataFrame, bandwidth: float, budget_m2: float) -> np.ndarray:
    """KDE baseline: selected cells (flat bool) within ``budget_m2``."""
    return top_cells(_kde(frame, train, bandwidth), frame, frame.cells_for(budget_m2))
