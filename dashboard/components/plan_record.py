"""The Deployment page's "record this plan" form: the plan of the URL goes into the deployment log.

The deployment is dated the week the plan is for (:func:`service.plan.plan_window`), so its
assessment on the Assess page has the periods around it.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from dashboard import data_access, state
from dashboard.components.filters import URL
from dashboard.errors import explain
from service.deployments import record_from_plan
from service.errors import HotspotsError
from service.plan import PLAN_PARAMS


def _field(label: str, control: Component, html_for: str, hint: str) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=html_for, className="form-label small fw-semibold mb-1 d-block"),
            control,
            html.Div(hint, className="form-text mt-0 small"),
        ]
    )


def record_controls() -> html.Div:
    """Record the plan shown as a deployment, to assess it later."""
    return html.Div(
        [
            _field(
                "Who",
                dcc.Input(id="dep-record-who", type="text", value="", maxLength=80, className="form-control"),
                "dep-record-who",
                "Who carries out the plan (officer or team)",
            ),
            html.Button(
                "Record this plan", id="dep-record", n_clicks=0, type="button", className="btn btn-primary btn-sm"
            ),
            html.Div(id="dep-record-msg", role="status", className="small", **{"aria-live": "polite"}),
        ],
        className="page-card mt-2 dep-record",
    )


def register_record(app: dash.Dash) -> None:
    """Record the plan of the URL (selection and plan options) in the deployment log."""

    @app.callback(
        Output("dep-record-msg", "children"),
        Input("dep-record", "n_clicks"),
        State(URL, "search"),
        State("dep-record-who", "value"),
        prevent_initial_call=True,
    )
    def record(n_clicks: int | None, search: str | None, who: str | None) -> Component | str:
        if not n_clicks:
            return dash.no_update
        params = state.parse_search(search)
        keep = {k: v for k, v in params.items() if k in state.SHARED_PARAMS or k in PLAN_PARAMS}
        try:
            recorded = record_from_plan(data_access.source(), keep, (who or "").strip(), "")
        except HotspotsError as exc:
            return html.Span(str(exc), className="text-danger")
        except Exception as exc:
            return explain(exc, "The plan could not be recorded")
        href = app.get_relative_path(f"/assess?deployment={recorded.id}")
        when = f" (for {recorded.date_from:%d/%m/%Y}–{recorded.date_to:%d/%m/%Y}, the week after the plan's data)"
        return html.Span(
            [dcc.Link(f"Recorded deployment {recorded.id}: see its assessment", href=href, id="dep-record-link"), when]
        )
