"""The Deployment page's map (district layers, plan areas and ranked markers) and its legend."""

from __future__ import annotations

import dash_leaflet as dl
from dash import html
from dash_extensions.javascript import Namespace

from dashboard import data_access
from dashboard.components.district_layers import base_layers, boundary_overlay, cctv_overlay, zone_overlays
from dashboard.data_access import AppSettings
from geo.config import District
from render.palette import COVERAGE_FILL, PATROL_COLOUR, VAN_COLOUR, ZONE_COLOURS

ns_map = Namespace("hotspots", "map")
ns = Namespace("hotspots", "deploy")
_EMPTY = {"type": "FeatureCollection", "features": []}


def plan_legend(district: District) -> html.Div:
    """One or two lines under the map (it would hide a quarter of the map if it floated on it)."""

    def item(label: str, style: dict, cls: str = "sw") -> html.Span:
        return html.Span([html.Span(className=cls, style=style), label], className="lg-item")

    zones = [
        item(
            z.label + (" (illustrative)" if z.illustrative else ""),
            {"background": "#fff", "borderColor": c, "borderStyle": "dashed", "borderWidth": "2px"},
        )
        for z, c in zip(district.zones, ZONE_COLOURS, strict=False)
    ]
    rows = [
        html.Strong("Legend:", className="me-1"),
        item("Van site (number = rank)", {"background": VAN_COLOUR}, "dot"),
        item("Van camera radius", {"background": VAN_COLOUR, "opacity": 0.35}, "sw circle"),
        item("Patrol cell (number = rank)", {"background": PATROL_COLOUR, "opacity": 0.55}),
        item(
            "Fixed CCTV camera and coverage (illustrative)", {"background": COVERAGE_FILL, "opacity": 0.6}, "sw circle"
        ),
        *zones,
        item("Police sectors (illustrative)", {"background": "#fff", "borderColor": "#6f6f6f"}),
        item("District boundary", {"background": "#fff", "borderWidth": "2px"}),
    ]
    return html.Div(rows, className="dep-legend", id="dep-legend")


def plan_map(district: District, cfg: AppSettings) -> dl.Map:
    """The plan map: tiles, district layers, plan areas (van circles or patrol squares) and ranked markers."""
    layers = data_access.static_layers(cfg.district_folder)
    zone_colours = {z.key: ZONE_COLOURS[i % len(ZONE_COLOURS)] for i, z in enumerate(district.zones)}
    base = base_layers(cfg)
    overlays = [
        dl.Overlay(
            dl.GeoJSON(id="dep-sectors", data=layers["sectors"], style=ns("sector")),
            name="Police sectors (illustrative)",
            checked=True,
        ),
        *zone_overlays("dep", district, layers, ns_map("zone"), zone_colours),
        cctv_overlay(
            "dep",
            layers,
            ns_map("coverage"),
            ns_map("camera"),
            name="Fixed CCTV and coverage (illustrative)",
            checked=True,
        ),
        boundary_overlay("dep", layers, ns_map("boundary")),
        dl.Overlay(
            dl.LayerGroup(
                [
                    dl.GeoJSON(id="dep-areas", data=_EMPTY, style=ns("area")),
                    dl.GeoJSON(id="dep-points", data=_EMPTY, pointToLayer=ns("rank")),
                ]
            ),
            name="Plan: van sites or patrol cells",
            checked=True,
        ),
    ]
    return dl.Map(
        [
            dl.LayersControl(base + overlays, id="dep-layers", collapsed=True),
            dl.ScaleControl(imperial=False, position="bottomright"),
        ],
        id="dep-map",
        center=list(district.centre),
        zoom=district.zoom,
        viewport={"bounds": data_access.district_bounds(cfg.district_folder), "transition": "fitBounds"},
        zoomSnap=0.25,
        style={"height": "100%", "width": "100%"},
    )
