"""Map page: clustered incidents, hotspots and the district's layers, for the shared selection."""

from __future__ import annotations

import dash
import dash_leaflet as dl
from dash import Input, Output, State, dcc, html
from dash_extensions.javascript import Namespace

from dashboard import data_access, state
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.palette import (
    CAMERA_FILL,
    COVERAGE_FILL,
    PREMISES_FILL,
    SECTOR_COLOURS,
    ZONE_COLOURS,
)

dash.register_page(__name__, path="/", name="Map", title="Map", order=0)

ns = Namespace("hotspots", "map")
_EMPTY_GEOJSON = {"type": "FeatureCollection", "features": []}
DENSITY_OVERLAY = "Density surface (hotspot method's score)"
METHOD_LABELS = {
    "kde": "Kernel density (KDE)",
    "gistar": "Getis-Ord Gi* hot cells",
    "dbscan": "DBSCAN clusters",
    "hdbscan": "HDBSCAN clusters",
}


def _methods() -> tuple[list[dict], str | None]:
    engine = data_access.hotspot_engine()
    if engine is None:
        return [], None
    opts = [{"label": METHOD_LABELS.get(m, m), "value": m} for m in engine.METHODS]
    return opts, engine.DEFAULT_METHOD


def _colours(district) -> tuple[dict, dict]:
    sectors = {s: SECTOR_COLOURS[i % len(SECTOR_COLOURS)] for i, s in enumerate(district.sectors["sector"])}
    zones = {z.key: ZONE_COLOURS[i % len(ZONE_COLOURS)] for i, z in enumerate(district.zones)}
    return sectors, zones


def _legend(district) -> html.Details:
    sectors, zones = _colours(district)

    def item(label, swatch_style, dot=False):
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
    ]
    return html.Details(
        [html.Summary(html.Strong("Legend")), html.Div(rows, className="lg-grid")],
        open=True,
        className="map-legend",
        id="map-legend",
    )


def _overlays(district, cfg) -> list:
    layers = data_access.static_layers(cfg.district_folder)
    sectors, zones = _colours(district)
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
            dl.GeoJSON(id="map-hotspots", data=_EMPTY_GEOJSON, style=ns("hotspot"), hideout={"n": 1}),
            name="Hotspots",
            checked=True,
        ),
        dl.Overlay(
            dl.GeoJSON(id="map-density", data=_EMPTY_GEOJSON, style=ns("density")),
            name=DENSITY_OVERLAY,
            checked=False,
        ),
        dl.Overlay(
            dl.GeoJSON(id="map-sectors", data=layers["sectors"], style=ns("sector"), hideout={"colours": sectors}),
            name="Police sectors (illustrative)",
            checked=True,
        ),
    ]
    for z in district.zones:
        out.append(
            dl.Overlay(
                dl.GeoJSON(
                    id=f"map-zone-{z.key}",
                    data=layers[f"zone:{z.key}"],
                    style=ns("zone"),
                    hideout={"colours": zones},
                ),
                name=z.label + (" (illustrative)" if z.illustrative else ""),
                checked=True,
            )
        )
    out += [
        dl.Overlay(
            dl.GeoJSON(id="map-premises", data=layers["premises"], pointToLayer=ns("premises")),
            name="Licensed premises",
            checked=False,
        ),
        dl.Overlay(
            dl.LayerGroup(
                [
                    dl.GeoJSON(id="map-cctv-coverage", data=layers["cctv_coverage"], style=ns("coverage")),
                    dl.GeoJSON(id="map-cctv", data=layers["cctv"], pointToLayer=ns("camera")),
                ]
            ),
            name="CCTV cameras and coverage (illustrative)",
            checked=False,
        ),
        dl.Overlay(
            dl.GeoJSON(id="map-boundary", data=layers["boundary"], style=ns("boundary")),
            name="District boundary",
            checked=True,
        ),
    ]
    return out


