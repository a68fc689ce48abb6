"""The study area of a selection: what hotspot shares and backtest PAIs are shares of."""

from __future__ import annotations

from typing import Any

import shapely

from geo.hotspots.result import district_geometry
from geo.schema import BNG


def selection_area(selection: Any, district: Any) -> shapely.Geometry:
    """The ground a selection covers: its sectors, within (or outside) its zone, else the district.

    Parameters
    ----------
    selection : geo.selection.Selection or None
        Only ``sectors``, ``zone`` and ``zone_inside`` matter; None means the whole district.
    district : geo.config.District
        Supplies the boundary, the sector polygons and the zone layers.

    Returns
    -------
    shapely geometry (EPSG:27700, valid)
        The union of the selected sectors (the district when none), intersected with the zone,
        or with the district minus the zone when ``zone_inside`` is False.  A sector or zone name
        the district does not know is an error of the selection, caught by the selection itself.
    """
    whole = district_geometry(district)
    if selection is None:
        return whole
    area = whole
    sectors = tuple(getattr(selection, "sectors", ()) or ())
    if sectors:
        layer = district.sectors.to_crs(BNG)
        picked = layer[layer["sector"].isin(sectors)]
        if not picked.empty:
            area = shapely.make_valid(shapely.union_all(picked.geometry.to_numpy())).intersection(whole)
    zone = getattr(selection, "zone", None)
    if zone is not None:
        zone_geom = shapely.make_valid(shapely.union_all(district.zone_layer(zone).geometry.to_numpy()))
        inside = getattr(selection, "zone_inside", True)
        area = area.intersection(zone_geom) if inside else area.difference(zone_geom)
    return area if area.area > 0 else whole
