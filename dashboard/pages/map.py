"""Map page: clustered incidents, ranked hotspots and the district's layers, for the shared selection.

Page parameters in the URL: ``method`` (hotspot method), ``top`` (5, 10, 20, 50 or ``all``
hotspots drawn; default 10) and the view, ``lat``, ``lon`` and ``zoom`` (written back by the browser when
the map moves; a link with them opens the same view instead of fitting the district).
Clicking a hotspot (or its rank label) opens a details panel: crime types, peak hours and days
of its incidents, and the method's backtested PAI for the selection.
The backtest is slow (seconds), so it runs in its own callback, only once the filters have been
still for a moment (a clientside debounce), and never holds up the incident or hotspot layers.
"""

from __future__ import annotations

import dash
from dash import ClientsideFunction, Input, Output, State, ctx, dcc, html

from dashboard import data_access, state
from dashboard.components import hotspot_size as hs
from dashboard.components.district_layers import base_layers
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.hotspot_panel import details_aside, details_panel, pai_short
from dashboard.components.hotspot_table import ranked_table
from dashboard.components.map_centroids import centroid_overlay, register_centroid_layer
from dashboard.components.map_frame import map_block
from dashboard.components.map_overlays import DENSITY_OVERLAY, EMPTY_GEOJSON, map_overlays
from dashboard.components.map_repeat_layers import register_repeat_layers, repeat_overlays, request_stores
from dashboard.components.map_views import (
    DISTRICT_FIT,
    backtest_view,
    hotspot_options,
    hotspots_view,
    incidents_view,
    initial_view,
    table_view,
    url_view,
)
from dashboard.components.messages import no_incidents
from dashboard.errors import explain
from geo.hotspots import DEFAULT_METHOD
from render.geobuf import geojson_to_geobuf_b64
from render.geojson import density_geojson
from render.hotspots import hotspots_download
from service.hotspots import (
    DEFAULT_TOP,
    METHOD_CHOICES,
    hotspot_details,
    parse_top,
    run_hotspot_table,
    run_hotspots,
)

dash.register_page(__name__, path="/", name="Map", title="Map", order=0)

_EMPTY_GEOBUF = geojson_to_geobuf_b64(EMPTY_GEOJSON)
TOP_OPTIONS = [{"label": f"Top {n}", "value": str(n)} for n in (5, 10, 20, 50)] + [{"label": "All", "value": "all"}]
DEFAULT_TOP_VALUE = str(DEFAULT_TOP)
METHOD_LABELS = {
    "auto": "Automatic (best on this selection's past)",
    "kde": "Kernel density (KDE)",
    "gistar": "Getis-Ord Gi* hot cells",
    "dbscan": "DBSCAN clusters",
    "hdbscan": "HDBSCAN clusters",
    "emerging": "Emerging hot spots (Gi* over time)",
}


METHOD_OPTIONS = [{"label": METHOD_LABELS.get(m, m), "value": m} for m in METHOD_CHOICES]


