"""Data page placeholder (replaced below)."""

from __future__ import annotations

import dash
from dash import html

dash.register_page(__name__, path="/data", name="Data", title="Data", order=9)


def layout(**_query) -> html.Div:
    return html.Div("Data", className="page-card")
