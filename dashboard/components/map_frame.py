"""The map page's map: Leaflet with its layer control, scale bar, legend and empty-selection message."""

from __future__ import annotations

import dash_leaflet as dl
from dash import dcc, html

from dashboard.components.map_centroids import centroid_legend_rows
from dashboard.components.map_legend import map_legend
from dashboard.components.map_repeat_layers import repeat_legend_rows
from geo.config import District


def map_block(district: District, layers: list, map_view: dict) -> dcc.Loading:
    """The Leaflet map with its layer control, scale, legend and empty-selection message."""
    return dcc.Loading(
        html.Div(
            [
                dl.Map(
                    [
                        dl.LayersControl(layers, id="map-layers", collapsed=True),
                        dl.ScaleControl(imperial=False, position="bottomright"),
                    ],
                    id="map",
                    **map_view,
                    zoomSnap=0.25,
                    style={"height": "100%", "width": "100%"},
                    preferCanvas=False,
                ),
                map_legend(district, extra=[*centroid_legend_rows(), *repeat_legend_rows()]),
                html.Div(id="map-empty", className="map-empty", style={"display": "none"}, role="status"),
            ],
            className="map-wrap",
        ),
        delay_show=400,
        overlay_style={"visibility": "visible", "opacity": 0.6},
        type="circle",
    )
