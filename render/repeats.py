"""Display tables for repeat locations and near repeats, shared by the CLI and the dashboard.

Dates follow the data's precision: a data.police.uk record is known to the month only, so it is
shown as ``02/2017``; a dated record as ``dd/mm/yyyy``.  Knox cells show the observed/expected
ratio and the p-value, with a text marker on significant cells so the table reads without colour.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from geo.nearrepeat import KnoxResult
from geo.repeats import RepeatsReport

#: Marker of a significant Knox cell (p below alpha and more pairs than expected).
SIGNIFICANT_MARK = "▲"

REPEAT_HEADERS = {
    "location": "Location",
    "incidents": "Incidents",
    "crime_types": "Crime types",
    "first": "First",
    "last": "Last",
    "median_gap": "Median gap",
    "min_gap": "Shortest gap",
    "easting": "Easting",
    "northing": "Northing",
}


def fmt_when(value: dt.date | pd.Timestamp | str | None, precision: str) -> str:
    """``02/2017`` for month-precision records, ``dd/mm/yyyy`` otherwise; an en dash for missing."""
    if value is None or pd.isna(value):
        return "–"
    return pd.Timestamp(value).strftime("%m/%Y" if precision == "month" else "%d/%m/%Y")


def fmt_gap(value: float, unit: str) -> str:
    """``7 days``, ``1.5 months``, ``same month`` (0 months)."""
    if value is None or pd.isna(value):
        return "–"
    if unit == "months" and value == 0:
        return "same month"
    return f"{value:g} {unit if value != 1 else unit.rstrip('s')}"


def repeat_rows(report: RepeatsReport, top: int | None = None) -> pd.DataFrame:
    """The repeat-locations table as display strings (headers in :data:`REPEAT_HEADERS`)."""
    t = report.table.head(top) if top else report.table
    rows = [
        {
            "Location": r["location"] or "(no location text)",
            "Incidents": f"{int(r['incidents']):,}",
            "Crime types": r["crime_types"],
            "First": fmt_when(r["first"], r["precision"]),
            "Last": fmt_when(r["last"], r["precision"]),
            "Median gap": fmt_gap(r["median_gap"], r["gap_unit"]),
            "Shortest gap": fmt_gap(r["min_gap"], r["gap_unit"]),
            "Easting": f"{r['easting']:.0f}",
            "Northing": f"{r['northing']:.0f}",
        }
        for r in t.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=list(REPEAT_HEADERS.values()))


def shares_rows(report: RepeatsReport) -> pd.DataFrame:
    """Share of incidents per top share of locations (``Top 1% (3 of 300)``), as display strings."""
    return pd.DataFrame(
        [
            {
                "Locations": f"Top {r['percent']:g}% ({int(r['locations']):,} of {report.n_locations:,})",
                "Incidents": f"{int(r['incidents']):,} of {report.n_incidents:,}",
                "Share of incidents": f"{100 * r['share']:.1f}%",
            }
            for r in report.shares.to_dict("records")
        ]
    )


def gini_text(report: RepeatsReport) -> str:
    """Both Ginis in one sentence, saying which is corrected and why."""
    sparse = report.n_incidents < report.n_locations
    why = (
        f"fewer incidents ({report.n_incidents:,}) than locations ({report.n_locations:,}), so the naive Gini "
        "overstates concentration"
        if sparse
        else "at least as many incidents as locations, so the two agree"
    )
    return (
        f"Gini {report.gini:.3f} (naive); {report.gini_corrected:.3f} corrected for small counts "
        f"(generalised Gini, Bernasco & Steenbeek 2017): {why}"
    )


def fmt_p(p: float, permutations: int) -> str:
    """``p = 0.012``; at the Monte Carlo floor ``p ≤ 0.001`` (the smallest value the permutations allow)."""
    floor = 1 / (1 + permutations)
    return f"p ≤ {floor:.3g}" if p <= floor + 1e-12 else f"p = {p:.3f}"


def knox_cells(result: KnoxResult) -> pd.DataFrame:
    """Observed/expected ratio, p-value and the significance marker per cell, as text."""

    def cell(d: str, t: str) -> str:
        ratio, p = result.ratio.loc[d, t], result.p_value.loc[d, t]
        mark = f" {SIGNIFICANT_MARK}" if result.significant.loc[d, t] else ""
        r = "–" if pd.isna(ratio) else f"{ratio:.2f}"
        return f"{r} ({fmt_p(p, result.permutations)}){mark}"

    return pd.DataFrame(
        [[cell(d, t) for t in result.ratio.columns] for d in result.ratio.index],
        index=result.ratio.index,
        columns=result.ratio.columns,
    )


def zone_rows(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Risk zones as display strings: location, crime, occurred, at risk from/to, radius."""
    return pd.DataFrame(
        [
            {
                "Location": z["location"] or "(no location text)",
                "Crime type": z["crime_type"],
                "At raised risk from": pd.Timestamp(z["zone_from"]).strftime("%d/%m/%Y"),
                "until": pd.Timestamp(z["zone_to"]).strftime("%d/%m/%Y"),
                "Within": f"{z['radius_m']:g} m" if z["distance_band"] != "same location" else "same location",
            }
            for z in zones.drop(columns="geometry").to_dict("records")
        ],
        columns=["Location", "Crime type", "At raised risk from", "until", "Within"],
    )


