"""Sectors and targets page: sector choropleth, trends with unusual counts flagged, target tracker.

Page controls in the URL beside the shared filters: ``by`` (``sector``, ``crime_type`` or
``total``), ``freq`` (``month``, ``week``, ``weekend``) and ``quarter`` (``2007-08-Q3``) for the
target tracker.  The choropleth and the trends use the shared selection; the target tracker
counts the whole store because the targets are district-wide by financial year.
"""

from __future__ import annotations

import dash
import dash_leaflet as dl
from dash import Input, Output, State, dcc, html

from dashboard import data_access, state
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.heatmap import empty_figure
from dashboard.components.sector_map import choropleth, counts_table, fit_zoom
from dashboard.components.target_table import targets_body
from dashboard.components.trend_chart import SYNTHETIC, flags_section, headline, trend_figure
from dashboard.errors import explain
from geo.config import Targets
from geo.targets import fy_label
from render.palette import SECTOR_COLOURS
from service.assess import quarterly_report
from service.errors import HotspotsError
from service.report import run_report
from service.targets import TargetsOptions, run_targets
from service.trends import TrendsOptions, run_sector_counts, run_trend_flags

dash.register_page(__name__, path="/sectors", name="Sectors and targets", title="Sectors and targets", order=3)

BY_OPTIONS = {"sector": "Police sector", "crime_type": "Crime type", "total": "Total only"}
FREQ_OPTIONS = {"month": "Month", "week": "Week", "weekend": "Weekend (is this weekend unusual?)"}
MAP_HEIGHT = 330


def _quarters(targets: Targets) -> list[dict]:
    opts = [{"label": "Latest data (default)", "value": ""}]
    for y in range(targets.target_year, targets.baseline_year, -1):
        for q in (4, 3, 2, 1):
            opts.append({"label": f"{fy_label(y)} Q{q}", "value": f"{y}-{(y + 1) % 100:02d}-Q{q}"})
    return opts


def _radio(cid: str, options: dict, value: str) -> dcc.RadioItems:
    return dcc.RadioItems(
        id=cid,
        options=[{"label": " " + v, "value": k} for k, v in options.items()],
        value=value,
        inline=True,
        inputClassName="me-1",
        labelClassName="me-3",
    )


def _label(text: str, html_for: str) -> html.Label:
    return html.Label(text, htmlFor=html_for, className="form-label small fw-semibold mb-1 d-block")


def _trends_section(by: str, freq: str) -> html.Section:
    """Trend lines per sector (or type, or total) with the unusual counts."""
    return html.Section(
        [
            html.H2("Trends and unusual counts", className="h5"),
            html.Div(
                [
                    html.Div([_label("Lines per", "sec-by"), _radio("sec-by", BY_OPTIONS, by)], className="me-4"),
                    html.Div([_label("Period", "sec-freq"), _radio("sec-freq", FREQ_OPTIONS, freq)], className="me-4"),
                ],
                className="d-flex flex-wrap mb-1",
            ),
            html.Div(id="sec-trend-headline", className="mb-1", **{"aria-live": "polite"}),
            dcc.Loading(
                dcc.Graph(
                    id="sec-trend",
                    figure=empty_figure("Loading…", 340),
                    config={"displaylogo": False, "responsive": True},
                    style={"height": "340px"},
                ),
                type="circle",
                delay_show=300,
            ),
            dcc.Loading(html.Div(id="sec-flags"), type="circle"),
        ],
        className="page-card",
    )


