"""Map page: clustered incidents, ranked hotspots and the district's layers, for the shared selection.

Page parameters in the URL: ``method`` (hotspot method) and ``top`` (5, 10, 20, 50 or ``all``
hotspots drawn; default 10).  Clicking a hotspot (or its rank label) opens a details panel: crime
types, peak hours and days of its incidents, and the method's backtested PAI for the selection.
The backtest is slow (seconds), so it runs in its own callback, only once the filters have been
still for a moment (a clientside debounce), and never holds up the incident or hotspot layers.
"""

from __future__ import annotations

import dash
import dash_leaflet as dl
from dash import ClientsideFunction, Input, Output, State, ctx, dcc, html

from dashboard import data_access, hotspot_data, hotspot_layers, state
from dashboard.components.district_layers import base_layers
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.hotspot_panel import details_aside, details_panel, pai_short, short_method
from dashboard.components.hotspot_table import ranked_table, table_rows
from dashboard.components.map_legend import map_legend
from dashboard.components.map_overlays import DENSITY_OVERLAY, EMPTY_GEOJSON, map_overlays
from dashboard.components.messages import no_incidents
from geo.hotspots import DEFAULT_METHOD, METHODS

dash.register_page(__name__, path="/", name="Map", title="Map", order=0)

_EMPTY_GEOBUF = hotspot_layers.geobuf_b64(EMPTY_GEOJSON)
TOP_OPTIONS = [{"label": f"Top {n}", "value": str(n)} for n in (5, 10, 20, 50)] + [{"label": "All", "value": "all"}]
DEFAULT_TOP = str(hotspot_data.DEFAULT_TOP)
#: The map view follows the selection only when these change (not on every day or hour tweak).
_DISTRICT_FIT = "district"
METHOD_LABELS = {
    "kde": "Kernel density (KDE)",
    "gistar": "Getis-Ord Gi* hot cells",
    "dbscan": "DBSCAN clusters",
    "hdbscan": "HDBSCAN clusters",
}


METHOD_OPTIONS = [{"label": METHOD_LABELS.get(m, m), "value": m} for m in METHODS]


def layout(method: str | None = None, top: str | None = None, **_query) -> html.Div:
    cfg = data_access.settings()
    district = data_access.district(cfg)
    if method not in METHODS:
        method = DEFAULT_METHOD
    top_n = hotspot_data.parse_top(top)
    top_value = "all" if top_n is None else str(top_n)
    base = base_layers(cfg)
    try:
        overlays = map_overlays(district, cfg)
        layer_error = None
    except Exception as exc:  # a broken layer file must not take the map down
        overlays, layer_error = [], f"The district's map layers could not be read: {exc}"
    method_control = html.Div(
        [
            html.Label("Hotspot method", htmlFor="map-method", className="small fw-semibold me-2 mb-0"),
            dcc.Dropdown(
                id="map-method",
                options=METHOD_OPTIONS,
                value=method,
                clearable=False,
                searchable=False,
                style={"minWidth": "230px"},
            ),
            html.Label("Show", htmlFor="map-top", className="small fw-semibold ms-3 me-2 mb-0"),
            dcc.Dropdown(
                id="map-top",
                options=TOP_OPTIONS,
                value=top_value,
                clearable=False,
                searchable=False,
                style={"minWidth": "100px"},
            ),
        ],
        className="d-flex align-items-center",
    )
    return html.Div(
        [
            dcc.Store(id="map-fit", data=_DISTRICT_FIT),
            dcc.Store(id="map-bt-request"),
            dcc.Store(id="map-backtest"),
            dcc.Store(id="map-selected"),
            dcc.Store(id="map-incidents-done"),
            dcc.Store(id="map-density-request"),
            dcc.Store(id="map-density-name", data=DENSITY_OVERLAY),
            html.Div(
                [
                    html.Div(
                        [
                            html.Span(id="map-count", className="big", **{"aria-live": "polite"}),
                            html.Span(id="map-hotspot-count", className="ms-3 small"),
                            dcc.Loading(
                                html.Span(id="map-pai", className="small"),
                                type="dot",
                                delay_show=300,
                                parent_style={"display": "inline-block", "minWidth": "4em", "marginLeft": "0.4em"},
                            ),
                        ],
                        className="me-3",
                    ),
                    method_control,
                    html.Div(id="map-notes", className="notes w-100", **{"aria-live": "polite"}),
                ],
                className="stat-bar d-flex flex-wrap align-items-center justify-content-between column-gap-2",
            ),
            html.Div(layer_error, className="alert alert-danger py-1") if layer_error else None,
            html.Div(
                [
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
                                    # Fit the district once the map knows its size (quarter zoom levels).
                                    viewport={
                                        "bounds": data_access.district_bounds(cfg.district_folder),
                                        "transition": "fitBounds",
                                    },
                                    zoomSnap=0.25,
                                    style={"height": "100%", "width": "100%"},
                                    preferCanvas=False,
                                ),
                                map_legend(district),
                                html.Div(
                                    id="map-empty", className="map-empty", style={"display": "none"}, role="status"
                                ),
                            ],
                            className="map-wrap",
                        ),
                        delay_show=400,
                        overlay_style={"visibility": "visible", "opacity": 0.6},
                        type="circle",
                    ),
                    # Outside the map's loading overlay: the panel waits for the backtest, not the map.
                    details_aside(),
                ],
                className="hs-map-outer",
            ),
            ranked_table(),
        ]
    )


