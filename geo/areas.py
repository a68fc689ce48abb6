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
import shapely

from geo.config import District


def _assign(points: np.ndarray, layer: gpd.GeoDataFrame, column: str, nearest: bool = True) -> np.ndarray:
    """Value of ``column`` of the polygon containing each point (nearest polygon if none)."""
    out = np.full(len(points), None, dtype=object)
    if len(points) == 0 or layer.empty:
        return out
    geoms = layer.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    pt_idx, poly_idx = tree.query(points, predicate="within")
    # A point on a shared edge can fall in two polygons: keep the first, deterministically.
    first = np.unique(pt_idx, return_index=True)[1]
    out[pt_idx[first]] = layer[column].to_numpy()[poly_idx[first]]
    missing = np.flatnonzero(pd.isna(out))
    if nearest and len(missing):
        near_pt, near_poly = tree.query_nearest(points[missing], return_distance=False, all_matches=False)
        out[missing[near_pt]] = layer[column].to_numpy()[near_poly]
    return out


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
    out = incidents.copy()
    xy = np.column_stack([out["easting"].to_numpy(float), out["northing"].to_numpy(float)])
    uniq, inverse = np.unique(xy, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    points = shapely.points(uniq)
    wards = district.wards
    ward_code = _assign(points, wards, "ward_code")
    ward_name = pd.Series(ward_code).map(dict(zip(wards["ward_code"], wards["ward_name"], strict=True))).to_numpy()
    out["ward_code"] = ward_code[inverse]
    out["ward_name"] = ward_name[inverse]
    out["sector"] = _assign(points, district.sectors, "sector")[inverse]
    if "lsoa_code" not in out or out["lsoa_code"].isna().any():
        lsoa = _assign(points, district.lsoa, "lsoa_code")[inverse]
        current = out["lsoa_code"] if "lsoa_code" in out else pd.Series(None, index=out.index)
        out["lsoa_code"] = current.where(current.notna(), pd.Series(lsoa, index=out.index))
    for zone in district.zones:
        geom = district.zone_layer(zone.key).geometry.iloc[0]
        shapely.prepare(geom)
        out[zone.column] = shapely.contains_xy(geom, uniq[:, 0], uniq[:, 1])[inverse] if len(uniq) else False
    return out