def lorenz_figure(report: RepeatsReport) -> go.Figure:
    """Lorenz curve with the lines of perfect equality and of maximal equality given the data."""
    lc = report.lorenz
    fig = go.Figure()
    fig.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="Perfect equality", line={"color": "#7f7f7f", "dash": "dash"}
    )
    fig.add_scatter(
        x=lc["locations"],
        y=lc["maximal_equality"],
        mode="lines",
        name="Most even spread possible",
        line={"color": "#D55E00", "dash": "dot"},
    )
    fig.add_scatter(
        x=lc["locations"], y=lc["incidents"], mode="lines", name="Lorenz curve", line={"color": "#0072B2", "width": 3}
    )
    fig.update_layout(
        height=320,
        margin=dict(l=55, r=10, t=30, b=45),
        legend={"orientation": "h", "y": 1.12, "x": 0},
        xaxis={"title": "Share of locations (fewest incidents first)", "tickformat": ".0%", "range": [0, 1]},
        yaxis={"title": "Share of incidents", "tickformat": ".0%", "range": [0, 1]},
        plot_bgcolor="#ffffff",
        annotations=[
            {
                "text": f"Gini {report.gini:.2f} naive · {report.gini_corrected:.2f} corrected",
                "x": 0.02,
                "y": 0.95,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "align": "left",
            }
        ],
    )
    return fig


def grid_rows(report: RepeatsReport) -> list[dict[str, str | int]]:
    """AG Grid rows of the repeat-locations table (incidents stay numbers so they sort)."""
    return [
        {
            "location": r["location"] or "(no location text)",
            "incidents": int(r["incidents"]),
            "crime_types": r["crime_types"],
            "first": fmt_when(r["first"], r["precision"]),
            "last": fmt_when(r["last"], r["precision"]),
            "median_gap": fmt_gap(r["median_gap"], r["gap_unit"]),
            "min_gap": fmt_gap(r["min_gap"], r["gap_unit"]),
        }
        for r in report.table.to_dict("records")
    ]


def zones_geojson(zones: gpd.GeoDataFrame) -> str:
    """Risk zones as GeoJSON text in WGS84, dates as ISO ``yyyy-mm-dd`` (for export and the map)."""
    out = zones.assign(**{c: zones[c].dt.strftime("%Y-%m-%d") for c in ("occurred", "zone_from", "zone_to")})
    return out.to_crs(4326).to_json(drop_id=True)