def _targets_section(quarters: list[dict], quarter: str) -> html.Section:
    """The target tracker with its quarter choice and report download."""
    return html.Section(
        [
            html.Div(
                [
                    html.H2("Home Office reduction targets", className="h5 mb-0 me-3"),
                    html.Div(
                        [
                            html.Label("Count to", htmlFor="tg-quarter", className="small fw-semibold me-2 mb-0"),
                            dcc.Dropdown(
                                id="tg-quarter",
                                options=quarters,
                                value=quarter,
                                clearable=False,
                                searchable=False,
                                style={"width": "200px"},
                            ),
                        ],
                        className="d-flex align-items-center me-3",
                    ),
                    html.Button(
                        "Download quarterly report (PDF)",
                        id="tg-download-pdf",
                        n_clicks=0,
                        type="button",
                        className="btn btn-primary btn-sm",
                    ),
                    html.Button(
                        "Download quarterly report (HTML)",
                        id="tg-download-btn",
                        n_clicks=0,
                        type="button",
                        className="btn btn-primary btn-sm",
                    ),
                    dcc.Download(id="tg-download"),
                ],
                className="d-flex flex-wrap align-items-center gap-2 mb-2",
            ),
            html.P(
                "The tracker counts the whole store (every sector and date), whatever the filters on the "
                "left say: the targets are district-wide and by financial year (April–March).",
                className="small text-muted mb-1",
            ),
            dcc.Loading(html.Div(id="tg-body"), type="circle"),
        ],
        className="page-card",
    )


def layout(by: str | None = None, freq: str | None = None, quarter: str | None = None, **_q: str) -> html.Div:
    """The Sectors page for the URL's ``by``, ``freq`` and ``quarter``."""
    cfg = data_access.settings()
    district = data_access.district(cfg)
    by = by if by in BY_OPTIONS else "sector"
    freq = freq if freq in FREQ_OPTIONS else "month"
    quarters = _quarters(district.targets)
    if quarter not in {o["value"] for o in quarters}:
        quarter = ""
    has_pop = "population" in district.sectors.columns
    bounds = data_access.district_bounds(cfg.district_folder)
    (south, west), (north, east) = bounds
    sector_map = dl.Map(
        [
            dl.TileLayer(url=cfg.tile_url, attribution=cfg.tile_attribution, maxZoom=19),
            dl.LayerGroup(id="sec-choropleth"),
            dl.ScaleControl(imperial=False, position="bottomright"),
        ],
        id="sec-map",
        center=[(south + north) / 2, (west + east) / 2],
        zoom=fit_zoom(bounds, MAP_HEIGHT, 540),
        zoomSnap=0.25,
        style={"height": "100%", "width": "100%"},
    )
    return html.Div(
        [
            html.Section(
                [
                    html.Div(
                        [
                            html.H2("Police sectors", className="h5 mb-0 me-2"),
                            html.Span(SYNTHETIC, className="badge text-bg-warning", id="sec-synthetic-badge"),
                        ],
                        className="d-flex align-items-center mb-1",
                    ),
                    html.Div(id="sec-summary", className="fw-semibold mb-1", **{"aria-live": "polite"}),
                    html.Div(
                        [
                            html.Div(
                                html.Div(
                                    sector_map,
                                    className="map-wrap",
                                    style={"height": f"{MAP_HEIGHT}px", "minHeight": f"{MAP_HEIGHT}px"},
                                ),
                                className="col-12 col-md-7",
                            ),
                            html.Div(dcc.Loading(html.Div(id="sec-table"), type="circle"), className="col-12 col-md-5"),
                        ],
                        className="row g-2",
                    ),
                    html.Div(
                        "Rates per 1,000 residents use the sectors' population column."
                        if has_pop
                        else "Population not configured for these sectors (no population column in the sectors "
                        "layer), so the map shows counts, not rates per 1,000 residents. Sector outlines are "
                        "illustrative.",
                        className="notes mt-1",
                        id="sec-population-note",
                    ),
                ],
                className="page-card",
            ),
            _trends_section(by, freq),
            _targets_section(quarters, quarter),
        ]
    )


