"""Deployment page: CCTV van sites and patrol cells for the shared selection, on a map and in a table.

Page parameters live in the URL beside the shared filters (names as in ``hotspots plan``):
``mode`` (``van``/``patrol``), ``k`` (van sites), ``radius`` (metres), ``cell`` (metres) and ``n``
(patrol cells); defaults are left out of the URL.  Every number comes from :mod:`geo.deploy` via
:mod:`service.plan` (cached per store version); the printable one-page briefing is the
``/briefing`` route with the same query string (:mod:`geo.briefing`, an offline SVG map).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import dash
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from dashboard import data_access, state
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.messages import no_incidents
from dashboard.components.plan_map import plan_legend, plan_map
from dashboard.components.plan_record import record_controls, register_record
from dashboard.components.tables import html_table
from dashboard.errors import explain
from geo.bounds import padded_bounds
from geo.briefing import LONDON, plan_summary, table_rows
from render.plan import map_layers, plan_csv, plan_geojson
from service.errors import HotspotsError, OptionsError
from service.limits import LIMITS
from service.plan import PLAN_PARAMS, PlanOptions, PlanRun, run_plan

dash.register_page(__name__, path="/deployment", name="Deployment", title="Deployment", order=1)

_EMPTY = {"type": "FeatureCollection", "features": []}
_HIDDEN = {"display": "none"}
_CONTROL_IDS = {
    "mode": "dep-mode",
    "k": "dep-k",
    "radius": "dep-radius",
    "cell": "dep-cell",
    "n": "dep-n",
    "centroids": "dep-centroids",
}


def _field(label: str, control: Component, html_for: str, hint: str | None = None) -> html.Div:
    children = [html.Label(label, htmlFor=html_for, className="form-label small fw-semibold mb-1 d-block"), control]
    if hint:
        children.append(html.Div(hint, className="form-text mt-0 small"))
    return html.Div(children)


def _number(cid: str, key: str, value: float | None, step: float | int) -> dcc.Input:
    lo, hi = LIMITS[key].lo, LIMITS[key].hi
    return dcc.Input(
        id=cid, type="number", value=value, min=lo, max=hi, step=step, debounce=True, className="form-control"
    )


def _controls(opts: PlanOptions) -> html.Div:
    """The plan choice, its numbers and the export buttons."""
    van, patrol = opts.mode == "van", opts.mode == "patrol"
    return html.Div(
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
            dcc.Checklist(
                id="dep-centroids",
                options=[{"label": " Include incidents placed at a postcode centroid", "value": "true"}],
                value=["true"] if opts.centroids else [],
                inputClassName="me-1",
                className="small align-self-center",
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


def layout(**query: str) -> html.Div:
    """The Deployment page for the URL's plan options."""
    cfg = data_access.settings()
    district = data_access.district(cfg)
    error = None
    try:
        opts = PlanOptions.from_params({k: query[k] for k in PLAN_PARAMS if k in query})
    except HotspotsError as exc:
        opts, error = PlanOptions(), f"The link's plan settings could not be used ({exc}); defaults shown."
    controls = _controls(opts)
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
                        plan_map(district, cfg),
                        html.Div(id="dep-empty", className="map-empty", style=_HIDDEN, role="status"),
                    ],
                    className="map-wrap dep-map",
                ),
                delay_show=300,
                overlay_style={"visibility": "visible", "opacity": 0.6},
                type="circle",
            ),
            plan_legend(district),
            dcc.Loading(
                html.Div(id="dep-table", className="page-card mt-2"),
                delay_show=300,
                type="circle",
            ),
            record_controls(),
        ]
    )


def plan_options(
    selection: dict | None,
    mode: str,
    k: object,
    radius: object,
    cell: object,
    n: object,
    centroids: list[str] | None = None,
) -> PlanOptions:
    """Options from the selection and the controls; an empty or out-of-range box is an OptionsError.

    ``centroids`` is the checklist's value: ``["true"]`` sites on rows placed at a postcode centroid too.
    """
    wanted = ("k", "radius") if mode == "van" else ("cell", "n")
    values = {"mode": mode, "k": k, "radius": radius, "cell": cell, "n": n}
    for key in wanted:
        if values[key] in (None, ""):
            lo, hi = LIMITS[key].lo, LIMITS[key].hi
            label = {
                "k": "the number of van sites",
                "radius": "the camera radius in metres",
                "cell": "the patrol cell size in metres",
                "n": "the number of patrols",
            }[key]
            raise OptionsError(f"enter {label}, from {lo:g} to {hi:g}")
    params = {k_: v for k_, v in values.items() if k_ == "mode" or k_ in wanted}
    if centroids:
        params["centroids"] = "true"
    return replace(PlanOptions.from_params(params), selection=state.selection_from_store(selection))


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


