"""The map page's repeat-location and near-repeat risk-zone overlays.

Both are off by default and computed only while switched on in the map's layer control (the Knox
test behind the risk zones takes seconds), for the map's current selection, through
:mod:`service.repeats` and :mod:`service.nearrepeat` (the same cached results as the Repeats page).
Both are point-level data: the access policy strips them for roles without ``points``, while the
note beside the map (counts only) stays.
"""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_leaflet as dl
from dash import Input, Output, State, dcc, html

from dashboard import data_access, state
from dashboard.components.filters import SELECTION_STORE
from dashboard.errors import explain
from render.repeats import fmt_when, zones_geojson
from render.safe import escape_html
from service.errors import HotspotsError
from service.nearrepeat import NearRepeatOptions, run_nearrepeat
from service.repeats import MAP_TOP, RepeatsOptions, run_repeats, top_locations_wgs84

REPEATS_OVERLAY = f"Repeat locations (top {MAP_TOP})"
RISK_OVERLAY = "Near-repeat risk zones"
#: Okabe-Ito blue for repeat locations and vermilion for risk zones (as on the Repeats page).
REPEAT_FILL = "#0072B2"
RISK_COLOUR = "#D55E00"
#: The Repeats page's default, so the two views share one cached Knox test.
MAP_PERMUTATIONS = 99
EMPTY_GEOJSON: dict[str, Any] = {"type": "FeatureCollection", "features": []}


def repeat_overlays() -> list[dl.Overlay]:
    """The two overlays for the map's layer control, unchecked."""
    return [
        dl.Overlay(dl.LayerGroup(id="map-repeats"), name=REPEATS_OVERLAY, checked=False),
        dl.Overlay(
            dl.GeoJSON(
                id="map-risk-zones",
                data=EMPTY_GEOJSON,
                options={
                    "style": {
                        "color": RISK_COLOUR,
                        "weight": 2,
                        "fillColor": RISK_COLOUR,
                        "fillOpacity": 0.15,
                        "className": "hs-risk-zone",
                    }
                },
            ),
            name=RISK_OVERLAY,
            checked=False,
        ),
    ]


def repeat_legend_rows() -> list[html.Div]:
    """The legend's rows for the two overlays."""

    def item(label: str, style: dict[str, str], dot: bool) -> html.Div:
        return html.Div([html.Span(className="dot" if dot else "sw", style=style), label], className="lg-item")

    return [
        html.Div("Repeats (layers, off by default)", className="lg-head"),
        item("Repeat location: size by incidents", {"background": REPEAT_FILL}, True),
        item("Near-repeat risk zone", {"background": RISK_COLOUR, "opacity": 0.5}, False),
    ]


def repeat_markers(selection: dict | None) -> tuple[list[dl.CircleMarker], str]:
    """Circle markers of the selection's busiest repeat locations (tooltip: place, count, dates) and a note."""
    sel = state.selection_from_store(selection)
    r = run_repeats(data_access.source(), RepeatsOptions(selection=sel))
    top = top_locations_wgs84(r)
    markers = [
        dl.CircleMarker(
            center=[float(row["latitude"]), float(row["longitude"])],
            radius=float(3 + 2 * min(int(row["incidents"]), 25) ** 0.5),
            color="#000000",
            weight=1,
            fillColor=REPEAT_FILL,
            fillOpacity=0.75,
            className="hs-repeat",
            # Tooltip text is a React text node: whatever the data holds is shown, never run.
            children=dl.Tooltip(
                f"{row['location'] or '(no location text)'}: {int(row['incidents']):,} incidents "
                f"({row['crime_types']}), {fmt_when(row['first'], row['precision'])} to "
                f"{fmt_when(row['last'], row['precision'])}"
            ),
        )
        for row in top.to_dict("records")
    ]
    rep = r.report
    note = (
        f"Repeat locations: {rep.n_repeat_locations:,} places with two or more incidents hold "
        f"{rep.incidents_at_repeats:,} of {rep.n_incidents:,}; the busiest {len(markers):,} are drawn"
    )
    return markers, note


