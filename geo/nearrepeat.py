"""Near repeats: a Knox test over distance bands x time bands, and prospective risk zones.

Every pair of incidents is placed in one distance band and one time band.  Under no space-time interaction, which
incident happened when is unrelated to where: the Monte Carlo test permutes the time labels over the incidents
(locations fixed), recounts every cell, and the p-value of a cell is ``(1 + #{permuted >= observed}) / (1 +
permutations)`` (one-sided: near repeats mean *more* pairs than chance; Besag & Diggle 1977; Johnson & Bowers 2004;
Ratcliffe's Near Repeat Calculator). The expected count of a cell is exact, not simulated: a random permutation
gives each pair a uniformly random pair of distinct times, so ``E = N_space x N_time / N_pairs`` (Knox 1964).

Bands (all inclusive of their upper end; a pair's distance is in metres between grid-rounded points, its time
difference in whole calendar days or whole months):

* distance: "same location" (exactly 0 m: the same snap point, or the same ``grid_m`` cell of
  precise data), then "1–100 m" (more than 0 and up to 100 m), "101–200 m" (more than 100 m and up
  to 200 m), ..., and "more than 500 m";
* time: given as the upper ends of the bands, "0–7 days", "8–14 days", ..., "more than 28 days";
  upper ends 0, 1, 2, 3 in months give "same month", "1 month", "2 months", "3 months".

Pairs are enumerated (:meth:`scipy.spatial.cKDTree.query_pairs`) only up to the largest finite band; the "more than"
row comes from the totals per time band over all pairs, which permutations keep. Month-only data.police.uk records
run in month bands (:func:`time_unit`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.repeats import DEFAULT_GRID_M, location_keys
from geo.schema import PRECISION_MONTH
from geo.selection import reference_time

DEFAULT_DISTANCE_BANDS: tuple[int, ...] = (100, 200, 300, 400, 500)
DEFAULT_DAY_BANDS: tuple[int, ...] = (7, 14, 21, 28)
DEFAULT_MONTH_BANDS: tuple[int, ...] = (0, 1, 2, 3)
DEFAULT_PERMUTATIONS = 999
DEFAULT_ALPHA = 0.05
SAME_LOCATION = "same location"
MONTH_NOTICE = (
    "data.police.uk records give the month only, so they cannot support day bands: the test runs in "
    "month bands (same month, 1, 2, 3 months apart)"
)


def distance_labels(bands: Sequence[float]) -> list[str]:
    """Row labels: "same location", "1–100 m", "101–200 m", ..., "more than 500 m"."""
    labels, lo = [SAME_LOCATION], 0.0
    for hi in bands:
        labels.append(f"{lo + 1:g}–{hi:g} m")
        lo = float(hi)
    return [*labels, f"more than {lo:g} m"]


def time_labels(bands: Sequence[int], unit: str) -> list[str]:
    """Column labels: "0–7 days", "8–14 days", ..., "more than 28 days" (or months)."""
    labels, lo = [], 0
    for hi in bands:
        if unit == "months":
            one = f"{hi} month{'s' if hi != 1 else ''}"
            labels.append("same month" if hi == 0 else (one if hi == lo else f"{lo}–{hi} months"))
        else:
            labels.append(f"{lo}–{hi} days" if hi > lo else f"{hi} day{'s' if hi != 1 else ''}")
        lo = int(hi) + 1
    return [*labels, f"more than {lo - 1} {unit}"]


def check_bands(bands: Sequence[float], what: str, allow_zero: bool) -> tuple:
    """Validate band upper ends: ascending, non-negative, whole numbers; a leading 0 distance is dropped."""
    values = [float(b) for b in bands]
    if what == "distance" and values and values[0] == 0:
        values = values[1:]  # 0 m is the same-location band, always shown
    if not values:
        raise ValueError(f"give at least one {what} band")
    if any(v != int(v) for v in values) or any(v < (0 if allow_zero else 1) for v in values):
        raise ValueError(f"{what} bands must be whole numbers {'from 0' if allow_zero else 'above 0'}, got {values}")
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValueError(f"{what} bands must increase, got {values}")
    return tuple(int(v) for v in values)


def time_unit(incidents: pd.DataFrame, requested: str = "auto") -> tuple[str, pd.DataFrame, list[str]]:
    """The time unit the data support, the incidents usable in it, and notes.

    ``auto`` uses days when any record has a day, leaving out the month-only records (noted), and
    months when every record is month-only.  ``days`` on month-only data switches to months with
    :data:`MONTH_NOTICE`; ``months`` uses every record.
    """
    if requested not in {"auto", "days", "months"}:
        raise ValueError(f"time unit must be auto, days or months, got '{requested}'")
    month = (incidents["time_precision"] == PRECISION_MONTH).to_numpy()
    if requested == "months":
        return "months", incidents, []
    if month.all():
        return "months", incidents, [MONTH_NOTICE]
    notes = []
    if month.any():
        notes.append(
            f"{int(month.sum()):,} month-only records (data.police.uk) are left out of the day bands; "
            "choose month bands to include them"
        )
    return "days", incidents[~month], notes


def event_times(incidents: pd.DataFrame, unit: str) -> np.ndarray:
    """Whole days (local calendar date of the from/to midpoint) or months since an epoch."""
    if unit == "months":
        start = incidents["occurred_from"].dt.tz_localize(None)
        return (start.dt.year * 12 + start.dt.month - 1).to_numpy(dtype=np.int64)
    dates = reference_time(incidents).dt.tz_localize(None).dt.normalize()
    return (dates - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=np.int64)


@dataclass(frozen=True)
class KnoxResult:
    """Observed and expected pair counts per distance band (rows) x time band (columns).

    ``observed``, ``expected``, ``ratio`` (observed / expected) and ``p_value`` are DataFrames
    labelled by :func:`distance_labels` and :func:`time_labels`; ``significant`` marks cells with
    ``p_value < alpha`` and ``ratio > 1``.
    """

    observed: pd.DataFrame
    expected: pd.DataFrame
    ratio: pd.DataFrame
    p_value: pd.DataFrame
    significant: pd.DataFrame
    n_incidents: int
    n_pairs: int
    permutations: int
    seed: int
    unit: str
    distance_bands: tuple[int, ...]
    time_bands: tuple[int, ...]
    alpha: float
    grid_m: float
    notes: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        """The test in one sentence."""
        return (
            f"Knox test over {self.n_pairs:,} pairs of {self.n_incidents:,} incidents; expected counts exact "
            f"under random time labels; one-sided Monte Carlo p-values from {self.permutations:,} permutations "
            f"of the times (seed {self.seed}); significant: p < {self.alpha:g} and observed above expected"
        )

    def long(self) -> pd.DataFrame:
        """One row per cell: distance_band, time_band, observed, expected, ratio, p_value, significant."""
        names = ("observed", "expected", "ratio", "p_value", "significant")
        axes = {"index": "distance_band", "columns": "time_band"}
        return pd.concat([getattr(self, n).rename_axis(**axes).stack().rename(n) for n in names], axis=1).reset_index()

    def extent(self) -> tuple[int, int, int] | None:
        """Where and when risk is raised: (distance row, time column, distance in m) or None.

        From the nearest band outwards: the furthest finite distance band such that it and every
        nearer band (from "1–100 m") are significant in the first time band, and the furthest
        time band such that it and every earlier one are significant in the nearest distance band.
        When only "same location" is significant, the extent is that row (0 m).
        """
        sig = self.significant.to_numpy()
        first = 1 if sig[1, 0] else (0 if sig[0, 0] else None)
        if first is None:
            return None
        row = first
        while first == 1 and row + 1 < sig.shape[0] - 1 and sig[row + 1, 0]:
            row += 1
        col = 0
        while col + 1 < sig.shape[1] - 1 and sig[first, col + 1]:
            col += 1
        return row, col, (0 if row == 0 else self.distance_bands[row - 1])


def knox_test(
    xy: np.ndarray,
    times: np.ndarray,
    distance_bands: Sequence[float] = DEFAULT_DISTANCE_BANDS,
    time_bands: Sequence[int] = DEFAULT_DAY_BANDS,
    *,
    unit: str = "days",
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
    alpha: float = DEFAULT_ALPHA,
    grid_m: float = DEFAULT_GRID_M,
) -> KnoxResult:
    """The Knox test on points (metres) and integer times (days or months).

    Parameters
    ----------
    xy : array (n, 2)
        Coordinates in metres, already rounded to the location grid.
    times : array (n,) of int
        Event times in ``unit``.
    distance_bands, time_bands : sequence of int
        Upper ends of the bands (see the module notes).
    permutations : int, default 999
        Monte Carlo permutations of the time labels.
    seed : int
        Seed of the permutations (the result is deterministic given it).
    alpha : float, default 0.05

    Returns
    -------
    KnoxResult
    """
    dbands = check_bands(distance_bands, "distance", allow_zero=False)
    tbands = check_bands(time_bands, "time", allow_zero=True)
    xy, times = np.asarray(xy, dtype=float), np.asarray(times, dtype=np.int64)
    n = len(times)
    if n < 3:
        raise ValueError(f"a Knox test needs at least 3 incidents with coordinates, got {n}")
    pairs = cKDTree(xy).query_pairs(r=float(dbands[-1]), output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    dist = np.hypot(*(xy[i] - xy[j]).T)
    srow = np.where(dist == 0, 0, np.searchsorted(np.asarray(dbands, float), dist, side="left") + 1)
    n_rows = len(dbands) + 2
    tb = np.asarray(tbands)
    n_pairs = n * (n - 1) // 2
    time_totals = _time_totals(times, tb)
    space_totals = np.bincount(srow, minlength=n_rows - 1).astype(float)
    space_totals = np.append(space_totals, n_pairs - space_totals.sum())

    cells = _cell_counter(i, j, srow, tb, time_totals, n_rows - 1)
    observed = cells(times)
    at_least = _at_least(cells, times, observed, permutations, seed)
    expected = np.outer(space_totals, time_totals) / n_pairs
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
    p = (1 + at_least) / (1 + permutations)
    frame = _labelled(dbands, tbands, unit)
    return KnoxResult(
        observed=frame(observed.astype(int)),
        expected=frame(expected),
        ratio=frame(ratio),
        p_value=frame(p),
        significant=frame((p < alpha) & (ratio > 1)),
        n_incidents=n,
        n_pairs=n_pairs,
        permutations=int(permutations),
        seed=int(seed),
        unit=unit,
        distance_bands=dbands,
        time_bands=tbands,
        alpha=float(alpha),
        grid_m=float(grid_m),
    )


def _cell_counter(
    i: np.ndarray, j: np.ndarray, srow: np.ndarray, tb: np.ndarray, time_totals: np.ndarray, n_near: int
) -> Callable[[np.ndarray], np.ndarray]:
    """A function of the times giving every cell's count: the near rows, then the "more than" row."""
    # Per permutation only the time band of each near pair changes: a lookup table is cheaper than
    # a search, and the row offsets are fixed.
    n_cols = len(tb) + 1
    lut = np.searchsorted(tb, np.arange(tb[-1] + 2), side="left")
    base = srow * n_cols

    def cells(t: np.ndarray) -> np.ndarray:
        col = lut[np.minimum(np.abs(t[i] - t[j]), tb[-1] + 1)]
        near = np.bincount(base + col, minlength=n_near * n_cols).reshape(n_near, n_cols)
        return np.vstack([near, time_totals - near.sum(axis=0)])

    return cells


