"""Per-process, read-only access to the store and the district for callbacks and the API.

Nothing here is global mutable state in the application sense: the app's settings live on the
Flask app (``server.config["HOTSPOTS"]``), and the incident frame is a cache keyed by
``(store path, district folder, store.version)``, so an ingest in any process invalidates it
everywhere at the next version check.  Every connection to DuckDB is short-lived and read-only
except the one :func:`ingest` opens, which lets many gunicorn workers share the file.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import flask
import geopandas as gpd
import pandas as pd

from geo.config import DEFAULT_DISTRICT, District, load_district
from geo.schema import BNG, WGS84
from geo.selection import Selection, SelectionResult, filter_frame

#: How long (seconds) a process trusts the store version it last read before asking again.
VERSION_TTL_S = 2.0
#: ... and how long while the store file (and its WAL) keep the same size and mtime: opening DuckDB
#: to read the version costs ~40 ms, a stat a few microseconds, and any ingest rewrites the files.
STAMP_TTL_S = 60.0


def _file_stamp(path: str) -> tuple | None:
    """(mtime, size) of the store file and its write-ahead log, or None if unreadable."""
    import os

    out = []
    for p in (path, path + ".wal"):
        try:
            st = os.stat(p)
        except FileNotFoundError:
            out.append(None)
            continue
        except OSError:
            return None
        out.append((st.st_mtime_ns, st.st_size))
    return tuple(out)


@dataclass(frozen=True)
class AppSettings:
    """What one app instance serves: a store file and a district folder (absolute paths)."""

    store_path: str
    district_folder: str
    tile_url: str
    tile_attribution: str

    @classmethod
    def build(cls, store_path=None, district=None, tile_url=None, tile_attribution=None) -> AppSettings:
        import os

        from geo.store import default_store_path

        path = Path(store_path) if store_path else Path(default_store_path())
        if isinstance(district, District):
            folder = district.folder
        else:
            folder = Path(district) if district else DEFAULT_DISTRICT
        osm_attr = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
        return cls(
            store_path=str(path.resolve()),
            district_folder=str(Path(folder).resolve()),
            tile_url=tile_url or os.environ.get("HOTSPOTS_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            tile_attribution=tile_attribution or os.environ.get("HOTSPOTS_TILE_ATTRIBUTION", osm_attr),
        )


def settings() -> AppSettings:
    """The settings of the app serving the current request."""
    return flask.current_app.config["HOTSPOTS"]


@lru_cache(maxsize=8)
def district_for(folder: str) -> District:
    """The district config (layers load lazily and stay cached on the instance)."""
    return load_district(folder)


def district(cfg: AppSettings | None = None) -> District:
    """The current app's district."""
    return district_for((cfg or settings()).district_folder)


def open_store(cfg: AppSettings | None = None, read_only: bool = True):
    """Open the app's store (caller closes it)."""
    from geo.store import Store

    cfg = cfg or settings()
    return Store.open(cfg.store_path, district=district(cfg), read_only=read_only)


def _close(store) -> None:
    close = getattr(store, "close", None)
    if close:
        close()


class _VersionMemo:
    """Remembers each store's version for a short while so a callback need not reopen DuckDB."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, int, tuple | None]] = {}

    def get(self, cfg: AppSettings) -> int:
        now = time.monotonic()
        stamp = _file_stamp(cfg.store_path)
        with self._lock:
            hit = self._seen.get(cfg.store_path)
        if hit and (
            now - hit[0] < VERSION_TTL_S or (stamp is not None and stamp == hit[2] and now - hit[0] < STAMP_TTL_S)
        ):
            return hit[1]
        try:
            store = open_store(cfg)
        except Exception:
            # A writer (an upload in another worker) holds the file: keep serving what we have.
            if hit:
                return hit[1]
            raise
        try:
            version = int(store.version)
        finally:
            _close(store)
        with self._lock:
            self._seen[cfg.store_path] = (now, version, stamp)
        return version

    def forget(self, cfg: AppSettings) -> None:
        with self._lock:
            self._seen.pop(cfg.store_path, None)


_versions = _VersionMemo()


def store_version(cfg: AppSettings | None = None) -> int:
    """The store's current version (re-read at most every :data:`VERSION_TTL_S` seconds)."""
    return _versions.get(cfg or settings())


