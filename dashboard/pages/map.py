"""Map page: clustered incidents, ranked hotspots and the district's layers, for the shared selection.

Page parameters in the URL: ``method`` (hotspot method) and ``top`` (5, 10, 20, 50 or ``all``
hotspots drawn; default 10).  Clicking a hotspot (or its rank label) opens a details panel: crime
types, peak hours and days of its incidents, and the method's backtested PAI for the selection.
The backtest is slow (seconds), so it runs in its own callback, only once the filters have been
still for a moment (a clientside debounce), and never holds up the incident or hotspot layers.
"""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_leaflet as dl
from dash import ClientsideFunction, Input, Output, State, ctx, dcc, html
from dash_extensions.javascript import Namespace

from dashboard import data_access, state
from dashboard.components.district_layers import base_layers, boundary_overlay, cctv_overlay, zone_overlays
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
_EMPTY_GEOBUF = data_access.geobuf_b64(_EMPTY_GEOJSON)
DENSITY_OVERLAY = "Density surface (hotspot method's score)"
TOP_OPTIONS = [{"label": f"Top {n}", "value": str(n)} for n in (5, 10, 20, 50)] + [{"label": "All", "value": "all"}]
DEFAULT_TOP = str(data_access.DEFAULT_TOP)
#: The map view follows the selection only when these change (not on every day or hour tweak).
_DISTRICT_FIT = "district"
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


