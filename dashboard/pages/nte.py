"""Night-time economy page: hour × night heat maps by zone band, this year against last, premises.

Page controls live in the URL beside the shared filters: ``measure`` (``count``/``aoristic``),
``show`` (``all`` or a band key: a zone key such as ``2005``, or ``elsewhere``), ``types``
(``violence,public-order,criminal-damage,asb``) and ``radius`` (metres).  Numbers come from
:mod:`dashboard.api_analysis` (cached calls into geo.timing / geo.premises / geo.trends).
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html

from dashboard import api_analysis as aa
from dashboard import data_access, state
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.heatmap import empty_figure, hour_night_figure
from dashboard.components.tables import fmt_int, fmt_num, fmt_pct, html_table
from geo.timing import NTE_WINDOW

dash.register_page(
    __name__,
    path="/nte",
    name="Night-time economy",
    title="Night-time economy",
    order=2,
    redirect_from=["/night-time-economy"],
)

DEFAULT_TYPES = "violence"
TYPE_LABELS = {
    "violence": "Violence and sexual offences",
    "public-order": "Public order",
    "criminal-damage": "Criminal damage and arson",
    "asb": "Anti-social behaviour",
}
_WINDOW_TXT = f"{NTE_WINDOW[0]:02d}:00–{NTE_WINDOW[1] % 24:02d}:00"
SYNTHETIC_NOTE = (
    "synthetic demo data: in the demo store only the synthetic force extract (2003–2008) has times of day; "
    "the real data.police.uk records are month-only and cannot be placed in an hour"
)


def _band_options(district) -> list[dict]:
    """Radio options: all bands, then one per zone band (value = zone key), then elsewhere."""
    opts = [{"label": "All bands side by side", "value": "all"}]
    for i, z in enumerate(district.zones):
        outside = "" if i == 0 else " (outside " + ", ".join(x.key for x in district.zones[:i]) + ")"
        opts.append({"label": f"Zone {z.key}{outside}", "value": z.key})
    opts.append({"label": "Elsewhere", "value": "elsewhere"})
    return opts


def _band_label(value: str, bands: list[str]) -> str | None:
    """Band label of a radio value (bands are in zone order, then "Elsewhere")."""
    if value == "elsewhere":
        return bands[-1]
    for b in bands[:-1]:
        if b.split(" ")[1] == value:
            return b
    return None


def _field(label: str, control, html_for: str) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=html_for, className="form-label small fw-semibold mb-1 d-block"), control],
        className="me-4 mb-2",
    )


def layout(measure: str | None = None, show: str | None = None, types: str | None = None, radius=None, **_q):
    district = data_access.district()
    band_opts = _band_options(district)
    if show not in {o["value"] for o in band_opts}:
        show = "all"
    measure = "aoristic" if measure == "aoristic" else "count"
    if types == "none":
        type_keys = []
    else:
        type_keys = [k for k in str(types or DEFAULT_TYPES).split(",") if k in TYPE_LABELS] or [DEFAULT_TYPES]
    try:
        radius_v = int(aa.parse_radius(radius))
    except ValueError:
        radius_v = 50
    if radius_v not in aa.RADII:
        radius_v = 50
    controls = html.Div(
        [
            _field(
                "Measure",
                dcc.RadioItems(
                    id="nte-measure",
                    options=[
                        {"label": " Counts", "value": "count"},
                        {"label": " Aoristic (spread over the time window)", "value": "aoristic"},
                    ],
                    value=measure,
                    inline=True,
                    inputClassName="me-1",
                    labelClassName="me-3",
                ),
                "nte-measure",
            ),
            _field(
                "Show",
                dcc.RadioItems(
                    id="nte-show",
                    options=band_opts,
                    value=show,
                    inline=True,
                    inputClassName="me-1",
                    labelClassName="me-3",
                ),
                "nte-show",
            ),
            _field(
                "Crime types",
                dcc.Checklist(
                    id="nte-types",
                    options=[{"label": " " + v, "value": k} for k, v in TYPE_LABELS.items()],
                    value=type_keys,
                    inline=True,
                    inputClassName="me-1",
                    labelClassName="me-3",
                ),
                "nte-types",
            ),
        ],
        className="d-flex flex-wrap align-items-start",
    )
    return html.Div(
        [
            html.Section(
                [
                    html.Div(
                        [
                            html.H2("Night-time economy", className="h5 mb-0 me-2"),
                            html.Span(
                                "synthetic demo data",
                                className="badge text-bg-warning",
                                id="nte-synthetic-badge",
                                title=SYNTHETIC_NOTE,
                            ),
                        ],
                        className="d-flex align-items-center mb-2",
                    ),
                    controls,
                    html.Div(id="nte-summary", className="fw-semibold", **{"aria-live": "polite"}),
                    html.Div(id="nte-empty", role="status", className="alert alert-info py-2 my-2 d-none"),
                    dcc.Loading(
                        dcc.Graph(
                            id="nte-heatmap",
                            config={"displaylogo": False, "responsive": True},
                            figure=empty_figure("Loading…"),
                            style={"height": "330px"},
                        ),
                        type="circle",
                        delay_show=300,
                    ),
                    html.Div(id="nte-notes", className="notes mt-1"),
                ],
                className="page-card",
            ),
            html.Div(
                [
                    html.Section(
                        [
                            html.H2("This year against last", className="h6"),
                            dcc.Loading(html.Div(id="nte-compare"), type="circle", delay_show=300),
                        ],
                        className="page-card col-12 col-xxl-5",
                    ),
                    html.Section(
                        [
                            html.Div(
                                [
                                    html.H2("Licensed premises", className="h6 mb-0 me-3"),
                                    html.Label(
                                        "Link radius", htmlFor="nte-radius", className="small fw-semibold me-2 mb-0"
                                    ),
                                    dcc.Dropdown(
                                        id="nte-radius",
                                        options=[{"label": f"{r} m", "value": r} for r in aa.RADII],
                                        value=radius_v,
                                        clearable=False,
                                        searchable=False,
                                        style={"width": "100px"},
                                    ),
                                ],
                                className="d-flex align-items-center mb-2",
                            ),
                            dcc.Loading(html.Div(id="nte-premises"), type="circle", delay_show=300),
                        ],
                        className="page-card col-12 col-xxl-7",
                    ),
                ],
                className="nte-lower",
            ),
        ]
    )


def _types(keys) -> tuple[str, ...]:
    keys = [k for k in keys or [] if k in TYPE_LABELS]
    return tuple(TYPE_LABELS[k] for k in TYPE_LABELS if k in keys)


def _empty_text(sel, types, analysis) -> html.Div:
    reasons = []
    if not types:
        reasons.append("no crime type is ticked above")
    elif sel.crime_types and not set(types) & set(sel.crime_types):
        reasons.append(
            "the crime types ticked here ("
            + ", ".join(types)
            + ") are not among the filter's crime types ("
            + ", ".join(sel.crime_types)
            + ")"
        )
    if analysis is not None:
        if analysis.n_selected == 0:
            reasons.append("the filters select no incidents at all")
        else:
            v = analysis.view
            excl = sum(m.excluded_month + m.excluded_day for m in v.matrices.values())
            if excl:
                reasons.append(
                    f"{excl:,} matching records have no time of day (data.police.uk gives the month only), so "
                    "they cannot be placed in an hour"
                )
            reasons.append(f"none of the rest falls in the night-time window {_WINDOW_TXT}")
    return html.Div(
        [
            html.Strong("No incidents match. "),
            html.Span("Why: " + "; ".join(reasons) + ". " if reasons else ""),
            html.Span(
                f"Selection: {sel.describe()}. Widen the dates (only records with a time of day can be placed in "
                "an hour), tick more crime types, or clear the day and hour filters."
            ),
        ]
    )


def _verdict(row: dict) -> str:
    p = float(row["p_value"])
    p_txt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    return f"{'Yes' if row['beyond_chance'] else 'No'} ({p_txt})"


def _compare_section(a: aa.NteAnalysis) -> list:
    if a.comparison is None:
        return [html.P(f"No comparison: {a.comparison_note}.", className="small text-muted")]
    c = a.comparison
    order = {b: i for i, b in enumerate([*a.view.bands, "Total"])}
    t = c.table.sort_values("band", key=lambda s: s.map(order).fillna(len(order)), kind="stable")
    total = t[t["band"] == "Total"].iloc[0].to_dict()
    head = (
        f"{state.fmt_date(c.current[0])} to {state.fmt_date(c.current[1])} against "
        f"{state.fmt_date(c.previous[0])} to {state.fmt_date(c.previous[1])} ({a.comparison_note})."
    )
    rows = [
        [
            r["band"],
            fmt_int(r["previous"]),
            fmt_int(r["current"]),
            f"{int(r['change']):+,}",
            _verdict(r),
        ]
        for r in t.to_dict("records")
    ]
    return [
        html.P(head, className="small mb-1"),
        html.P(
            ["All bands: ", html.Strong(aa.describe_change(total)), "."],
            className="mb-2",
            id="nte-compare-verdict",
        ),
        html.Div(
            html_table(
                rows,
                ["Band", "Previous", "Current", "Change", "Beyond chance?"],
                table_id="nte-compare-table",
                numeric=(1, 2, 3),
                row_class=lambda i: "fw-semibold" if i == len(rows) - 1 else None,
            ),
            className="table-responsive",
        ),
        html.Div(f"Test: {c.method}.", className="notes"),
        *[html.Div("Note: " + n, className="notes") for n in c.notes],
    ]


def _premises_section(a: aa.NteAnalysis, top: int = 15) -> list:
    if a.premises is None:
        return [html.P("No timed night-time incidents to link to premises.", className="small text-muted")]
    p = a.premises
    t = p.table
    if t.empty:
        return [html.P(f"No incident within {p.radius_m:g} m of a licensed premises.", className="small")] + [
            html.Div(n, className="notes") for n in p.notes
        ]
    rows = []
    for r in t.head(top).to_dict("records"):
        marks = []
        if r["shared"]:
            marks.append(f"{int(r['shared'])} shared")
        if r["tied"]:
            marks.append(f"{int(r['tied'])} tied")
        rows.append(
            [
                str(r["rank"]),
                html.Span([r["name"], html.Br(), html.Span(r.get("postcode") or "", className="text-muted")]),
                fmt_int(r["incidents"]),
                fmt_pct(r["share_of_linked"]),
                r["peak_night"] or "–",
                r["peak_hour"] or "–",
                r["zone"] or "–",
                ", ".join(marks) or "–",
            ]
        )
    return [
        html.P(
            f"{p.n_linked:,} of {p.n_incidents:,} located night-time incidents ({_WINDOW_TXT}) were within "
            f"{p.radius_m:g} m of a licensed premises; the top {min(top, len(t))} of {len(t):,} premises:",
            className="small mb-1",
        ),
        html.Div(
            html_table(
                rows,
                ["Rank", "Premises", "Incidents", "Share", "Peak night", "Peak hour", "Zone band", "Shared / tied"],
                table_id="nte-premises-table",
                numeric=(0, 2, 3),
                row_header=False,
            ),
            className="table-responsive nte-scroll",
            style={"maxHeight": "360px", "overflowY": "auto"},
        ),
        html.Div(
            "Share = of all linked incidents. Shared = incidents with another licensed premises within the radius "
            "too (a busy street: the premises is not the only candidate). Tied = incidents exactly as near to "
            "another premises; those go to the lowest premises id. Rule: " + p.rule + ".",
            className="notes mt-1",
        ),
        *[html.Div("Note: " + n, className="notes") for n in p.notes],
    ]


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("nte-heatmap", "figure"),
        Output("nte-summary", "children"),
        Output("nte-notes", "children"),
        Output("nte-empty", "children"),
        Output("nte-empty", "className"),
        Output("nte-synthetic-badge", "style"),
        Output("nte-compare", "children"),
        Output("nte-premises", "children"),
        Input(SELECTION_STORE, "data"),
        Input("nte-measure", "value"),
        Input("nte-show", "value"),
        Input("nte-types", "value"),
        Input("nte-radius", "value"),
    )
    def update(selection, measure, show, type_keys, radius):
        sel = state.selection_from_store(selection)
        types = _types(type_keys)
        aoristic = measure == "aoristic"
        hidden = "alert alert-info py-2 my-2 d-none"
        shown = "alert alert-info py-2 my-2"
        if not types:
            msg = _empty_text(sel, types, None)
            fig = empty_figure("No crime type ticked")
            return fig, "0 incidents", None, msg, shown, {"display": "none"}, None, None
        try:
            a = aa.nte(sel, types, aoristic, float(radius or 50))
        except Exception as exc:  # a store problem must not break the page
            msg = f"The analysis could not run: {exc}"
            return empty_figure(msg), "No data", None, msg, shown, {"display": "none"}, None, None
        v = a.view
        total_used = sum(float(m.matrix[a.hours].to_numpy().sum()) for m in v.matrices.values())
        label = _band_label(show, v.bands) if show != "all" else None
        panels = {b: v.matrices[b].matrix for b in ([label] if label else v.bands)}
        unit = "incident-equivalents" if aoristic else "incidents"
        shown_total = sum(float(m[a.hours].to_numpy().sum()) for m in panels.values())
        fmt = (lambda x: fmt_num(x, 1)) if aoristic else fmt_int
        where = label or "all bands"
        summary = f"{fmt(shown_total)} night-time {unit} ({_WINDOW_TXT}) shown: {where}"
        if label:
            summary += f" (of {fmt(total_used)} in all bands)"
        types_txt = ", ".join(types)
        title = f"{types_txt}, {_WINDOW_TXT}, by night and hour: {where}"
        notes = [
            html.Div([html.Strong("Convention: "), v.convention]),
            html.Div([html.Strong("Bands: "), v.band_rule + "."]),
        ]
        excl_m = sum(m.excluded_month for m in v.matrices.values())
        excl_d = sum(m.excluded_day for m in v.matrices.values())
        mid = sum(m.midnight_flagged for m in v.matrices.values())
        notes.append(
            html.Div(
                [
                    html.Strong("Left out: "),
                    f"{excl_m:,} month-only records (no time of day), {excl_d:,} date-only, and {mid:,} "
                    "stamped exactly 00:00 with no window (probably 'time unknown'; kept out rather than piled "
                    "up at 00:00).",
                ],
                id="nte-excluded",
            )
        )
        windows = (
            f"{a.n_windowed:,} of the {a.n_timed:,} timed incidents of these types have a from/to window; the rest "
            "have an exact time, where counts and aoristic values agree."
        )
        if aoristic:
            notes.append(
                html.Div(
                    "Aoristic values are incident-equivalents: an incident known only to lie between 21:40 and 23:10 "
                    "adds a third to each of 21:00, 22:00 and 23:00. " + windows,
                    id="nte-aoristic-note",
                )
            )
        notes.append(html.Div("Colour: viridis, the same scale across the panels; hover a cell for its value."))
        notes += [html.Div("Note: " + n) for n in a.selection_notes]
        badge = {} if a.synthetic_share > 0 else {"display": "none"}
        if a.synthetic_share > 0:
            notes.append(html.Div(f"Heat map: {SYNTHETIC_NOTE}.", className="fst-italic"))
        if a.n_window == 0 or total_used == 0:
            msg = _empty_text(sel, types, a)
            fig = empty_figure("No incidents match")
            return fig, f"0 night-time {unit}", notes, msg, shown, badge, _compare_section(a), None
        fig = hour_night_figure(panels, a.hours, aoristic=aoristic, title=title)
        return fig, summary, notes, None, hidden, badge, _compare_section(a), _premises_section(a)

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input("nte-measure", "value"),
        Input("nte-show", "value"),
        Input("nte-types", "value"),
        Input("nte-radius", "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def to_url(measure, show, type_keys, radius, search):
        new = state.with_page_param(search, "measure", None if measure == "count" else measure)
        new = state.with_page_param(new, "show", None if show == "all" else show)
        keys = ",".join(k for k in TYPE_LABELS if k in (type_keys or []))
        new = state.with_page_param(new, "types", None if keys == DEFAULT_TYPES else (keys or "none"))
        new = state.with_page_param(new, "radius", None if radius in (None, 50) else str(radius))
        return new if new != (search or "") else dash.no_update
