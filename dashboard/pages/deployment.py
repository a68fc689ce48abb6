"""Deployment page: CCTV van sites and patrol cells for the shared selection, on a map and in a table.

Page parameters live in the URL beside the shared filters (names as in ``hotspots plan``):
``mode`` (``van``/``patrol``), ``k`` (van sites), ``radius`` (metres), ``cell`` (metres) and ``n``
(patrol cells); defaults are left out of the URL.  Every number comes from :mod:`geo.deploy` via
:mod:`dashboard.api_plan` (cached per store version); the printable one-page briefing is the
``/briefing`` route with the same query string (:mod:`geo.briefing`, an offline SVG map).
"""

from __future__ import annotations

from datetime import datetime

import dash
import dash_leaflet as dl
from dash import Input, Output, State, dcc, html
from dash_extensions.javascript import Namespace

from dashboard import api_plan, data_access, state
from dashboard.components.district_layers import base_layers, boundary_overlay, cctv_overlay, zone_overlays
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.messages import no_incidents
from dashboard.components.palette import COVERAGE_FILL, ZONE_COLOURS
from dashboard.components.tables import html_table
from geo.briefing import LONDON, plan_summary, table_rows
from geo.briefing_map import PATROL_COLOUR, VAN_COLOUR
from geo.deploy import PlanError

dash.register_page(__name__, path="/deployment", name="Deployment", title="Deployment", order=1)

ns_map = Namespace("hotspots", "map")
ns = Namespace("hotspots", "deploy")
_EMPTY = {"type": "FeatureCollection", "features": []}
_HIDDEN = {"display": "none"}
_CONTROL_IDS = {"mode": "dep-mode", "k": "dep-k", "radius": "dep-radius", "cell": "dep-cell", "n": "dep-n"}


def _field(label: str, control, html_for: str, hint: str | None = None) -> html.Div:
    children = [html.Label(label, htmlFor=html_for, className="form-label small fw-semibold mb-1 d-block"), control]
    if hint:
        children.append(html.Div(hint, className="form-text mt-0 small"))
    return html.Div(children)


def _number(cid: str, key: str, value, step) -> dcc.Input:
    _, lo, hi = api_plan.LIMITS[key]
    return dcc.Input(
        id=cid, type="number", value=value, min=lo, max=hi, step=step, debounce=True, className="form-control"
    )


def _legend(district) -> html.Div:
    """One or two lines under the map (it would hide a quarter of the map if it floated on it)."""

    def item(label, style, cls="sw"):
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


def _map(district, cfg) -> dl.Map:
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


