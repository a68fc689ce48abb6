"""Sectors and targets page: sector choropleth, trends with unusual counts flagged, target tracker.

Page controls in the URL beside the shared filters: ``by`` (``sector``, ``crime_type`` or
``total``), ``freq`` (``month``, ``week``, ``weekend``) and ``quarter`` (``2007-08-Q3``) for the
target tracker.  The choropleth and the trends use the shared selection; the target tracker
counts the whole store because the targets are district-wide by financial year.
"""

from __future__ import annotations

import math

import dash
import dash_leaflet as dl
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html

from dashboard import api_analysis as aa
from dashboard import data_access, state
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.heatmap import empty_figure
from dashboard.components.palette import SECTOR_COLOURS
from dashboard.components.tables import fmt_int, fmt_num, fmt_pct, html_table
from geo.report import STATUS_COLOURS
from geo.targets import PUBLISHED_TOTAL, TOTAL_CATEGORIES, fy_label, parse_quarter

dash.register_page(__name__, path="/sectors", name="Sectors and targets", title="Sectors and targets", order=3)

#: Sequential, colour-blind-safe classes for the choropleth (viridis, light = fewer, dark = more).
CHORO = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
BY_OPTIONS = {"sector": "Police sector", "crime_type": "Crime type", "total": "Total only"}
FREQ_OPTIONS = {"month": "Month", "week": "Week", "weekend": "Weekend (is this weekend unusual?)"}
MAX_LINES = 8
MAP_HEIGHT = 330
_SWATCH = {
    "display": "inline-block",
    "width": "14px",
    "height": "11px",
    "marginRight": "6px",
    "verticalAlign": "middle",
    "border": "1px solid #333",
}
SYNTHETIC = "synthetic demo data"
_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", "size": 12}


def _fit_zoom(bounds, height_px: int, width_px: int) -> float:
    """Largest quarter zoom level showing ``bounds`` in a box (the map's own fitBounds needs a sized box)."""
    (south, west), (north, east) = bounds
    lon_z = math.log2(width_px * 360 / (256 * max(east - west, 1e-6)))

    def merc(lat: float) -> float:
        return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))

    lat_z = math.log2(height_px * 360 / (256 * max(merc(north) - merc(south), 1e-6)))
    return math.floor(4 * min(lon_z, lat_z) - 0.5) / 4


def _quarters(targets) -> list[dict]:
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


