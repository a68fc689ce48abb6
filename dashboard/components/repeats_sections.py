"""The Repeats page's sections: repeat locations (shares, Lorenz curve, grid) and near repeats (Knox, zones).

Layout only; the page's callbacks in ``dashboard/pages/repeats.py`` fill them from :mod:`service.repeats`
and :mod:`service.nearrepeat`.
"""

from __future__ import annotations

import dash_ag_grid as dag
import dash_leaflet as dl
import plotly.graph_objects as go
from dash import dcc, html

from dashboard.data_access import AppSettings
from geo.config import District
from geo.nearrepeat import KnoxResult
from render.repeats import SIGNIFICANT_MARK, fmt_p, fmt_when
from service.repeats import RepeatsResult, top_locations_wgs84

PERMUTATION_CHOICES = (99, 999)
UNIT_LABELS = {"auto": "As the data allow", "days": "Days", "months": "Months"}
EMPTY_GEOJSON: dict = {"type": "FeatureCollection", "features": []}
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


def blank_figure(message: str, height: int = 320) -> go.Figure:
    """An empty figure with ``message`` in the middle (loading, or no incidents)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(
        height=height, xaxis={"visible": False}, yaxis={"visible": False}, margin=dict(l=8, r=8, t=8, b=8)
    )
    return fig


def _label(text: str, html_for: str) -> html.Label:
    return html.Label(text, htmlFor=html_for, className="form-label small fw-semibold mb-1 d-block")


def zone_map(cfg: AppSettings, district: District) -> dl.Map:
    """The small map of risk zones and repeat locations (both layers on; the callbacks fill them)."""
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


def repeats_section() -> html.Section:
    """The repeat-locations card: summary, shares table, Lorenz curve, Ginis and the locations grid."""
    badge = html.Span("synthetic demo data", id="rp-synthetic-badge", className="badge text-bg-warning")
    graph = dcc.Graph(
        id="rp-lorenz", figure=blank_figure("Loading…"), config={"displaylogo": False}, style={"height": "320px"}
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


def knox_section(perms: int, unit: str, zone_map: dl.Map) -> html.Section:
    """The near-repeats card: permutations and time-unit controls, Knox table, risk zones and their export."""
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


def repeat_markers(result: RepeatsResult) -> list[dl.CircleMarker]:
    """Circle markers of the busiest repeat locations (area grows with the count; tooltip names it)."""
    return [
        dl.CircleMarker(
            center=[float(row["latitude"]), float(row["longitude"])],
            radius=float(3 + 2 * min(int(row["incidents"]), 25) ** 0.5),
            color="#000000",
            weight=1,
            fillColor="#0072B2",
            fillOpacity=0.7,
            children=dl.Tooltip(
                f"{row['location'] or '(no location text)'}: {int(row['incidents']):,} incidents, "
                f"{fmt_when(row['first'], row['precision'])} to {fmt_when(row['last'], row['precision'])}"
            ),
        )
        for row in top_locations_wgs84(result).to_dict("records")
    ]
