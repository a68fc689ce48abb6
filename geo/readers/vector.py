"""GeoJSON, GeoPackage and Shapefile point layers, read with pyogrio.

Attributes are found by canonical name first (``incident_id``, ``crime_type`` or ``crime_code``,
``occurred_from``, ``occurred_to``, ``location``...: what our own exports write), then through the
force column mapping.  Points are taken in the layer's CRS and carried as WGS84 longitude/latitude.
Yes/no attributes named in the district's ``sensitive_flag_columns``, and a ``sensitive`` attribute
(our own exports carry one), are carried as sensitivity flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.readers._common import FLAG_PREFIX, FileFormatError, RawBatch, find_flag_columns

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")

_CANONICAL = {
    "id": ("incident_id", "id"),
    "crime": ("crime_type", "crime_code"),
    "date_from": ("occurred_from", "date"),
    "date_to": ("occurred_to",),
    "location": ("location",),
    "lsoa_code": ("lsoa_code",),
    "outcome": ("outcome",),
}


def _flag_text(values: pd.Series) -> list[str]:
    """A yes/no attribute as text: booleans and whole numbers as ``true``/``1``, missing as empty."""
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        return ["" if pd.isna(v) else str(v) for v in values]
    return ["" if pd.isna(v) else str(int(v)) if float(v).is_integer() else str(v) for v in values]


def read_vector(
    path: Path, label: str, mapping: Mapping[str, str], synthetic: bool = False, flag_columns: tuple[str, ...] = ()
) -> tuple[RawBatch, list[str]]:
    """Read a point layer into a :class:`RawBatch`; non-point features are refused row by row.

    Attributes named in ``flag_columns`` (case-insensitively) or ``sensitive`` become sensitivity flags.
    """
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several DataSource errors; all mean "cannot read"
        raise FileFormatError(f"{label}: cannot be read as a GeoJSON/GeoPackage/Shapefile layer ({exc})") from None
    if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf:
        raise FileFormatError(
            f"{label}: not a point layer (no geometry): for a CSV use --format police_uk or force_csv"
        )
    if gdf.empty:
        raise FileFormatError(f"{label}: the layer has no features")
    if gdf.crs is None:
        raise FileFormatError(f"{label}: the layer has no coordinate reference system")
    cols = list(gdf.columns)
    out = pd.DataFrame({"_row": range(1, len(gdf) + 1)})
    # missing attributes (a null in GeoJSON) as empty text: pandas keeps them missing through astype(str)
    attrs = gdf.drop(columns="geometry").astype(object)
    out["_raw"] = attrs.where(attrs.notna(), "").astype(str).agg(" | ".join, axis=1).to_numpy()
    crime_is_code = False
    for field, names in _CANONICAL.items():
        # Shapefile (dBASE) field names stop at 10 characters: occurred_from -> occurred_f.
        name = next((c for n in names for c in (n, n[:10]) if c in cols), None)
        if name is None:
            key = {"crime": "crime_code", "date_from": "datetime", "date_to": "datetime_to"}.get(field, field)
            name = mapping.get(key) if mapping.get(key) in cols else None
            if field == "crime" and name is None and mapping.get("crime_type") in cols:
                name = mapping["crime_type"]
            crime_is_code = crime_is_code or (field == "crime" and key == "crime_code" and name is not None)
        elif field == "crime":
            crime_is_code = name == "crime_code"
        if name is not None:
            out[field] = gdf[name].astype(str).where(gdf[name].notna(), "").to_numpy()
    if "crime" not in out or "date_from" not in out:
        raise FileFormatError(
            f"{label}: a point layer needs crime_type (or crime_code) and occurred_from (or date) attributes "
            f"(found: {', '.join(c for c in cols if c != 'geometry')})"
        )
    flags = find_flag_columns([c for c in cols if c != "geometry"], (*flag_columns, "sensitive"))
    for column in flags:
        out[FLAG_PREFIX + column] = _flag_text(gdf[column])
    geom = gpd.GeoSeries(gdf.geometry).to_crs(4326)
    is_point = (geom.geom_type == "Point").to_numpy()
    xs, ys = shapely.get_x(geom.to_numpy()), shapely.get_y(geom.to_numpy())
    out["x"] = pd.Series(xs).map(lambda v: "" if v != v else repr(float(v))).to_numpy()
    out["y"] = pd.Series(ys).map(lambda v: "" if v != v else repr(float(v))).to_numpy()
    refused = out.loc[~is_point, ["_row", "_raw"]].assign(field="geometry", reason="geometry is not a point")
    batch = RawBatch(
        frame=out.loc[is_point].reset_index(drop=True),
        file=label,
        source=f"vector:{path.stem}",
        kind="vector",
        coords="lonlat",
        crime_is_code=crime_is_code,
        synthetic=synthetic or "synthetic" in label.lower(),
        rows_rejected=refused.reset_index(drop=True),
        flags=tuple(flags),
    )
    return batch, []