def _register_map_and_trends(app: dash.Dash) -> None:
    """The choropleth with its counts table, and the trend chart with its flags."""

    @app.callback(
        Output("sec-choropleth", "children"),
        Output("sec-table", "children"),
        Output("sec-summary", "children"),
        Output("sec-synthetic-badge", "style"),
        Input(SELECTION_STORE, "data"),
    )
    def update_map(selection: dict | None) -> tuple:
        sel = state.selection_from_store(selection)
        cfg = data_access.settings()
        district = data_access.district(cfg)
        try:
            sc = run_sector_counts(data_access.source(), sel)
            counts, outside, synthetic = sc.counts, sc.outside, sc.synthetic
        except Exception as exc:
            msg = html.Div(explain(exc, "The store cannot be read"), className="alert alert-danger")
            return [], msg, "No data", {}
        rate = None
        if "population" in district.sectors.columns:
            pop = district.sectors.set_index("sector")["population"].astype(float)
            rate = (counts / pop.reindex(counts.index) * 1000).where(pop.reindex(counts.index) > 0)
        layers, colours = choropleth(counts, data_access.static_layers(cfg.district_folder)["sectors"], rate)
        total = int(counts.sum()) + outside
        table = counts_table(counts, colours, outside)
        summary = f"{total:,} incident{'s' if total != 1 else ''} selected"
        if total == 0:
            summary = [
                html.Span(summary + ". "),
                html.Span(
                    f"No incidents match these filters ({sel.describe()}): widen the dates or remove a filter.",
                    className="fw-normal",
                ),
            ]
        return layers, table, summary, ({} if synthetic else {"display": "none"})

    @app.callback(
        Output("sec-trend", "figure"),
        Output("sec-trend-headline", "children"),
        Output("sec-flags", "children"),
        Input(SELECTION_STORE, "data"),
        Input("sec-by", "value"),
        Input("sec-freq", "value"),
    )
    def update_trends(selection: dict | None, by: str | None, freq: str | None) -> tuple:
        sel = state.selection_from_store(selection)
        district = data_access.district()
        group = None if by == "total" else by
        try:
            options = TrendsOptions(sel, freq or "month", (group,) if group else ())
            t = run_trend_flags(data_access.source(), options)
        except HotspotsError as exc:
            msg = f"No trend to show: {exc}."
            if freq in ("week", "weekend"):
                msg += " Weeks need a date: data.police.uk records give the month only."
            return empty_figure("No incidents match", 340), html.Div(msg, className="alert alert-info py-2"), None
        colours = {}
        if group == "sector":
            colours = {s: SECTOR_COLOURS[i % len(SECTOR_COLOURS)] for i, s in enumerate(district.sectors["sector"])}
        fig, notes = trend_figure(t, colours)
        return fig, headline(t), flags_section(t, notes, BY_OPTIONS.get(t.group_col or "total", "Group"))


def _register_targets(app: dash.Dash) -> None:
    """The target tracker, its report download and the page parameters in the URL."""

    @app.callback(Output("tg-body", "children"), Input("tg-quarter", "value"))
    def update_targets(quarter: str | None) -> html.Div | list:
        try:
            r = run_targets(data_access.source(), TargetsOptions(quarter=quarter or None))
        except HotspotsError as exc:
            return html.Div(f"The target tracker cannot be built: {exc}", className="alert alert-warning")
        return targets_body(r.report)

    @app.callback(
        Output("tg-download", "data"),
        Input("tg-download-btn", "n_clicks"),
        Input("tg-download-pdf", "n_clicks"),
        State("tg-quarter", "value"),
        prevent_initial_call=True,
    )
    def download(n_clicks: int | None, pdf_clicks: int | None, quarter: str | None) -> dict:
        if dash.ctx.triggered_id == "tg-download-pdf":
            if not pdf_clicks:
                return dash.no_update
            rep = quarterly_report(data_access.source(), quarter or None)
            return dcc.send_bytes(rep.pdf, rep.filename + ".pdf", type="application/pdf")
        if not n_clicks:
            return dash.no_update
        report = run_report(data_access.source(), TargetsOptions(quarter=quarter or None))
        return dcc.send_string(report.html, filename=report.filename, type="text/html")

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input("sec-by", "value"),
        Input("sec-freq", "value"),
        Input("tg-quarter", "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def to_url(by: str | None, freq: str | None, quarter: str | None, search: str | None) -> str:
        new = state.with_page_param(search, "by", None if by == "sector" else by)
        new = state.with_page_param(new, "freq", None if freq == "month" else freq)
        new = state.with_page_param(new, "quarter", quarter or None)
        return new if new != (search or "") else dash.no_update


def register_callbacks(app: dash.Dash) -> None:
    """The Sectors page's callbacks: choropleth, trends, target tracker, report download, URL."""
    _register_map_and_trends(app)
    _register_targets(app)