def layout(method: str | None = None, top: str | None = None, **_query) -> html.Div:
    cfg = data_access.settings()
    district = data_access.district(cfg)
    methods, default = _methods()
    if methods and method not in {o["value"] for o in methods}:
        method = default
    top_n = data_access.parse_top(top)
    top_value = "all" if top_n is None else str(top_n)
    base = base_layers(cfg)
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
        if methods
        else html.Div(
            [
                html.Div(
                    "Hotspot polygons appear here once the hotspot engine (geo.hotspots) is installed.",
                    className="small text-muted",
                    id="map-method-missing",
                ),
                dcc.Store(id="map-method"),
                dcc.Store(id="map-top", data=top_value),
            ]
        )
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
                                _legend(district),
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
                    html.Aside(
                        [
                            html.Button(
                                "×",
                                id="map-details-close",
                                n_clicks=0,
                                type="button",
                                className="hs-details-close",
                                title="Close",
                                **{"aria-label": "Close hotspot details"},
                            ),
                            html.Div(id="map-details-body"),
                        ],
                        id="map-details",
                        className="hs-details",
                        style={"display": "none"},
                        role="region",
                        **{"aria-label": "Hotspot details", "aria-live": "polite"},
                    ),
                ],
                className="hs-map-outer",
            ),
            html.Section(
                [
                    html.Div(
                        [
                            html.H2("Ranked hotspots", className="h6 mb-0 me-auto", id="map-table-title"),
                            html.Button(
                                "Download all hotspots (CSV)",
                                id="map-dl-csv",
                                n_clicks=0,
                                type="button",
                                className="btn btn-outline-secondary btn-sm me-2",
                            ),
                            html.Button(
                                "Download all hotspots (GeoJSON)",
                                id="map-dl-geojson",
                                n_clicks=0,
                                type="button",
                                className="btn btn-outline-secondary btn-sm",
                            ),
                            dcc.Download(id="map-download"),
                        ],
                        className="d-flex align-items-center flex-wrap gap-1 mb-2",
                    ),
                    # One AG Grid component, not an HTML table: "all" can mean a thousand rows, and a Dash
                    # layout with thousands of cells stalls the browser.
                    dag.AgGrid(
                        id="map-table",
                        columnDefs=_TABLE_COLUMNS,
                        rowData=[],
                        defaultColDef={"sortable": True, "resizable": True},
                        dashGridOptions={"rowHeight": 30, "headerHeight": 32, "tooltipShowDelay": 300},
                        getRowId="params.data.rank",
                        style={"height": "340px", "width": "100%"},
                        className="hs-table",
                    ),
                    html.P(id="map-table-empty", className="small text-muted mb-0"),
                ],
                className="page-card mt-2",
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


def _fit_key(sel) -> str:
    """What the map view follows: the sectors and an inside-zone choice (else the district)."""
    if not sel.sectors and not (sel.zone and sel.zone_inside):
        return _DISTRICT_FIT
    return "|".join(sorted(sel.sectors)) + "#" + (sel.zone if sel.zone and sel.zone_inside else "")


def _method_label(method: str | None) -> str:
    return METHOD_LABELS.get(method, method or "")


def _short_method(method: str | None) -> str:
    return {"kde": "KDE", "gistar": "Gi*", "dbscan": "DBSCAN", "hdbscan": "HDBSCAN"}.get(method, method or "")


_TABLE_COLUMNS = [
    {"field": "rank", "headerName": "Rank", "width": 75, "pinned": "left"},
    {
        "field": "count",
        "headerName": "Incidents",
        "width": 105,
        "valueFormatter": {"function": "d3.format(',')(params.value)"},
    },
    {
        "field": "share",
        "headerName": "Share",
        "width": 90,
        "valueFormatter": {"function": "d3.format('.1%')(params.value)"},
    },
    {
        "field": "area_ha",
        "headerName": "Area (ha)",
        "width": 100,
        "valueFormatter": {"function": "d3.format(',.2f')(params.value)"},
    },
    {
        "field": "density_per_km2",
        "headerName": "Per km²",
        "width": 100,
        "valueFormatter": {"function": "d3.format(',.0f')(params.value)"},
    },
    {
        "field": "top_crime_types",
        "headerName": "Top crime types",
        "flex": 2,
        "minWidth": 260,
        "tooltipField": "top_crime_types",
    },
    {"field": "street", "headerName": "Commonest location", "flex": 1, "minWidth": 170, "tooltipField": "street"},
]


def _table_rows(table) -> list[dict]:
    cols = ["rank", "count", "share", "area_ha", "density_per_km2", "top_crime_types", "street"]
    frame = table[cols].copy()
    frame["rank"] = frame["rank"].astype(int)
    frame["count"] = frame["count"].astype(int)
    return frame.to_dict("records")


def _pai_short(bt: dict | None) -> str:
    if not bt:
        return ""
    if bt.get("pai") is None:
        return "· no backtest"
    return f"· PAI {bt['pai']:.1f}"


def _pai_line(bt: dict | None, method: str | None) -> html.Div:
    if not bt or bt.get("method") != method:
        return html.Div("Backtest of the method: running…", className="text-muted", id="map-details-pai")
    if bt.get("pai") is None:
        reason = bt.get("text", "").removeprefix("no backtest: ")
        return html.Div(
            f"Backtest of the method: the selection is too small or spans too few months to backtest ({reason}).",
            id="map-details-pai",
        )
    folds = f"the latest {bt['folds']} monthly backtest{'s' if bt['folds'] != 1 else ''}"
    extra = f" ({folds}, {bt['test_incidents']:,} test incidents)"
    return html.Div(
        [html.Strong(f"Backtest of {_short_method(method)}: "), bt["text"], html.Span(extra, className="text-muted")],
        id="map-details-pai",
    )


def _details_panel(d: dict, n_total: int, method: str | None, bt: dict | None, sel) -> list:
    total = sum(n for _, n in d["crime_types"]) or 1
    types = [html.Li(f"{t}: {n:,} ({n / total:.0%})") for t, n in d["crime_types"][:5]]
    if len(d["crime_types"]) > 5:
        types.append(html.Li(f"{len(d['crime_types']) - 5} other types", className="text-muted"))
    if d["timed"]:
        day_rule = (
            "calendar days"
            if sel.night_cutoff is None
            else f"night-of days: times before {sel.night_cutoff:02d}:00 count to the night before"
        )
        times = [
            html.Div(
                [
                    html.Strong("Peak hours: "),
                    f"{d['peak_hours']} ({d['window_share']:.0%} of {d['timed']:,} incidents with a time)",
                ]
            ),
            html.Div(
                [
                    html.Strong("Peak days: "),
                    ", ".join(f"{name} {n:,}" for name, n in d["days"][:3]),
                    html.Span(f" ({day_rule})", className="text-muted"),
                ]
            ),
        ]
    else:
        times = [html.Div([html.Strong("Peak hours and days: "), "no times (month-precision data)"])]
    return [
        html.Div(html.Strong(f"Hotspot {d['rank']} of {n_total:,}"), id="map-details-title", className="pe-4"),
        html.Div(
            f"{d['count']:,} incidents ({d['share']:.1%} of the selection) · {d['area_m2'] / 1e4:,.2f} ha · "
            f"{d['density_per_km2']:,.0f} per km²"
        ),
        html.Div(["Commonest location: ", d["street"]], className="text-muted") if d["street"] else None,
        html.Div(html.Strong("Crime types"), className="mt-1"),
        html.Ul(types, className="mb-1 ps-3", id="map-details-types"),
        *times,
        html.Div(_pai_line(bt, method), className="mt-1"),
    ]


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
            return layer.geobuf, count, notes_el, _empty_message(sel), {"display": "block"}, viewport, fit, selection
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
        top_n = data_access.parse_top(top)
        try:
            result = data_access.hotspots(sel, method)
            table = data_access.hotspot_table(sel, method, top_n)
        except Exception as exc:  # bad parameters, a missing engine or an unreadable store: say so
            msg = f"Hotspots unavailable: {exc}"
            return _EMPTY_GEOBUF, _EMPTY_GEOBUF, {"n": 1}, msg, [], msg, "Ranked hotspots"
        gj = data_access.hotspots_geojson(result, top_n, simplify_m=1.0)
        labels = data_access.hotspot_labels_geojson(result, top_n)
        n_all, n = len(result.polygons), len(gj["features"])
        name = _short_method(result.method)
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
        polys, points = data_access.geobuf_b64(gj), data_access.geobuf_b64(labels)
        return polys, points, {"n": max(n, 1)}, text, _table_rows(table), empty, title

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
            bt = data_access.backtest(sel, request["method"])
        except Exception as exc:  # a failing backtest must not take the map's summary down
            bt = {"method": request["method"], "pai": None, "text": f"no backtest: {exc}"}
        title = f"Backtest of the method on this selection: {bt['text']}"
        return _pai_short(bt), title, bt

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
            details = data_access.hotspot_details(sel, method, selected["rank"])
            n_total = len(data_access.hotspots(sel, method).polygons)
        except Exception as exc:
            return html.Div(f"Hotspot details unavailable: {exc}"), {"display": "block"}
        return _details_panel(details, n_total, method, bt, sel), {"display": "block"}

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
        text = data_access.hotspots_download(sel, method, fmt)
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
            return _EMPTY_GEOJSON
        selection, method = request.get("selection"), request.get("method")
        try:
            result = data_access.hotspots(state.selection_from_store(selection), method)
        except Exception:  # the hotspot callback reports the reason
            return _EMPTY_GEOJSON
        return data_access.density_geojson(result) or _EMPTY_GEOJSON

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input("map-method", "value"),
        Input("map-top", "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def page_params_to_url(method, top, search):
        engine = data_access.hotspot_engine()
        default = engine.DEFAULT_METHOD if engine else None
        new = state.with_page_param(search, "method", None if method == default else method)
        new = state.with_page_param(new, "top", None if top in (None, DEFAULT_TOP) else top)
        return new if new != (search or "") else dash.no_update
