"""Map layers every map page draws the same way: backgrounds, zones, fixed CCTV, the boundary.

Each page passes its own id prefix (ids must be unique on a page) and its style functions
(``dash_extensions.javascript`` handles from its own namespace).
"""

from __future__ import annotations

import dash_leaflet as dl

from dashboard.data_access import AppSettings
from geo.config import District


def base_layers(cfg: AppSettings) -> list[dl.BaseLayer]:
    """The configured street map, and no background (boundaries and data still draw offline)."""
    return [
        dl.BaseLayer(
            dl.TileLayer(url=cfg.tile_url, attribution=cfg.tile_attribution, maxZoom=19),
            name="Street map",
            checked=True,
        ),
        dl.BaseLayer(dl.LayerGroup(), name="No background (offline)", checked=False),
    ]


def zone_overlays(
    prefix: str, district: District, layers: dict, style: dict, colours: dict[str, str]
) -> list[dl.Overlay]:
    """One overlay per alcohol control zone, labelled illustrative where the config says so."""
    return [
        dl.Overlay(
            dl.GeoJSON(
                id=f"{prefix}-zone-{z.key}", data=layers[f"zone:{z.key}"], style=style, hideout={"colours": colours}
            ),
            name=z.label + (" (illustrative)" if z.illustrative else ""),
            checked=True,
        )
        for z in district.zones
    ]


def cctv_overlay(
    prefix: str, layers: dict, coverage_style: object, camera_point: object, *, name: str, checked: bool
) -> dl.Overlay:
    """The fixed CCTV cameras and their coverage circles, as one overlay."""
    return dl.Overlay(
        dl.LayerGroup(
            [
                dl.GeoJSON(id=f"{prefix}-cctv-coverage", data=layers["cctv_coverage"], style=coverage_style),
                dl.GeoJSON(id=f"{prefix}-cctv", data=layers["cctv"], pointToLayer=camera_point),
            ]
        ),
        name=name,
        checked=checked,
    )


def boundary_overlay(prefix: str, layers: dict, style: dict) -> dl.Overlay:
    """The district outline."""
    return dl.Overlay(
        dl.GeoJSON(id=f"{prefix}-boundary", data=layers["boundary"], style=style),
        name="District boundary",
        checked=True,
    )
