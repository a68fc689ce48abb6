"""Seeded generator of the SYNTHETIC force-style demo extract (Winchester, April 2003 - March 2008).

**Everything this module produces is synthetic and illustrative.**  No row is a real incident and
there is no personal data.  The only real inputs are the public data.police.uk street-level points
bundled in ``data/winchester/police-uk/2017-*.csv`` (already anonymised and snapped by the police),
used as a pool of plausible locations, and the published 2003/04 baseline table of the Winchester
Community Safety Partnership strategy 2005-08 (``[targets.baseline]`` in ``district.toml``).

``python -m geo.demo`` regenerates the committed ``data/winchester/demo/force_extract_synthetic.csv``
byte for byte (seed 2005).

The model
---------
Each force offence code (``crime_codes.csv``) is a mixture of *components*.  A component has

* a **share** of the code's 2003/04 count and a yearly **trend** factor (``count = base * share *
  trend ** (financial_year - 2003)``).  Home Office target categories take their 2003/04 count from
  the district's baseline table; the other codes from :data:`OTHER_BASELINE` (chosen so a year holds
  about 9,700 records including ASB, plausible for a district of ~110,000 people).  The baseline year
  reproduces the table exactly; later years carry multiplicative log-normal noise (``noise``, default
  sd 0.03) so the trend is visible but not ruler-straight.  Trends: woundings about +4 %/yr overall,
  made of city-centre night-time economy (NTE) violence +8.5 %/yr and elsewhere +1 %/yr; criminal
  damage about +2 %/yr, centre +6 %/yr; domestic burglary -8 %/yr; theft of and from vehicles
  -7 %/yr; cycle theft flat; common assault and public order rising in the centre.
* a **place**: resample the real 2017 points of the same data.police.uk crime type, restricted to the
  2005 city-centre zone (``zone``), outside it (``outside``: residential burglary, domestic violence),
  anywhere (``any``), or weighted towards Winchester station and the University of Winchester
  (``cycle``: weight ``1 + 6 exp(-d / 300 m)`` for each site).  Each point is jittered uniformly in a
  disc of ``jitter_m`` (default 25 m) so points look like addresses rather than snap points; a jitter
  that would leave the district or cross the zone edge is dropped (the snap point is kept).
  ``STREET`` is the resampled point's data.police.uk location text ("On or near ...").
* a **rhythm**: month-of-year weights (party season and summer for violence, dark evenings for
  burglary, term time and summer for cycles, Halloween and Bonfire Night for ASB and damage),
  day-of-week weights and hour-of-day weights.  Days of week refer to the police "night": an hour
  before 06:00 belongs to the previous day, so Friday-night violence at 01:30 carries Saturday's
  date.  City-centre violence peaks 23:00-02:00 on Friday and Saturday nights; domestic burglary
  falls by day on weekdays; shoplifting in shop hours, Saturday highest.
* an optional **from/to window** instead of an exact time: ``overnight`` (from 17:00-23:30 to
  06:00-08:30 next morning: cars parked overnight, overnight criminal damage, sheds),
  ``workday`` (from 07:30-09:30 to 16:30-19:00 the same day: bike locked at the station, house empty
  while at work) and ``away`` (house empty for 1-7 days).

Times are Europe/London wall-clock times.  Reported exact minutes heap on :00 and :30 like real
recorded times.  A time falling in the spring-forward gap (01:00-01:59 on the last Sunday of March
does not exist) is shifted forward one hour; times in the repeated hour at the end of October are
ambiguous, as in real extracts, and left for the reader to resolve.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.config import District, load_district
from geo.schema import LOCAL_TZ

#: Approximate sites that attract cycle theft (WGS84 lon, lat).
STATION_LONLAT = (-1.3197, 51.0672)
UNIVERSITY_LONLAT = (-1.3295, 51.0597)
#: Decay length (m) and peak extra weight of the cycle-theft attraction of each site.
CYCLE_DECAY_M = 300.0
CYCLE_PULL = 6.0

#: 2003/04 counts for force codes without a Home Office target category (illustrative).
OTHER_BASELINE: dict[str, int] = {
    "VIO-CMA": 760,
    "VIO-SEX": 70,
    "PUB-ORD": 380,
    "WPN-POS": 45,
    "BUR-OTH": 420,
    "THF-SHP": 560,
    "THF-OTH": 1100,
    "DRG-OFF": 190,
    "OTH-OFF": 130,
    "ASB-INC": 2500,
}

#: Column order of the extract, as keys of ``district.toml`` ``[force_csv]``.
_CSV_KEYS = ("id", "crime_code", "date", "time", "date_to", "time_to", "easting", "northing", "location")

# Month weights, January..December.
_FLAT = (1,) * 12
_NTE_SEASON = (0.9, 0.85, 0.95, 1.0, 1.05, 1.1, 1.15, 1.1, 1.0, 1.0, 0.95, 1.3)
_DARK = (1.25, 1.1, 1.0, 0.9, 0.85, 0.8, 0.8, 0.85, 0.95, 1.1, 1.2, 1.25)
_TERM = (0.8, 0.8, 0.95, 1.05, 1.15, 1.2, 1.1, 1.0, 1.2, 1.15, 1.0, 0.7)
_SUMMER = (0.85, 0.85, 0.95, 1.05, 1.1, 1.15, 1.2, 1.1, 1.0, 1.1, 1.1, 0.85)

# Day-of-week weights, Monday..Sunday (of the night starting at 06:00).
_WEEK = (1,) * 7
_WEEKEND_NIGHTS = (0.35, 0.35, 0.5, 0.75, 1.7, 2.1, 0.55)
_LATE_WEEK = (0.9, 0.9, 0.95, 1.0, 1.2, 1.25, 1.0)
_WEEKDAYS = (1.15, 1.15, 1.15, 1.15, 1.1, 0.75, 0.55)
_SHOPPING = (0.9, 0.9, 0.95, 1.0, 1.1, 1.5, 0.7)

# Hour-of-day weights, 00:00..23:00 clock hours.
_H_NTE = (0.9, 1.0, 0.75, 0.35, 0.12, 0.04, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.03, 0.03,
          0.03, 0.03, 0.06, 0.08, 0.12, 0.2, 0.35, 0.55, 0.8)
_H_EVENING = (0.35, 0.25, 0.15, 0.08, 0.05, 0.04, 0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.45, 0.5,
              0.6, 0.7, 0.8, 0.85, 0.9, 0.9, 0.85, 0.7, 0.5)
_H_DAY = (0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.15, 0.4, 0.8, 1.0, 1.0, 0.95, 1.0, 1.0, 0.95,
          0.85, 0.6, 0.45, 0.35, 0.25, 0.15, 0.08, 0.05)
_H_SHOP = (0,) * 8 + (0.1, 0.5, 0.8, 0.95, 1.0, 1.0, 1.0, 0.95, 0.9, 0.7, 0.35, 0.15, 0.05, 0, 0, 0)
_H_NIGHT = (0.8, 0.7, 0.6, 0.5, 0.35, 0.2, 0.1, 0.08, 0.08, 0.1, 0.1, 0.12, 0.15, 0.15, 0.15, 0.2,
            0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85)
_H_ASB = (0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45, 0.65,
          0.85, 0.95, 1.0, 1.0, 1.0, 0.9, 0.75, 0.5)


@dataclass(frozen=True)
class _Component:
    code: str
    share: float
    trend: float
    place: str = "any"  # any | zone | outside | cycle
    dow: tuple[float, ...] = _WEEK
    hours: tuple[float, ...] = _H_EVENING
    season: tuple[float, ...] = _FLAT
    window: str | None = None  # None | overnight | workday | away
    special: float = 1.0  # extra weight on the code's special days (see _special_days)


#: The model: components per force code (shares of one code sum to 1).
MODEL: tuple[_Component, ...] = (
    _Component("VIO-WND", 0.40, 1.085, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON, special=3.0),
    _Component("VIO-WND", 0.60, 1.010, "outside", _LATE_WEEK, _H_EVENING, _SUMMER),
    _Component("VIO-CMA", 0.30, 1.070, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON, special=3.0),
    _Component("VIO-CMA", 0.70, 1.015, "outside", _LATE_WEEK, _H_EVENING, _SUMMER),
    _Component("VIO-SEX", 1.00, 1.020, "any", _LATE_WEEK, _H_NIGHT, _SUMMER),
    _Component("PUB-ORD", 0.40, 1.060, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON, special=3.0),
    _Component("PUB-ORD", 0.60, 1.000, "outside", _LATE_WEEK, _H_EVENING, _SUMMER),
    _Component("WPN-POS", 0.40, 1.050, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON),
    _Component("WPN-POS", 0.60, 1.010, "outside", _LATE_WEEK, _H_EVENING),
    _Component("ROB-PER", 1.00, 1.000, "any", _LATE_WEEK, _H_NIGHT, _DARK),
    _Component("BUR-DOM", 0.40, 0.920, "outside", _WEEKDAYS, _H_DAY, _DARK),
    _Component("BUR-DOM", 0.45, 0.920, "outside", _WEEKDAYS, _H_DAY, _DARK, "workday"),
    _Component("BUR-DOM", 0.15, 0.920, "outside", _SHOPPING, _H_DAY, _SUMMER, "away"),
    _Component("BUR-OTH", 0.35, 0.950, "any", _WEEK, _H_NIGHT, _DARK),
    _Component("BUR-OTH", 0.65, 0.950, "any", _WEEK, _H_NIGHT, _DARK, "overnight"),
    _Component("VEH-TOV", 0.40, 0.930, "any", _LATE_WEEK, _H_NIGHT, _DARK),
    _Component("VEH-TOV", 0.45, 0.930, "any", _WEEK, _H_NIGHT, _DARK, "overnight"),
    _Component("VEH-TOV", 0.15, 0.930, "any", _WEEKDAYS, _H_DAY, _DARK, "workday"),
    _Component("VEH-TFV", 0.35, 0.930, "any", _WEEK, _H_NIGHT, _DARK),
    _Component("VEH-TFV", 0.45, 0.930, "any", _WEEK, _H_NIGHT, _DARK, "overnight"),
    _Component("VEH-TFV", 0.20, 0.930, "any", _WEEKDAYS, _H_DAY, _DARK, "workday"),
    _Component("CYC-THF", 0.50, 1.000, "cycle", _WEEKDAYS, _H_DAY, _TERM),
    _Component("CYC-THF", 0.35, 1.000, "cycle", _WEEKDAYS, _H_DAY, _TERM, "workday"),
    _Component("CYC-THF", 0.15, 1.000, "cycle", _WEEK, _H_NIGHT, _TERM, "overnight"),
    _Component("THF-PER", 0.60, 0.985, "any", _SHOPPING, _H_SHOP, _NTE_SEASON),
    _Component("THF-PER", 0.40, 0.985, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON),
    _Component("THF-SHP", 1.00, 1.010, "any", _SHOPPING, _H_SHOP, _NTE_SEASON),
    _Component("THF-OTH", 0.75, 0.970, "any", _WEEK, _H_DAY, _SUMMER),
    _Component("THF-OTH", 0.25, 0.970, "any", _WEEK, _H_DAY, _SUMMER, "workday"),
    _Component("CDA-DMG", 0.25, 1.060, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON, special=2.0),
    _Component("CDA-DMG", 0.35, 1.007, "outside", _LATE_WEEK, _H_EVENING, _SUMMER, special=3.0),
    _Component("CDA-DMG", 0.40, 1.007, "outside", _LATE_WEEK, _H_NIGHT, _SUMMER, "overnight", 3.0),
    _Component("DRG-OFF", 1.00, 1.040, "any", _LATE_WEEK, _H_EVENING),
    _Component("OTH-OFF", 1.00, 1.000, "any", _WEEKDAYS, _H_DAY),
    _Component("ASB-INC", 0.30, 1.040, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON, special=2.0),
    _Component("ASB-INC", 0.70, 1.010, "outside", _LATE_WEEK, _H_ASB, _SUMMER, special=4.0),
)


def _special_days(code: str, days: pd.DatetimeIndex) -> np.ndarray:
    """Days with extra weight: party season for the NTE, Halloween and Bonfire Night for ASB/damage."""
    md = days.month * 100 + days.day
    if code in ("ASB-INC", "CDA-DMG"):
        return np.isin(md, (1030, 1031, 1104, 1105))
    return np.isin(md, (1219, 1224, 1231))


def _fy_days(fy: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{fy}-04-01", f"{fy + 1}-03-31", freq="D")


def _load_pool(district: District, paths: list[Path]) -> pd.DataFrame:
    """Real data.police.uk points (BNG metres) inside the district, with zone and cycle weights."""
    frames = [pd.read_csv(p, usecols=["Longitude", "Latitude", "Location", "Crime type"]) for p in paths]
    raw = pd.concat(frames, ignore_index=True).dropna(subset=["Longitude", "Latitude"])
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = tr.transform(raw["Longitude"].to_numpy(), raw["Latitude"].to_numpy())
    pool = pd.DataFrame({"crime_type": raw["Crime type"].astype(str), "x": x, "y": y,
                         "location": raw["Location"].astype(str)})
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


def _counts(comps: list[_Component], base: int, k: int, rng: np.random.Generator, noise: float) -> list[int]:
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


def _times(c: _Component, days: pd.DatetimeIndex, rng: np.random.Generator):
    """From and to wall-clock times (naive) for the chosen days; to is NaT without a window."""
    n = len(days)
    if c.window is None:
        hours = rng.choice(24, size=n, p=np.asarray(c.hours) / np.sum(c.hours))
        # Hours before 06:00 belong to the night that started on the chosen day.
        day_off = np.where(hours < 6, 1, 0)
        start = days + pd.to_timedelta(day_off, "D") + pd.to_timedelta(hours * 60 + _minutes(rng, n, False),
                                                                         "min")
        return start, pd.DatetimeIndex([pd.NaT] * n)
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


def _places(c: _Component, crime_type: str, n: int, pool: pd.DataFrame, zone, boundary,
            rng: np.random.Generator, jitter_m: float) -> pd.DataFrame:
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
    return pd.DataFrame({"x": np.where(keep, x, x0), "y": np.where(keep, y, y0),
                         "location": pick["location"].to_numpy()})


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
    zone = district.zone_layer("2005").geometry.iloc[0]
    boundary = district.boundary.union_all()
    codes = district.crime_codes.set_index("code")
    base = dict(OTHER_BASELINE)
    for code, row in codes.iterrows():
        if pd.notna(row["ho_category"]) and row["ho_category"] in district.targets.baseline:
            base[code] = district.targets.baseline[row["ho_category"]]
    rng = np.random.default_rng(seed)
    by_code: dict[str, list[_Component]] = {}
    for c in MODEL:
        by_code.setdefault(c.code, []).append(c)
    fy0 = t0.year if t0.month >= 4 else t0.year - 1
    fy1 = t1.year if t1.month >= 4 else t1.year - 1
    parts = []
    for fy in range(fy0, fy1 + 1):
        days = _fy_days(fy)
        for code, comps in by_code.items():
            if code not in base or code not in codes.index:
                continue
            counts = _counts(comps, base[code], fy - district.targets.baseline_year, rng, noise)
            for c, n in zip(comps, counts, strict=True):
                if n <= 0:
                    continue
                w = (np.asarray(c.season)[days.month - 1] * np.asarray(c.dow)[days.day_of_week]
                     * np.where(_special_days(code, days), c.special, 1.0))
                chosen = days[rng.choice(len(days), size=n, p=w / w.sum())]
                t_from, t_to = _times(c, chosen, rng)
                place = _places(c, codes.at[code, "crime_type"], n, pool, zone, boundary, rng, jitter_m)
                place["code"], place["t_from"], place["t_to"] = code, t_from, t_to
                parts.append(place)
    df = pd.concat(parts, ignore_index=True)
    df["t_from"], n_from = _fix_gap(pd.DatetimeIndex(df["t_from"]))
    df["t_to"], n_to = _fix_gap(pd.DatetimeIndex(df["t_to"]))
    df = df[(df["t_from"] >= t0) & (df["t_from"] < t1 + pd.Timedelta(days=1))]
    df["x"], df["y"] = np.rint(df["x"]).astype(int), np.rint(df["y"]).astype(int)
    df = df.sort_values(["t_from", "code", "x", "y", "location"], kind="mergesort").reset_index(drop=True)
    year = df["t_from"].dt.year
    seq = df.groupby(year).cumcount() + 1
    cols = dict(zip(_CSV_KEYS, (district.force_csv.get(k, k.upper()) for k in _CSV_KEYS), strict=True))
    fmt = district.force_csv.get("date_format", "%d/%m/%Y")
    has_to = df["t_to"].notna()
    out = pd.DataFrame({
        cols["id"]: "SYN-WIN-" + year.astype(str) + "-" + seq.map("{:06d}".format),
        cols["crime_code"]: df["code"],
        cols["date"]: df["t_from"].dt.strftime(fmt),
        cols["time"]: df["t_from"].dt.strftime("%H:%M"),
        cols["date_to"]: df["t_to"].dt.strftime(fmt).where(has_to, ""),
        cols["time_to"]: df["t_to"].dt.strftime("%H:%M").where(has_to, ""),
        cols["easting"]: df["x"],
        cols["northing"]: df["y"],
        cols["location"]: df["location"],
    })
    out.attrs["synthetic"] = True
    out.attrs["shifted_gap_times"] = n_from + n_to
    return out


def default_path(district: District | None = None) -> Path:
    """Where the district config says the demo extract lives."""
    district = district or load_district()
    path = district.data_path("demo_extract")
    if path is None:
        raise ValueError(f"district {district.name} declares no [data] demo_extract")
    return path


def force_extract_bytes(seed: int = 2005, **kwargs) -> bytes:
    """The extract as the exact CSV bytes written by :func:`write_force_extract` (UTF-8, LF)."""
    return generate_force_extract(seed, **kwargs).to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_force_extract(path: str | Path | None = None, seed: int = 2005, **kwargs) -> Path:
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
    print(f"wrote SYNTHETIC demo extract {written} ({written.stat().st_size:,} bytes, "
          f"sha256 {sha256_of(written)[:16]})")
