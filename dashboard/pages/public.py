"""Public view: recorded incidents per police sector or ward for one month, safe to publish.

Anonymous visitors reach it only when the district's ``[privacy] public = true`` (off by default;
logged-in users may always preview it).  Sensitive categories are removed and every count below
``public_min_count`` shows as "fewer than 5", with a notice saying so; there is no point, location
text or incident list here, in the page or its callback (see :mod:`dashboard.security.public`).
Only single calendar months are offered, so overlapping periods cannot be subtracted from each other
to recover a withheld count.  Page controls in the URL: ``by`` (``sector`` or ``ward``) and ``month``
(``2022-02``).
"""

from __future__ import annotations

import calendar
from datetime import date

import dash
import plotly.graph_objects as go
from dash import Input, Output, dcc, html
from flask import current_app

from dashboard.components.heatmap import empty_figure
from dashboard.errors import explain
from dashboard.security.public import PublicCounts, months_with_data, notice_text, public_counts
from render.palette import VIRIDIS5

dash.register_page(__name__, path="/public", name="Public view", title="Public view", order=90)

BY_OPTIONS = {"sector": "Police sector", "ward": "Ward"}
AREA_WORD = {"sector": "police sector", "ward": "ward"}
BAR_COLOUR = VIRIDIS5[1]


def _months() -> list[dict]:
    """Every calendar month with data, newest first ("February 2022" -> "2022-02")."""
    out = []
    for value in months_with_data():
        y, m = (int(p) for p in value.split("-"))
        out.append({"label": f"{calendar.month_name[m]} {y}", "value": value})
    return out


def month_range(month: str) -> dict[str, str]:
    """The selection parameters of a ``YYYY-MM`` calendar month (by date, without the night-of rule)."""
    y, m = (int(p) for p in month.split("-"))
    last = calendar.monthrange(y, m)[1]
    return {"from": date(y, m, 1).isoformat(), "to": date(y, m, last).isoformat(), "night_cutoff": "off"}


def _shown(count: int | None, min_count: int) -> str:
    return f"{count:,}" if count is not None else f"fewer than {min_count}"


def counts_table(found: PublicCounts) -> html.Table:
    """The counts as a table (withheld counts read "fewer than N")."""
    word = AREA_WORD.get(found.by, found.by).capitalize()
    rows = [
        html.Tr([html.Th(r["area"], scope="row"), html.Td(_shown(r["count"], found.min_count), className="text-end")])
        for r in found.rows
    ]
    return html.Table(
        [
            html.Caption(f"Recorded incidents per {AREA_WORD.get(found.by, found.by)}: {found.selection}"),
            html.Thead(html.Tr([html.Th(word, scope="col"), html.Th("Incidents", scope="col", className="text-end")])),
            html.Tbody(rows),
        ],
        className="table table-sm table-striped small",
        id="pub-counts",
    )


def counts_figure(found: PublicCounts) -> go.Figure:
    """Horizontal bars of the shown counts; a withheld count has no bar, only its "fewer than N" label."""
    if not found.rows:
        return empty_figure("No incidents in this month.", 360)
    rows = found.rows[::-1]  # plotly draws the first category at the bottom
    fig = go.Figure(
        go.Bar(
            x=[r["count"] or 0 for r in rows],
            y=[r["area"] for r in rows],
            orientation="h",
            marker_color=BAR_COLOUR,
            text=[_shown(r["count"], found.min_count) for r in rows],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        height=max(260, 28 * len(rows) + 80),
        margin={"l": 10, "r": 60, "t": 10, "b": 40},
        xaxis_title="Recorded incidents",
        plot_bgcolor="white",
        yaxis={"automargin": True},
    )
    return fig


def _notice() -> html.Div:
    state = current_app.extensions["hotspots_security"]
    parts = [html.P(notice_text(state.privacy), className="mb-0")]
    if not state.public_enabled:
        parts.insert(0, html.P("Public access is off for this district: this is a preview for logged-in users."))
    return html.Div(parts, className="alert alert-info", role="note", id="pub-notice")


def layout(by: str | None = None, month: str | None = None, **_query: str) -> html.Div:
    """The page: notice, area and month controls, bar chart and table."""
    try:
        months = _months()
    except Exception as exc:  # the store cannot be read: say so instead of a broken page
        return html.Div(explain(exc, "The store cannot be read"), className="alert alert-danger")
    values = [o["value"] for o in months]
    return html.Div(
        [
            html.H1("Public view: recorded incidents by area", className="h4"),
            _notice(),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Areas", htmlFor="pub-by", className="form-label small fw-semibold d-block"),
                            dcc.RadioItems(
                                id="pub-by",
                                options=[{"label": " " + v, "value": k} for k, v in BY_OPTIONS.items()],
                                value=by if by in BY_OPTIONS else "sector",
                                inline=True,
                                inputClassName="me-1",
                                labelClassName="me-3",
                            ),
                        ],
                        className="me-4",
                    ),
                    html.Div(
                        [
                            html.Label("Month", htmlFor="pub-month", className="form-label small fw-semibold"),
                            dcc.Dropdown(
                                id="pub-month",
                                options=months,
                                value=month if month in values else (values[0] if values else None),
                                clearable=False,
                                style={"minWidth": "14rem"},
                            ),
                        ]
                    ),
                ],
                className="d-flex flex-wrap align-items-end mb-2",
            ),
            html.P(id="pub-summary", className="small mb-1", **{"aria-live": "polite"}),
            dcc.Graph(id="pub-chart", figure=empty_figure("Loading…", 360), config={"displaylogo": False}),
            html.Div(id="pub-table", className="table-responsive"),
        ]
    )


def register_callbacks(app: dash.Dash) -> None:
    """The one callback: suppressed counts for the chosen areas and month (aggregates only)."""

    @app.callback(
        Output("pub-summary", "children"),
        Output("pub-chart", "figure"),
        Output("pub-table", "children"),
        Input("pub-by", "value"),
        Input("pub-month", "value"),
    )
    def show(by: str | None, month: str | None) -> tuple:
        if not month:
            return "The store holds no incidents yet.", empty_figure("No data.", 360), None
        try:
            found = public_counts(by if by in BY_OPTIONS else "sector", month_range(month))
        except Exception as exc:
            return explain(exc, "Counts unavailable"), empty_figure("Counts unavailable.", 360), None
        withheld = sum(r["count"] is None for r in found.rows)
        text = (
            f"{found.selection}: {len(found.rows)} {AREA_WORD[found.by]}s with recorded incidents; "
            f"{withheld} with fewer than {found.min_count} (count withheld)."
        )
        return text, counts_figure(found), counts_table(found)