def risk_zone_features(selection: dict | None) -> tuple[dict[str, Any], str]:
    """The selection's prospective risk zones as GeoJSON with escaped tooltips, and a note."""
    sel = state.selection_from_store(selection)
    opts = NearRepeatOptions(selection=sel, permutations=MAP_PERMUTATIONS)
    r = run_nearrepeat(data_access.source(), opts)
    if r.knox.extent() is None or not len(r.zones):
        return EMPTY_GEOJSON, "Risk zones: none (no near band is significant in the first time band)"
    data = json.loads(zones_geojson(r.zones))
    for feature in data["features"]:
        p = feature["properties"]
        # Leaflet puts a tooltip string in as HTML: escape what came from the data.
        p["tooltip"] = escape_html(
            f"{p.get('location') or '(no location text)'} – {p.get('crime_type')}: raised risk within "
            f"{p.get('radius_m', 0):g} m from {_dmy(p.get('zone_from'))} to {_dmy(p.get('zone_to'))}"
        )
    types = " and ".join(t.lower() for t in (r.selection.crime_types or r.selection.ho_categories))
    note = (
        f"Risk zones: {len(r.zones):,} around the {types} incidents of the last {opts.last_days} days of the selection"
    )
    return data, note


def _dmy(iso: object) -> str:
    """``2007-09-01`` -> ``01/09/2007``."""
    text = str(iso or "")
    return f"{text[8:10]}/{text[5:7]}/{text[0:4]}" if len(text) >= 10 else text


#: ``{"selection": ...}`` while the overlay is on; null once when it goes off; no update otherwise,
#: so a filter change with the overlay off sends the server no request at all.
_REQUEST_JS = """(selection, overlays, current) => {
    const on = Array.isArray(overlays) && overlays.indexOf(NAME) >= 0;
    if (on) { return {selection: selection}; }
    return current ? null : window.dash_clientside.no_update;
}"""
REPEATS_REQUEST = "map-repeats-request"
RISK_REQUEST = "map-risk-request"


def request_stores() -> list[dcc.Store]:
    """The browser-side stores that ask for each overlay only while it is switched on."""
    return [dcc.Store(id=REPEATS_REQUEST), dcc.Store(id=RISK_REQUEST)]


def register_repeat_layers(app: dash.Dash) -> None:
    """Fill each overlay while it is switched on (for the current selection), empty it when off."""
    for request, name in ((REPEATS_REQUEST, REPEATS_OVERLAY), (RISK_REQUEST, RISK_OVERLAY)):
        app.clientside_callback(
            _REQUEST_JS.replace("NAME", json.dumps(name)),
            Output(request, "data"),
            Input(SELECTION_STORE, "data"),
            Input("map-layers", "overlays"),
            State(request, "data"),
        )

    @app.callback(
        Output("map-repeats", "children"),
        Output("map-repeats-note", "children"),
        Input(REPEATS_REQUEST, "data"),
        prevent_initial_call=True,
    )
    def update_repeats(request: dict | None) -> tuple:
        if not request:
            return [], None
        try:
            return repeat_markers(request.get("selection"))
        except HotspotsError as exc:
            return [], f"Repeat locations: {exc}"
        except Exception as exc:
            return [], explain(exc, "Repeat locations unavailable")

    @app.callback(
        Output("map-risk-zones", "data"),
        Output("map-risk-note", "children"),
        Input(RISK_REQUEST, "data"),
        prevent_initial_call=True,
    )
    def update_risk(request: dict | None) -> tuple:
        if not request:
            return EMPTY_GEOJSON, None
        try:
            return risk_zone_features(request.get("selection"))
        except HotspotsError as exc:
            return EMPTY_GEOJSON, f"Risk zones: {exc}"
        except Exception as exc:
            return EMPTY_GEOJSON, explain(exc, "Risk zones unavailable")