def layout(by: str | None = None, freq: str | None = None, quarter: str | None = None, **_q) -> html.Div:
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
        zoom=_fit_zoom(bounds, MAP_HEIGHT, 540),
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
            html.Section(
                [
                    html.H2("Trends and unusual counts", className="h5"),
                    html.Div(
                        [
                            html.Div(
                                [_label("Lines per", "sec-by"), _radio("sec-by", BY_OPTIONS, by)], className="me-4"
                            ),
                            html.Div(
                                [_label("Period", "sec-freq"), _radio("sec-freq", FREQ_OPTIONS, freq)], className="me-4"
                            ),
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
            ),
            html.Section(
                [
                    html.Div(
                        [
                            html.H2("Home Office reduction targets", className="h5 mb-0 me-3"),
                            html.Div(
                                [
                                    html.Label(
                                        "Count to", htmlFor="tg-quarter", className="small fw-semibold me-2 mb-0"
                                    ),
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
            ),
        ]
    )


# --- choropleth -----------------------------------------------------------------------------------


def _classes(values: np.ndarray, k: int = len(CHORO)) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Quantile classes (with five sectors, one colour each); equal values share a class."""
    if not len(values) or float(values.max()) <= 0:
        return np.zeros(len(values), dtype=int), [(0.0, 0.0)]
    k = min(k, len(np.unique(values)))
    edges = np.quantile(values, np.linspace(0, 1, k + 1))
    idx = np.clip(np.searchsorted(edges[1:-1], values, side="left"), 0, k - 1)
    # spread the used classes over the whole palette so few classes still span light to dark
    idx = np.rint(idx * (len(CHORO) - 1) / max(k - 1, 1)).astype(int)
    return idx, [(edges[i], edges[i + 1]) for i in range(k)]


def choropleth(counts: pd.Series, layer: dict, rate: pd.Series | None = None) -> tuple[list, list[str]]:
    """One dl.GeoJSON per sector, styled by its class, and each sector's colour."""
    values = (rate if rate is not None else counts).reindex(counts.index).fillna(0).to_numpy(float)
    idx, bins = _classes(values)
    total = max(int(counts.sum()), 1)
    layers = []
    for i, sector in enumerate(counts.index):
        feats = [f for f in layer["features"] if f["properties"].get("sector") == sector]
        n = int(counts[sector])
        tip = f"<b>{sector}</b><br>{n:,} incidents ({n / total:.1%} of the selection)"
        if rate is not None:
            tip += f"<br>{values[i]:.1f} per 1,000 residents"
        tip += "<br><i>illustrative sector outline</i>"
        fc = {
            "type": "FeatureCollection",
            "features": [{**f, "properties": {**f["properties"], "tooltip": tip, "count": n}} for f in feats],
        }
        colour = CHORO[int(idx[i])]
        layers.append(
            dl.GeoJSON(
                data=fc,
                id=f"sec-poly-{i}",
                style={"color": "#222222", "weight": 1.5, "fillColor": colour, "fillOpacity": 0.75},
                hoverStyle={"weight": 4, "color": "#000000"},
            )
        )
    return layers, [CHORO[int(i)] for i in idx]


# --- trends ---------------------------------------------------------------------------------------


def _display_period(label: str) -> str:
    if label[:4].isdigit():
        return pd.Timestamp(label + "-01").strftime("%b %Y")
    return label[:1].upper() + label[1:]


def _gaps(dates: pd.Series, covered: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(last covered, next covered) around each run of 3+ uncovered periods."""
    out, last, run = [], None, 0
    for d, ok in zip(dates, covered, strict=True):
        if ok:
            if last is not None and run >= 3:
                out.append((last, d))
            last, run = d, 0
        else:
            run += 1
    return out


def trend_figure(t: aa.SectorTrends, colours: dict[str, str]) -> tuple[go.Figure, list[str]]:
    series = t.report.series
    dates = t.dates
    notes = []
    cols = list(series.columns)
    if len(cols) > MAX_LINES:
        keep = series.sum().sort_values(ascending=False).index[:MAX_LINES]
        notes.append(
            f"The chart shows the {MAX_LINES} largest of {len(cols)} groups; the flags table lists every group."
        )
        cols = [c for c in cols if c in set(keep)]
    palette = list(SECTOR_COLOURS)
    fig = go.Figure()
    x = dates.to_numpy()
    for i, c in enumerate(cols):
        name = str(c) if t.group_col else "All selected incidents"
        fig.add_trace(
            go.Scatter(
                x=x,
                y=series[c],
                name=name,
                mode="lines",
                line={"width": 1.8, "color": colours.get(str(c), palette[i % len(palette)])},
                connectgaps=False,
                hovertemplate="%{x|%d/%m/%Y}: %{y:,.0f}<extra>" + name + "</extra>",
            )
        )
    flags = t.flags
    for kind, symbol, word in (("high", "triangle-up", "high"), ("low", "triangle-down", "low")):
        f = flags[flags["flag"] == kind]
        if f.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=f["x"],
                y=f["count"],
                mode="markers+text",
                name=f"Unusually {kind}",
                marker={"symbol": symbol, "size": 13, "color": "#000000", "line": {"color": "#ffffff", "width": 1}},
                text=[word] * len(f),
                textposition="top center" if kind == "high" else "bottom center",
                textfont={"size": 9, "color": "#000000"},
                customdata=np.column_stack([f["group"], f["expected_low"], f["expected_high"]]),
                hovertemplate="%{customdata[0]}: %{y:,} (expected %{customdata[1]:,.0f}–%{customdata[2]:,.0f})"
                + f"<extra>unusually {kind}</extra>",
            )
        )
    covered = series.notna().any(axis=1)
    breaks = []
    for a, b in _gaps(dates, covered):
        breaks.append({"bounds": [a + pd.Timedelta(days=1), b - pd.Timedelta(days=1)]})
        fig.add_vline(x=b, line={"dash": "dot", "color": "#777777", "width": 1})
        notes.append(
            f"No data between {a:%m/%Y} and {b:%m/%Y}: that stretch is cut out of the time axis (dotted line)."
        )
    fig.update_layout(
        height=340,
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        font=_FONT,
        legend={"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 11}},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        hovermode="closest",
    )
    fig.update_xaxes(type="date", tickformat="%m/%Y", rangebreaks=breaks, showgrid=True, gridcolor="#eeeeee")
    fig.update_yaxes(title_text=f"Incidents per {t.report.freq}", rangemode="tozero", gridcolor="#eeeeee")
    return fig, notes


def _flags_section(t: aa.SectorTrends, notes: list[str]) -> list:
    rep = t.report
    group_name = BY_OPTIONS.get(t.group_col or "total", "Group")
    flags = t.flags.sort_values(["x", "flag"], ascending=[False, True])
    children = []
    if flags.empty:
        children.append(
            html.P(f"No unusual counts in the last {aa.FLAG_PERIODS} {rep.freq}s with data.", className="small")
        )
    else:
        rows = [
            [
                _display_period(r["period"]),
                r["group"],
                fmt_int(r["count"]),
                f"{fmt_int(r['expected_low'])}–{fmt_int(r['expected_high'])}",
                fmt_num(r["baseline_mean"], 1),
                ("▲ high" if r["flag"] == "high" else "▼ low"),
            ]
            for r in flags.to_dict("records")
        ]
        children.append(
            html.Div(
                html_table(
                    rows,
                    ["Period", group_name, "Count", "Expected range", "Baseline mean", "Flag"],
                    table_id="sec-flags-table",
                    caption=f"Unusual counts in the last {aa.FLAG_PERIODS} {rep.freq}s with data",
                    numeric=(2, 3, 4),
                ),
                className="table-responsive",
                style={"maxHeight": "260px", "overflowY": "auto"},
            )
        )
    children.append(html.Div(f"Rule: {rep.method}. A flag means 'look at this', not proof.", className="notes"))
    children += [html.Div("Note: " + n, className="notes") for n in [*notes, *rep.notes]]
    if t.synthetic:
        children.append(
            html.Div(
                f"Counts include {SYNTHETIC} (the 2003–2008 force extract).",
                className="notes fst-italic",
            )
        )
    return children


def _headline(t: aa.SectorTrends) -> html.Div:
    rep = t.report
    f = rep.flagged
    period = _display_period(rep.period)
    if f.empty:
        return html.Div(
            [html.Strong(f"{period}: "), f"no group is outside its expected range ({len(rep.table)} checked)."]
        )
    parts = []
    for r in f.head(4).to_dict("records"):
        name = r[t.group_col] if t.group_col else "All"
        parts.append(
            f"{name} {int(r['count']):,} (expected {fmt_int(r['expected_low'])}–{fmt_int(r['expected_high'])})"
        )
    more = f" and {len(f) - 4} more" if len(f) > 4 else ""
    return html.Div(
        [
            html.Strong(f"{period}: {len(f)} of {len(rep.table)} unusual: "),
            "; ".join(parts) + more + ".",
        ]
    )


# --- targets --------------------------------------------------------------------------------------


def _status_chip(status: str):
    colour = STATUS_COLOURS.get(status)
    if not colour:
        return status
    return html.Span(
        status, className="status-chip", style={"background": colour, "padding": "0 6px", "borderRadius": "3px"}
    )


def targets_body(r) -> list:
    t = r.table
    reds = [c for c in t.columns if c.startswith("max at ")]
    years = [y for y in r.years if y <= r.evaluated_year]
    later = [y for y in r.years if y > r.evaluated_year]
    projected = r.months_elapsed < 12
    cols = ["Category", "Baseline", *[c.replace("max at ", "Max ") for c in reds], *years]
    cols += [*(["Projected"] if projected else []), "Change vs baseline", "Status"]
    rows = []
    for row in t.to_dict("records"):
        change = "–" if pd.isna(row["change"]) else f"{row['change']:+,.0f} ({fmt_pct(row['change_pct'], 1, True)})"
        rows.append(
            [
                row["category"],
                fmt_int(row["baseline"]),
                *[fmt_int(row[c]) for c in reds],
                *[fmt_int(row[y]) for y in years],
                *([fmt_int(row["projected"])] if projected else []),
                change,
                _status_chip(str(row["status"])),
            ]
        )
    n_num = 2 + len(reds) + len(years) + int(projected)
    cats = list(t["category"])

    def row_class(i: int) -> str | None:
        if cats[i] == TOTAL_CATEGORIES:
            return "fw-semibold table-light"
        if cats[i] == PUBLISHED_TOTAL:
            return "fst-italic"
        return None

    out = [
        html.P(
            [
                html.Strong(f"{r.evaluated_year} counted to {state.fmt_date(r.as_of)}"),
                f" ({r.months_elapsed} of 12 months"
                + (", projected pro rata to a full year)." if r.months_elapsed < 12 else ")."),
            ],
            className="mb-1",
        ),
        html.Div(
            html_table(
                rows,
                cols,
                table_id="tg-table",
                numeric=tuple(range(1, n_num + 1)),
                row_class=row_class,
            ),
            className="table-responsive",
        ),
    ]
    if not r.totals_agree:
        diff = int(r.published_total) - int(r.baseline_sum)
        out.append(
            html.Div(
                [
                    html.Strong("The totals do not agree. "),
                    f"The eight categories' baselines add up to {r.baseline_sum:,}, but the published total is "
                    f"{r.published_total:,}: {abs(diff):,} offences {'more' if diff > 0 else 'fewer'} than the "
                    "categories. The published total includes offences not itemised in the categories, so it cannot be "
                    "counted from the store; both rows are shown and neither is dropped.",
                ],
                className="alert alert-warning py-2 my-2 small",
                id="tg-discrepancy",
                role="note",
            )
        )
    out.append(html.Div([html.Strong("Status rule: "), r.status_rule + "."], className="notes", id="tg-status-rule"))
    out.append(html.Div([html.Strong("Rounding: "), r.rounding_rule + "."], className="notes"))
    legend = [html.Span([_status_chip(s)], className="me-2") for s in STATUS_COLOURS]
    out.append(html.Div([html.Strong("Status colours (always written too): "), *legend], className="notes mt-1"))
    if later:
        out.append(
            html.Div(
                f"Later years in the store ({', '.join(later)}) are after the target period and not shown.",
                className="notes",
            )
        )
    out += [html.Div("Note: " + n, className="notes") for n in r.notes if "published total" not in n]
    if r.synthetic:
        out.append(
            html.Div(
                f"These counts are {SYNTHETIC} (the synthetic 2003–2008 force extract).", className="notes fst-italic"
            )
        )
    return out


def _as_of(quarter: str | None):
    if not quarter:
        return None, None
    from geo.targets import quarter_end

    y, q = parse_quarter(quarter)
    return quarter_end(y, q), f"{fy_label(y)} Q{q}"


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("sec-choropleth", "children"),
        Output("sec-table", "children"),
        Output("sec-summary", "children"),
        Output("sec-synthetic-badge", "style"),
        Input(SELECTION_STORE, "data"),
    )
    def update_map(selection):
        sel = state.selection_from_store(selection)
        cfg = data_access.settings()
        district = data_access.district(cfg)
        try:
            counts, outside, synthetic = aa.sector_counts(sel)
        except Exception as exc:
            msg = html.Div(f"The store cannot be read: {exc}", className="alert alert-danger")
            return [], msg, "No data", {}
        rate = None
        if "population" in district.sectors.columns:
            pop = district.sectors.set_index("sector")["population"].astype(float)
            rate = (counts / pop.reindex(counts.index) * 1000).where(pop.reindex(counts.index) > 0)
        layers, colours = choropleth(counts, data_access.static_layers(cfg.district_folder)["sectors"], rate)
        total = int(counts.sum()) + outside
        rows = [
            [html.Span([html.Span(style={**_SWATCH, "background": c}), s]), fmt_int(n), fmt_pct(n / max(total, 1))]
            for (s, n), c in zip(counts.items(), colours, strict=True)
        ]
        if outside:
            rows.append(["No sector (outside the outlines or no location)", fmt_int(outside), fmt_pct(outside / total)])
        table = [
            html_table(rows, ["Police sector", "Incidents", "Share"], table_id="sec-counts", numeric=(1, 2)),
            html.Div(
                "Map colours: viridis classes by count, light = fewer, dark = more (colour-blind safe). Hover a "
                "sector for its count.",
                className="notes",
            ),
        ]
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
    def update_trends(selection, by, freq):
        sel = state.selection_from_store(selection)
        district = data_access.district()
        group = None if by == "total" else by
        try:
            t = aa.trends(sel, freq or "month", group)
        except ValueError as exc:
            msg = f"No trend to show: {exc}."
            if freq in ("week", "weekend"):
                msg += " Weeks need a date: data.police.uk records give the month only."
            return empty_figure("No incidents match", 340), html.Div(msg, className="alert alert-info py-2"), None
        colours = {}
        if group == "sector":
            colours = {s: SECTOR_COLOURS[i % len(SECTOR_COLOURS)] for i, s in enumerate(district.sectors["sector"])}
        fig, notes = trend_figure(t, colours)
        return fig, _headline(t), _flags_section(t, notes)

    @app.callback(Output("tg-body", "children"), Input("tg-quarter", "value"))
    def update_targets(quarter):
        try:
            as_of, _ = _as_of(quarter)
            r = aa.targets(None, as_of)
        except ValueError as exc:
            return html.Div(f"The target tracker cannot be built: {exc}", className="alert alert-warning")
        return targets_body(r)

    @app.callback(
        Output("tg-download", "data"),
        Input("tg-download-btn", "n_clicks"),
        State("tg-quarter", "value"),
        prevent_initial_call=True,
    )
    def download(n_clicks, quarter):
        if not n_clicks:
            return dash.no_update
        as_of, label = _as_of(quarter)
        name, text = aa.quarterly_report(as_of, label)
        return dcc.send_string(text, filename=name, type="text/html")

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input("sec-by", "value"),
        Input("sec-freq", "value"),
        Input("tg-quarter", "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def to_url(by, freq, quarter, search):
        new = state.with_page_param(search, "by", None if by == "sector" else by)
        new = state.with_page_param(new, "freq", None if freq == "month" else freq)
        new = state.with_page_param(new, "quarter", quarter or None)
        return new if new != (search or "") else dash.no_update
