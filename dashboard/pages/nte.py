"""Night-time economy page: hour × night heat maps by zone band, this year against last, premises.

Page controls live in the URL beside the shared filters: ``measure`` (``count``/``aoristic``),
``show`` (``all`` or a band key: a zone key such as ``2005``, or ``elsewhere``)
and ``radius`` (metres).  The crime types are the shared filter's (one control for them): as in the
API and the CLI, the crime filter *replaces* the night-time types (violence when none is chosen; see
:mod:`service.nte_types`), and the page says which apply.  Numbers come from :mod:`service.nte`.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from dashboard import data_access, state
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.heatmap import empty_figure, hour_night_figure
from dashboard.components.nte_sections import (
    SYNTHETIC_NOTE,
    WINDOW_TXT,
    analysis_notes,
    compare_section,
    empty_text,
    premises_section,
)
from dashboard.components.tables import fmt_int, fmt_num
from dashboard.errors import explain
from geo.config import District
from geo.selection import Selection
from service.errors import HotspotsError
from service.nte import NteOptions, run_comparison, run_nte
from service.nte_types import DEFAULT_RADIUS, NTE_VIOLENCE, RADII, nte_types
from service.params import SHARED_PARAMS, selection_of

dash.register_page(
    __name__,
    path="/nte",
    name="Night-time economy",
    title="Night-time economy",
    order=2,
    redirect_from=["/night-time-economy"],
)


def _band_options(district: District) -> list[dict]:
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


def _field(label: str, control: Component, html_for: str) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=html_for, className="form-label small fw-semibold mb-1 d-block"), control],
        className="me-4 mb-2",
    )


def _controls(measure: str, band_opts: list[dict], show: str, types_text: str) -> html.Div:
    """The measure and band choices, and which crime types are analysed (set in the filters panel)."""
    return html.Div(
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
            html.Div(
                [
                    html.Div("Crime types", className="form-label small fw-semibold mb-1"),
                    html.Div(types_text, id="nte-types-note", className="small", **{"aria-live": "polite"}),
                ],
                className="me-4 mb-2",
                style={"maxWidth": "34em"},
            ),
        ],
        className="d-flex flex-wrap align-items-start",
    )


def _lower(radius_v: int) -> html.Div:
    """The year-on-year comparison, and the licensed premises with the link radius."""
    return html.Div(
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
                            html.Label("Link radius", htmlFor="nte-radius", className="small fw-semibold me-2 mb-0"),
                            dcc.Dropdown(
                                id="nte-radius",
                                options=[{"label": f"{r} m", "value": r} for r in RADII],
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
    )


def layout(measure: str | None = None, show: str | None = None, radius: str | None = None, **query: str) -> html.Div:
    """The NTE page for the URL's controls; it names the crime types analysed (the filter's, else violence)."""
    district = data_access.district()
    band_opts = _band_options(district)
    if show not in {o["value"] for o in band_opts}:
        show = "all"
    measure = "aoristic" if measure == "aoristic" else "count"
    try:
        sel = selection_of({k: v for k, v in query.items() if k in SHARED_PARAMS})
    except HotspotsError:
        sel = Selection()
    try:
        radius_v = int(NteOptions.from_params({"radius": radius} if radius else {}).radius)
    except HotspotsError:
        radius_v = int(DEFAULT_RADIUS)
    if radius_v not in RADII:
        radius_v = int(DEFAULT_RADIUS)
    controls = _controls(measure, band_opts, show, types_note(sel))
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
            _lower(radius_v),
        ]
    )


def types_note(sel: Selection) -> str:
    """Which crime types the page analyses, and that the filters panel's crime types replace the default."""
    if sel.crime_types:
        return (
            f"{', '.join(nte_types(sel))}: the crime types set in the filters panel, which replace the "
            "night-time types. Clear them there to go back to violence."
        )
    return f"{', '.join(NTE_VIOLENCE)} (the night-time default). Crime types set in the filters panel replace these."


def nte_options(selection: dict | None, measure: str | None, radius: object) -> NteOptions:
    """The options the page's controls describe (the crime types come from the selection)."""
    params = {"aoristic": "true" if measure == "aoristic" else "false", "radius": radius or DEFAULT_RADIUS}
    sel = state.selection_from_store(selection)
    return NteOptions(sel, **{k: v for k, v in vars(NteOptions.from_params(params)).items() if k != "selection"})


def register_callbacks(app: dash.Dash) -> None:
    """The NTE page's callbacks: the analysis, and the controls into the URL."""

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
        Input("nte-radius", "value"),
    )
    def update(selection: dict | None, measure: str | None, show: str | None, radius: object) -> tuple:
        hidden = "alert alert-info py-2 my-2 d-none"
        shown = "alert alert-info py-2 my-2"
        try:
            options = nte_options(selection, measure, radius)
            src = data_access.source()
            a, cmp = run_nte(src, options), run_comparison(src, options)
        except Exception as exc:  # a store problem must not break the page
            msg = explain(exc, "The analysis could not run")
            return empty_figure(msg), "No data", None, msg, shown, {"display": "none"}, None, None
        v = a.view
        total_used = sum(float(m.matrix[a.hours].to_numpy().sum()) for m in v.matrices.values())
        label = _band_label(show or "all", v.bands) if show != "all" else None
        panels = {b: v.matrices[b].matrix for b in ([label] if label else v.bands)}
        aoristic = options.aoristic
        unit = "incident-equivalents" if aoristic else "incidents"
        shown_total = sum(float(m[a.hours].to_numpy().sum()) for m in panels.values())
        fmt = (lambda x: fmt_num(x, 1)) if aoristic else fmt_int
        where = label or "all bands"
        summary = f"{fmt(shown_total)} night-time {unit} ({WINDOW_TXT}) shown: {where}"
        if label:
            summary += f" (of {fmt(total_used)} in all bands)"
        title = f"{', '.join(a.crime_types)}, {WINDOW_TXT}, by night and hour: {where}"
        notes = analysis_notes(a)
        badge = {} if a.synthetic_share > 0 else {"display": "none"}
        if a.n_window == 0 or total_used == 0:
            msg = empty_text(options.selection, a)
            fig = empty_figure("No incidents match")
            return fig, f"0 night-time {unit}", notes, msg, shown, badge, compare_section(a, cmp), None
        fig = hour_night_figure(panels, a.hours, aoristic=aoristic, title=title)
        return fig, summary, notes, None, hidden, badge, compare_section(a, cmp), premises_section(a)

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input("nte-measure", "value"),
        Input("nte-show", "value"),
        Input("nte-radius", "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def to_url(measure: str | None, show: str | None, radius: object, search: str | None) -> str:
        new = state.with_page_param(search, "measure", None if measure == "count" else measure)
        new = state.with_page_param(new, "show", None if show == "all" else show)
        new = state.with_page_param(new, "radius", None if radius in (None, int(DEFAULT_RADIUS)) else str(radius))
        return new if new != (search or "") else dash.no_update

    @app.callback(Output("nte-types-note", "children"), Input(SELECTION_STORE, "data"))
    def types_to_note(selection: dict | None) -> str:
        return types_note(state.selection_from_store(selection))
