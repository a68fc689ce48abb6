"""Seeded generator of the SYNTHETIC force-style demo extract (Winchester, April 2003 - March 2008).

**Everything this module produces is synthetic and illustrative.**  No row is a real incident and
there is no personal data.  The only real inputs are the public data.police.uk street-level points
bundled in ``data/winchester/police-uk/2017-*.csv`` (already anonymised and snapped by the police),
used as a pool of plausible locations, and the published 2003/04 baseline table of the Winchester
Community Safety Partnership strategy 2005-08 (``[targets.baseline]`` in ``district.toml``).

``python -m geo.demo`` regenerates the committed ``data/winchester/demo/force_extract_synthetic.csv``
byte for byte (seed 2005).

The model (components of each force code: share, trend, place, rhythm, from/to window) is described
and defined in :mod:`geo.demo_model`.

Times are Europe/London wall-clock times.  Reported exact minutes heap on :00 and :30 like real
recorded times.  A time falling in the spring-forward gap (01:00-01:59 on the last Sunday of March
does not exist) is shifted forward one hour; times in the repeated hour at the end of October are
ambiguous, as in real extracts, and left for the reader to resolve.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.config import District, load_district
from geo.demo_model import (
    CYCLE_DECAY_M,
    CYCLE_PULL,
    MODEL,
    OTHER_BASELINE,
    STATION_LONLAT,
    UNIVERSITY_LONLAT,
    Component,
    special_days,
)
from geo.schema import LOCAL_TZ

#: Column order of the extract, as keys of ``district.toml`` ``[force_csv]``.
_CSV_KEYS = ("id", "crime_code", "date", "time", "date_to", "time_to", "easting", "northing", "location")


def _fy_days(fy: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{fy}-04-01", f"{fy + 1}-03-31", freq="D")


def _load_pool(district: District, paths: list[Path]) -> pd.DataFrame:
    """Real data.police.uk points (BNG metres) inside the district, with zone and cycle weights."""
    frames = [pd.read_csv(p, usecols=["Longitude", "Latitude", "Location", "Crime type"]) for p in paths]
    raw = pd.concat(frames, ignore_index=True).dropna(subset=["Longitude", "Latitude"])
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = tr.transform(raw["Longitude"].to_numpy(), raw["Latitude"].to_numpy())
    pool = pd.DataFrame(
        {"crime_type": raw["Crime type"].astype(str), "x": x, "y": y, "location": raw["Location"].astype(str)}
    )
    boundary = district.boundary.union_all()
    pool = pool[shapely.contains_xy(boundary, pool["x"], pool["y"])]
    # Sorting makes the pool independent of file order and pandas internals.
    pool = pool.sort_values(["crime_type", "x", "y", "location"], kind="mergesort").reset_index(drop=True)
    zone = district.zone_layer("2005").geometry.iloc[0]
    pool["in_zone"] = shapely.contains_xy(zone, pool["x"], pool["y"])
    weight = np.ones(len(pool))
    for lon, lat in (STATION_LONLAT, UNIVERSITY_LONLAT):
        sx, sy = tr.transform(lon, lat)
        d = np.hypot(pool["x"] - sx, pool["y"] - sy)
        weight += CYCLE_PULL * np.exp(-d / CYCLE_DECAY_M)
    pool["cycle_weight"] = weight
    return pool


def _counts(comps: list[Component], base: int, k: int, rng: np.random.Generator, noise: float) -> list[int]:
    """Component counts for financial year ``baseline + k``: exact largest-remainder split at k = 0."""
    expected = np.array([base * c.share * c.trend**k for c in comps])
    if k != 0:
        return [int(v) for v in np.rint(expected * np.exp(rng.normal(0.0, noise, len(comps))))]
    floors = np.floor(expected).astype(int)
    order = np.argsort(-(expected - floors), kind="stable")
    floors[order[: base - floors.sum()]] += 1
    return [int(v) for v in floors]


def _minutes(rng: np.random.Generator, n: int, quarter: bool) -> np.ndarray:
    """Recorded minutes heap on round values; window ends are usually given to the quarter hour."""
    u = rng.random(n)
    exact = rng.integers(0, 60, n)
    five = rng.integers(0, 12, n) * 5
    fifteen = rng.integers(0, 4, n) * 15
    if quarter:
        return np.where(u < 0.7, fifteen, five)
    return np.select([u < 0.25, u < 0.33, u < 0.6], [0, 30, five], exact)


def _times(c: Component, days: pd.DatetimeIndex, rng: np.random.Generator) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """From and to wall-clock times (naive) for the chosen days; to is NaT without a window."""
    n = len(days)
    if c.window is None:
        hours = rng.choice(24, size=n, p=np.asarray(c.hours) / np.sum(c.hours))
        # Hours before 06:00 belong to the night that started on the chosen day.
        day_off = np.where(hours < 6, 1, 0)
        start = days + pd.to_timedelta(day_off, "D") + pd.to_timedelta(hours * 60 + _minutes(rng, n, False), "min")
        return start, pd.DatetimeIndex([pd.NaT] * n)
    e_day: int | np.ndarray  # days from start to end: fixed by the window, or drawn per incident ("away")
    if c.window == "overnight":
        s_min, s_span, e_day, e_min, e_span = 17 * 60, 390, 1, 6 * 60, 150
    elif c.window == "workday":
        s_min, s_span, e_day, e_min, e_span = 7 * 60 + 30, 120, 0, 16 * 60 + 30, 150
    else:  # away: out from the day to 1-7 days later
        s_min, s_span, e_min, e_span = 8 * 60, 720, 8 * 60, 780
        e_day = rng.integers(1, 8, n)
    s = s_min + rng.integers(0, s_span // 15 + 1, n) * 15
    e = e_min + (rng.integers(0, e_span // 5 + 1, n) * 5 // 15) * 15
    start = days + pd.to_timedelta(s, "min")
    end = days + pd.to_timedelta(e_day, "D") + pd.to_timedelta(e, "min")
    return start, end


def _fix_gap(t: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, int]:
    """Shift wall-clock times that do not exist (spring-forward gap) forward one hour."""
    # Ambiguous times are resolved arbitrarily here only so that they are not mistaken for gaps.
    loc = t.tz_localize(LOCAL_TZ, ambiguous=np.ones(len(t), dtype=bool), nonexistent="NaT")
    gap = np.asarray(t.notna() & loc.isna())
    return t + pd.to_timedelta(np.where(gap, 60, 0), "min"), int(gap.sum())


def _places(
    c: Component,
    crime_type: str,
    n: int,
    pool: pd.DataFrame,
    zone: shapely.Geometry,
    boundary: shapely.Geometry,
    rng: np.random.Generator,
    jitter_m: float,
) -> pd.DataFrame:
    """Resample ``n`` real points of ``crime_type`` for the component's place, jittered."""
    cand = pool[pool["crime_type"] == crime_type]
    if c.place == "zone":
        cand = cand[cand["in_zone"]]
    elif c.place == "outside":
        cand = cand[~cand["in_zone"]]
    if cand.empty:
        raise ValueError(f"no real {crime_type!r} points for place {c.place!r} to resample from")
    w = cand["cycle_weight"].to_numpy() if c.place == "cycle" else np.ones(len(cand))
    pick = cand.iloc[rng.choice(len(cand), size=n, p=w / w.sum())]
    r = jitter_m * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    x0, y0 = pick["x"].to_numpy(), pick["y"].to_numpy()
    x, y = x0 + r * np.cos(a), y0 + r * np.sin(a)
    # A jitter that leaves the district or crosses the zone edge would change what the point means.
    same_zone = shapely.contains_xy(zone, x, y) == pick["in_zone"].to_numpy()
    keep = shapely.contains_xy(boundary, x, y) & same_zone
    return pd.DataFrame(
        {"x": np.where(keep, x, x0), "y": np.where(keep, y, y0), "location": pick["location"].to_numpy()}
    )


