"""Incidents of a selection: the count, the notes, the points the map draws (or grid counts), the extent."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.bounds import Bounds, padded_bounds
from geo.selection import Selection
from service import cache
from service.limits import MAP_GRID_CELL_M, MAP_POINT_LIMIT, parse_number
from service.params import Params, check_known, selection_of, selection_params, single
from service.source import Source

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
    """The selected incidents and what the map and the API say about them.

    ``incidents`` is the shared, cached frame: callers must not mutate it.  ``longitude`` and
    ``latitude`` hold the located points when there are at most :data:`MAP_POINT_LIMIT`; beyond
    that they are empty and ``grid`` holds counts per cell instead (``capped`` is True, ``message``
    says so).
    """

    selection: Selection
    incidents: pd.DataFrame
    count: int
    notes: tuple[str, ...]
    without_location: int
    bounds: Bounds | None
    longitude: np.ndarray
    latitude: np.ndarray
    grid: GridCounts | None = None
    capped: bool = False
    message: str = ""

    @property
    def empty(self) -> bool:
        """True when nothing is selected."""
        return self.count == 0


def grid_counts(easting: np.ndarray, northing: np.ndarray, cell_m: float = MAP_GRID_CELL_M) -> GridCounts:
    """Count located points per ``cell_m`` square, cells aligned to the BNG origin (so views agree)."""
    ok = np.isfinite(easting) & np.isfinite(northing)
    cx = np.floor(easting[ok] / cell_m).astype(np.int64)
    cy = np.floor(northing[ok] / cell_m).astype(np.int64)
    cells, counts = np.unique(np.c_[cx, cy], axis=0, return_counts=True) if ok.any() else (np.zeros((0, 2)), [])
    cells = np.asarray(cells, dtype=float).reshape(-1, 2)
    return GridCounts(cell_m, cells[:, 0] * cell_m, cells[:, 1] * cell_m, np.asarray(counts, dtype=np.int64))


@cache.cached
def run_incidents(source: Source, options: IncidentsOptions) -> IncidentsResult:
    """The incidents of ``options.selection`` with the map's points (or grid counts) and extent."""
    result = source.query(options.selection)
    df = result.incidents
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    located = df["longitude"].notna().to_numpy() & df["latitude"].notna().to_numpy()
    n_located = int(located.sum())
    lon = df["longitude"].to_numpy(float)[located]
    lat = df["latitude"].to_numpy(float)[located]
    grid, message = None, ""
    if n_located > MAP_POINT_LIMIT:
        grid = grid_counts(x, y)
        lon = lat = np.zeros(0)
        message = (
            f"{n_located:,} located incidents is more than the map draws one by one ({MAP_POINT_LIMIT:,}): "
            f"it shows counts per {MAP_GRID_CELL_M:g} m square instead; narrow the selection to see each incident"
        )
    return IncidentsResult(
        selection=options.selection,
        incidents=df,
        count=len(df),
        notes=tuple(result.notes),
        without_location=len(df) - n_located,
        bounds=padded_bounds(x, y),
        longitude=lon,
        latitude=lat,
        grid=grid,
        capped=grid is not None,
        message=message,
    )


def limited(result: IncidentsResult, limit: int | None) -> pd.DataFrame:
    """The incidents an API answer carries: the newest ``limit`` (all when None)."""
    df = result.incidents
    return df.iloc[-limit:] if limit is not None and len(df) > limit else df
