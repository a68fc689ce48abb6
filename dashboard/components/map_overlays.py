"""The map page's overlays: incidents, hotspots, the density surface and the district's layers.

The hotspot and incident layers start empty; the page's callbacks fill them for the selection.
"""

from __future__ import annotations

import dash_leaflet as dl
from dash_extensions.javascript import Namespace

from dashboard import data_access
from dashboard.components.district_layers import boundary_overlay, cctv_overlay, zone_overlays
from dashboard.components.map_legend import map_colours
from dashboard.data_access import AppSettings
from geo.config import District

ns = Namespace("hotspots", "map")
EMPTY_GEOJSON = {"type": "FeatureCollection", "features": []}
DENSITY_OVERLAY = "Density surface (hotspot method's score)"


def map_overlays(district: District, cfg: AppSettings) -> list:
    """The layers control's overlays, in display order (raises if a district layer cannot be read)."""
    layers = data_access.static_layers(cfg.district_folder)
    sectors, zones = map_colours(district)
    out = [
        dl.Overlay(
            dl.GeoJSON(
                id="map-incidents",
                format="geobuf",
                cluster=True,
                zoomToBoundsOnClick=True,
                superClusterOptions={"radius": 60, "maxZoom": 17},
                clusterToLayer=ns("cluster"),
                pointToLayer=ns("incident"),
            ),
            name="Incidents (clustered)",
            checked=True,
        ),
        dl.Overlay(
            # Filled only when a selection has more located incidents than the map draws one by one.
            dl.GeoJSON(
                id="map-incident-grid",
                format="geobuf",
                style={"color": "#3b528b", "weight": 1, "fillColor": "#21918c", "fillOpacity": 0.35},
            ),
            name="Incidents per square (large selections)",
            checked=True,
        ),
        dl.Overlay(
            dl.LayerGroup(
                [
                    # No initial data (as for the incidents): an initial geobuf decodes asynchronously
                    # and, finishing late, could overwrite the first real layer.
                    dl.GeoJSON(
                        id="map-hotspots",
                        format="geobuf",
                        style=ns("hotspot"),
                        hideout={"n": 1},
                    ),
                    dl.GeoJSON(id="map-hotspot-labels", format="geobuf", pointToLayer=ns("rankLabel")),
                ]
            ),
            name="Hotspots",
            checked=True,
        ),
        dl.Overlay(
            dl.GeoJSON(id="map-density", data=EMPTY_GEOJSON, style=ns("density")),
            name=DENSITY_OVERLAY,
            checked=False,
        ),
        dl.Overlay(
            dl.GeoJSON(id="map-sectors", data=layers["sectors"], style=ns("sector"), hideout={"colours": sectors}),
            name="Police sectors (illustrative)",
            checked=True,
        ),
    ]
    out += zone_overlays("map", district, layers, ns("zone"), zones)
    out += [
        dl.Overlay(
            dl.GeoJSON(id="map-premises", data=layers["premises"], pointToLayer=ns("premises")),
            name="Licensed premises",
            checked=False,
        ),
        cctv_overlay(
            "map", layers, ns("coverage"), ns("camera"), name="CCTV cameras and coverage (illustrative)", checked=False
        ),
        boundary_overlay("map", layers, ns("boundary")),
    ]
    return out