def generate_force_extract(
    seed: int = 2005,
    start: str = "2003-04-01",
    end: str = "2008-03-31",
    *,
    district: District | None = None,
    police_uk_paths: list[str | Path] | None = None,
    jitter_m: float = 25.0,
    noise: float = 0.03,
) -> pd.DataFrame:
    """Generate the SYNTHETIC force-style extract (one row per incident, the CSV's columns).

    Parameters
    ----------
    seed : int, default 2005
        Seed of the ``numpy.random.Generator``; the same seed gives the same frame.
    start, end : str, default "2003-04-01", "2008-03-31"
        Inclusive local date range of ``DATE_FROM``.  Whole financial years covering the range are
        modelled, then clipped, so a shorter range is a subset of the longer one with the same seed
        only when the financial years match.
    district : District, optional
        District configuration (default the bundled Winchester).  Supplies the boundary, the 2005
        zone, the crime codes, the baseline table and the force CSV column names.
    police_uk_paths : list of path, optional
        data.police.uk street CSVs used as the location pool (default the district's 2017 files).
    jitter_m : float, default 25
        Radius (m) of the uniform jitter around each resampled point.
    noise : float, default 0.03
        Standard deviation of the log-normal noise on yearly counts after the baseline year.

    Returns
    -------
    pandas.DataFrame
        Columns named by ``[force_csv]``: URN (``SYN-WIN-<year>-<n>``), HO_CODE, DATE_FROM (dd/mm/yyyy),
        TIME_FROM (HH:MM), DATE_TO and TIME_TO ("" without a window), EASTING, NORTHING (integer
        metres, EPSG:27700), STREET.  ``df.attrs["shifted_gap_times"]`` counts times moved out of the
        spring-forward gap.
    """
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if jitter_m < 0 or noise < 0:
        raise ValueError("jitter_m and noise must be >= 0")
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if t1 < t0:
        raise ValueError(f"end {end} is before start {start}")
    district = district or load_district()
    paths = police_uk_paths or sorted((district.data_path("police_uk") or Path()).glob("2017-*.csv"))
    if not paths:
        raise ValueError("no data.police.uk files to resample locations from")
    pool = _load_pool(district, [Path(p) for p in paths])
    rng = np.random.default_rng(seed)
    fy0 = t0.year if t0.month >= 4 else t0.year - 1
    fy1 = t1.year if t1.month >= 4 else t1.year - 1
    df = _simulate(district, pool, range(fy0, fy1 + 1), rng, jitter_m, noise)
    df["t_from"], n_from = _fix_gap(pd.DatetimeIndex(df["t_from"]))
    df["t_to"], n_to = _fix_gap(pd.DatetimeIndex(df["t_to"]))
    df = df[(df["t_from"] >= t0) & (df["t_from"] < t1 + pd.Timedelta(days=1))]
    out = _extract_columns(df, district)
    out.attrs["synthetic"] = True
    out.attrs["shifted_gap_times"] = n_from + n_to
    return out


