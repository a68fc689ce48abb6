"""Per-process, read-only access to the store and the district for callbacks and the API.

Nothing here is global mutable state in the application sense: the app's settings live on the
Flask app (``server.config["HOTSPOTS"]``), and the incident frame is a cache keyed by
``(store path, district folder, store.version)``, so an ingest in any process invalidates it
everywhere at the next version check.  Every connection to DuckDB is short-lived and read-only
except the one :func:`ingest` opens, which lets many gunicorn workers share the file.
Hotspot results built on this cache live in :mod:`dashboard.hotspot_data` and
:mod:`dashboard.hotspot_layers`.
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
