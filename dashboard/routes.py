"""Every Flask route of the dashboard outside Dash's pages: the ``/api`` blueprint and ``/briefing``.

Pages never register routes themselves; :func:`register` adds them all once per app.
"""

from __future__ import annotations

import html
import logging

import flask
from flask import Response, request

from dashboard import data_access
from dashboard.api import blueprint
from geo.params import flatten_multi
from service.assess import quarterly_report
from service.briefing import run_briefing
from service.errors import HotspotsError, OptionsError
from service.plan import PlanOptions

log = logging.getLogger(__name__)


def _error_page(message: str, status: int, what: str = "Briefing") -> Response:
    back = ("/deployment", "Deployment") if what == "Briefing" else ("/sectors", "Sectors")
    body = (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{what} not available</title></head>'
        f"<body><h1>{what} not available</h1><p>{html.escape(message)}</p>"
        f'<p><a href="{back[0]}">Back to the {back[1]} page</a></p></body></html>'
    )
    return Response(body, status=status, mimetype="text/html")


def briefing_view() -> Response:
    """``/briefing?...``: the printable one-page briefing for the selection and plan options."""
    try:
        options = PlanOptions.from_params(flatten_multi(request.args.items(multi=True)))
        cfg = data_access.settings()
        page = run_briefing(data_access.source(), options, tile_url=cfg.tile_url, tile_attribution=cfg.tile_attribution)
    except HotspotsError as exc:
        return _error_page(str(exc), exc.status)
    except Exception:
        log.exception("briefing failed")
        return _error_page("an internal error happened; it has been logged", 500)
    return Response(page.html, mimetype="text/html")


def report_pdf_view() -> Response:
    """``/report.pdf?quarter=2007/08 Q3``: the one-page quarterly report (latest quarter by default)."""
    unknown = sorted(set(request.args) - {"quarter"})
    try:
        if unknown:
            raise OptionsError(f"unknown parameter '{unknown[0]}': use quarter")
        rep = quarterly_report(data_access.source(), request.args.get("quarter") or None)
    except HotspotsError as exc:
        return _error_page(str(exc), exc.status, "Report")
    except Exception:
        log.exception("quarterly report failed")
        return _error_page("an internal error happened; it has been logged", 500, "Report")
    headers = {"Content-Disposition": f'inline; filename="{rep.filename}.pdf"'}
    return Response(rep.pdf, mimetype="application/pdf", headers=headers)


def register(server: flask.Flask) -> None:
    """Add the API blueprint, ``/briefing`` and ``/report.pdf`` to the Flask server (once per app)."""
    if "api" not in server.blueprints:
        server.register_blueprint(blueprint)
    if "deployment_briefing" not in server.view_functions:
        server.add_url_rule("/briefing", "deployment_briefing", briefing_view)
    if "quarterly_report_pdf" not in server.view_functions:
        server.add_url_rule("/report.pdf", "quarterly_report_pdf", report_pdf_view)