def layout(**query) -> html.Div:
    cfg = data_access.settings()
    district = data_access.district(cfg)
    error = None
    try:
        opts = api_plan.PlanOptions.from_mapping({k: query.get(k) for k in api_plan.PLAN_PARAMS})
    except ValueError as exc:
        opts, error = api_plan.PlanOptions(), f"The link's plan settings could not be used ({exc}); defaults shown."
    van, patrol = opts.mode == "van", opts.mode == "patrol"
    controls = html.Div(
        [
            _field(
                "Plan",
                dcc.RadioItems(
                    id="dep-mode",
                    options=[{"label": " CCTV van sites", "value": "van"}, {"label": " Patrols", "value": "patrol"}],
                    value=opts.mode,
                    inline=True,
                    inputClassName="me-1",
                    labelClassName="me-3",
                ),
                "dep-mode",
            ),
            html.Div(
                [
                    _field("Van sites (K)", _number("dep-k", "k", opts.k, 1), "dep-k"),
                    _field("Camera radius (m)", _number("dep-radius", "radius", opts.radius, 5), "dep-radius"),
                ],
                id="dep-van-controls",
                className="dep-group",
                style=None if van else _HIDDEN,
            ),
            html.Div(
                [
                    _field("Patrol cell size (m)", _number("dep-cell", "cell", opts.cell, 25), "dep-cell"),
                    _field("Patrols (N)", _number("dep-n", "n", opts.n, 1), "dep-n"),
                ],
                id="dep-patrol-controls",
                className="dep-group",
                style=None if patrol else _HIDDEN,
            ),
            html.Div(
                [
                    html.Button(
                        "CSV",
                        id="dep-csv",
                        n_clicks=0,
                        type="button",
                        className="btn btn-outline-secondary btn-sm me-1",
                    ),
                    html.Button(
                        "GeoJSON",
                        id="dep-geojson",
                        n_clicks=0,
                        type="button",
                        className="btn btn-outline-secondary btn-sm me-1",
                    ),
                    html.A(
                        "Printable briefing",
                        id="dep-briefing",
                        href="/briefing",
                        target="_blank",
                        rel="noopener",
                        className="btn btn-primary btn-sm",
                        title="One A4 page: map, table and selection (opens in a new tab; print from there)",
                    ),
                    dcc.Download(id="dep-download"),
                ],
                className="ms-auto",
                role="group",
                **{"aria-label": "Export the plan"},
            ),
        ],
        className="dep-controls",
    )
    return html.Div(
        [
            html.Div(
                [
                    controls,
                    html.Div(
                        error, id="dep-error", role="alert", className="small text-danger mt-1" if error else "d-none"
                    ),
                ],
                className="stat-bar",
            ),
            html.Div(
                [
                    html.Div(id="dep-summary", className="fw-semibold", **{"aria-live": "polite"}),
                    html.Div(id="dep-notes", className="notes"),
                ],
                className="stat-bar",
            ),
            dcc.Loading(
                html.Div(
                    [
                        _map(district, cfg),
                        html.Div(id="dep-empty", className="map-empty", style=_HIDDEN, role="status"),
                    ],
                    className="map-wrap dep-map",
                ),
                delay_show=300,
                overlay_style={"visibility": "visible", "opacity": 0.6},
                type="circle",
            ),
            _legend(district),
            dcc.Loading(
                html.Div(id="dep-table", className="page-card mt-2"),
                delay_show=300,
                type="circle",
            ),
        ]
    )


def _options(mode, k, radius, cell, n) -> api_plan.PlanOptions:
    """Options from the controls; an empty or out-of-range box becomes a PlanParamError."""
    wanted = ("k", "radius") if mode == "van" else ("cell", "n")
    values = {"mode": mode, "k": k, "radius": radius, "cell": cell, "n": n}
    for key in wanted:
        if values[key] in (None, ""):
            _, lo, hi = api_plan.LIMITS[key]
            label = {
                "k": "the number of van sites",
                "radius": "the camera radius in metres",
                "cell": "the patrol cell size in metres",
                "n": "the number of patrols",
            }[key]
            raise api_plan.PlanParamError(f"enter {label}, from {lo:g} to {hi:g}")
    return api_plan.PlanOptions.from_mapping({k_: v for k_, v in values.items() if k_ == "mode" or k_ in wanted})


def _problem(message: str) -> html.Div:
    return html.Div(
        [
            html.Strong("This plan cannot be made."),
            html.Div(message[:1].upper() + message[1:] + ".", className="small mt-1"),
            html.Div(
                "Try fewer van sites or patrols, a different radius or cell size, or a wider selection.",
                className="small",
            ),
        ]
    )


def _plan_bounds(points: dict):
    feats = points.get("features") or []
    if not feats:
        return None
    xs = [f["geometry"]["coordinates"][0] for f in feats]
    ys = [f["geometry"]["coordinates"][1] for f in feats]
    # pad by 12% of the spread (at least ~400 m) so circles, cells and marker icons stay inside the view
    pad_lat = max(0.0036, 0.12 * (max(ys) - min(ys)))
    pad_lon = max(0.0057, 0.12 * (max(xs) - min(xs)))
    return [[min(ys) - pad_lat, min(xs) - pad_lon], [max(ys) + pad_lat, max(xs) + pad_lon]]


