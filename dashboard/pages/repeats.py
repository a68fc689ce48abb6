"""Repeats page: repeat locations (concentration, Lorenz curve, Ginis, table) and near repeats (Knox test).

Page controls live in the URL beside the shared filters: ``permutations`` (99 or 999) and ``unit``
(``auto``/``days``/``months``).  Every number comes from :mod:`service.repeats` and
:mod:`service.nearrepeat`; display strings from :mod:`render.repeats`.
"""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_ag_grid as dag
import dash_leaflet as dl
import geopandas as gpd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html

from dashboard import data_access, state
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.tables import html_table
from dashboard.data_access import AppSettings
from geo.config import District
from geo.nearrepeat import SAME_LOCATION_RADIUS_M, KnoxResult
from geo.repeats import RepeatsReport
from render.repeats import (
    SIGNIFICANT_MARK,
    fmt_p,
    gini_text,
    grid_rows,
    lorenz_figure,
    shares_rows,
    zone_rows,
    zones_geojson,
)
from service.errors import HotspotsError
from service.nearrepeat import NearRepeatOptions, run_nearrepeat
from service.repeats import RepeatsOptions, run_repeats
from service.source import Source

dash.register_page(__name__, path="/repeats", name="Repeats", title="Repeat locations and near repeats", order=4)

PERMUTATION_CHOICES = (99, 999)
#: The page runs 99 permutations unless asked for more: seconds rather than half a minute.
PAGE_PERMUTATIONS = 99
UNIT_LABELS = {"auto": "As the data allow", "days": "Days", "months": "Months"}
#: Okabe-Ito blue (colour-blind safe) with white text for significant Knox cells; the marker repeats it.
SIG_STYLE = {"backgroundColor": "#0072B2", "color": "#ffffff", "fontWeight": 600}
GRID_COLUMNS = [
    {"field": "location", "headerName": "Location", "flex": 2, "minWidth": 220, "tooltipField": "location"},
    {"field": "incidents", "headerName": "Incidents", "type": "numericColumn", "width": 120, "sort": "desc"},
    {"field": "crime_types", "headerName": "Crime types", "flex": 3, "minWidth": 200, "tooltipField": "crime_types"},
    {"field": "first", "headerName": "First", "width": 110},
    {"field": "last", "headerName": "Last", "width": 110},
    {"field": "median_gap", "headerName": "Median gap", "width": 150},
    {"field": "min_gap", "headerName": "Shortest gap", "width": 150},
]
EMPTY_GEOJSON = {"type": "FeatureCollection", "features": []}


def _source() -> Source:
    cfg = data_access.settings()
    return Source.build(cfg.store_path, cfg.district_folder)


def _blank(message: str, height: int = 320) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(
        height=height, xaxis={"visible": False}, yaxis={"visible": False}, margin=dict(l=8, r=8, t=8, b=8)
    )
    return fig


def _label(text: str, html_for: str) -> html.Label:
    return html.Label(text, htmlFor=html_for, className="form-label small fw-semibold mb-1 d-block")


def layout(permutations: str | None = None, unit: str | None = None, **_q: str) -> html.Div:
    """The Repeats page for the URL's ``permutations`` and ``unit``."""
    cfg = data_access.settings()
    try:
        perms = int(permutations) if int(permutations) in PERMUTATION_CHOICES else PAGE_PERMUTATIONS
    except (TypeError, ValueError):
        perms = PAGE_PERMUTATIONS
    unit = unit if unit in UNIT_LABELS else "auto"
    return html.Div([_repeats_section(), _knox_section(perms, unit, _zone_map(cfg, data_access.district(cfg)))])


def _zone_map(cfg: AppSettings, district: District) -> dl.Map:
    zones = dl.GeoJSON(id="nr-zones-layer", data=EMPTY_GEOJSON, options={"style": {"color": "#D55E00", "weight": 2}})
    overlays = [
        dl.Overlay(zones, name="Risk zones", checked=True),
        dl.Overlay(dl.LayerGroup(id="rp-map-layer"), name="Repeat locations (top 200)", checked=True),
    ]
    return dl.Map(
        [
            dl.TileLayer(url=cfg.tile_url, attribution=cfg.tile_attribution, maxZoom=19),
            dl.LayersControl(overlays, collapsed=False),
            dl.ScaleControl(imperial=False, position="bottomright"),
        ],
        id="nr-map",
        center=list(district.centre),
        zoom=district.zoom,
        style={"height": "320px"},
        keyboard=True,
    )