@lru_cache(maxsize=4)
def _frame(store_path: str, district_folder: str, version: int) -> pd.DataFrame:
    from geo.store import Store

    store = Store.open(store_path, district=district_for(district_folder), read_only=True)
    try:
        return store.query(Selection()).incidents
    finally:
        _close(store)


def incidents(cfg: AppSettings | None = None) -> pd.DataFrame:
    """All canonical incidents of the store (cached per process and store version; do not mutate)."""
    cfg = cfg or settings()
    return _frame(cfg.store_path, cfg.district_folder, store_version(cfg))


def select(sel: Selection, cfg: AppSettings | None = None) -> SelectionResult:
    """Incidents matching ``sel``, filtered in pandas from the cached frame."""
    return filter_frame(incidents(cfg), sel)


@lru_cache(maxsize=4)
def _summary(store_path: str, district_folder: str, version: int) -> dict:
    from geo.store import Store

    store = Store.open(store_path, district=district_for(district_folder), read_only=True)
    try:
        return store.summary()
    finally:
        _close(store)


def summary(cfg: AppSettings | None = None) -> dict:
    """``store.summary()``, cached per store version."""
    cfg = cfg or settings()
    return _summary(cfg.store_path, cfg.district_folder, store_version(cfg))


def date_bounds(cfg: AppSettings | None = None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last date of the data (from the summary)."""
    s = summary(cfg)
    lo, hi = s.get("date_from"), s.get("date_to")
    return (pd.Timestamp(lo) if lo is not None else None, pd.Timestamp(hi) if hi is not None else None)


def latest_dated(cfg: AppSettings | None = None) -> pd.Timestamp | None:
    """The latest incident with a day (not only a month): where weekend and 28-day picks start."""
    value = summary(cfg).get("dated_to")
    return pd.Timestamp(value) if value is not None else None


def ingest(paths: list[str | Path], cfg: AppSettings | None = None):
    """Ingest files with a short read-write connection; returns the store's IngestReport."""
    cfg = cfg or settings()
    store = open_store(cfg, read_only=False)
    try:
        report = store.ingest([str(p) for p in paths])
    finally:
        _close(store)
        _versions.forget(cfg)
    return report


# --- static layers: built once per district and process ------------------------------------------


def _to_geojson(gdf: gpd.GeoDataFrame, simplify_m: float = 2.0) -> dict:
    """WGS84 GeoJSON for display: polygons simplified by ``simplify_m`` metres in BNG first."""
    import json

    out = gdf.to_crs(BNG)
    polys = out.geom_type.isin(["Polygon", "MultiPolygon"])
    if simplify_m and polys.any():
        out.loc[polys, "geometry"] = out.loc[polys, "geometry"].simplify(simplify_m, preserve_topology=True)
    return json.loads(out.to_crs(WGS84).to_json(drop_id=True))


@lru_cache(maxsize=8)
def static_layers(district_folder: str) -> dict[str, dict]:
    """GeoJSON (WGS84) of the district's fixed layers, keyed by layer name.

    Keys: ``boundary``, ``sectors``, ``zone:<key>`` per zone, ``premises``, ``cctv`` (camera
    points) and ``cctv_coverage`` (buffers of each camera's radius, built in metres in BNG).
    Each feature carries a ``tooltip`` property that dash-leaflet shows on hover.
    """
    d = district_for(district_folder)
    layers: dict[str, dict] = {}
    boundary = d.boundary[["geometry"]].copy()
    boundary["tooltip"] = f"{d.name} district boundary"
    layers["boundary"] = _to_geojson(boundary)
    sectors = d.sectors.copy()
    sectors["tooltip"] = "Police sector: " + sectors["sector"].astype(str) + " (illustrative)"
    layers["sectors"] = _to_geojson(sectors[["sector", "tooltip", "geometry"]])
    for z in d.zones:
        zl = d.zone_layer(z.key).copy()
        label = z.label + (" (illustrative outline)" if z.illustrative else "")
        if z.designated:
            label += f", designated {pd.Timestamp(z.designated):%d/%m/%Y}"
        zl["tooltip"] = label
        zl["zone"] = z.key
        layers[f"zone:{z.key}"] = _to_geojson(zl)
    prem = d.premises.copy()
    prem = prem[prem.geometry.notna() & ~prem.geometry.is_empty]
    addr = prem["address"].fillna("").astype(str) if "address" in prem else ""
    prem["tooltip"] = prem["name"].fillna("Licensed premises").astype(str) + ("<br>" + addr if len(prem) else "")
    layers["premises"] = _to_geojson(prem[["premises_id", "name", "tooltip", "geometry"]])
    cams = d.cctv.copy()
    cams["tooltip"] = (
        "CCTV camera "
        + cams["name"].astype(str)
        + ", "
        + cams["radius_m"].astype(int).astype(str)
        + " m (illustrative)"
    )
    layers["cctv"] = _to_geojson(cams[["camera_id", "name", "radius_m", "tooltip", "geometry"]])
    cover = cams.copy()
    cover["geometry"] = cams.to_crs(BNG).geometry.buffer(cams["radius_m"].astype(float), quad_segs=12)
    cover = gpd.GeoDataFrame(cover, geometry="geometry", crs=BNG)
    layers["cctv_coverage"] = _to_geojson(cover[["camera_id", "tooltip", "geometry"]])
    return layers


def district_bounds(district_folder: str) -> list[list[float]]:
    """[[south, west], [north, east]] of the district boundary in WGS84 (for fitting the map)."""
    minx, miny, maxx, maxy = district_for(district_folder).boundary.to_crs(WGS84).total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


# --- per-selection results, cached per store version ----------------------------------------------


@dataclass(frozen=True)
class MapIncidents:
    """The map's incident layer for one selection."""

    geobuf: str
    count: int
    notes: tuple[str, ...]
    without_location: int
    #: [[south, west], [north, east]] (WGS84) of the located incidents, padded; None when none.
    bounds: list[list[float]] | None = None


@lru_cache(maxsize=1)
def _bng_to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs(BNG, WGS84, always_xy=True)


def _padded_bounds(x, y, pad_share: float = 0.1, min_pad_m: float = 250.0) -> list[list[float]] | None:
    """WGS84 bounds of BNG points, padded by ``pad_share`` of the extent (at least ``min_pad_m``)."""
    import numpy as np

    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return None
    x0, x1, y0, y1 = x[ok].min(), x[ok].max(), y[ok].min(), y[ok].max()
    pad = max(min_pad_m, pad_share * max(x1 - x0, y1 - y0))
    lon, lat = _bng_to_wgs84().transform(
        [x0 - pad, x1 + pad, x0 - pad, x1 + pad], [y0 - pad, y0 - pad, y1 + pad, y1 + pad]
    )
    return [[float(min(lat)), float(min(lon))], [float(max(lat)), float(max(lon))]]


@lru_cache(maxsize=32)
def _map_incidents(store_path: str, district_folder: str, version: int, sel: Selection) -> MapIncidents:
    from dashboard.geobuf_points import points_to_geobuf_b64

    result = filter_frame(_frame(store_path, district_folder, version), sel)
    df = result.incidents
    ok = df["longitude"].notna() & df["latitude"].notna()
    return MapIncidents(
        geobuf=points_to_geobuf_b64(df.loc[ok, "longitude"].to_numpy(), df.loc[ok, "latitude"].to_numpy()),
        count=len(df),
        notes=tuple(result.notes),
        without_location=int((~ok).sum()),
        bounds=_padded_bounds(df["easting"].to_numpy(float), df["northing"].to_numpy(float)),
    )


def map_incidents(sel: Selection, cfg: AppSettings | None = None) -> MapIncidents:
    """Selected incidents as a base64 geobuf point layer, with the count and the selection notes."""
    cfg = cfg or settings()
    return _map_incidents(cfg.store_path, cfg.district_folder, store_version(cfg), sel)


def hotspot_engine():
    """``geo.hotspots`` if it is installed in this checkout, else None (the map shows a hook)."""
    try:
        import geo.hotspots as engine

        engine.find_hotspots  # noqa: B018
        return engine
    except (ImportError, AttributeError):
        return None


@lru_cache(maxsize=32)
def _hotspots(store_path: str, district_folder: str, version: int, sel: Selection, method: str):
    engine = hotspot_engine()
    result = filter_frame(_frame(store_path, district_folder, version), sel)
    return engine.find_hotspots(result, method=method, district=district_for(district_folder))


def hotspots(sel: Selection, method: str, cfg: AppSettings | None = None):
    """``geo.hotspots.find_hotspots`` on the selection (cached); raises if the engine is missing."""
    if hotspot_engine() is None:
        raise RuntimeError("the hotspot engine (geo.hotspots) is not installed in this checkout")
    cfg = cfg or settings()
    return _hotspots(cfg.store_path, cfg.district_folder, store_version(cfg), sel, method)


def hotspots_geojson(result, top: int | None = None, simplify_m: float = 0.0) -> dict:
    """Hotspot polygons as WGS84 GeoJSON with a tooltip per polygon.

    ``top`` keeps ranks <= top only; ``simplify_m`` > 0 simplifies the outlines by that many
    metres in BNG first (for display: DBSCAN's buffered hulls carry dozens of vertices each).
    """
    import json

    polys = _top_polygons(result.polygons, top).copy()
    if polys.empty:
        return {"type": "FeatureCollection", "features": []}
    if simplify_m:
        polys = polys.to_crs(BNG)
        polys["geometry"] = polys.geometry.simplify(simplify_m, preserve_topology=True)
    polys["tooltip"] = [
        f"Hotspot {int(rank)}: {int(n):,} incidents ({share:.1%} of selection), "
        f"{area / 1e4:.2f} ha, {dens:,.0f} per km² (click for details)"
        for rank, n, share, area, dens in zip(
            polys["rank"], polys["count"], polys["share"], polys["area_m2"], polys["density_per_km2"], strict=True
        )
    ]
    keep = [c for c in ("rank", "count", "share", "area_m2", "density_per_km2", "tooltip") if c in polys]
    out = polys[keep + ["geometry"]].to_crs(WGS84)
    return json.loads(out.to_json(drop_id=True))


def _row_runs(mask, grid):
    """Boxes covering the True cells of ``mask`` (ny, nx), one per horizontal run of cells."""
    import numpy as np
    import shapely

    padded = np.pad(mask, ((0, 0), (1, 1)))
    step = np.diff(padded, axis=1)
    rows_s, starts = np.nonzero(step == 1)
    rows_e, ends = np.nonzero(step == -1)
    # nonzero returns row-major order, so starts and ends pair up run by run
    x0 = grid.x0 + starts * grid.cell
    x1 = grid.x0 + ends * grid.cell
    y0 = grid.y0 + rows_s * grid.cell
    return shapely.box(x0, y0, x1, y0 + grid.cell)


def density_geojson(result, bands: int = 5, min_cell_m: float = 150.0) -> dict | None:
    """The method's score surface as up to ``bands`` dissolved quantile bands (None without one).

    Fine grids are coarsened (mean of k x k blocks) to cells of at least ``min_cell_m`` metres:
    the layer is a visual aid, and a 75 m KDE grid dissolved cell by cell takes seconds and
    megabytes.  Only cells above the median non-zero score are drawn, so the layer shows where
    the surface rises rather than tinting the whole district.
    """
    import json
    import math

    import numpy as np
    import shapely

    from geo.hotspots._grid import Grid

    if getattr(result, "surface", None) is None:
        return None
    grid, values = result.surface
    arr = np.asarray(values, dtype=float).reshape(grid.shape)
    arr = np.where(np.isfinite(arr), arr, 0.0)
    k = max(1, math.ceil(min_cell_m / grid.cell))
    if k > 1:
        ny, nx = (grid.ny + k - 1) // k, (grid.nx + k - 1) // k
        padded = np.zeros((ny * k, nx * k))
        padded[: grid.ny, : grid.nx] = arr
        arr = padded.reshape(ny, k, nx, k).mean(axis=(1, 3))
        grid = Grid(grid.x0, grid.y0, grid.cell * k, nx, ny)
    flat = arr.ravel()
    positive = flat[flat > 0]
    if positive.size == 0:
        return {"type": "FeatureCollection", "features": []}
    cuts = np.quantile(positive, np.linspace(0.5, 1.0, bands + 1))
    features = []
    for b in range(bands):
        lo, hi = cuts[b], cuts[b + 1]
        mask = ((arr >= lo) & ((arr < hi) if b < bands - 1 else (arr <= hi))).astype(np.int8)
        boxes = _row_runs(mask, grid)
        if boxes.size == 0:
            continue
        # Runs never overlap, so a multipolygon of them renders like a dissolved band, without the cost.
        geom = shapely.multipolygons(boxes)
        features.append({"band": b, "geometry": geom, "tooltip": f"Density band {b + 1} of {bands} (5 = highest)"})
    if not features:
        return {"type": "FeatureCollection", "features": []}
    gdf = gpd.GeoDataFrame(features, geometry="geometry", crs=BNG).to_crs(WGS84)
    return json.loads(gdf.to_json(drop_id=True))


# --- hotspot details, ranked table, downloads and the backtest (map page) -------------------------

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


def _top_polygons(polys: gpd.GeoDataFrame, top: int | None) -> gpd.GeoDataFrame:
    if top is None or polys.empty:
        return polys
    return polys[polys["rank"] <= top]


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
    return _top_polygons(polys, top)


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


def geobuf_b64(geojson: dict) -> str:
    """GeoJSON -> base64 geobuf for ``dl.GeoJSON(format="geobuf")``.

    A string prop is far cheaper for the Dash renderer than a large nested dict, which it walks
    on every update (hundreds of hotspot polygons stalled the browser for a minute).
    """
    import base64

    import geobuf
    import numpy as np

    if not geojson.get("features"):
        # geobuf.encode writes no collection at all for zero features and the decoder then has no
        # ``features`` array; the point encoder writes an explicit empty collection.
        from dashboard.geobuf_points import points_to_geobuf_b64

        return points_to_geobuf_b64(np.zeros(0), np.zeros(0))
    return base64.b64encode(geobuf.encode(geojson, 6)).decode("ascii")


def hotspot_labels_geojson(result, top: int | None = None) -> dict:
    """One WGS84 point per drawn hotspot at its incident-weighted centre, with its ``rank``."""
    import json

    polys = _top_polygons(result.polygons, top)
    if polys.empty:
        return {"type": "FeatureCollection", "features": []}
    pts = gpd.GeoDataFrame(
        {"rank": polys["rank"].astype(int).to_numpy(), "tooltip": [f"Hotspot {int(r)}" for r in polys["rank"]]},
        geometry=gpd.points_from_xy(polys["centre_easting"], polys["centre_northing"]),
        crs=BNG,
    ).to_crs(WGS84)
    return json.loads(pts.to_json(drop_id=True))


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
