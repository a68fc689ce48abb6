"""Deployment page (scaffold: the analysis it shows lands with geo/ in the second round)."""

from __future__ import annotations

import dash
from dash import html

dash.register_page(__name__, path="/deployment", name="Deployment", title="Deployment", order=1)


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.H2("Deployment", className="h4"),
            html.P(
                "Where to put the mobile CCTV van and patrols: ranked sites covering the most selected "
                "incidents, and how past deployments did."
            ),
            html.P(
                "Scaffold: this page is coming soon. It will use the shared filters on the left.",
                className="text-muted",
            ),
        ],
        className="page-card",
    )
