"""The map's ranked hotspot table: an AG Grid of the drawn hotspots with CSV and GeoJSON downloads."""

from __future__ import annotations

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

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


def ranked_table() -> html.Section:
    """The table's card: title, download buttons, the grid (rows from :func:`table_rows`)."""
    return html.Section(
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
                getRowId="params.data.rank + ''",
                style={"height": "340px", "width": "100%"},
                className="hs-table hs-clickable-grid",
            ),
            html.P(id="map-table-empty", className="small text-muted mb-0"),
        ],
        className="page-card mt-2",
    )


def table_rows(table: pd.DataFrame) -> list[dict]:
    """Grid rows of a ranked hotspot table (:func:`service.hotspots.run_hotspot_table`)."""
    cols = ["rank", "count", "share", "area_ha", "density_per_km2", "top_crime_types", "street"]
    frame = table[cols].copy()
    frame["rank"] = frame["rank"].astype(int)
    frame["count"] = frame["count"].astype(int)
    return frame.to_dict("records")
