"""Derived areas: ward, police sector, LSOA and alcohol-zone membership of each incident.

Joins are point-in-polygon in British National Grid.  Identical coordinates (data.police.uk snap
points) are joined once and broadcast.  A point that falls in no ward or sector (slivers between
generalised boundaries, or up to the outside tolerance beyond the district edge) takes the
nearest one, so every stored incident has a ward and a sector.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pandas.api.extensions import ExtensionArray

from geo.config import District


def _assign(x: np.ndarray, y: np.ndarray, layer: gpd.GeoDataFrame, column: str) -> np.ndarray:
    """Value of ``column`` of the polygon containing each point (the nearest polygon if none)."""
    if len(x) == 0 or layer.empty:
        return np.full(len(x), None, dtype=object)
    return layer[column].to_numpy(dtype=object)[_polygon_of(x, y, layer)]


def _spread_text(values: np.ndarray, index: np.ndarray) -> np.ndarray | ExtensionArray:
    """``values[index]``, built by Arrow when ``values`` (a layer's few names) are text.

    The column then holds what assigning the object array would (``str`` dtype, missing as NaN)
    without converting a million Python strings one by one.
    """
    if not all(v is None or isinstance(v, str) for v in values) or all(v is None for v in values):
        return values[index]
    return pa.array(values, pa.large_string()).take(pa.array(index)).to_pandas().array


def _layer_text(
    ux: np.ndarray, uy: np.ndarray, inverse: np.ndarray, layer: gpd.GeoDataFrame, column: str
) -> np.ndarray | ExtensionArray:
    """``column`` of the polygon of each incident (joined once per distinct point, then spread)."""
    if len(ux) == 0 or layer.empty:
        return np.full(len(inverse), None, dtype=object)
    return _spread_text(layer[column].to_numpy(dtype=object), _polygon_of(ux, uy, layer)[inverse])


def _polygon_of(x: np.ndarray, y: np.ndarray, layer: gpd.GeoDataFrame) -> np.ndarray:
    """Position in ``layer`` of the polygon containing each point (the nearest polygon if none).

    A bounding-box prefilter plus prepared ``contains_xy`` per polygon is an order of magnitude
    faster than an STRtree query for the few dozen polygons of a district's layers.
    """
    hit = np.full(len(x), -1, dtype=np.int64)
    geoms = layer.geometry.to_numpy()
    for i, geom in enumerate(geoms):
        shapely.prepare(geom)
        minx, miny, maxx, maxy = geom.bounds
        # A point on a shared edge may fall in two polygons: the first keeps it, deterministically.
        idx = np.flatnonzero((hit < 0) & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        hit[idx[shapely.contains_xy(geom, x[idx], y[idx])]] = i
    missing = np.flatnonzero(hit < 0)
    if len(missing):
        tree = shapely.STRtree(geoms)
        near_pt, near_poly = tree.query_nearest(shapely.points(x[missing], y[missing]), all_matches=False)
        hit[missing[near_pt]] = near_poly
    return hit


def attach_areas(incidents: pd.DataFrame, district: District) -> pd.DataFrame:
    """Add ``ward_code``, ``ward_name``, ``sector``, ``lsoa_code`` (where missing) and zone columns.

    Parameters
    ----------
    incidents : DataFrame
        With ``easting`` and ``northing`` (EPSG:27700).
    district : District

    Returns
    -------
    DataFrame
        A copy with the derived columns.
    """
    out = incidents.copy(deep=False)  # copy-on-write: the new columns never reach the caller's frame
    e = out["easting"].to_numpy(float)
    n = out["northing"].to_numpy(float)
    # Join each distinct 10 cm location once (snap points repeat thousands of times).
    key = (np.round(e * 10).astype(np.int64) << 32) + np.round(n * 10).astype(np.int64)
    inverse, uniq = pd.factorize(key)
    ux, uy = (uniq >> 32) / 10, (uniq & 0xFFFFFFFF) / 10
    wards = district.wards
    if len(ux) and not wards.empty:
        # The name of each ward polygon's code, looked up once per polygon rather than per point.
        names = dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
        codes = wards["ward_code"].to_numpy(dtype=object)
        ward = _polygon_of(ux, uy, wards)[inverse]
        out["ward_code"] = _spread_text(codes, ward)
        out["ward_name"] = _spread_text(np.array([names.get(c) for c in codes], dtype=object), ward)
    else:
        out["ward_code"] = out["ward_name"] = np.full(len(out), None, dtype=object)
    out["sector"] = _layer_text(ux, uy, inverse, district.sectors, "sector")
    if "lsoa_code" not in out or out["lsoa_code"].isna().any():
        lsoa = _assign(ux, uy, district.lsoa, "lsoa_code")[inverse]
        current = out["lsoa_code"] if "lsoa_code" in out else pd.Series(None, index=out.index)
        out["lsoa_code"] = current.where(current.notna(), pd.Series(lsoa, index=out.index))
    for zone, geom in _zone_geometries(district):
        out[zone.column] = shapely.contains_xy(geom, ux, uy)[inverse] if len(ux) else False
    return out


_ZONES: dict[int, tuple[District, list]] = {}


def _zone_geometries(district: District) -> list:
    """(zone, prepared geometry) pairs, built once per district: a streamed ingest joins many batches."""
    cached = _ZONES.get(id(district))
    if cached is None or cached[0] is not district:
        pairs = []
        for zone in district.zones:
            geom = district.zone_layer(zone.key).geometry.iloc[0]
            shapely.prepare(geom)
            pairs.append((zone, geom))
        cached = _ZONES[id(district)] = (district, pairs)
    return cached[1]
