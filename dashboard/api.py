"""JSON/GeoJSON API on the dashboard's Flask server (``/api/...``).

Every endpoint takes the shared selection query parameters (the CLI's names: ``from, to, crime,
ho, sector, zone, days, hours, night_cutoff``; repeated parameters allowed) plus its own.  Errors
are ``{"error": message}`` with a 4xx status, never a stack trace.  GeoJSON is WGS84 (RFC 7946),
so QGIS can load a URL such as ``http://127.0.0.1:8050/api/incidents?crime=Burglary`` directly.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboard import data_access, hotspot_data, hotspot_layers
from dashboard.state import SHARED_PARAMS
from geo.hotspots import DEFAULT_METHOD, METHODS
from geo.params import flatten_multi, selection_from_mapping
from geo.store import StoreError

blueprint = Blueprint("api", __name__, url_prefix="/api")
log = logging.getLogger(__name__)

#: Properties of each incident feature.
INCIDENT_PROPERTIES = (
    "incident_id",
    "crime_type",
    "ho_category",
    "occurred_from",
    "occurred_to",
    "time_precision",
    "location",
    "sector",
    "ward_name",
    "lsoa_code",
    "outcome",
    "source",
    "synthetic",
)


class ApiError(Exception):
    """A client error: answered as ``{"error": message}`` with ``status``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@blueprint.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return jsonify(error=str(exc)), exc.status


@blueprint.errorhandler(ValueError)
def _value_error(exc: ValueError):
    # Selection and analysis errors are ValueError subclasses with a message meant for users.
    return jsonify(error=str(exc)), 400


@blueprint.errorhandler(StoreError)
def _store_error(exc: StoreError):
    return jsonify(error=str(exc)), 503


@blueprint.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return jsonify(error=exc.description or exc.name), exc.code or 500


@blueprint.errorhandler(Exception)
def _unexpected(exc: Exception):
    log.exception("API error")
    return jsonify(error=f"internal error ({type(exc).__name__}); see the server log"), 500


def _params(extra: tuple[str, ...] = ()) -> dict:
    params = flatten_multi(request.args.items(multi=True))
    unknown = sorted(set(params) - set(SHARED_PARAMS) - set(extra))
    if unknown:
        allowed = ", ".join((*SHARED_PARAMS, *extra))
        raise ApiError(f"unknown parameter(s) {', '.join(unknown)}; use {allowed}")
    return params


def _selection(params: dict):
    return selection_from_mapping({k: v for k, v in params.items() if k in SHARED_PARAMS})


def _one(params: dict, key: str, default=None):
    value = params.get(key, default)
    if isinstance(value, list):
        raise ApiError(f"parameter '{key}' given more than once")
    return value


def _int(params: dict, key: str, default: int | None, lo: int, hi: int) -> int | None:
    value = _one(params, key)
    if value is None or value == "":
        return default
    try:
        n = int(value)
    except ValueError:
        raise ApiError(f"parameter '{key}' must be a whole number, got '{value}'") from None
    if not lo <= n <= hi:
        raise ApiError(f"parameter '{key}' must be between {lo} and {hi}, got {n}")
    return n


def _geojson_response(payload: dict | str) -> Response:
    body = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return Response(body, mimetype="application/geo+json")


def _iso(series: pd.Series) -> list:
    out = series.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    # RFC 3339 offset with a colon, e.g. +01:00
    return [None if pd.isna(v) else f"{v[:-2]}:{v[-2:]}" for v in out]


def incidents_geojson(df: pd.DataFrame) -> str:
    """Canonical incidents -> GeoJSON FeatureCollection text (points in WGS84)."""
    df = df[df["longitude"].notna() & df["latitude"].notna()]
    cols = {}
    for c in INCIDENT_PROPERTIES:
        if c not in df:
            continue
        s = df[c]
        if c in ("occurred_from", "occurred_to"):
            cols[c] = _iso(s)
        elif c == "synthetic":
            cols[c] = s.fillna(False).astype(bool).tolist()
        else:
            cols[c] = [None if pd.isna(v) else v for v in s.astype(object)]
    zone_cols = [c for c in df.columns if c.startswith("in_zone_")]
    for c in zone_cols:
        cols[c] = df[c].fillna(False).astype(bool).tolist()
    lon = np.round(df["longitude"].to_numpy(), 6).tolist()
    lat = np.round(df["latitude"].to_numpy(), 6).tolist()
    names = list(cols)
    values = list(zip(*cols.values(), strict=True)) if names else [()] * len(df)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [x, y]},
            "properties": dict(zip(names, v, strict=True)),
        }
        for x, y, v in zip(lon, lat, values, strict=True)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))


@blueprint.get("/incidents")
def incidents():
    """Selected incidents as GeoJSON points; ``limit`` caps the number of features (newest kept)."""
    params = _params(("limit",))
    sel = _selection(params)
    limit = _int(params, "limit", None, 1, 10_000_000)
    result = data_access.select(sel)
    df = result.incidents
    if limit is not None and len(df) > limit:
        df = df.iloc[-limit:]
    resp = _geojson_response(incidents_geojson(df))
    resp.headers["X-Selected-Count"] = str(len(result.incidents))
    if result.notes:
        resp.headers["X-Selection-Notes"] = " | ".join(result.notes).encode("ascii", "replace").decode()
    return resp


@blueprint.get("/hotspots")
def hotspots():
    """Ranked hotspot polygons (GeoJSON, WGS84) for the selection; ``method`` picks the engine method."""
    params = _params(("method",))
    sel = _selection(params)
    method = _one(params, "method") or DEFAULT_METHOD
    if method not in METHODS:
        raise ApiError(f"unknown method '{method}'; choose from {', '.join(METHODS)}")
    result = hotspot_data.hotspots(sel, method)
    gj = hotspot_layers.hotspots_geojson(result)
    gj["properties"] = {
        "method": result.method,
        "n_incidents": int(result.n_incidents),
        "params": json.loads(json.dumps(result.params, default=str)),
        "warnings": list(result.warnings),
        "notes": list(result.notes),
        "selection": sel.describe(),
    }
    return _geojson_response(gj)


@blueprint.get("/plan")
def plan():
    """CCTV van sites or patrol cells (GeoJSON) for the selection: see dashboard/api_plan.py."""
    from dashboard.api_plan import PLAN_PARAMS, plan_response

    return plan_response(_params(PLAN_PARAMS))


@blueprint.get("/nte")
def nte():
    """Night-time economy analysis: JSON from dashboard.api_analysis.nte_json (see its docstring)."""
    from dashboard import api_analysis

    params = _params(api_analysis.NTE_PARAMS)
    return jsonify(api_analysis.nte_json(_selection(params), params))


@blueprint.get("/targets")
def targets():
    """Progress against the Home Office targets: JSON from dashboard.api_analysis.targets_json."""
    from dashboard import api_analysis

    params = _params(api_analysis.TARGET_PARAMS)
    return jsonify(api_analysis.targets_json(_selection(params), params))


@blueprint.route("/", defaults={"rest": ""})
@blueprint.route("/<path:rest>")
def unknown(rest: str):
    raise ApiError(
        f"no API endpoint /api/{rest}; try /api/incidents, /api/hotspots, /api/plan, /api/nte, /api/targets", 404
    )
