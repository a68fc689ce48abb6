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
        self._seen: dict[str, tuple[float, int]] = {}

    def get(self, cfg: AppSettings) -> int:
        now = time.monotonic()
        with self._lock:
            hit = self._seen.get(cfg.store_path)
        if hit and now - hit[0] < VERSION_TTL_S:
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
            self._seen[cfg.store_path] = (now, version)
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


def hotspots_geojson(result) -> dict:
    """Hotspot polygons as WGS84 GeoJSON with a tooltip per polygon."""
    import json

    polys = result.polygons.copy()
    if polys.empty:
        return {"type": "FeatureCollection", "features": []}
    polys["tooltip"] = [
        f"Hotspot {int(r['rank'])}: {int(r['count']):,} incidents ({r['share']:.1%} of selection), "
        f"{r['area_m2'] / 1e6:.3f} km², {r['density_per_km2']:,.0f} per km²"
        for _, r in polys.iterrows()
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