def register_callbacks(app: dash.Dash) -> None:
    api_plan.register_routes(app.server)

    @app.callback(
        Output("dep-van-controls", "style"),
        Output("dep-patrol-controls", "style"),
        Input("dep-mode", "value"),
    )
    def show_controls(mode):
        return (None, _HIDDEN) if mode != "patrol" else (_HIDDEN, None)

    @app.callback(
        Output("dep-areas", "data"),
        Output("dep-points", "data"),
        Output("dep-map", "viewport"),
        Output("dep-table", "children"),
        Output("dep-summary", "children"),
        Output("dep-notes", "children"),
        Output("dep-empty", "children"),
        Output("dep-empty", "style"),
        Input(SELECTION_STORE, "data"),
        *[Input(cid, "value") for cid in _CONTROL_IDS.values()],
    )
    def update_plan(selection, mode, k, radius, cell, n):
        sel = state.selection_from_store(selection)
        district_view = {
            "bounds": data_access.district_bounds(data_access.settings().district_folder),
            "transition": "fitBounds",
        }
        selection_line = html.Div("Selection: " + sel.describe())
        try:
            run = api_plan.run_plan(sel, _options(mode, k, radius, cell, n))
        except (PlanError, api_plan.PlanParamError) as exc:
            msg = _problem(str(exc))
            table = html.P("No plan to list.", className="text-muted mb-0")
            return _EMPTY, _EMPTY, dash.no_update, table, "No plan", selection_line, msg, {"display": "block"}
        result = run.result
        warnings = [html.Div("Warning: " + w, className="dep-warn") for w in result.warnings if result.n_incidents]
        notes = [selection_line, *warnings, *[html.Div("Note: " + x) for x in (*result.notes, *run.notes)]]
        if result.n_incidents == 0:
            return (
                _EMPTY,
                _EMPTY,
                district_view,
                html.P("No plan to list: no incidents match the filters.", className="text-muted mb-0"),
                "0 incidents selected: no plan",
                notes,
                no_incidents(sel, "No incidents match these filters, so there is nothing to plan."),
                {"display": "block"},
            )
        areas, points = api_plan.map_layers(result)
        columns, rows, numeric = table_rows(result)
        what = "CCTV van sites" if result.kind == "van" else "Patrol cells"
        table = html_table(
            rows,
            columns,
            table_id="dep-plan-table",
            caption=f"{what}, ranked. {plan_summary(result)}",
            numeric=numeric,
        )
        bounds = _plan_bounds(points)
        view = {"bounds": bounds, "transition": "fitBounds"} if bounds else district_view
        return areas, points, view, table, plan_summary(result), notes, None, _HIDDEN

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        *[Input(cid, "value") for cid in _CONTROL_IDS.values()],
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def options_to_url(mode, k, radius, cell, n, search):
        try:
            opts = _options(mode, k, radius, cell, n)
        except ValueError:
            return dash.no_update
        params = opts.to_mapping()
        new = search or ""
        for key in api_plan.PLAN_PARAMS:
            new = state.with_page_param(new, key, params.get(key))
        return new if new != (search or "") else dash.no_update

    @app.callback(Output("dep-briefing", "href"), Input(URL, "search"))
    def briefing_href(search):
        params = state.parse_search(search)
        keep = {k: v for k, v in params.items() if k in state.SHARED_PARAMS or k in api_plan.PLAN_PARAMS}
        return app.get_relative_path("/briefing") + state.build_search(keep)

    @app.callback(
        Output("dep-download", "data"),
        Input("dep-csv", "n_clicks"),
        Input("dep-geojson", "n_clicks"),
        State(SELECTION_STORE, "data"),
        *[State(cid, "value") for cid in _CONTROL_IDS.values()],
        prevent_initial_call=True,
    )
    def download(_csv, _gj, selection, mode, k, radius, cell, n):
        try:
            run = api_plan.run_plan(state.selection_from_store(selection), _options(mode, k, radius, cell, n))
        except ValueError:
            return dash.no_update
        stamp = datetime.now(LONDON).strftime("%Y%m%d-%H%M")
        stem = f"{api_plan.file_stem(run)}-{stamp}"
        if dash.ctx.triggered_id == "dep-geojson":
            import json

            return dcc.send_string(
                json.dumps(api_plan.plan_geojson(run)), f"{stem}.geojson", type="application/geo+json"
            )
        return dcc.send_string(api_plan.plan_csv(run), f"{stem}.csv", type="text/csv")