def _method_control(method: str, top_value: str) -> html.Div:
    """The method and "show top N" dropdowns."""
    return html.Div(
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


def _stores(fitted: str = DISTRICT_FIT) -> list[dcc.Store]:
    """The page's client-side state: fitted view, backtest request and result, selected hotspot."""
    return [
        dcc.Store(id="map-fit", data=fitted),
        dcc.Store(id="map-bt-request"),
        dcc.Store(id="map-backtest"),
        dcc.Store(id="map-selected"),
        dcc.Store(id="map-incidents-done"),
        dcc.Store(id="map-density-request"),
        dcc.Store(id="map-density-name", data=DENSITY_OVERLAY),
        *request_stores(),
    ]


def layout(
    method: str | None = None,
    top: str | None = None,
    lat: str | None = None,
    lon: str | None = None,
    zoom: str | None = None,
    **query: str,
) -> html.Div:
    """The map page for the URL's ``method``, ``top`` and view (``lat``, ``lon``, ``zoom``)."""
    cfg = data_access.settings()
    district = data_access.district(cfg)
    if method not in METHOD_CHOICES:
        method = DEFAULT_METHOD
    top_n = parse_top(top)
    top_value = "all" if top_n is None else str(top_n)
    base = base_layers(cfg)
    try:
        overlays = map_overlays(district, cfg)
        layer_error = None
    except Exception as exc:  # a broken layer file must not take the map down
        overlays, layer_error = [], explain(exc, "The district's map layers could not be read")
    method_control = _method_control(method, top_value)
    fitted, map_view = initial_view(district, url_view(lat, lon, zoom), query)
    return html.Div(
        [
            *_stores(fitted),
            _stat_bar(method_control, hs.controls(query, method)),
            html.Div(layer_error, className="alert alert-danger py-1") if layer_error else None,
            html.Div(
                [
                    map_block(district, [*base, *overlays, centroid_overlay(), *repeat_overlays()], map_view),
                    # Outside the map's loading overlay: the panel waits for the backtest, not the map.
                    details_aside(),
                ],
                className="hs-map-outer",
            ),
            ranked_table(),
        ]
    )


def _stat_bar(method_control: html.Div, size_controls: list) -> html.Div:
    """Counts, the backtest headline, the method controls and the notes above the map."""
    return html.Div(
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
            *size_controls,
            html.Div(id="map-notes", className="notes w-100", **{"aria-live": "polite"}),
            html.Div(
                [html.Div(id="map-centroid-note"), html.Div(id="map-repeats-note"), html.Div(id="map-risk-note")],
                className="notes w-100",
                **{"aria-live": "polite"},
            ),
        ],
        className="stat-bar d-flex flex-wrap align-items-center justify-content-between column-gap-2",
    )


def _register_layers(app: dash.Dash) -> None:
    """The incident, hotspot and table callbacks."""

    @app.callback(
        Output("map-incidents", "data"),
        Output("map-count", "children"),
        Output("map-notes", "children"),
        Output("map-empty", "children"),
        Output("map-empty", "style"),
        Output("map", "viewport"),
        Output("map-fit", "data"),
        Output("map-incidents-done", "data"),
        Output("map-incident-grid", "data"),
        Input(SELECTION_STORE, "data"),
        State("map-fit", "data"),
    )
    def update_incidents(selection: dict | None, fitted: str | None) -> tuple:
        sel = state.selection_from_store(selection)
        try:
            v = incidents_view(sel, fitted)
        except Exception as exc:
            msg = explain(exc, "The store cannot be read")
            nu = dash.no_update
            return nu, "No data", msg, msg, {"display": "block"}, nu, nu, selection, nu
        shown = (no_incidents(sel), {"display": "block"}) if v["count"] == 0 else (None, {"display": "none"})
        return v["points"], v["text"], v["notes"], *shown, v["viewport"], v["fit"], selection, v["grid"]

    @app.callback(
        Output("map-hotspots", "data"),
        Output("map-hotspot-labels", "data"),
        Output("map-hotspots", "hideout"),
        Output("map-hotspot-count", "children"),
        # Triggered by the incident layer's completion, not the selection itself: the incidents
        # request then never queues behind the slower hotspot computation for a server worker.
        Input("map-incidents-done", "data"),
        Input("map-method", "value"),
        Input("map-top", "value"),
        Input(hs.CHOICES_ID, "data"),
    )
    def update_hotspots(selection: dict | None, method: str | None, top: str | None, choices: dict | None) -> tuple:
        try:
            v = hotspots_view(hs.with_choices(hotspot_options(selection, method), choices), parse_top(top))
        except Exception as exc:  # bad parameters or an unreadable store: say so
            msg = explain(exc, "Hotspots unavailable")
            return _EMPTY_GEOBUF, _EMPTY_GEOBUF, {"n": 1}, msg
        return v["polygons"], v["labels"], {"n": max(v["n"], 1)}, v["text"]

    @app.callback(
        Output("map-table", "rowData"),
        Output("map-table-empty", "children"),
        Output("map-table-title", "children"),
        # After the hotspot layer (its result is then cached): the street lookup waits for the table.
        Input("map-hotspot-count", "children"),
        State("map-incidents-done", "data"),
        State("map-method", "value"),
        State("map-top", "value"),
        State(hs.CHOICES_ID, "data"),
    )
    def update_table(
        _count: object, selection: dict | None, method: str | None, top: str | None, choices: dict | None
    ) -> tuple:
        try:
            v = table_view(hs.with_choices(hotspot_options(selection, method), choices), parse_top(top))
        except Exception as exc:
            msg = explain(exc, "Hotspots unavailable")
            return [], msg, "Ranked hotspots"
        return v["rows"], v["empty"], v["title"]

    # Debounce in the browser: ask for the backtest only once the filters have been still for 0.7 s.