def _repeats_section() -> html.Section:
    badge = html.Span("synthetic demo data", id="rp-synthetic-badge", className="badge text-bg-warning")
    graph = dcc.Graph(
        id="rp-lorenz", figure=_blank("Loading…"), config={"displaylogo": False}, style={"height": "320px"}
    )
    grid = dag.AgGrid(
        id="rp-grid",
        columnDefs=GRID_COLUMNS,
        rowData=[],
        defaultColDef={"sortable": True, "resizable": True},
        # Tab leaves the grid (arrow keys move between its cells), so a long table is one tab stop, not a trap.
        dashGridOptions={
            "rowHeight": 30,
            "headerHeight": 32,
            "tooltipShowDelay": 300,
            "tabToNextCell": {"function": "false"},
        },
        style={"height": "320px", "width": "100%"},
    )
    return html.Section(
        [
            html.Div([html.H2("Repeat locations", className="h5 mb-0 me-2"), badge], className="d-flex mb-1"),
            html.Div(id="rp-summary", className="fw-semibold mb-1", **{"aria-live": "polite"}),
            html.Div(id="rp-empty", role="status", className="alert alert-info py-2 my-2 d-none"),
            html.Div(
                [
                    html.Div(dcc.Loading(html.Div(id="rp-shares"), type="circle"), className="col-12 col-xl-5"),
                    html.Div(dcc.Loading(graph, type="circle"), className="col-12 col-xl-7"),
                ],
                className="row g-2",
            ),
            html.P(id="rp-gini", className="small mb-2"),
            html.H3("Locations with two or more incidents", className="h6"),
            grid,
            html.Div(id="rp-notes", className="notes mt-1"),
        ],
        className="page-card",
    )


def _knox_section(perms: int, unit: str, zone_map: dl.Map) -> html.Section:
    perm_choice = dcc.Dropdown(
        id="nr-permutations",
        options=[{"label": f"{p:,}", "value": p} for p in PERMUTATION_CHOICES],
        value=perms,
        clearable=False,
        searchable=False,
        style={"width": "120px"},
    )
    unit_choice = dcc.RadioItems(
        id="nr-unit",
        options=[{"label": " " + v, "value": k} for k, v in UNIT_LABELS.items()],
        value=unit,
        inline=True,
        inputClassName="me-1",
        labelClassName="me-3",
    )
    legend = [
        html.Span(SIGNIFICANT_MARK, **{"aria-hidden": "true"}),
        " with blue shading: significant (p below 0.05 and more pairs than expected by chance). Each cell shows "
        "observed ÷ expected pairs (1.00 = as chance would have it) and the Monte Carlo p-value. Distances are "
        "between locations; a band's upper end is included.",
    ]
    return html.Section(
        [
            html.H2("Near repeats (Knox test)", className="h5"),
            html.Div(
                [
                    html.Div([_label("Permutations", "nr-permutations"), perm_choice], className="me-4 mb-2"),
                    html.Div([_label("Time bands in", "nr-unit"), unit_choice], className="me-4 mb-2"),
                ],
                className="d-flex flex-wrap align-items-start",
            ),
            html.Div(id="nr-notice", role="status", className="alert alert-warning py-2 my-2 d-none"),
            html.Div(id="nr-summary", className="fw-semibold mb-1", **{"aria-live": "polite"}),
            dcc.Loading(html.Div(id="nr-table", className="table-responsive"), type="circle"),
            html.Div(legend, className="notes mt-1", id="nr-legend"),
            html.Div(id="nr-notes", className="notes mt-1"),
            html.H3("Prospective risk zones and repeat locations", className="h6 mt-3"),
            html.Div(id="nr-zones-summary", className="small mb-1", **{"aria-live": "polite"}),
            html.Div(
                [
                    html.Div(zone_map, className="col-12 col-xl-7"),
                    html.Div(html.Div(id="nr-zones-table", className="table-responsive"), className="col-12 col-xl-5"),
                ],
                className="row g-2",
            ),
            html.Button(
                "Download risk zones (GeoJSON)",
                id="nr-zones-download-btn",
                type="button",
                className="btn btn-primary btn-sm mt-2",
            ),
            dcc.Download(id="nr-zones-download"),
        ],
        className="page-card",
    )


