"""The map page's legend: what each sector, zone, place, cluster and hotspot symbol means."""

from __future__ import annotations

from dash import html

from geo.config import District
from render.palette import (
    CAMERA_FILL,
    COVERAGE_FILL,
    PREMISES_FILL,
    SECTOR_COLOURS,
    ZONE_COLOURS,
)


def map_colours(district: District) -> tuple[dict, dict]:
    """Fill colour per sector name and per zone key (the legend and the layers use the same)."""
    sectors = {s: SECTOR_COLOURS[i % len(SECTOR_COLOURS)] for i, s in enumerate(district.sectors["sector"])}
    zones = {z.key: ZONE_COLOURS[i % len(ZONE_COLOURS)] for i, z in enumerate(district.zones)}
    return sectors, zones


def map_legend(district: District, extra: list | None = None) -> html.Details:
    """The collapsible legend drawn over the map (open by default); ``extra`` rows go at the end."""
    sectors, zones = map_colours(district)

    def item(label: str, swatch_style: object, dot: object = False) -> html.Span:
        return html.Div([html.Span(className="dot" if dot else "sw", style=swatch_style), label], className="lg-item")

    rows = [html.Div("Police sectors (illustrative)", className="lg-head")]
    rows += [item(s, {"background": c, "opacity": 0.85}) for s, c in sectors.items()]
    rows.append(html.Div("Zones and places", className="lg-head"))
    rows += [item(z.label, {"background": zones[z.key], "borderStyle": "dashed"}) for z in district.zones]
    rows += [
        item("District boundary", {"background": "#fff", "borderWidth": "2px"}),
        item("Licensed premises", {"background": PREMISES_FILL}, dot=True),
        item("CCTV camera (illustrative)", {"background": CAMERA_FILL}, dot=True),
        item("CCTV coverage circle (illustrative)", {"background": COVERAGE_FILL, "opacity": 0.6}),
        html.Div("Incidents and hotspots", className="lg-head"),
        item("Clusters: size and colour by count", {"background": "linear-gradient(90deg,#fde725,#21918c,#440154)"}),
        item("Hotspots: darker = higher rank", {"background": "#3b528b", "opacity": 0.7}),
        *(extra or []),
    ]
    return html.Details(
        [html.Summary(html.Strong("Legend")), html.Div(rows, className="lg-grid")],
        open=True,
        className="map-legend",
        id="map-legend",
    )
