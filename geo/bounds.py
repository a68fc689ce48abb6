"""Map extents: WGS84 bounds of points or layers held in British National Grid, padded for display."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import Transformer

from geo.schema import BNG, WGS84

#: [[south, west], [north, east]] in WGS84 degrees, as Leaflet's ``fitBounds`` takes it.
Bounds = list[list[float]]


@lru_cache(maxsize=1)
def bng_to_wgs84() -> Transformer:
    """British National Grid -> WGS84 (x = easting/longitude first), built once per process."""
    return Transformer.from_crs(BNG, WGS84, always_xy=True)


def padded_bounds(x: np.ndarray, y: np.ndarray, pad_share: float = 0.1, min_pad_m: float = 250.0) -> Bounds | None:
    """WGS84 bounds of BNG points, padded by ``pad_share`` of the extent and at least ``min_pad_m`` metres.

    Parameters
    ----------
    x, y : array of float
        Eastings and northings in metres (NaN entries are ignored).
    pad_share : float, default 0.1
        Padding as a share of the larger side of the extent.
    min_pad_m : float, default 250
        Smallest padding, so one point still gives a usable view.

    Returns
    -------
    list or None
        ``[[south, west], [north, east]]``; None when no point is finite.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return None
    x0, x1, y0, y1 = x[ok].min(), x[ok].max(), y[ok].min(), y[ok].max()
    pad = max(min_pad_m, pad_share * max(x1 - x0, y1 - y0))
    lon, lat = bng_to_wgs84().transform(
        [x0 - pad, x1 + pad, x0 - pad, x1 + pad], [y0 - pad, y0 - pad, y1 + pad, y1 + pad]
    )
    return [[float(min(lat)), float(min(lon))], [float(max(lat)), float(max(lon))]]


def frame_bounds(gdf) -> Bounds:  # noqa: ANN001 - any GeoDataFrame with a CRS
    """Unpadded WGS84 bounds of a GeoDataFrame (a district boundary, a layer)."""
    minx, miny, maxx, maxy = gdf.to_crs(WGS84).total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]