def _fit_key(sel) -> str:
    """What the map view follows: the sectors and an inside-zone choice (else the district)."""
    if not sel.sectors and not (sel.zone and sel.zone_inside):
        return _DISTRICT_FIT
    return "|".join(sorted(sel.sectors)) + "#" + (sel.zone if sel.zone and sel.zone_inside else "")


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("map-incidents", "data"),
        Output("map-count", "children"),
        Output("map-notes", "children"),
        Output("map-empty", "children"),
        Output("map-empty", "style"),
        Output("map", "viewport"),
        Output("map-fit", "data"),
        Output("map-incidents-done", "data"),
        Input(SELECTION_STORE, "data"),
        State("map-fit", "data"),
    )
    def update_incidents(selection, fitted):
        sel = state.selection_from_store(selection)
        try:
            layer = data_access.map_incidents(sel)
        except Exception as exc:
            msg = f"The store cannot be read: {exc}"
            return dash.no_update, "No data", msg, msg, {"display": "block"}, dash.no_update, dash.no_update, selection
        notes = list(layer.notes)
        if layer.without_location:
            notes.append(f"{layer.without_location:,} selected incidents have no location and are not drawn")
        notes_el = [html.Div("Selection: " + sel.describe())] + [html.Div("Note: " + n) for n in notes]
        count = f"{layer.count:,} incident{'s' if layer.count != 1 else ''} selected"
        # Follow the selection's extent when it is confined to sectors or a zone; back to the district
        # when it no longer is.  Other filter changes leave the user's view alone.
        key = _fit_key(sel)
        viewport, fit = dash.no_update, dash.no_update
        if key != fitted:
            if key == _DISTRICT_FIT or layer.bounds is None:
                bounds = data_access.district_bounds(data_access.settings().district_folder)
            else:
                bounds = layer.bounds
            viewport, fit = {"bounds": bounds, "transition": "flyToBounds"}, key
        if layer.count == 0:
            return layer.geobuf, count, notes_el, no_incidents(sel), {"display": "block"}, viewport, fit, selection
        return layer.geobuf, count, notes_el, None, {"display": "none"}, viewport, fit, selection

    @app.callback(
        Output("map-hotspots", "data"),
        Output("map-hotspot-labels", "data"),
        Output("map-hotspots", "hideout"),
        Output("map-hotspot-count", "children"),
        Output("map-table", "rowData"),
        Output("map-table-empty", "children"),
        Output("map-table-title", "children"),
        # Triggered by the incident layer's completion, not the selection itself: the incidents
        # request then never queues behind the slower hotspot computation for a server worker.
        Input("map-incidents-done", "data"),
        Input("map-method", "value"),
        Input("map-top", "value"),
    )
    def update_hotspots(selection, method, top):
        sel = state.selection_from_store(selection)
        top_n = hotspot_data.parse_top(top)
        try:
            result = hotspot_data.hotspots(sel, method)
            table = hotspot_data.hotspot_table(sel, method, top_n)
        except Exception as exc:  # bad parameters, a missing engine or an unreadable store: say so
            msg = f"Hotspots unavailable: {exc}"
            return _EMPTY_GEOBUF, _EMPTY_GEOBUF, {"n": 1}, msg, [], msg, "Ranked hotspots"
        gj = hotspot_layers.hotspots_geojson(result, top_n, simplify_m=1.0)
        labels = hotspot_layers.hotspot_labels_geojson(result, top_n)
        n_all, n = len(result.polygons), len(gj["features"])
        name = short_method(result.method)
        if result.n_incidents == 0:
            text = result.message
        elif n < n_all:
            text = f"Top {n} of {n_all:,} hotspots ({name})"
        else:
            text = f"{n_all:,} hotspot{'s' if n_all != 1 else ''} ({name})"
        if result.warnings and result.n_incidents:
            text += " · " + "; ".join(result.warnings[:2])
        title = f"Ranked hotspots: {text.split(' · ')[0]}" if n_all else "Ranked hotspots"
        empty = "" if n else "No hotspots for this selection."
        polys, points = hotspot_layers.geobuf_b64(gj), hotspot_layers.geobuf_b64(labels)
        return polys, points, {"n": max(n, 1)}, text, table_rows(table), empty, title

    # Debounce in the browser: ask for the backtest only once the filters have been still for 0.7 s.
    app.clientside_callback(
        ClientsideFunction(namespace="hotspots_map", function_name="backtestRequest"),
        Output("map-bt-request", "data"),
        Input(SELECTION_STORE, "data"),
        Input("map-method", "value"),
    )

    @app.callback(
        Output("map-pai", "children"),
        Output("map-pai", "title"),
        Output("map-backtest", "data"),
        Input("map-bt-request", "data"),
    )
    def update_backtest(request):
        if not request or not request.get("method"):
            return "", "", None
        sel = state.selection_from_store(request.get("selection"))
        try:
            bt = hotspot_data.backtest(sel, request["method"])
        except Exception as exc:  # a failing backtest must not take the map's summary down
            bt = {"method": request["method"], "pai": None, "text": f"no backtest: {exc}"}
        title = f"Backtest of the method on this selection: {bt['text']}"
        return pai_short(bt), title, bt

    # In the browser: a hotspot, rank label or table row click selects its rank; a new selection, method or the
    # close button clears it.  No server round trip on every filter change.
    app.clientside_callback(
        ClientsideFunction(namespace="hotspots_map", function_name="selectHotspot"),
        Output("map-selected", "data"),
        Input("map-hotspots", "n_clicks"),
        Input("map-hotspot-labels", "n_clicks"),
        Input("map-details-close", "n_clicks"),
        Input(SELECTION_STORE, "data"),
        Input("map-method", "value"),
        Input("map-table", "cellClicked"),
        State("map-hotspots", "clickData"),
        State("map-hotspot-labels", "clickData"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("map-details-body", "children"),
        Output("map-details", "style"),
        Input("map-selected", "data"),
        Input("map-backtest", "data"),
        State(SELECTION_STORE, "data"),
        State("map-method", "value"),
    )
    def show_details(selected, bt, selection, method):
        if not selected:
            return None, {"display": "none"}
        sel = state.selection_from_store(selection)
        try:
            details = hotspot_data.hotspot_details(sel, method, selected["rank"])
            n_total = len(hotspot_data.hotspots(sel, method).polygons)
        except Exception as exc:
            return html.Div(f"Hotspot details unavailable: {exc}"), {"display": "block"}
        return details_panel(details, n_total, method, bt, sel), {"display": "block"}

    @app.callback(
        Output("map-download", "data"),
        Input("map-dl-csv", "n_clicks"),
        Input("map-dl-geojson", "n_clicks"),
        State(SELECTION_STORE, "data"),
        State("map-method", "value"),
        prevent_initial_call=True,
    )
    def download(_csv, _geojson, selection, method):
        fmt = "geojson" if ctx.triggered_id == "map-dl-geojson" else "csv"
        sel = state.selection_from_store(selection)
        text = hotspot_data.hotspots_download(sel, method, fmt)
        return {"content": text, "filename": f"hotspots-{method}.{fmt}", "type": "text/plain"}

    # The surface is only built while its layer is switched on (it is the slow part); the browser
    # decides, so filter changes with the layer off cost no server request.
    app.clientside_callback(
        ClientsideFunction(namespace="hotspots_map", function_name="densityRequest"),
        Output("map-density-request", "data"),
        Input(SELECTION_STORE, "data"),
        Input("map-method", "value"),
        Input("map-layers", "overlays"),
        State("map-density-name", "data"),
    )

    @app.callback(
        Output("map-density", "data"),
        Input("map-density-request", "data"),
        prevent_initial_call=True,
    )
    def update_density(request):
        if not request:
            return EMPTY_GEOJSON
        selection, method = request.get("selection"), request.get("method")
        try:
            result = hotspot_data.hotspots(state.selection_from_store(selection), method)
        except Exception:  # the hotspot callback reports the reason
            return EMPTY_GEOJSON
        return hotspot_layers.density_geojson(result) or EMPTY_GEOJSON

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input("map-method", "value"),
        Input("map-top", "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def page_params_to_url(method, top, search):
        new = state.with_page_param(search, "method", None if method == DEFAULT_METHOD else method)
        new = state.with_page_param(new, "top", None if top in (None, DEFAULT_TOP) else top)
        return new if new != (search or "") else dash.no_update
