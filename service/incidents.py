"""Incidents of a selection: the count, the notes, the points the map draws (or grid counts), the extent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.bounds import Bounds, padded_bounds
from geo.schema import PRECISION_DAY, PRECISION_MONTH
from geo.selection import Selection, selection_notes
from service import cache
from service.limits import MAP_GRID_CELL_M, MAP_POINT_LIMIT, parse_number
from service.params import Params, check_known, selection_of, selection_params, single
from service.source import Source

if TYPE_CHECKING:
    from geo.backends.reads import StoreReads
    from geo.store import Store

OWN_PARAMS = ("limit",)


@dataclass(frozen=True)
class IncidentsOptions:
    """A selection and, for the API, the most features returned (newest kept)."""

    selection: Selection = field(default_factory=Selection)
    limit: int | None = None

    def __post_init__(self) -> None:
        """Check ``limit`` against the limits table."""
        if self.limit is not None:
            parse_number("limit", self.limit)

    @classmethod
    def from_params(cls, params: Params) -> IncidentsOptions:
        """Options from URL/API parameters: the shared selection plus ``limit``."""
        check_known(params, OWN_PARAMS)
        limit = parse_number("limit", single(params, "limit"))
        return cls(selection_of(params), None if limit is None else int(limit))

    def to_params(self) -> dict[str, str | list[str]]:
        """The parameters of these options, omitting defaults."""
        out = selection_params(self.selection)
        if self.limit is not None:
            out["limit"] = str(self.limit)
        return out


@dataclass(frozen=True)
class GridCounts:
    """Incidents counted per square grid cell (BNG), for a selection too large to draw point by point."""

    cell_m: float
    easting: np.ndarray  # south-west corner of each non-empty cell
    northing: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> int:
        """Incidents counted (those with a location)."""
        return int(self.counts.sum())


@dataclass(frozen=True)
class IncidentsResult:
    """What the map and the API say about the selected incidents, asked of the store as aggregates.

    ``count``, ``notes``, the located points (``longitude``/``latitude``, at most
    :data:`MAP_POINT_LIMIT`, with ``at_postcode`` marking those placed at a postcode centroid) or
    ``grid`` counts, and the extent are computed in the database; the
    rows themselves are read only when :attr:`incidents` is first asked for (the API, a table).
    Beyond the point limit ``longitude`` and ``latitude`` are empty, ``grid`` holds counts per cell
    (``capped`` is True, ``message`` says so) and ``bounds`` is the extent of the non-empty cells.
    """

    selection: Selection
    count: int
    notes: tuple[str, ...]
    without_location: int
    bounds: Bounds | None
    longitude: np.ndarray
    latitude: np.ndarray
    grid: GridCounts | None = None
    at_postcode: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    capped: bool = False
    message: str = ""
    source: Source | None = field(default=None, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        """True when nothing is selected."""
        return self.count == 0

    @property
    def incidents(self) -> pd.DataFrame:
        """The selected rows (canonical columns), read on first use and shared through the cache: do not mutate."""
        if self.source is None:
            raise ValueError("this result was built without a source, so it cannot read its rows")
        return self.source.query(self.selection).incidents


def grid_counts(easting: np.ndarray, northing: np.ndarray, cell_m: float = MAP_GRID_CELL_M) -> GridCounts:
    """Count located points per ``cell_m`` square, cells aligned to the BNG origin (so views agree).

    The pandas twin of the store's ``grid_counts`` (tests compare the two).
    """
    ok = np.isfinite(easting) & np.isfinite(northing)
    cx = np.floor(easting[ok] / cell_m).astype(np.int64)
    cy = np.floor(northing[ok] / cell_m).astype(np.int64)
    cells, counts = np.unique(np.c_[cx, cy], axis=0, return_counts=True) if ok.any() else (np.zeros((0, 2)), [])
    cells = np.asarray(cells, dtype=float).reshape(-1, 2)
    return GridCounts(cell_m, cells[:, 0] * cell_m, cells[:, 1] * cell_m, np.asarray(counts, dtype=np.int64))


def grid_bounds(grid: GridCounts) -> Bounds | None:
    """The padded WGS84 extent of a grid's non-empty cells (the map's fit when points are not sent)."""
    if not len(grid.counts):
        return None
    x = np.r_[grid.easting, grid.easting + grid.cell_m]
    y = np.r_[grid.northing, grid.northing + grid.cell_m]
    return padded_bounds(x, y)


def left_out(store: StoreReads, sel: Selection) -> tuple[int, int]:
    """(imprecise, partial-month) incidents a selection leaves out, counted in the database.

    ``imprecise``: records in the date range without the time of day the day/hour filter needs
    (month precision; day precision too when hours are set).  ``partial``: month-precision records
    whose month overlaps the date range without lying wholly inside it.  Both come from counts per
    ``time_precision`` of the selection without its days and hours, the same counts the pandas rule
    (:func:`geo.selection.filter_frame`) makes; the partial months are those of the range widened
    to whole months less those of the range itself.
    """
    dated = sel.date_from is not None or sel.date_to is not None
    if not (dated or sel.uses_time_of_day):
        return 0, 0
    plain = sel.replace(days=(), hours=None)
    by_precision = store.counts_by(plain, "time_precision")
    month = int(by_precision.get(PRECISION_MONTH, 0))
    imprecise = 0
    if sel.uses_time_of_day:
        imprecise = month + (int(by_precision.get(PRECISION_DAY, 0)) if sel.hours is not None else 0)
    partial = 0
    if dated:
        widened = plain.replace(date_from=_month_start(sel.date_from), date_to=_month_end(sel.date_to))
        partial = int(store.counts_by(widened, "time_precision").get(PRECISION_MONTH, 0)) - month
    return imprecise, partial


def _month_start(day: date | None) -> date | None:
    return None if day is None else day.replace(day=1)


def _month_end(day: date | None) -> date | None:
    if day is None:
        return None
    first_of_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_of_next - timedelta(days=1)


@cache.cached
def run_incidents(source: Source, options: IncidentsOptions) -> IncidentsResult:
    """The count, notes, map layer (points or grid counts) and extent of ``options.selection``.

    Every figure is computed in the database and no incident row is read here.  A day or hour
    filter costs a scan of the table per query, so the queries are as few as the answer allows:
    the grid counts with the unlocated incidents in a row of their own (their sum is the count), then
    the points when the located ones are within :data:`MAP_POINT_LIMIT` (at most that many
    coordinates read), plus the per-precision counts behind the notes, which skip the day and hour
    filter.
    """
    with source.open_store().reading() as store:
        return _incidents(sel=options.selection, store=store, source=source)


def _incidents(sel: Selection, store: Store, source: Source) -> IncidentsResult:
    # One scan gives the count and the grid: the cells, and a last row for the unlocated incidents.
    cells = store.grid_counts(sel, MAP_GRID_CELL_M, unlocated=True)
    count = int(cells["n"].sum())
    imprecise, partial = left_out(store, sel)
    notes = tuple(selection_notes(sel, imprecise, partial))
    cells = cells[cells["x"].notna()]
    grid = GridCounts(MAP_GRID_CELL_M, cells["x"].to_numpy(float), cells["y"].to_numpy(float), cells["n"].to_numpy())
    if grid.total <= MAP_POINT_LIMIT:  # within the limit (also when many lack a location)
        pts = store.points(sel, with_precision=True) if count else None
        return _with_points(sel, count, notes, pts, source)
    return IncidentsResult(
        selection=sel,
        count=count,
        notes=notes,
        without_location=count - grid.total,
        bounds=grid_bounds(grid),
        longitude=np.zeros(0),
        latitude=np.zeros(0),
        grid=grid,
        capped=True,
        message=(
            f"{grid.total:,} located incidents is more than the map draws one by one ({MAP_POINT_LIMIT:,}): "
            f"it shows counts per {grid.cell_m:g} m square instead; narrow the selection to see each incident"
        ),
        source=source,
    )


def _with_points(
    sel: Selection, count: int, notes: tuple[str, ...], pts: pd.DataFrame | None, source: Source
) -> IncidentsResult:
    x = np.zeros(0) if pts is None else pts["easting"].to_numpy(float)
    y = np.zeros(0) if pts is None else pts["northing"].to_numpy(float)
    return IncidentsResult(
        selection=sel,
        count=count,
        notes=notes,
        without_location=count - len(x),
        bounds=padded_bounds(x, y),
        longitude=np.zeros(0) if pts is None else pts["longitude"].to_numpy(float),
        latitude=np.zeros(0) if pts is None else pts["latitude"].to_numpy(float),
        at_postcode=np.zeros(0, dtype=bool) if pts is None else pts["at_postcode"].to_numpy(bool),
        source=source,
    )


def limited(result: IncidentsResult, limit: int | None) -> pd.DataFrame:
    """The incidents an API answer carries: the newest ``limit`` (all when None); reads the rows."""
    df = result.incidents
    return df.iloc[-limit:] if limit is not None and len(df) > limit else df