def _code_baselines(district: District, codes: pd.DataFrame) -> dict[str, int]:
    """2003/04 count per force code: the district's baseline table where the code has a target category."""
    base = dict(OTHER_BASELINE)
    for code, row in codes.iterrows():
        if pd.notna(row["ho_category"]) and row["ho_category"] in district.targets.baseline:
            base[str(code)] = district.targets.baseline[row["ho_category"]]
    return base


def _simulate(
    district: District, pool: pd.DataFrame, years: range, rng: np.random.Generator, jitter_m: float, noise: float
) -> pd.DataFrame:
    """Every component's incidents for the financial ``years``: ``x``, ``y``, ``location``, ``code``, times.

    The draws from ``rng`` follow a fixed order (year, code, component), so a seed gives one frame.
    """
    zone = district.zone_layer("2005").geometry.iloc[0]
    boundary = district.boundary.union_all()
    codes = district.crime_codes.set_index("code")
    base = _code_baselines(district, codes)
    by_code: dict[str, list[Component]] = {}
    for c in MODEL:
        by_code.setdefault(c.code, []).append(c)
    parts = []
    for fy in years:
        days = _fy_days(fy)
        for code, comps in by_code.items():
            if code not in base or code not in codes.index:
                continue
            counts = _counts(comps, base[code], fy - district.targets.baseline_year, rng, noise)
            for c, n in zip(comps, counts, strict=True):
                if n <= 0:
                    continue
                w = (
                    np.asarray(c.season)[days.month - 1]
                    * np.asarray(c.dow)[days.day_of_week]
                    * np.where(special_days(code, days), c.special, 1.0)
                )
                chosen = days[rng.choice(len(days), size=n, p=w / w.sum())]
                t_from, t_to = _times(c, chosen, rng)
                place = _places(c, codes.at[code, "crime_type"], n, pool, zone, boundary, rng, jitter_m)
                place["code"], place["t_from"], place["t_to"] = code, t_from, t_to
                parts.append(place)
    return pd.concat(parts, ignore_index=True)