def _plan_bounds(run: PlanRun) -> list[list[float]] | None:
    t = run.result.table
    # pad by 12% of the spread (at least 400 m) so circles, cells and marker icons stay inside the view
    return padded_bounds(t["easting"].to_numpy(float), t["northing"].to_numpy(float), 0.12, 400.0)


def _register_plan(app: dash.Dash) -> None:
    """The controls shown for the mode, and the plan on the map and in the table."""

    @app.callback(
        Output("dep-van-controls", "style"),
        Output("dep-patrol-controls", "style"),
        Input("dep-mode", "value"),
    )
    def show_controls(mode: str | None) -> tuple:
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
    def update_plan(
        selection: dict | None,
        mode: str | None,
        k: float | None,
        radius: float | None,
        cell: float | None,
        n: float | None,
        centroids: list[str] | None,
    ) -> tuple:
        sel = state.selection_from_store(selection)
        district_view = {
            "bounds": data_access.district_bounds(data_access.settings().district_folder),
            "transition": "fitBounds",
        }
        selection_line = html.Div("Selection: " + sel.describe())
        try:
            run = run_plan(data_access.source(), plan_options(selection, mode, k, radius, cell, n, centroids))
        except Exception as exc:
            msg = _problem(str(exc)) if isinstance(exc, HotspotsError) else explain(exc, "The plan failed")
            table = html.P("No plan to list.", className="text-muted mb-0")
            return _EMPTY, _EMPTY, dash.no_update, table, "No plan", selection_line, msg, {"display": "block"}
        result = run.result
        warnings = [html.Div("Warning: " + w, className="dep-warn") for w in result.warnings if result.n_incidents]
        week = f"the plan is for the week from {run.start:%d/%m/%Y}, after the selection's last date"
        notes = [selection_line, *warnings, *[html.Div("Note: " + x) for x in (*result.notes, *run.notes, week)]]
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
        areas, points = map_layers(result)
        columns, rows, numeric = table_rows(result)
        what = "CCTV van sites" if result.kind == "van" else "Patrol cells"
        table = html_table(
            rows,
            columns,
            table_id="dep-plan-table",
            caption=f"{what}, ranked. {plan_summary(result)}",
            numeric=numeric,
        )
        bounds = _plan_bounds(run)
        view = {"bounds": bounds, "transition": "fitBounds"} if bounds else district_view
        return areas, points, view, table, plan_summary(result), notes, None, _HIDDEN


def _register_links(app: dash.Dash) -> None:
    """The options in the URL, the briefing link and the downloads."""

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        *[Input(cid, "value") for cid in _CONTROL_IDS.values()],
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def options_to_url(
        mode: str | None,
        k: float | None,
        radius: float | None,
        cell: float | None,
        n: float | None,
        centroids: list[str] | None,
        search: str | None,
    ) -> str:
        try:
            opts = plan_options(None, mode, k, radius, cell, n, centroids)
        except HotspotsError:
            return dash.no_update
        params = opts.plan_params()
        new = search or ""
        for key in PLAN_PARAMS:
            new = state.with_page_param(new, key, params.get(key))
        return new if new != (search or "") else dash.no_update

    @app.callback(Output("dep-briefing", "href"), Input(URL, "search"))
    def briefing_href(search: str | None) -> str:
        params = state.parse_search(search)
        keep = {k: v for k, v in params.items() if k in state.SHARED_PARAMS or k in PLAN_PARAMS}
        return app.get_relative_path("/briefing") + state.build_search(keep)

    @app.callback(
        Output("dep-download", "data"),
        Input("dep-csv", "n_clicks"),
        Input("dep-geojson", "n_clicks"),
        State(SELECTION_STORE, "data"),
        *[State(cid, "value") for cid in _CONTROL_IDS.values()],
        prevent_initial_call=True,
    )
    def download(
        _csv: int | None,
        _gj: int | None,
        selection: dict | None,
        mode: str | None,
        k: float | None,
        radius: float | None,
        cell: float | None,
        n: float | None,
        centroids: list[str] | None,
    ) -> dict:
        try:
            run = run_plan(data_access.source(), plan_options(selection, mode, k, radius, cell, n, centroids))
        except HotspotsError:
            return dash.no_update
        stamp = datetime.now(LONDON).strftime("%Y%m%d-%H%M")
        stem = f"{run.options.file_stem}-{stamp}"
        if dash.ctx.triggered_id == "dep-geojson":
            import json

            return dcc.send_string(json.dumps(plan_geojson(run)), f"{stem}.geojson", type="application/geo+json")
        return dcc.send_string(plan_csv(run.result), f"{stem}.csv", type="text/csv")


def register_callbacks(app: dash.Dash) -> None:
    """The Deployment page's callbacks: controls, plan, URL, briefing link, downloads and recording."""
    _register_plan(app)
    _register_links(app)
    register_record(app)
