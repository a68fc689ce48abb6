"""The map's layer of incidents placed at a postcode centroid (rows that came with a postcode, no point).

Drawn apart from the clustered incidents, as hollow squares with a tooltip that says so: their
position is the centre of a postcode unit, not the place of the incident.  Point-level data (the
access policy strips it for roles without ``points``); the note beside the map gives the count.
"""

from __future__ import annotations

import dash
import dash_leaflet as dl
from dash import Input, Output, html

from dashboard import data_access, state
from dashboard.errors import explain
from service.plan import run_centroid_places

CENTROID_OVERLAY = "Incidents at postcode centroids"
#: The map page's store the incident layer fills with the selection it has drawn.
INCIDENTS_DONE = "map-incidents-done"
CENTROID_COLOUR = "#CC79A7"  # Okabe-Ito reddish purple: no other map layer uses it


def centroid_overlay() -> dl.Overlay:
    """The overlay, on by default: a reader of the clusters must see which positions are only postcodes."""
    return dl.Overlay(dl.LayerGroup(id="map-centroids"), name=CENTROID_OVERLAY, checked=True)


def centroid_legend_rows() -> list[html.Div]:
    """The legend's row for this layer."""
    swatch = {"background": "transparent", "border": f"3px solid {CENTROID_COLOUR}"}
    return [
        html.Div([html.Span(className="dot", style=swatch), "Incidents at a postcode centroid"], className="lg-item")
    ]


def centroid_markers(selection: dict | None) -> tuple[list[dl.Rectangle], str | None]:
    """One hollow marker per postcode centroid of the selection, with its precision in the tooltip."""
    places = run_centroid_places(data_access.source(), state.selection_from_store(selection))
    if places.empty:
        return [], None
    markers = [
        dl.CircleMarker(
            center=[float(r["latitude"]), float(r["longitude"])],
            radius=7,
            color=CENTROID_COLOUR,
            weight=3,
            fill=False,
            className="hs-centroid",
            children=dl.Tooltip(
                f"{int(r['incidents']):,} incident{'s' if r['incidents'] != 1 else ''} ({r['types']}) - "
                "precision: postcode centroid (the centre of the postcode, not the incident's point)"
            ),
        )
        for r in places.to_dict("records")
    ]
    total = int(places["incidents"].sum())
    note = (
        f"{total:,} selected incident{'s are' if total != 1 else ' is'} placed at {len(places):,} postcode "
        "centroid(s) (no exact point): drawn as hollow circles, left out of van sites and patrol cells"
    )
    return markers, note


def register_centroid_layer(app: dash.Dash) -> None:
    """Fill the layer for the selection."""

    @app.callback(
        Output("map-centroids", "children"),
        Output("map-centroid-note", "children"),
        # After the incident layer, as the hotspots are: on a filter change this small layer does not
        # take the server's other worker while the count and the main layer are being answered.
        Input(INCIDENTS_DONE, "data"),
    )
    def update_centroids(selection: dict | None) -> tuple:
        try:
            return centroid_markers(selection)
        except Exception as exc:  # the incident layer shows a store problem; say it here too
            return [], explain(exc, "Postcode-centroid incidents unavailable")
