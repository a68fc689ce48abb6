"""Hotspot results drawn on the map: polygons, rank labels and the density surface as GeoJSON.

Pure functions of a ``geo.hotspots.find_hotspots`` result (no store access, no caching); the map sends the
larger layers as base64 geobuf (:func:`geobuf_b64`) rather than nested GeoJSON dicts.
"""

from __future__ import annotations

import geopandas as gpd

from geo.schema import BNG, WGS84


def top_polygons(polys: gpd.GeoDataFrame, top: int | None) -> gpd.GeoDataFrame:
    """The hotspot polygons ranked ``top`` or better (all when ``top`` is None)."""
    if top is None or polys.empty:
        return polys
    return polys[polys["rank"] <= top]


def hotspots_geojson(result, top: int | None = None, simplify_m: float = 0.0) -> dict:
    """Hotspot polygons as WGS84 GeoJSON with a tooltip per polygon.

    ``top`` keeps ranks <= top only; ``simplify_m`` > 0 simplifies the outlines by that many
    metres in BNG first (for display: DBSCAN's buffered hulls carry dozens of vertices each).
    """
    import json

    polys = top_polygons(result.polygons, top).copy()
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


def hotspot_labels_geojson(result, top: int | None = None) -> dict:
    """One WGS84 point per drawn hotspot at its incident-weighted centre, with its ``rank``."""
    import json

    polys = top_polygons(result.polygons, top)
    if polys.empty:
        return {"type": "FeatureCollection", "features": []}
    pts = gpd.GeoDataFrame(
        {"rank": polys["rank"].astype(int).to_numpy(), "tooltip": [f"Hotspot {int(r)}" for r in polys["rank"]]},
        geometry=gpd.points_from_xy(polys["centre_easting"], polys["centre_northing"]),
        crs=BNG,
    ).to_crs(WGS84)
    return json.loads(pts.to_json(drop_id=True))


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