def _at_least(
    cells: Callable[[np.ndarray], np.ndarray], times: np.ndarray, observed: np.ndarray, permutations: int, seed: int
) -> np.ndarray:
    """Per cell, how many of ``permutations`` random relabellings of the times give at least ``observed``."""
    rng = np.random.default_rng(seed)
    at_least = np.zeros_like(observed)
    for _ in range(permutations):
        at_least += cells(rng.permutation(times)) >= observed
    return at_least


def _labelled(dbands: Sequence[float], tbands: Sequence[int], unit: str) -> Callable[[np.ndarray], pd.DataFrame]:
    rows, cols = distance_labels(dbands), time_labels(tbands, unit)

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=pd.Index(rows, name="distance"), columns=pd.Index(cols, name="time"))

    return frame


def _time_totals(times: np.ndarray, tb: np.ndarray) -> np.ndarray:
    """Pairs per time band over every pair (unchanged by permuting the labels)."""
    t = np.sort(times)
    idx = np.arange(len(t))
    upto = np.array([np.sum(np.searchsorted(t, t + u, side="right") - idx - 1) for u in tb], dtype=float)
    total = len(t) * (len(t) - 1) / 2
    return np.diff(np.concatenate([[0.0], upto, [total]]))


def knox(
    incidents: pd.DataFrame,
    distance_bands: Sequence[float] = DEFAULT_DISTANCE_BANDS,
    time_bands: Sequence[int] | None = None,
    *,
    unit: str = "auto",
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
    alpha: float = DEFAULT_ALPHA,
    grid_m: float = DEFAULT_GRID_M,
) -> KnoxResult:
    """The Knox test on canonical incidents, in the time unit their precision supports.

    ``time_bands`` None gives :data:`DEFAULT_DAY_BANDS` or :data:`DEFAULT_MONTH_BANDS`.  Bands are read in days
    unless ``unit="months"``: bands given for month-only data without it are day bands the data cannot support,
    so the month bands replace them (with :data:`MONTH_NOTICE`).  Other parameters as :func:`knox_test`;
    incidents without coordinates are left out (noted).
    """
    located = incidents[incidents["easting"].notna() & incidents["northing"].notna()]
    notes = [f"{len(incidents) - len(located):,} incidents without coordinates are left out"] * (
        len(located) < len(incidents)
    )
    used_unit, usable, unit_notes = time_unit(located, unit)
    if time_bands is None or (used_unit == "months" and unit != "months"):
        time_bands = DEFAULT_MONTH_BANDS if used_unit == "months" else DEFAULT_DAY_BANDS
    keys = location_keys(usable, grid_m)
    result = knox_test(
        keys.to_numpy(),
        event_times(usable, used_unit),
        distance_bands,
        time_bands,
        unit=used_unit,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        grid_m=grid_m,
    )
    result.notes.extend([*notes, *unit_notes])
    return result