def _extract_columns(df: pd.DataFrame, district: District) -> pd.DataFrame:
    """The simulated incidents as the force CSV: whole metres, sorted, numbered, columns named by the config."""
    df = df.copy()
    df["x"], df["y"] = np.rint(df["x"]).astype(int), np.rint(df["y"]).astype(int)
    df = df.sort_values(["t_from", "code", "x", "y", "location"], kind="mergesort").reset_index(drop=True)
    year = df["t_from"].dt.year
    seq = df.groupby(year).cumcount() + 1
    cols = dict(zip(_CSV_KEYS, (district.force_csv.get(k, k.upper()) for k in _CSV_KEYS), strict=True))
    fmt = district.force_csv.get("date_format", "%d/%m/%Y")
    has_to = df["t_to"].notna()
    return pd.DataFrame(
        {
            cols["id"]: "SYN-WIN-" + year.astype(str) + "-" + seq.map("{:06d}".format),
            cols["crime_code"]: df["code"],
            cols["date"]: df["t_from"].dt.strftime(fmt),
            cols["time"]: df["t_from"].dt.strftime("%H:%M"),
            cols["date_to"]: df["t_to"].dt.strftime(fmt).where(has_to, ""),
            cols["time_to"]: df["t_to"].dt.strftime("%H:%M").where(has_to, ""),
            cols["easting"]: df["x"],
            cols["northing"]: df["y"],
            cols["location"]: df["location"],
        }
    )


def default_path(district: District | None = None) -> Path:
    """Where the district config says the demo extract lives."""
    district = district or load_district()
    path = district.data_path("demo_extract")
    if path is None:
        raise ValueError(f"district {district.name} declares no [data] demo_extract")
    return path


def force_extract_bytes(seed: int = 2005, **kwargs: Any) -> bytes:
    """The extract as the exact CSV bytes written by :func:`write_force_extract` (UTF-8, LF)."""
    return generate_force_extract(seed, **kwargs).to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_force_extract(path: str | Path | None = None, seed: int = 2005, **kwargs: Any) -> Path:
    """Write the SYNTHETIC extract CSV (default: the district's ``demo/force_extract_synthetic.csv``).

    Returns the path written.  Extra keyword arguments go to :func:`generate_force_extract`.
    """
    path = Path(path) if path is not None else default_path(kwargs.get("district"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(force_extract_bytes(seed, **kwargs))
    return path


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of a file (used to check the committed extract is a fresh generation)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


if __name__ == "__main__":
    written = write_force_extract()
    print(
        f"wrote SYNTHETIC demo extract {written} ({written.stat().st_size:,} bytes, sha256 {sha256_of(written)[:16]})"
    )
