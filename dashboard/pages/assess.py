"""Assessment page: the deployment log, and before/during/after for a chosen deployment.

URL parameters (names as in ``hotspots assess``): ``deployment`` (id), ``buffer`` (metres) and
``compare`` (``during``/``after``).  Every number comes from :mod:`service.assess`; recording goes
through :mod:`service.deployments`.  The shared filters are not used here: an assessment takes its
dates, nights and hours from the deployment itself, and the page says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from dashboard import data_access
from dashboard.components.tables import html_table
from geo.errors import HotspotsError
from geo.selection import DAY_ABBR

if TYPE_CHECKING:
    from service.assess import AssessResult
    from service.source import Source

dash.register_page(__name__, path="/assess", name="Assessment", title="Assessment", order=5)

_PERIODS = ("before", "during", "after")


def _source() -> Source:
    from service.source import Source

    cfg = data_access.settings()
    return Source.build(cfg.store_path, cfg.district_folder)


def _label(text: str, html_for: str) -> html.Label:
    return html.Label(text, htmlFor=html_for, className="form-label small fw-semibold mb-1 d-block")


def _options() -> list[dict]:
    from service.deployments import list_deployments

    return [
        {"label": f"{d.id}: {d.kind}, {d.when_text()}, {d.where_text()} ({d.who})", "value": d.id}
        for d in list_deployments(_source())
    ]


def _form() -> html.Form:
    def field(label: str, cid: str, control: Component, width: str = "col-6 col-md-3") -> html.Div:
        return html.Div([_label(label, cid), control], className=width)

    def text(cid: str, placeholder: str = "", value: str | None = None) -> dcc.Input:
        return dcc.Input(id=cid, type="text", placeholder=placeholder, value=value, className="form-control")

    return html.Form(
        [
            html.Div(
                [
                    field(
                        "Kind",
                        "as-kind",
                        dcc.RadioItems(
                            id="as-kind",
                            options=[{"label": " Van", "value": "van"}, {"label": " Patrol", "value": "patrol"}],
                            value="van",
                            inline=True,
                            inputClassName="me-1",
                            labelClassName="me-3",
                        ),
                    ),
                    field("Easting (m)", "as-e", text("as-e", "e.g. 448200")),
                    field("Northing (m)", "as-n", text("as-n", "e.g. 129400")),
                    field("Radius (m)", "as-radius", text("as-radius", value="100")),
                    field("From (dd/mm/yyyy)", "as-from", text("as-from", "dd/mm/yyyy")),
                    field("To (dd/mm/yyyy)", "as-to", text("as-to", "dd/mm/yyyy")),
                    field("Hours (e.g. 20-04)", "as-hours", text("as-hours", "all day")),
                    field("Recorded by", "as-who", text("as-who", "name")),
                    html.Fieldset(
                        [
                            html.Legend("Nights (none ticked = every night)", className="form-label small fw-semibold"),
                            dcc.Checklist(
                                id="as-days",
                                options=[{"label": f" {d}", "value": i} for i, d in enumerate(DAY_ABBR)],
                                value=[],
                                inline=True,
                                inputClassName="me-1",
                                labelClassName="me-2",
                            ),
                        ],
                        className="col-12 col-md-6",
                    ),
                    field(
                        "Notes",
                        "as-notes",
                        dcc.Textarea(id="as-notes", className="form-control", style={"height": "2.4rem"}),
                        "col-12 col-md-6",
                    ),
                ],
                className="row g-2",
            ),
            html.Button("Record deployment", id="as-record", type="button", className="btn btn-primary btn-sm mt-2"),
            html.Div(id="as-record-msg", role="status", className="small mt-2", **{"aria-live": "polite"}),
        ],
        id="as-form",
    )


def _intro() -> list[html.H1 | html.P]:
    """The page heading, what the page is for, and the note that the filters do not apply."""
    return [
        html.H1("Assessment", className="h4"),
        html.P(
            "Did a deployment work? Counts before, during and after it in the target area, a buffer ring around "
            "it (to see displacement) and a control area, with the weighted displacement quotient, the total net "
            "effect and a test of the change against the control.",
            className="small",
        ),
        html.P(
            "This page does not use the filters: each assessment takes its dates, nights and hours from the "
            "deployment itself.",
            className="small text-muted",
            id="as-filters-note",
        ),
    ]


def _deployment_field(options: list[dict], chosen: int | None) -> html.Div:
    """The labelled dropdown of recorded deployments."""
    return html.Div(
        [
            _label("Deployment", "as-deployment"),
            dcc.Dropdown(
                id="as-deployment",
                options=options,
                value=chosen,
                clearable=False,
                placeholder="No deployment recorded yet",
            ),
        ],
        className="col-12 col-md-7",
    )


def _buffer_field(buffer: str | None) -> html.Div:
    """The labelled buffer-ring width input (metres; 200 unless the URL says otherwise)."""
    return html.Div(
        [
            _label("Buffer ring (m)", "as-buffer"),
            dcc.Input(
                id="as-buffer",
                type="number",
                min=25,
                max=2000,
                step=25,
                debounce=True,
                value=float(buffer) if buffer else 200,
                className="form-control",
            ),
        ],
        className="col-6 col-md-2",
    )


def _compare_field(compare: str | None) -> html.Div:
    """The labelled during/after choice of the period compared with before."""
    return html.Div(
        [
            _label("Compare before with", "as-compare"),
            dcc.RadioItems(
                id="as-compare",
                options=[
                    {"label": " during", "value": "during"},
                    {"label": " after", "value": "after"},
                ],
                value=compare if compare in ("during", "after") else "during",
                inline=True,
                inputClassName="me-1",
                labelClassName="me-3",
            ),
        ],
        className="col-6 col-md-3",
    )


def _deployments_section(
    options: list[dict], chosen: int | None, buffer: str | None, compare: str | None
) -> html.Section:
    """The recorded-deployments section: the three controls and the result region."""
    return html.Section(
        [
            html.H2("Recorded deployments", className="h5"),
            html.Div(
                [_deployment_field(options, chosen), _buffer_field(buffer), _compare_field(compare)],
                className="row g-2 mb-2",
            ),
            dcc.Loading(html.Div(id="as-result", role="region", **{"aria-live": "polite"}), type="circle"),
        ],
        className="mb-4",
    )


def _record_section() -> html.Section:
    """The record-a-deployment section around the form."""
    return html.Section(
        [
            html.H2("Record a deployment", className="h5"),
            html.P(
                "For a van site or patrol point when no plan is at hand (British National Grid metres).",
                className="small",
            ),
            _form(),
        ]
    )


def layout(deployment: str | None = None, buffer: str | None = None, compare: str | None = None, **_q: str) -> html.Div:
    """The Assessment page for the URL's ``deployment``, ``buffer`` and ``compare``."""
    try:
        options = _options()
    except (HotspotsError, ValueError) as exc:  # ValueError: the store cannot be read
        return html.Div(html.P(str(exc), className="alert alert-warning"))
    chosen = int(deployment) if deployment and deployment.isdigit() else (options[-1]["value"] if options else None)
    return html.Div([*_intro(), _deployments_section(options, chosen, buffer, compare), _record_section()])


