"""Build the Dash app: ``create_app(store_path, district) -> dash.Dash``.

Structure::

    header (district, partnership, data date range, nav)      components/header.py
    filters panel (shared, state in the URL query string)     components/filters.py
    page container (Dash Pages from dashboard/pages/)         pages/*.py
    /api/* JSON and GeoJSON                                    api.py

Adding a page: drop ``dashboard/pages/<name>.py`` calling ``dash.register_page(__name__,
path=..., name=..., order=...)`` with a ``layout(**query)`` function, and, for callbacks, a
``register_callbacks(app)`` function using ``app.callback`` (not ``dash.callback``) so that every
app instance gets its own.  Read the selection with ``Input(SELECTION_STORE, "data")`` and
``state.selection_from_store``; parse the page's options into a :mod:`service` options object, call
its ``run_*`` function with ``data_access.source()`` and render the result.  Flask routes live in
:mod:`dashboard.routes`, never in a page.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import dash
from dash import dcc, html

from dashboard import data_access, routes
from dashboard.components import filters, header
from dashboard.errors import explain
from dashboard.security import SecurityConfig, install_security
from geo.config import District

PACKAGE_DIR = Path(__file__).resolve().parent
PAGES_DIR = PACKAGE_DIR / "pages"
ASSETS_DIR = PACKAGE_DIR.parent / "assets"

log = logging.getLogger(__name__)

#: Pages that do not use the shared filters: the panel is hidden there (the page says where its options are).
NO_FILTER_PAGES = ("/data", "/assess", "/public")
#: Dash's page template with the document language set (screen readers pick the voice from it; WCAG 3.1.1).
INDEX_STRING = """<!DOCTYPE html>
<html lang="en-GB">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def _shell() -> html.Div:
    """The layout around every page (a function: re-read per page load, inside a request)."""
    cfg = data_access.settings()
    district = data_access.district(cfg)
    summary, error = None, None
    try:
        summary = data_access.summary(cfg)
    except Exception as exc:  # a missing or locked store must not break the page: say so in the header
        error = explain(exc, "The store cannot be read")
    lo = hi = dated = None
    if summary and summary.get("total"):
        lo, hi = summary["date_from"].date(), summary["date_to"].date()
        dated = summary["dated_to"].date() if summary.get("dated_to") is not None else None
    return html.Div(
        [
            dcc.Location(id=filters.URL, refresh=False),
            dcc.Store(id=filters.SELECTION_STORE),
            header.shared_params_store(),
            header.header(district, summary, error),
            html.Div(
                html.Div(
                    [
                        html.Aside(
                            html.Details(
                                [
                                    html.Summary("Filters", className="d-lg-none fw-semibold mb-2"),
                                    filters.panel(district, hi, lo, dated),
                                ],
                                open=True,
                                id="filters-details",
                            ),
                            className="col-12 col-lg-4 col-xl-3 sidebar",
                            id="filters-aside",
                            **{"aria-label": "Filters"},
                        ),
                        html.Main(dash.page_container, className="col-12 col-lg-8 col-xl-9", id="main"),
                    ],
                    className="row g-3",
                ),
                className="container-fluid",
            ),
        ]
    )


def _register_filter_visibility(app: dash.Dash) -> None:
    """Hide the filters panel on the pages that do not use it, and give the page the full width there."""
    paths = json.dumps([app.get_relative_path(p).rstrip("/") for p in NO_FILTER_PAGES])
    app.clientside_callback(
        "function(pathname) {"
        ' const here = (pathname || "/").replace(/\\/+$/, "");'
        f" const hide = {paths}.indexOf(here) >= 0;"
        ' return [hide ? {display: "none"} : {}, hide ? "col-12" : "col-12 col-lg-8 col-xl-9"]; }',
        dash.Output("filters-aside", "style"),
        dash.Output("main", "className"),
        dash.Input(filters.URL, "pathname"),
    )


def create_app(
    store_path: str | Path | None = None,
    district: str | Path | District | None = None,
    *,
    tile_url: str | None = None,
    security: SecurityConfig | None = None,
) -> dash.Dash:
    """Build the dashboard.

    Parameters
    ----------
    store_path : path, optional
        DuckDB store (default ``$HOTSPOTS_STORE`` or ``var/hotspots.duckdb``).  Read-only apart
        from uploads on the Data page.
    district : path or District, optional
        District folder (default: the bundled Winchester).
    tile_url : str, optional
        Map tile URL template (default ``$HOTSPOTS_TILE_URL`` or OpenStreetMap).
    security : dashboard.security.SecurityConfig, optional
        ``None`` (default): login, roles and audit on (see docs/security.md).

    Returns
    -------
    dash.Dash
        ``app.server`` is the Flask WSGI app, with the ``/api`` blueprint registered.
    """
    cfg = data_access.AppSettings.build(store_path, district, tile_url=tile_url)
    district_obj = data_access.district(cfg)
    app = dash.Dash(
        "dashboard",
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        external_stylesheets=[],
        external_scripts=[],
        serve_locally=True,
        title=f"{district_obj.name} hotspots",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    app.server.config["HOTSPOTS"] = cfg
    data_access.share_reads_per_request(app.server, cfg)
    app.enable_dev_tools(debug=False, dev_tools_disable_version_check=True)
    app.index_string = INDEX_STRING
    app.layout = _shell
    filters.register(app)
    # On a narrow screen (tablet, phone) start with the filters folded so the page content shows first.
    app.clientside_callback(
        "function(_) { return window.innerWidth >= 992; }",
        dash.Output("filters-details", "open"),
        dash.Input("filters-details", "id"),
    )
    _register_filter_visibility(app)
    header.register(app)
    # Pages register their callbacks on this app (dash.callback would bind them to the first app only).
    for page in dash.page_registry.values():
        module = sys.modules.get(page["module"])
        hook = getattr(module, "register_callbacks", None)
        if hook:
            hook(app)
    routes.register(app.server)
    install_security(
        app, security, store_path=cfg.store_path, district_folder=cfg.district_folder, tile_url=cfg.tile_url
    )
    # Build the static map layers now rather than on the first visitor's request.
    try:
        data_access.static_layers(cfg.district_folder)
    except Exception as exc:  # reported on the map page itself
        explain(exc, "could not build the district's map layers")
    return app
