"""Sectors and targets page (scaffold: the analysis it shows lands with geo/ in the second round)."""

from __future__ import annotations

import dash
from dash import html

dash.register_page(__name__, path="/sectors", name="Sectors and targets", title="Sectors and targets", order=3)


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.H2("Sectors and targets", className="h4"),
            html.P("Counts and trends per police sector, and progress against the Home Office reduction targets."),
            html.P(
                "Scaffold: this page is coming soon. It will use the shared filters on the left.",
                className="text-muted",
            ),
        ],
        className="page-card",
    )
