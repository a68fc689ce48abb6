"""GeoJSON (WGS84, RFC 7946) of incidents, hotspots, their density surface, grid counts and district layers."""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.bounds import bng_to_wgs84
from geo.config import District
from geo.hotspots import HotspotResult
from geo.schema import BNG, WGS84
from render.safe import escape_html

#: Properties of each incident feature.
INCIDENT_PROPERTIES = (
    "incident_id", "crime_type", "ho_category", "occurred_from", "occurred_to", "time_precision", "location",
    "sector", "ward_name", "lsoa_code", "outcome", "source", "synthetic", "sensitive",
)  # fmt: skip
EMPTY: dict[str, Any] = {"type": "FeatureCollection", "features": []}


def empty_collection() -> dict[str, Any]:
    """A new empty FeatureCollection."""
    return {"type": "FeatureCollection", "features": []}


def collection(geometries: np.ndarray, properties: dict[str, pd.Series]) -> dict[str, Any]:
    """A FeatureCollection of ``geometries`` (already WGS84) with one property per column.

    The same dict as ``json.loads(GeoDataFrame.to_json(drop_id=True))`` for numeric, boolean and
    text columns (missing values null): the geometries go through GEOS's GeoJSON writer in one
    call, five times faster than shapely's per-vertex Python for hundreds of hotspot outlines.
    """
    texts = shapely.to_geojson(np.asarray(geometries, dtype=object))
    shapes = json.loads("[" + ",".join("null" if t is None else t for t in texts.tolist()) + "]")
    names = list(properties)
    columns = [_plain(properties[name]) for name in names]
    rows = zip(*columns, strict=True) if names else ([] for _ in shapes)
    features = [
        {"type": "Feature", "properties": dict(zip(names, row, strict=True)), "geometry": shape}
        for row, shape in zip(rows, shapes, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _plain(values: pd.Series) -> list[Any]:
    """A column as JSON-ready Python values: numbers, booleans and text as they are, missing as None."""
    missing = values.isna().tolist()
    return [None if gone else v for v, gone in zip(values.astype(object).tolist(), missing, strict=True)]


def frame_geojson(gdf: gpd.GeoDataFrame, simplify_m: float = 0.0) -> dict[str, Any]:
    """WGS84 GeoJSON of a GeoDataFrame; polygons simplified by ``simplify_m`` metres in BNG first."""
    out = gdf.to_crs(BNG)
    polys = out.geom_type.isin(["Polygon", "MultiPolygon"])
    if simplify_m and polys.any():
        out.loc[polys, "geometry"] = out.loc[polys, "geometry"].simplify(simplify_m, preserve_topology=True)
    return json.loads(out.to_crs(WGS84).to_json(drop_id=True, na="null"))


def _iso(series: pd.Series) -> list[str | None]:
    out = series.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    # RFC 3339 offset with a colon, e.g. +01:00
    return [None if pd.isna(v) else f"{v[:-2]}:{v[-2:]}" for v in out]


def incidents_geojson(df: pd.DataFrame) -> str:
    """Canonical incidents -> GeoJSON FeatureCollection text (located points only)."""
    return json.dumps(incidents_collection(df), separators=(",", ":"))


def incidents_collection(df: pd.DataFrame) -> dict[str, Any]:
    """Canonical incidents -> GeoJSON FeatureCollection (located points only)."""
    df = df[df["longitude"].notna() & df["latitude"].notna()]
    cols: dict[str, list[Any]] = {}
    for c in INCIDENT_PROPERTIES:
        if c not in df:
            continue
        s = df[c]
        if c in ("occurred_from", "occurred_to"):
            cols[c] = _iso(s)
        elif c in ("synthetic", "sensitive"):
            cols[c] = s.fillna(False).astype(bool).tolist()
        else:
            cols[c] = _plain(s)
    for c in (c for c in df.columns if c.startswith("in_zone_")):
        cols[c] = df[c].fillna(False).astype(bool).tolist()
    lon = np.round(df["longitude"].to_numpy(), 6).tolist()
    lat = np.round(df["latitude"].to_numpy(), 6).tolist()
    names = list(cols)
    values = list(zip(*cols.values(), strict=True)) if names else [()] * len(df)
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
         "properties": dict(zip(names, v, strict=True))}
        for x, y, v in zip(lon, lat, values, strict=True)
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def grid_rings(easting: np.ndarray, northing: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 rings of ``cell_m`` squares (south-west corners in BNG): (lon, lat), each of shape (n, 5).

    Each ring is ``shapely.box``'s exterior: (maxx, miny), (maxx, maxy), (minx, maxy), (minx, miny),
    closed; every corner is transformed in one call.
    """
    x0, y0 = np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    x1, y1 = x0 + cell_m, y0 + cell_m
    ring_x = np.stack([x1, x1, x0, x0, x1], axis=1)
    ring_y = np.stack([y0, y1, y1, y0, y0], axis=1)
    lon, lat = bng_to_wgs84().transform(ring_x.ravel(), ring_y.ravel())
    return np.reshape(lon, ring_x.shape), np.reshape(lat, ring_y.shape)


def grid_tooltip(count: int, cell_m: float) -> str:
    """The tooltip of one grid square."""
    return f"{int(count):,} incidents in this {cell_m:g} m square"


def grid_geojson(easting: np.ndarray, northing: np.ndarray, counts: np.ndarray, cell_m: float) -> dict[str, Any]:
    """Squares of ``cell_m`` (south-west corners in BNG) with their incident ``count`` and a tooltip.

    The same coordinates as ``shapely.box`` through :func:`frame_geojson`, in a fraction of the
    time for the few thousand squares of a large selection (the map's layer itself is encoded
    straight to geobuf by :func:`render.geobuf.grid_geobuf_b64`, from the same rings).
    """
    if len(counts) == 0:
        return empty_collection()
    lon, lat = (a.tolist() for a in grid_rings(easting, northing, cell_m))
    features = [
        {
            "type": "Feature",
            "properties": {"count": int(n), "tooltip": grid_tooltip(n, cell_m)},
            "geometry": {"type": "Polygon", "coordinates": [[[x, y] for x, y in zip(xs, ys, strict=True)]]},
        }
        for n, xs, ys in zip(np.asarray(counts), lon, lat, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def hotspots_geojson(polys: gpd.GeoDataFrame, simplify_m: float = 0.0) -> dict[str, Any]:
    """Ranked hotspot polygons as WGS84 GeoJSON with a tooltip per polygon.

    ``simplify_m`` > 0 simplifies the outlines by that many metres in BNG first (for display:
    DBSCAN's buffered hulls carry dozens of vertices each).
    """
    if polys.empty:
        return empty_collection()
    polys = polys.to_crs(BNG)
    if simplify_m:
        polys["geometry"] = polys.geometry.simplify(simplify_m, preserve_topology=True)
    kind = polys["category"].astype(str) if "category" in polys else pd.Series("", index=polys.index)
    polys["tooltip"] = [
        f"Hotspot {int(rank)}{f' ({escape_html(k)})' if k else ''}: {int(n):,} incidents ({share:.1%} of selection), "
        f"{area / 1e4:.2f} ha, {dens:,.0f} per km² (click for details)"
        for rank, k, n, share, area, dens in zip(
            polys["rank"],
            kind,
            polys["count"],
            polys["share"],
            polys["area_m2"],
            polys["density_per_km2"],
            strict=True,
        )
    ]
    keep = [c for c in ("rank", "count", "share", "area_m2", "density_per_km2", "category", "tooltip") if c in polys]
    return collection(polys.geometry.to_crs(WGS84).to_numpy(), {c: polys[c] for c in keep})


def hotspot_labels_geojson(polys: gpd.GeoDataFrame) -> dict[str, Any]:
    """One WGS84 point per drawn hotspot at its incident-weighted centre, with its ``rank``."""
    if polys.empty:
        return empty_collection()
    centres = (polys[c].to_numpy(float) for c in ("centre_easting", "centre_northing"))
    lon, lat = bng_to_wgs84().transform(*centres)
    ranks = polys["rank"].astype(int)
    props = {"rank": ranks, "tooltip": pd.Series([f"Hotspot {r}" for r in ranks.tolist()], dtype=object)}
    return collection(shapely.points(lon, lat), props)


def _row_runs(mask: np.ndarray, x0: float, y0: float, cell: float) -> np.ndarray:
    """Boxes covering the True cells of ``mask`` (ny, nx), one per horizontal run of cells."""
    padded = np.pad(mask, ((0, 0), (1, 1)))
    step = np.diff(padded, axis=1)
    rows_s, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    # nonzero returns row-major order, so starts and ends pair up run by run
    y = y0 + rows_s * cell
    return shapely.box(x0 + starts * cell, y, x0 + ends * cell, y + cell)


def density_geojson(result: HotspotResult, bands: int = 5, min_cell_m: float = 150.0) -> dict[str, Any] | None:
    """The method's score surface as up to ``bands`` dissolved quantile bands (None without one).

    Fine grids are coarsened (mean of k x k blocks) to cells of at least ``min_cell_m`` metres:
    the layer is a visual aid, and a 75 m KDE grid dissolved cell by cell takes seconds and
    megabytes.  Only cells above the median non-zero score are drawn, so the layer shows where
    the surface rises rather than tinting the whole district.
    """
    surface = getattr(result, "surface", None)
    if surface is None:
        return None
    grid, values = surface
    ny, nx = grid.shape
    arr = np.asarray(values, dtype=float).reshape(ny, nx)
    arr = np.where(np.isfinite(arr), arr, 0.0)
    k = max(1, math.ceil(min_cell_m / grid.cell))
    cell = grid.cell
    if k > 1:
        cy, cx = (ny + k - 1) // k, (nx + k - 1) // k
        padded = np.zeros((cy * k, cx * k))
        padded[:ny, :nx] = arr
        arr = padded.reshape(cy, k, cx, k).mean(axis=(1, 3))
        cell = grid.cell * k
    positive = arr.ravel()[arr.ravel() > 0]
    if positive.size == 0:
        return empty_collection()
    cuts = np.quantile(positive, np.linspace(0.5, 1.0, bands + 1))
    features = []
    for b in range(bands):
        lo, hi = cuts[b], cuts[b + 1]
        mask = ((arr >= lo) & ((arr < hi) if b < bands - 1 else (arr <= hi))).astype(np.int8)
        boxes = _row_runs(mask, grid.x0, grid.y0, cell)
        if boxes.size == 0:
            continue
        # Runs never overlap, so a multipolygon of them renders like a dissolved band, without the cost.
        features.append(
            {
                "band": b,
                "geometry": shapely.multipolygons(boxes),
                "tooltip": f"Density band {b + 1} of {bands} (5 = highest)",
            }
        )
    if not features:
        return empty_collection()
    return json.loads(gpd.GeoDataFrame(features, geometry="geometry", crs=BNG).to_crs(WGS84).to_json(drop_id=True))


def district_layers(d: District) -> dict[str, dict[str, Any]]:
    """GeoJSON (WGS84) of a district's fixed layers, keyed by layer name.

    Keys: ``boundary``, ``sectors``, ``zone:<key>`` per zone, ``premises``, ``cctv`` (camera
    points) and ``cctv_coverage`` (buffers of each camera's radius, built in metres in BNG).
    Each feature carries a ``tooltip`` property that the map shows on hover.
    """
    layers: dict[str, dict[str, Any]] = {}
    boundary = d.boundary[["geometry"]].copy()
    # Tooltips are HTML: every name from the district's files is escaped.
    boundary["tooltip"] = f"{escape_html(d.name)} district boundary"
    layers["boundary"] = frame_geojson(boundary, 2.0)
    sectors = d.sectors.copy()
    sectors["tooltip"] = "Police sector: " + sectors["sector"].map(escape_html) + " (illustrative)"
    layers["sectors"] = frame_geojson(sectors[["sector", "tooltip", "geometry"]], 2.0)
    for z in d.zones:
        zl = d.zone_layer(z.key).copy()
        label = z.label + (" (illustrative outline)" if z.illustrative else "")
        if z.designated:
            label += f", designated {pd.Timestamp(z.designated):%d/%m/%Y}"
        zl["tooltip"] = escape_html(label)
        zl["zone"] = z.key
        layers[f"zone:{z.key}"] = frame_geojson(zl, 2.0)
    prem = d.premises.copy()
    prem = prem[prem.geometry.notna() & ~prem.geometry.is_empty]
    addr = prem["address"].fillna("").map(escape_html) if "address" in prem else ""
    prem["tooltip"] = prem["name"].fillna("Licensed premises").map(escape_html) + ("<br>" + addr if len(prem) else "")
    layers["premises"] = frame_geojson(prem[["premises_id", "name", "tooltip", "geometry"]], 2.0)
    cams = d.cctv.copy()
    cams["tooltip"] = (
        "CCTV camera "
        + cams["name"].map(escape_html)
        + ", "
        + cams["radius_m"].astype(int).astype(str)
        + " m (illustrative)"
    )
    layers["cctv"] = frame_geojson(cams[["camera_id", "name", "radius_m", "tooltip", "geometry"]], 2.0)
    cover = cams.copy()
    cover["geometry"] = cams.to_crs(BNG).geometry.buffer(cams["radius_m"].astype(float), quad_segs=12)
    cover = gpd.GeoDataFrame(cover, geometry="geometry", crs=BNG)
    layers["cctv_coverage"] = frame_geojson(cover[["camera_id", "tooltip", "geometry"]], 2.0)
    return layers


#: The property (and top-level member) that carries the protective marking in every exported GeoJSON.
MARKING_MEMBER = "marking"


def mark_geojson(collection: dict[str, Any], marking: str) -> dict[str, Any]:
    """``collection`` with the protective marking as a top-level member and on every feature.

    The top-level ``marking`` is a foreign member (RFC 7946 section 6.1) that GIS readers ignore;
    the feature property is what a GIS layer keeps (QGIS shows it in the attribute table and writes
    it into a saved layer).  The collection is changed in place and returned.
    """
    if not marking:
        return collection
    collection[MARKING_MEMBER] = marking
    for feature in collection.get("features") or []:
        if isinstance(feature, dict):
            props = feature.get("properties")
            if props is None:
                props = feature["properties"] = {}
            if isinstance(props, dict):
                props.setdefault(MARKING_MEMBER, marking)
    return collection


def mark_geojson_text(text: str, marking: str) -> str:
    """GeoJSON text marked as :func:`mark_geojson` does (unchanged if not a JSON object)."""
    if not marking:
        return text
    try:
        collection = json.loads(text)
    except ValueError:
        return text
    if not isinstance(collection, dict) or collection.get("type") not in ("FeatureCollection", "Feature"):
        return text
    if collection.get("type") == "Feature":
        props = collection.get("properties")
        collection["properties"] = {**(props if isinstance(props, dict) else {}), MARKING_MEMBER: marking}
        collection[MARKING_MEMBER] = marking
    else:
        mark_geojson(collection, marking)
    return json.dumps(collection, separators=(",", ":"))
