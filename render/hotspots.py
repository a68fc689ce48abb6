"""Hotspot downloads: every ranked hotspot as CSV (centres in BNG and WGS84) or GeoJSON (WGS84)."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd

from geo.schema import BNG, WGS84
from render.safe import neutralise_csv

FORMATS = ("csv", "geojson")
_FIRST = ["rank", "count", "share", "area_ha", "density_per_km2", "top_crime_types", "street", "method"]


def hotspots_download(table: gpd.GeoDataFrame, fmt: str) -> str:
    """The ranked table of :func:`service.hotspots.run_hotspot_table` as ``csv`` or ``geojson`` text."""
    cols = [c for c in _FIRST if c in table.columns]
    cols += [c for c in table.columns if c not in cols and c not in ("geometry", "area_m2")]
    if fmt == "geojson":
        out = table[cols + ["geometry"]].to_crs(WGS84)
        return json.dumps(json.loads(out.to_json(drop_id=True)), separators=(",", ":"))
    if fmt != "csv":
        raise ValueError(f"unknown download format '{fmt}'; use {', '.join(FORMATS)}")
    frame = pd.DataFrame(table[cols])
    if not table.empty:
        centres = gpd.GeoSeries(gpd.points_from_xy(table["centre_easting"], table["centre_northing"]), crs=BNG)
        centres = centres.to_crs(WGS84)
        frame["centre_longitude"] = centres.x.round(6).to_numpy()
        frame["centre_latitude"] = centres.y.round(6).to_numpy()
    return neutralise_csv(frame).to_csv(index=False)