def _register_details(app: dash.Dash) -> None:
    """The backtest, the hotspot selection and its details panel."""
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
        Input(hs.CHOICES_ID, "data"),
    )
    def update_backtest(request: dict | None, choices: dict | None) -> tuple:
        if not request or not request.get("method"):
            return "", "", None
        bt = backtest_view(hs.with_choices(hotspot_options(request.get("selection"), request["method"]), choices))
        return pai_short(bt), f"Backtest of the method on this selection: {bt['text']}", bt

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
        State(hs.CHOICES_ID, "data"),
    )
    def show_details(
        selected: dict | None, bt: dict | None, selection: dict | None, method: str | None, choices: dict | None
    ) -> tuple:
        if not selected:
            return None, {"display": "none"}
        options = hs.with_choices(hotspot_options(selection, method), choices)
        try:
            details = hotspot_details(data_access.source(), options, selected["rank"])
        except Exception as exc:
            return html.Div(explain(exc, "Hotspot details unavailable")), {"display": "block"}
        return details_panel(details, options.method, bt, options.selection), {"display": "block"}


def _register_extras(app: dash.Dash) -> None:
    """Downloads, the density surface and the page parameters in the URL."""

    @app.callback(
        Output("map-download", "data"),
        Input("map-dl-csv", "n_clicks"),
        Input("map-dl-geojson", "n_clicks"),
        State(SELECTION_STORE, "data"),
        State("map-method", "value"),
        State(hs.CHOICES_ID, "data"),
        prevent_initial_call=True,
    )
    def download(
        _csv: int | None, _geojson: int | None, selection: dict | None, method: str | None, choices: dict | None
    ) -> dict:
        fmt = "geojson" if ctx.triggered_id == "map-dl-geojson" else "csv"
        options = hs.with_choices(hotspot_options(selection, method), choices)
        text = hotspots_download(run_hotspot_table(data_access.source(), options), fmt)
        return {"content": text, "filename": f"hotspots-{options.method}.{fmt}", "type": "text/plain"}

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
    def update_density(request: dict | None) -> dict:
        if not request:
            return EMPTY_GEOJSON
        try:
            found = run_hotspots(data_access.source(), hotspot_options(request.get("selection"), request.get("method")))
        except Exception as exc:  # the hotspot callback shows the reason; log a bug here too
            explain(exc, "density surface unavailable")
            return EMPTY_GEOJSON
        return density_geojson(found.result) or EMPTY_GEOJSON

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input("map-method", "value"),
        Input("map-top", "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def page_params_to_url(method: str | None, top: str | None, search: str | None) -> str:
        new = state.with_page_param(search, "method", None if method == DEFAULT_METHOD else method)
        new = state.with_page_param(new, "top", None if top in (None, DEFAULT_TOP_VALUE) else top)
        return new if new != (search or "") else dash.no_update


def _register_view(app: dash.Dash) -> None:
    """The map's centre and zoom into the URL on every move (``lat``, ``lon``, ``zoom``).

    Written in the browser, and only when they differ from the URL's: the URL's ``search`` does not
    re-render the page (the location has ``refresh=False``) and nothing reads the map view back, so
    there is no callback loop.
    """
    app.clientside_callback(
        ClientsideFunction(namespace="hotspots_map", function_name="viewToUrl"),
        Output(URL, "search", allow_duplicate=True),
        Input("map", "center"),
        Input("map", "zoom"),
        State(URL, "search"),
        prevent_initial_call=True,
    )


def register_callbacks(app: dash.Dash) -> None:
    """The map page's callbacks: layers, hotspots, table, backtest, details, downloads, URL, repeats, size."""
    _register_layers(app)
    _register_details(app)
    _register_extras(app)
    _register_view(app)
    register_repeat_layers(app)
    register_centroid_layer(app)
    hs.register_callbacks(app)