def _result(res: AssessResult) -> html.Div:
    """The counts table, the measures and the notes of one assessment."""
    a = res.assessment
    rows = [
        [r["label"], *(f"{r[p]:,}" for p in _PERIODS), _pct(a.change_pct(r["area"]))]
        for r in a.counts.to_dict("records")
    ]
    cols = [
        [
            p.capitalize(),
            html.Br(),
            html.Small(f"{a.spans[p][0]:%d/%m/%Y}–{a.spans[p][1]:%d/%m/%Y}", className="fw-normal"),
        ]
        for p in _PERIODS
    ]
    change = ["Change", html.Br(), html.Small(f"{a.compare} vs before", className="fw-normal")]
    table = html_table(rows, ["Area", *cols, change], table_id="as-table", numeric=(1, 2, 3, 4))
    m, t = a.measures, a.target_test
    facts = [
        f"WDQ: {'–' if m.wdq is None else f'{m.wdq:+.2f}'} ({m.reading})",
        f"Total net effect: {'–' if m.total_net_effect is None else f'{m.total_net_effect:+.1f}'} crimes",
        "Relative change against the control: "
        + ("–" if t.ratio is None else f"{t.ratio:.2f} (95% CI {t.ci_low:.2f}–{t.ci_high or float('inf'):.2f})")
        + f", p = {'–' if t.p_value is None else f'{t.p_value:.3f}'} ({t.method})",
        f"Control: {a.control.label if a.control else 'none'}" + (f" — {a.control.method}" if a.control else ""),
    ]
    if a.wdd_estimate is not None:
        facts.append(f"Weighted displacement difference: {a.wdd_estimate:+d} crimes (standard error {a.wdd_se:.1f})")
    cls = "alert alert-warning" if a.too_few else "alert alert-info"
    return html.Div(
        [
            html.P(res.sentence, id="as-sentence", className=cls + " small"),
            table,
            html.Ul([html.Li(f) for f in facts], className="small", id="as-measures"),
            html.Ul([html.Li(n) for n in a.notes], className="small text-muted") if a.notes else None,
        ]
    )


