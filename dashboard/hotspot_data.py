"""Per-selection hotspot results for the map and the API, cached per store version.

The hotspots of a selection and method, their ranked table, the incidents and details of one
hotspot, downloads and the method's backtest.  Every cache is keyed like the incident frame in
:mod:`dashboard.data_access` (``store path, district folder, store version``, then the selection
and the method), so an ingest invalidates them all at the next version check.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd

from dashboard.data_access import AppSettings, _frame, district_for, settings, store_version
from dashboard.hotspot_layers import top_polygons
from geo.hotspots import find_hotspots
from geo.schema import BNG, WGS84
from geo.selection import Selection, filter_frame

#: "Show top N hotspots" choices on the map (``None`` = all).
TOP_CHOICES = (5, 10, 20, 50, None)
DEFAULT_TOP = 10
#: The map's backtest uses at most this many monthly folds (the latest ones): a fold costs a few
#: tenths of a second, and the five-year demo extract would otherwise take a minute (65 folds).
BACKTEST_MAX_FOLDS = 6
BACKTEST_TRAIN_MONTHS = 3


def parse_top(value) -> int | None:
    """The ``top`` page parameter -> N or None (all); unknown values give :data:`DEFAULT_TOP`."""
    if value in (None, ""):
        return DEFAULT_TOP
    if str(value).lower() == "all":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        return DEFAULT_TOP
    return n if n in TOP_CHOICES else DEFAULT_TOP


@lru_cache(maxsize=32)
def _hotspots(store_path: str, district_folder: str, version: int, sel: Selection, method: str):
    result = filter_frame(_frame(store_path, district_folder, version), sel)
    return find_hotspots(result, method=method, district=district_for(district_folder))


def hotspots(sel: Selection, method: str, cfg: AppSettings | None = None):
    """``geo.hotspots.find_hotspots`` on the selection (cached per store version)."""
    cfg = cfg or settings()
    return _hotspots(cfg.store_path, cfg.district_folder, store_version(cfg), sel, method)


@lru_cache(maxsize=16)
def _members(store_path: str, district_folder: str, version: int, sel: Selection, method: str):
    """(polygon position, incident position) pairs: which selected incidents lie in which hotspot."""
    import numpy as np
    import shapely

    result = _hotspots(store_path, district_folder, version, sel, method)
    df = filter_frame(_frame(store_path, district_folder, version), sel).incidents
    polys = result.polygons
    if polys.empty or df.empty:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    # Index the points (not the polygons): one query answers every polygon at once.
    tree = shapely.STRtree(shapely.points(x[ok], y[ok]))
    poly_i, pt_i = tree.query(polys.to_crs(BNG).geometry.to_numpy(), predicate="contains")
    return poly_i, ok[pt_i]


def _streets(df: pd.DataFrame, poly_i, inc_i, n_polys: int) -> list[str]:
    """Most common ``location`` text of the incidents in each polygon ('' when none)."""
    out = [""] * n_polys
    if "location" not in df or len(inc_i) == 0:
        return out
    loc = df["location"].to_numpy(object)[inc_i]
    frame = pd.DataFrame({"p": poly_i, "loc": loc}).dropna()
    frame = frame[frame["loc"].astype(str).str.strip() != ""]
    if frame.empty:
        return out
    top = frame.groupby(["p", "loc"], sort=False).size().reset_index(name="n")
    top = top.sort_values(["p", "n", "loc"], ascending=[True, False, True]).drop_duplicates("p")
    for p, street in zip(top["p"], top["loc"], strict=True):
        out[int(p)] = str(street)
    return out


def hotspot_table(sel: Selection, method: str, top: int | None = DEFAULT_TOP, cfg: AppSettings | None = None):
    """Ranked hotspots for the table and downloads (all when ``top`` is None).

    Returns
    -------
    GeoDataFrame (EPSG:27700)
        ``rank, count, share, area_ha, density_per_km2, top_crime_types, street`` (the most common
        location text of the hotspot's incidents; data.police.uk's "On or near ..." street names)
        plus the engine's other columns and the geometry.
    """
    cfg = cfg or settings()
    key = (cfg.store_path, cfg.district_folder, store_version(cfg), sel, method)
    result = _hotspots(*key)
    polys = result.polygons.copy()
    df = filter_frame(_frame(*key[:3]), sel).incidents
    poly_i, inc_i = _members(*key)
    polys["street"] = _streets(df, poly_i, inc_i, len(polys))
    polys["area_ha"] = (polys["area_m2"] / 1e4).round(2)
    return top_polygons(polys, top)


def hotspot_incidents(sel: Selection, method: str, rank: int, cfg: AppSettings | None = None) -> pd.DataFrame:
    """The selected incidents inside the hotspot of ``rank`` (point in polygon in EPSG:27700)."""
    cfg = cfg or settings()
    key = (cfg.store_path, cfg.district_folder, store_version(cfg), sel, method)
    polys = _hotspots(*key).polygons
    pos = [i for i, r in enumerate(polys["rank"]) if int(r) == int(rank)] if not polys.empty else []
    if not pos:
        raise ValueError(f"no hotspot ranked {rank} for this selection and method")
    df = filter_frame(_frame(*key[:3]), sel).incidents
    poly_i, inc_i = _members(*key)
    return df.iloc[sorted(inc_i[poly_i == pos[0]])]


def time_profile(df: pd.DataFrame, cutoff: int | None, width: int = 3) -> dict:
    """Peak hours and days of incidents with an exact time (days by night-of ``cutoff``).

    Returns ``timed`` (incidents used), ``peak_hours`` ("22:00-01:00", the busiest ``width``-hour
    window, may cross midnight), ``window_share`` and ``days`` (list of (day name, count), busiest
    first); empty values when no incident has time precision 'time'.
    """
    from geo.deploy import peak_window
    from geo.selection import DAY_NAMES, night_of, reference_time

    timed = df[df["time_precision"] == "time"] if "time_precision" in df else df.iloc[0:0]
    if timed.empty:
        return {"timed": 0, "peak_hours": "", "window_share": None, "days": []}
    ref = reference_time(timed)
    start, end, share = peak_window(ref.dt.hour.to_numpy(), width)
    days = night_of(ref, cutoff).dt.day_of_week.value_counts()
    return {
        "timed": len(timed),
        "peak_hours": f"{start:02d}:00-{end:02d}:00",
        "window_share": share,
        "days": [(DAY_NAMES[int(d)], int(n)) for d, n in days.items()],
    }


def hotspot_details(sel: Selection, method: str, rank: int, cfg: AppSettings | None = None) -> dict:
    """What the map's details panel shows for one hotspot.

    Returns
    -------
    dict
        ``rank``, ``count``, ``share`` (of the selection), ``area_m2``, ``density_per_km2``,
        ``street``, ``crime_types`` (list of (type, count), commonest first; from the incidents
        inside the polygon), ``inside`` (incidents found inside the polygon) and the
        :func:`time_profile` keys.
    """
    cfg = cfg or settings()
    table = hotspot_table(sel, method, None, cfg)
    row = table[table["rank"] == int(rank)]
    if row.empty:
        raise ValueError(f"no hotspot ranked {rank} for this selection and method")
    row = row.iloc[0]
    inside = hotspot_incidents(sel, method, rank, cfg)
    types = inside["crime_type"].astype(str).value_counts() if "crime_type" in inside else pd.Series(dtype=int)
    return {
        "rank": int(row["rank"]),
        "count": int(row["count"]),
        "share": float(row["share"]),
        "area_m2": float(row["area_m2"]),
        "density_per_km2": float(row["density_per_km2"]),
        "street": row["street"],
        "inside": len(inside),
        "crime_types": [(str(t), int(n)) for t, n in types.items()],
        **time_profile(inside, sel.night_cutoff),
    }


def hotspots_download(sel: Selection, method: str, fmt: str, cfg: AppSettings | None = None) -> str:
    """Every hotspot of the selection as CSV (centres in BNG and WGS84) or GeoJSON (WGS84) text."""
    import json

    table = hotspot_table(sel, method, None, cfg)
    cols = ["rank", "count", "share", "area_ha", "density_per_km2", "top_crime_types", "street", "method"]
    cols += [c for c in table.columns if c not in cols and c not in ("geometry", "area_m2")]
    if fmt == "geojson":
        out = table[cols + ["geometry"]].to_crs(WGS84)
        return json.dumps(json.loads(out.to_json(drop_id=True)), separators=(",", ":"))
    if fmt != "csv":
        raise ValueError(f"unknown download format '{fmt}'")
    frame = pd.DataFrame(table[cols])
    if not table.empty:
        centres = gpd.GeoSeries(gpd.points_from_xy(table["centre_easting"], table["centre_northing"]), crs=BNG).to_crs(
            WGS84
        )
        frame["centre_longitude"] = centres.x.round(6).to_numpy()
        frame["centre_latitude"] = centres.y.round(6).to_numpy()
    return frame.to_csv(index=False)


@lru_cache(maxsize=16)
def _backtest(store_path: str, district_folder: str, version: int, sel: Selection, method: str) -> dict:
    from geo.evaluate import backtest_summary

    df = filter_frame(_frame(store_path, district_folder, version), sel).incidents
    if df.empty:
        return {"method": method, "pai": None, "folds": 0, "text": "no backtest: no incidents match the selection"}
    return backtest_summary(
        df,
        method,
        district=district_for(district_folder),
        train_months=BACKTEST_TRAIN_MONTHS,
        test_months=1,
        max_folds=BACKTEST_MAX_FOLDS,
    )


def backtest(sel: Selection, method: str, cfg: AppSettings | None = None) -> dict:
    """The method's backtested PAI for the selection, as ``geo.evaluate.backtest_summary`` reports it.

    Runs :func:`geo.evaluate.backtest` (all crime types together, 3 training months, 1 test month,
    1% of the district's area) on the latest ``BACKTEST_MAX_FOLDS`` folds, and names the better
    baseline.  Keys: ``method, pai, hit_rate, area_share, baseline_pai, baseline, folds,
    test_incidents, text``; ``pai`` is None and ``text`` says why when the selection is too small
    or spans too few months.  Cached per store version, selection and method (a few seconds).
    """
    cfg = cfg or settings()
    return _backtest(cfg.store_path, cfg.district_folder, store_version(cfg), sel, method)