def layout(method: str | None = None, **_query) -> html.Div:
    cfg = data_access.settings()
    district = data_access.district(cfg)
    methods, default = _methods()
    if methods and method not in {o["value"] for o in methods}:
        method = default
    base = [
        dl.BaseLayer(
            dl.TileLayer(url=cfg.tile_url, attribution=cfg.tile_attribution, maxZoom=19),
            name="Street map",
            checked=True,
        ),
        dl.BaseLayer(dl.LayerGroup(), name="No background (offline)", checked=False),
    ]
    try:
        overlays = _overlays(district, cfg)
        layer_error = None
    except Exception as exc:  # a broken layer file must not take the map down
        overlays, layer_error = [], f"The district's map layers could not be read: {exc}"
    method_control = (
        html.Div(
            [
                html.Label("Hotspot method", htmlFor="map-method", className="small fw-semibold me-2 mb-0"),
                dcc.Dropdown(
                    id="map-method",
                    options=methods,
                    value=method,
                    clearable=False,
                    searchable=False,
                    style={"minWidth": "230px"},
                ),
            ],
            className="d-flex align-items-center",
        )
        if methods
        else html.Div(
            "Hotspot polygons appear here once the hotspot engine (geo.hotspots) is installed.",
            className="small text-muted",
            id="map-method-missing",
        )
    )
    return html.Div(
        [
            html.Div(
                [
                    html.Div(
                        [
                            html.Span(id="map-count", className="big", **{"aria-live": "polite"}),
                            html.Span(id="map-hotspot-count", className="ms-3 small"),
                        ],
                        className="me-3",
                    ),
                    method_control,
                    html.Div(id="map-notes", className="notes w-100", **{"aria-live": "polite"}),
                ],
                className="stat-bar d-flex flex-wrap align-items-center justify-content-between column-gap-2",
            ),
            html.Div(layer_error, className="alert alert-danger py-1") if layer_error else None,
            dcc.Loading(
                html.Div(
                    [
                        dl.Map(
                            [
                                dl.LayersControl(base + overlays, id="map-layers", collapsed=True),
                                dl.ScaleControl(imperial=False, position="bottomright"),
                            ],
                            id="map",
                            center=list(district.centre),
                            zoom=district.zoom,
                            # Fit the district once the map knows its size (zoomSnap allows quarter levels).
                            viewport={
                                "bounds": data_access.district_bounds(cfg.district_folder),
                                "transition": "fitBounds",
                            },
                            zoomSnap=0.25,
                            style={"height": "100%", "width": "100%"},
                            preferCanvas=False,
                        ),
                        _legend(district),
                        html.Div(id="map-empty", className="map-empty", style={"display": "none"}, role="status"),
                    ],
                    className="map-wrap",
                ),
                delay_show=400,
                overlay_style={"visibility": "visible", "opacity": 0.6},
                type="circle",
            ),
        ]
    )


def _empty_message(sel) -> html.Div:
    try:
        lo, hi = data_access.date_bounds()
        span = f" The data covers {state.fmt_date(lo)} to {state.fmt_date(hi)}." if lo is not None else ""
    except Exception:
        span = ""
    return html.Div(
        [
            html.Strong("No incidents match these filters."),
            html.Div(
                f"Selection: {sel.describe()}.{span} Widen the dates, remove a crime type or sector, or clear "
                "the day and hour filters (records without a time of day drop out of those).",
                className="small mt-1",
            ),
        ]
    )


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("map-incidents", "data"),
        Output("map-count", "children"),
        Output("map-notes", "children"),
        Output("map-empty", "children"),
        Output("map-empty", "style"),
        Input(SELECTION_STORE, "data"),
    )
    def update_incidents(selection):
        sel = state.selection_from_store(selection)
        try:
            layer = data_access.map_incidents(sel)
        except Exception as exc:
            msg = f"The store cannot be read: {exc}"
            return dash.no_update, "No data", msg, msg, {"display": "block"}
        notes = list(layer.notes)
        if layer.without_location:
            notes.append(f"{layer.without_location:,} selected incidents have no location and are not drawn")
        notes_el = [html.Div("Selection: " + sel.describe())] + [html.Div("Note: " + n) for n in notes]
        count = f"{layer.count:,} incident{'s' if layer.count != 1 else ''} selected"
        if layer.count == 0:
            return layer.geobuf, count, notes_el, _empty_message(sel), {"display": "block"}
        return layer.geobuf, count, notes_el, None, {"display": "none"}

    @app.callback(
        Output("map-hotspots", "data"),
        Output("map-hotspots", "hideout"),
        Output("map-hotspot-count", "children"),
        Input(SELECTION_STORE, "data"),
        Input("map-method", "value"),
    )
    def update_hotspots(selection, method):
        sel = state.selection_from_store(selection)
        try:
            result = data_access.hotspots(sel, method)
        except Exception as exc:  # bad parameters, a missing engine or an unreadable store: say so
            return _EMPTY_GEOJSON, {"n": 1}, f"Hotspots unavailable: {exc}"
        gj = data_access.hotspots_geojson(result)
        n = len(gj["features"])
        if result.n_incidents == 0:
            text = result.message
        else:
            text = f"{n} hotspot{'s' if n != 1 else ''} ({METHOD_LABELS.get(result.method, result.method)})"
        if result.warnings and result.n_incidents:
            text += " · " + "; ".join(result.warnings[:2])
        return gj, {"n": max(n, 1)}, text

    @app.callback(
        Output("map-density", "data"),
        Input(SELECTION_STORE, "data"),
        Input("map-method", "value"),
        Input("map-layers", "overlays"),
    )
    def update_density(selection, method, overlays):
        # The surface is only built while its layer is switched on (it is the slow part).
        if DENSITY_OVERLAY not in (overlays or []):
            return _EMPTY_GEOJSON
        try:
            result = data_access.hotspots(state.selection_from_store(selection), method)
        except Exception:  # the hotspot callback reports the reason
            return _EMPTY_GEOJSON
        return data_access.density_geojson(result) or _EMPTY_GEOJSON

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input("map-method", "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def method_to_url(method, search):
        engine = data_access.hotspot_engine()
        default = engine.DEFAULT_METHOD if engine else None
        new = state.with_page_param(search, "method", None if method == default else method)
        return new if new != (search or "") else dash.no_update