def _pct(v: float | None) -> str:
    """A signed whole per cent, or a dash when there is none."""
    return "–" if v is None else f"{v:+.0f}%"


def register_callbacks(app: dash.Dash) -> None:
    """The Assessment page's callbacks: show an assessment, record a deployment."""

    @app.callback(
        Output("as-result", "children"),
        Input("as-deployment", "value"),
        Input("as-buffer", "value"),
        Input("as-compare", "value"),
    )
    def show(dep_id: int | None, buffer: float | None, compare: str | None) -> html.P | html.Div:
        if not dep_id:
            return html.P("Record a deployment below, or from a plan on the Deployment page.", className="small")
        from service.assess import AssessOptions, run_assess

        try:
            opts = AssessOptions.from_params({"deployment": dep_id, "buffer": buffer, "compare": compare})
            return _result(run_assess(_source(), opts))
        except (HotspotsError, ValueError) as exc:  # ValueError: the store cannot be read
            return html.P(str(exc), className="alert alert-warning small", id="as-error")

    @app.callback(
        Output("as-record-msg", "children"),
        Output("as-deployment", "options"),
        Output("as-deployment", "value"),
        Input("as-record", "n_clicks"),
        State("as-kind", "value"),
        State("as-e", "value"),
        State("as-n", "value"),
        State("as-radius", "value"),
        State("as-from", "value"),
        State("as-to", "value"),
        State("as-days", "value"),
        State("as-hours", "value"),
        State("as-who", "value"),
        State("as-notes", "value"),
        State("as-deployment", "value"),
        prevent_initial_call=True,
    )
    def record(
        _n: int | None,
        kind: str | None,
        e: str | None,
        n: str | None,
        radius: str | None,
        date_from: str | None,
        date_to: str | None,
        days: list[int] | None,
        hours: str | None,
        who: str | None,
        notes: str | None,
        current: int | None,
    ) -> tuple[html.Span, list[dict] | dash.NoUpdate, int | None]:
        from service.deployments import DeploymentInput, add_deployment

        site = f"{e},{n}" if (e or n) else None
        params = {
            "kind": kind,
            "site": site,
            "radius": radius,
            "from": date_from,
            "to": date_to,
            "days": ",".join(str(d) for d in days or []),
            "hours": hours,
            "who": who,
            "notes": notes,
        }
        try:
            d = add_deployment(_source(), DeploymentInput.from_params(params))
        except (HotspotsError, ValueError) as exc:  # ValueError: the store cannot be read
            return html.Span(str(exc), className="text-danger", id="as-record-error"), dash.no_update, current
        return html.Span(f"Recorded deployment {d.id}.", className="text-success"), _options(), d.id
