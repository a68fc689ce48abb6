"""JSON/GeoJSON API on the dashboard's Flask server (``/api/...``).

Every endpoint takes the shared selection query parameters (the CLI's names: ``from, to, crime,
ho, sector, zone, days, hours, night_cutoff``; repeated parameters allowed) plus its own, parses
them into the service's options object, calls the service and renders the result.  Errors are
``{"error": message}``: a :class:`service.errors.HotspotsError` with its ``status``, anything else a
logged 500.  GeoJSON is WGS84 (RFC 7946), so QGIS can load a URL such as
``http://127.0.0.1:8050/api/incidents?crime=Burglary`` directly.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboard import data_access
from dashboard.security.responses import PREMARKED, marked_geojson_text
from geo.params import flatten_multi
from render.analysis_json import nte_json, targets_json
from render.geojson import hotspots_geojson, incidents_collection
from render.plan import plan_geojson
from service.errors import HotspotsError, NotFoundError
from service.hotspots import HotspotsOptions, run_hotspots
from service.incidents import IncidentsOptions, limited, run_incidents
from service.nte import NteOptions, run_comparison, run_nte
from service.plan import PlanOptions, run_plan
from service.targets import TargetsOptions, run_targets

blueprint = Blueprint("api", __name__, url_prefix="/api")
log = logging.getLogger(__name__)
ENDPOINTS = ("/api/incidents", "/api/hotspots", "/api/plan", "/api/nte", "/api/targets")


@blueprint.errorhandler(HotspotsError)
def _user_error(exc: HotspotsError) -> tuple[Response, int]:
    return jsonify(error=str(exc)), exc.status


@blueprint.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[Response, int]:
    return jsonify(error=exc.description or exc.name), exc.code or 500


@blueprint.errorhandler(Exception)
def _unexpected(exc: Exception) -> tuple[Response, int]:
    log.exception("API error")
    return jsonify(error=f"internal error ({type(exc).__name__}); see the server log"), 500


def params() -> dict[str, Any]:
    """The request's query parameters (repeated keys become lists)."""
    return flatten_multi(request.args.items(multi=True))


def geojson_response(collection: dict[str, Any]) -> Response:
    """A GeoJSON body with its media type, carrying the protective marking (written in once, here)."""
    body, marking = marked_geojson_text(collection)
    response = Response(body, mimetype="application/geo+json")
    setattr(response, PREMARKED, marking)
    return response


@blueprint.get("/incidents")
def incidents() -> Response:
    """Selected incidents as GeoJSON points; ``limit`` caps the number of features (newest kept)."""
    options = IncidentsOptions.from_params(params())
    result = run_incidents(data_access.source(), options)
    resp = geojson_response(incidents_collection(limited(result, options.limit)))
    resp.headers["X-Selected-Count"] = str(result.count)
    if result.notes:
        resp.headers["X-Selection-Notes"] = " | ".join(result.notes).encode("ascii", "replace").decode()
    return resp


@blueprint.get("/hotspots")
def hotspots() -> Response:
    """Ranked hotspot polygons (GeoJSON, WGS84) for the selection; ``method`` picks the engine method."""
    options = HotspotsOptions.from_params(params())
    found = run_hotspots(data_access.source(), options)
    gj = hotspots_geojson(found.polygons)
    r = found.result
    gj["properties"] = {
        "method": r.method,
        "n_incidents": found.n_incidents,
        "params": json.loads(json.dumps(r.params, default=str)),
        "warnings": list(r.warnings),
        "notes": list(r.notes),
        "selection": options.selection.describe(),
    }
    return geojson_response(gj)


@blueprint.get("/plan")
def plan() -> Response:
    """CCTV van sites or patrol cells (GeoJSON) for the selection (options: :mod:`service.plan`)."""
    run = run_plan(data_access.source(), PlanOptions.from_params(params()))
    return geojson_response(plan_geojson(run))


@blueprint.get("/nte")
def nte() -> Response:
    """Night-time economy analysis (options: :class:`service.nte.NteOptions`; ``crime`` picks the types)."""
    options = NteOptions.from_params(params())
    src = data_access.source()
    return jsonify(nte_json(run_nte(src, options), run_comparison(src, options)))


@blueprint.get("/targets")
def targets() -> Response:
    """Progress against the Home Office targets (options: :class:`service.targets.TargetsOptions`)."""
    return jsonify(targets_json(run_targets(data_access.source(), TargetsOptions.from_params(params()))))


@blueprint.route("/", defaults={"rest": ""})
@blueprint.route("/<path:rest>")
def unknown(rest: str) -> Response:
    """Any other path under ``/api``: a JSON 404 naming the endpoints."""
    raise NotFoundError(f"no API endpoint /api/{rest}; try {', '.join(ENDPOINTS)}")