def knox_table(k: KnoxResult) -> html.Table:
    """The Knox table: distance bands as rows, time bands as columns; significant cells marked twice."""
    head = html.Thead(
        html.Tr(
            [html.Th(["Distance apart \u2193 / time apart \u2192"], scope="col")]
            + [html.Th(c, scope="col", className="text-end") for c in k.ratio.columns]
        ),
        className="table-light",
    )
    body = []
    for d in k.ratio.index:
        cells = [html.Th(d, scope="row", className="fw-semibold" if d == "same location" else "fw-normal")]
        for t in k.ratio.columns:
            ratio, p, sig = k.ratio.loc[d, t], k.p_value.loc[d, t], bool(k.significant.loc[d, t])
            content = [
                html.Span("–" if ratio != ratio else f"{ratio:.2f}"),
                html.Br(),
                html.Span(fmt_p(p, k.permutations), className="small"),
                html.Span(f" {SIGNIFICANT_MARK}", **{"aria-hidden": "true"}) if sig else None,
                html.Span(" significant", className="visually-hidden") if sig else None,
            ]
            title = f"{int(k.observed.loc[d, t]):,} pairs observed, {k.expected.loc[d, t]:,.1f} expected"
            cells.append(html.Td(content, className="text-end", style=SIG_STYLE if sig else None, title=title))
        body.append(html.Tr(cells, className="border-top border-2" if d == "1–100 m" else None))
    return html.Table([head, html.Tbody(body)], className="table table-sm small mb-1 align-middle", id="nr-knox-table")


def register_callbacks(app: dash.Dash) -> None:
    """The repeat-locations, Knox and export callbacks of this page."""
    _register_repeats(app)
    _register_knox(app)
    _register_export(app)


def _register_repeats(app: dash.Dash) -> None:
    @app.callback(
        Output("rp-summary", "children"),
        Output("rp-empty", "children"),
        Output("rp-empty", "className"),
        Output("rp-shares", "children"),
        Output("rp-lorenz", "figure"),
        Output("rp-gini", "children"),
        Output("rp-grid", "rowData"),
        Output("rp-notes", "children"),
        Output("rp-synthetic-badge", "style"),
        Output("rp-map-layer", "children"),
        Input(SELECTION_STORE, "data"),
    )
    def update_repeats(selection: dict | None) -> tuple:
        sel = state.selection_from_store(selection)
        try:
            r = run_repeats(_source(), RepeatsOptions(selection=sel))
        except Exception as exc:  # a user error or a store problem must not break the page
            msg = str(exc) if isinstance(exc, HotspotsError) else f"The analysis could not run: {exc}"
            shown = "alert alert-info py-2 my-2"
            hide = {"display": "none"}
            return "No repeat locations", msg, shown, None, _blank("No incidents"), None, [], None, hide, []
        rep = r.report
        shares = shares_rows(rep)
        summary = (
            f"{rep.n_repeat_locations:,} repeat locations hold {rep.incidents_at_repeats:,} of "
            f"{rep.n_incidents:,} incidents ({sel.describe()})"
        )
        table = html_table(shares.values.tolist(), list(shares.columns), table_id="rp-shares-table", numeric=(1, 2))
        notes = [html.Div("Locations: " + rep.rule + ".")] + [html.Div("Note: " + n) for n in r.notes]
        return (
            summary,
            None,
            "alert alert-info py-2 my-2 d-none",
            table,
            lorenz_figure(rep),
            gini_text(rep) + ".",
            grid_rows(rep),
            notes,
            {} if r.synthetic else {"display": "none"},
            _repeat_markers(rep),
        )


