"""Night-time economy page (scaffold: the analysis it shows lands with geo/ in the second round)."""

from __future__ import annotations

import dash
from dash import html

dash.register_page(__name__, path="/night-time-economy", name="Night-time economy", title="Night-time economy", order=2)


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.H2("Night-time economy", className="h4"),
            html.P("Night-time economy violence by hour and night of week, and incidents around licensed premises."),
            html.P(
                "Scaffold: this page is coming soon. It will use the shared filters on the left.",
                className="text-muted",
            ),
        ],
        className="page-card",
    )