#: Radius drawn when only the same location is at raised risk (a bare point is invisible on a map).
SAME_LOCATION_RADIUS_M = 25.0
ZONE_COLUMNS = (
    "incident_id crime_type location occurred zone_from zone_to radius_m distance_band time_band geometry".split()
)


def risk_zones(
    incidents: pd.DataFrame, result: KnoxResult, last_days: int = 28, crs: str = "EPSG:27700"
) -> gpd.GeoDataFrame:
    """Prospective risk zones around the latest incidents, from a significant Knox result.

    Around each incident of the last ``last_days`` days (up to the latest incident; with month data, the months
    those days reach into), the area of the significant distance extent (:meth:`KnoxResult.extent`) is at raised
    risk from the incident's date until the end of the significant time extent.

    Returns
    -------
    GeoDataFrame
        :data:`ZONE_COLUMNS` (polygons in ``crs``; ``zone_from``/``zone_to`` inclusive dates, ``occurred`` the
        incident's date, or its month's first day for month data).  Empty when no near band is significant.
    """
    ext = result.extent()
    located = incidents[incidents["easting"].notna() & incidents["northing"].notna()]
    if result.unit == "days":
        located = located[(located["time_precision"] != PRECISION_MONTH).to_numpy()]
    if ext is None or located.empty:
        return gpd.GeoDataFrame(columns=ZONE_COLUMNS, geometry="geometry", crs=crs)
    row, col, radius = ext
    t = event_times(located, result.unit)
    if result.unit == "months":
        months_back = max(1, -(-int(last_days) // 30))
        recent = t > t.max() - months_back
        start = pd.to_datetime({"year": t // 12, "month": t % 12 + 1, "day": 1})
        end = start + pd.DateOffset(months=result.time_bands[col] + 1) - pd.Timedelta(days=1)
    else:
        recent = t > t.max() - int(last_days)
        start = pd.Timestamp("1970-01-01") + pd.to_timedelta(t, unit="D")
        end = start + pd.Timedelta(days=result.time_bands[col])
    keys = location_keys(located, result.grid_m)
    pick = np.flatnonzero(recent)
    points = gpd.points_from_xy(keys["easting"].to_numpy()[pick], keys["northing"].to_numpy()[pick], crs=crs)
    shown = radius if radius > 0 else SAME_LOCATION_RADIUS_M
    zones = gpd.GeoDataFrame(
        {
            "incident_id": located["incident_id"].to_numpy()[pick],
            "crime_type": located["crime_type"].to_numpy()[pick],
            "location": located["location"].to_numpy()[pick],
            "occurred": pd.DatetimeIndex(start)[pick],
            "zone_from": pd.DatetimeIndex(start)[pick],
            "zone_to": pd.DatetimeIndex(end)[pick],
            "radius_m": float(shown),
            "distance_band": result.observed.index[row],
            "time_band": result.observed.columns[col],
        },
        geometry=points.buffer(shown, quad_segs=16),
        crs=crs,
    )
    return zones.sort_values(["zone_from", "incident_id"], ignore_index=True)[ZONE_COLUMNS]