def _register_knox(app: dash.Dash) -> None:
    @app.callback(
        Output("nr-summary", "children"),
        Output("nr-notice", "children"),
        Output("nr-notice", "className"),
        Output("nr-table", "children"),
        Output("nr-notes", "children"),
        Output("nr-zones-summary", "children"),
        Output("nr-zones-table", "children"),
        Output("nr-zones-layer", "data"),
        Output("nr-map", "bounds"),
        Input(SELECTION_STORE, "data"),
        Input("nr-permutations", "value"),
        Input("nr-unit", "value"),
    )
    def update_knox(selection: dict | None, permutations: int | None, unit: str | None) -> tuple:
        sel = state.selection_from_store(selection)
        hidden, shown = "alert alert-warning py-2 my-2 d-none", "alert alert-warning py-2 my-2"
        try:
            opts = NearRepeatOptions(
                selection=sel, permutations=int(permutations or PAGE_PERMUTATIONS), unit=unit or "auto"
            )
            r = run_nearrepeat(_source(), opts)
        except Exception as exc:
            msg = str(exc) if isinstance(exc, HotspotsError) else f"The analysis could not run: {exc}"
            return "No near-repeat test", msg, shown, None, None, None, None, EMPTY_GEOJSON, dash.no_update
        k = r.knox
        month_notes = [n for n in k.notes if "month" in n]
        types = ", ".join(r.selection.crime_types or r.selection.ho_categories)
        summary = f"{types}: {k.n_incidents:,} incidents, time in {k.unit}"
        notes = [html.Div("Test: " + k.method + ".")] + [
            html.Div("Note: " + n) for n in r.notes if n not in month_notes
        ]
        ext = k.extent()
        if ext is None:
            zones_text, zones_table, data = (
                "No risk zones: no near band is significant in the first time band.",
                None,
                EMPTY_GEOJSON,
            )
        else:
            row, col, _ = ext
            zones_text = (
                f"Risk raised within {k.observed.index[row]} and {k.observed.columns[col]} of an incident: "
                f"{len(r.zones):,} zones around the incidents of the last {opts.last_days} days"
                + (f" (the same location, drawn as {SAME_LOCATION_RADIUS_M:g} m circles)." if row == 0 else ".")
            )
            rows = zone_rows(r.zones).head(12)
            zones_table = html_table(
                rows.values.tolist(), list(rows.columns), table_id="nr-zones-rows", row_header=False
            )
            data = json.loads(zones_geojson(r.zones))
        notice = " ".join(month_notes) if month_notes else None
        bounds = dash.no_update
        if len(r.zones):
            w, s, e, n = r.zones.to_crs(4326).total_bounds
            bounds = [[float(s), float(w)], [float(n), float(e)]]
        cls = shown if notice else hidden
        return summary, notice, cls, knox_table(k), notes, zones_text, zones_table, data, bounds


def _register_export(app: dash.Dash) -> None:
    @app.callback(
        Output("nr-zones-download", "data"),
        Input("nr-zones-download-btn", "n_clicks"),
        State(SELECTION_STORE, "data"),
        State("nr-permutations", "value"),
        State("nr-unit", "value"),
        prevent_initial_call=True,
    )
    def download(
        n_clicks: int | None, selection: dict | None, permutations: int | None, unit: str | None
    ) -> dict[str, Any] | dash.NoUpdate:
        if not n_clicks:
            return dash.no_update
        sel = state.selection_from_store(selection)
        opts = NearRepeatOptions(
            selection=sel, permutations=int(permutations or PAGE_PERMUTATIONS), unit=unit or "auto"
        )
        try:
            zones = run_nearrepeat(_source(), opts).zones
        except HotspotsError:
            return dash.no_update
        return dcc.send_string(zones_geojson(zones), filename="risk-zones.geojson", type="application/geo+json")

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input("nr-permutations", "value"),
        Input("nr-unit", "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def to_url(permutations: int | None, unit: str | None, search: str | None) -> str | dash.NoUpdate:
        new = state.with_page_param(
            search, "permutations", None if permutations == PAGE_PERMUTATIONS else str(permutations)
        )
        new = state.with_page_param(new, "unit", None if unit == "auto" else unit)
        return new if new != (search or "") else dash.no_update


def _repeat_markers(report: RepeatsReport, top: int = 200) -> list[dl.CircleMarker]:
    """Circle markers of the busiest repeat locations (area grows with the count; tooltip names it)."""
    t = report.table.head(top)
    if t.empty:
        return []
    pts = gpd.GeoSeries(gpd.points_from_xy(t["easting"], t["northing"]), crs=27700).to_crs(4326)
    return [
        dl.CircleMarker(
            center=[p.y, p.x],
            radius=float(3 + 2 * min(n, 25) ** 0.5),
            color="#000000",
            weight=1,
            fillColor="#0072B2",
            fillOpacity=0.7,
            children=dl.Tooltip(f"{loc or '(no location text)'}: {int(n):,} incidents"),
        )
        for p, n, loc in zip(pts, t["incidents"], t["location"], strict=True)
    ]
