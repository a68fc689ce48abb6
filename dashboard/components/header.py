"""The common header: district, partnership, the data's date range and the page navigation."""

from __future__ import annotations

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, dcc, html

from dashboard import state
from geo.config import District
from service.params import SHARED_PARAMS


def _pages() -> list[dict]:
    return sorted(dash.page_registry.values(), key=lambda p: (p.get("order", 99), p["name"]))


def data_line(summary: dict | None, error: str | None = None) -> str:
    """'Data 01/04/2003 to 28/02/2022 · 55,900 incidents · 49,060 synthetic (demo)'."""
    if summary and summary.get("total"):
        lo, hi = state.fmt_date(summary.get("date_from")), state.fmt_date(summary.get("date_to"))
        line = f"Data {lo} to {hi} · {summary['total']:,} incidents"
        if summary.get("synthetic"):
            line += f" · {summary['synthetic']:,} synthetic (demo)"
        return line
    return error or "The store holds no incidents yet: add a file on the Data page."


def header(district: District, summary: dict | None, error: str | None = None) -> html.Header:
    """Header bar.  ``summary`` is ``store.summary()`` (None when the store cannot be read)."""
    line = data_line(summary, error)
    nav = html.Nav(
        html.Ul(
            [
                html.Li(
                    dcc.Link(
                        page["name"],
                        href=page["relative_path"],
                        id={"type": "nav-link", "path": page["path"]},
                        className="nav-link",
                    ),
                    className="nav-item",
                )
                for page in _pages()
            ],
            className="nav nav-pills",
        ),
        **{"aria-label": "Pages"},
    )
    return html.Header(
        html.Div(
            [
                html.Div(
                    [
                        html.H1(
                            [f"{district.name} crime and ASB hotspots"],
                            className="h5 mb-0 text-white",
                        ),
                        html.Div(
                            [html.Span(district.partnership), html.Span(" · "), html.Span(line, id="hdr-data")],
                            className="small text-white-50",
                        ),
                    ],
                    className="me-3",
                ),
                nav,
            ],
            className="container-fluid d-flex flex-wrap align-items-center justify-content-between gap-2",
        ),
        className="app-header py-2 mb-2",
    )


def register(app: dash.Dash) -> None:
    """Nav links keep the current filters (query string) and highlight the current page.

    In the browser (``assets/hotspots-shell.js``): a filter change then sends the server no
    request for the links, which used to take a worker beside the map's own callbacks.  Which
    parameters travel is :data:`service.params.SHARED_PARAMS`, held in the shell's store.
    """
    app.clientside_callback(
        ClientsideFunction(namespace="hotspots_shell", function_name="navLinks"),
        Output({"type": "nav-link", "path": ALL}, "href"),
        Output({"type": "nav-link", "path": ALL}, "className"),
        Input("url", "search"),
        Input("url", "pathname"),
        State({"type": "nav-link", "path": ALL}, "href"),
        State(SHARED_PARAMS_STORE, "data"),
    )


#: The shell's store of the query parameters every page shares (read by the nav links in the browser).
SHARED_PARAMS_STORE = "shared-params"


def shared_params_store() -> dcc.Store:
    """The store the shell holds :data:`service.params.SHARED_PARAMS` in."""
    return dcc.Store(id=SHARED_PARAMS_STORE, data=list(SHARED_PARAMS))
