"""The ``after_request`` side: strip forbidden outputs, headers, CSV safety, ETag/Range, audit rows."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, g, request
from flask_wtf.csrf import generate_csrf

from dashboard.security import policy
from dashboard.security.auth import SecurityState, client_address
from render.geojson import mark_geojson, mark_geojson_text
from render.safe import mark_csv_text, marked_filename, neutralise_csv_text

log = logging.getLogger(__name__)
CSRF_COOKIE = "hotspots_csrf"
_FEATURE = re.compile(rb'"type":\s*"Feature"')
_JSON_TYPES = ("application/json", "application/geo+json")
#: Inline event handlers the printable pages use (allowed by hash only, through 'unsafe-hashes').
INLINE_HANDLERS = ("window.print()",)


def _sha256(text: str) -> str:
    import base64
    import hashlib

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def content_security_policy(tile_url: str | None, script_hashes: list[str]) -> str:
    """The Content-Security-Policy the dashboard works under.

    Dash's renderer evaluates clientside callbacks and plotly builds functions at run time, so
    scripts need ``'unsafe-eval'``; Dash's inline scripts are allowed by their hashes, and the print
    button of the briefing (``onclick="window.print()"``) by its hash; plotly and Leaflet set inline
    styles.  Images may come from the configured tile server.
    """
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0"))
        if parts.scheme in ("http", "https") and parts.hostname:
            host = tile_url.split("/")[2]
            tiles = f" {parts.scheme}://{host.replace('{s}', '*')}"
    hashes = " ".join(h if h.startswith("'") else f"'{h}'" for h in script_hashes)
    handlers = " ".join(_sha256(h) for h in INLINE_HANDLERS)
    return (
        "default-src 'self'; "
        f"script-src 'self' 'unsafe-eval' 'unsafe-hashes' {hashes} {handlers}; "
        "style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{tiles}; "
        "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def _strip_outputs(response: Response, strip: set[str]) -> None:
    try:
        body = json.loads(response.get_data())
    except ValueError:
        response.set_data(b'{"error": "answer withheld"}')
        response.status_code = 403
        return
    for section in ("response", "sideUpdate"):
        part = body.get(section)
        if not isinstance(part, dict):
            continue
        for key in list(part):
            comp = json.loads(key) if key.startswith("{") else key
            if policy.output_key(comp) in strip:
                del part[key]
    response.set_data(json.dumps(body))
    response.headers["X-Hotspots-Withheld"] = ", ".join(sorted(strip))


def _row_count(response: Response) -> int | None:
    if response.direct_passthrough or response.is_streamed:
        return None
    mimetype = response.mimetype or ""
    data = response.get_data()
    if mimetype == "application/geo+json" or (mimetype in _JSON_TYPES and b'"FeatureCollection"' in data[:200]):
        return len(_FEATURE.findall(data))
    if mimetype == "text/csv":
        return max(0, data.count(b"\n") - 1)
    return None


def _dash_details(response: Response, keys: list[str]) -> tuple[str, int | None]:
    """A download's file name and row count from a callback answer."""
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return "", None
    names, rows = [], None
    for key, props in (body.get("response") or {}).items():
        if key not in keys or not isinstance(props, dict):
            continue
        for value in props.values():
            if isinstance(value, dict) and isinstance(value.get("content"), str):
                names.append(str(value.get("filename", "")))
                rows = (rows or 0) + max(0, value["content"].count("\n") - 1)
    return ", ".join(names), rows


def _audit(state: SecurityState, response: Response) -> None:
    entries = getattr(g, "audit", None)
    user = getattr(g, "user", None)
    if not entries or user is None or response.status_code >= 400:
        return
    route = request.full_path.rstrip("?")
    is_callback = request.path == "/_dash-update-component"
    rows_to_write = []
    for action, what in entries:
        detail, rows = what, None
        if is_callback:
            name, rows = _dash_details(response, [what])
            body = getattr(g, "callback_body", {}) or {}
            if action == "upload":
                name = _upload_name(body)
            detail = f"callback {what}" + (f"; {name}" if name else "")
            selection = _selection_of(body)
            if selection:
                detail += f"; selection {selection}"
        else:
            rows = _row_count(response)
        rows_to_write.append({"action": action, "detail": detail, "rows": rows})
    status, address = response.status_code, client_address()

    def write() -> None:
        for row in rows_to_write:
            try:
                state.audit(
                    row["action"], user, address, route=route, detail=row["detail"], rows=row["rows"], status=status
                )
            except Exception:  # the answer has been sent; a failed audit write is logged loudly
                log.exception("could not write the audit row for %s", route)

    # Written once the answer has gone (the WSGI server closes the response after its last byte):
    # the user does not wait for the store's write lock and commit.
    response.call_on_close(write)


def _upload_name(body: dict) -> str:
    for item in body.get("state") or []:
        if isinstance(item, dict) and item.get("property") == "filename":
            return str(item.get("value") or "")
    return ""


def _selection_of(body: dict) -> str:
    for item in (body.get("inputs") or []) + (body.get("state") or []):
        if isinstance(item, dict) and item.get("id") == "selection" and item.get("value"):
            return json.dumps(item["value"], separators=(",", ":"), default=str)[:1500]
    return ""


def _mark_printable(response: Response, marking: str) -> None:
    """Print the protective marking at the top and foot of a briefing or report page."""
    if response.mimetype != "text/html" or response.is_streamed or not marking:
        return
    html = response.get_data(as_text=True)
    if "<body" not in html or 'class="protective-marking"' in html:
        return
    from render.safe import escape_html

    style = "text-align:center;font:bold 9pt sans-serif;letter-spacing:0.08em;margin:2px 0"
    banner = f'<div class="protective-marking" style="{style}">{escape_html(marking)}</div>'
    start = html.index(">", html.index("<body")) + 1
    end = html.rfind("</body>")
    html = html[:start] + banner + (html[start:end] + banner + html[end:] if end > start else html[start:])
    response.set_data(html)


def _mark_download(value: dict, marking: str) -> None:
    """Mark one ``dcc.Download`` answer (text content only) and put the marking in its file name."""
    name = str(value.get("filename") or "")
    if not isinstance(value.get("content"), str) or value.get("base64"):
        return
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext == "csv":
        value["content"] = mark_csv_text(value["content"], marking)
    elif ext in ("geojson", "json"):
        value["content"] = mark_geojson_text(value["content"], marking)
    if name:
        value["filename"] = marked_filename(name, marking)


#: The attribute a route sets on its response when it put the marking into its GeoJSON itself
#: (:func:`marked_geojson_text`): reading hundreds of outlines back only to add one member costs
#: more than writing them.
PREMARKED = "hotspots_premarked"


def marked_geojson_text(collection: dict[str, Any]) -> tuple[str, str]:
    """GeoJSON text of ``collection`` with this server's protective marking, and the marking used.

    Marks the dict in place as :func:`render.geojson.mark_geojson` does (no marking configured, or
    no security layer: unchanged).  Set :data:`PREMARKED` on the response to the marking returned.
    """
    state = current_app.extensions.get("hotspots_security")
    marking = state.privacy.marking if state is not None else ""
    return json.dumps(mark_geojson(collection, marking), separators=(",", ":")), marking


def _mark_exports(response: Response, marking: str) -> None:
    """The protective marking on every exported file: API GeoJSON, CSV answers and Dash downloads."""
    if not marking or response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return
    mimetype = response.mimetype or ""
    if request.path == "/_dash-update-component" and mimetype == "application/json":
        data = response.get_data()
        if b'"filename"' not in data:
            return
        body = json.loads(data)
        for props in (body.get("response") or {}).values():
            for value in props.values() if isinstance(props, dict) else ():
                if isinstance(value, dict) and "filename" in value and "content" in value:
                    _mark_download(value, marking)
        response.set_data(json.dumps(body))
    elif mimetype == "application/geo+json":
        if getattr(response, PREMARKED, None) != marking:
            response.set_data(mark_geojson_text(response.get_data(as_text=True), marking))
        stem = request.path.rstrip("/").rsplit("/", 1)[-1] or "layer"
        name = marked_filename(f"{stem}.geojson", marking)
        response.headers.setdefault("Content-Disposition", f'inline; filename="{name}"')
    elif mimetype == "text/csv":
        response.set_data(mark_csv_text(response.get_data(as_text=True), marking).encode("utf-8"))


def _conditional(response: Response) -> None:
    """ETag, If-None-Match and byte ranges on complete JSON/GeoJSON answers (GDAL reads in ranges)."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return
    if (response.mimetype or "") not in _JSON_TYPES or response.is_streamed:
        return
    data = response.get_data()
    response.add_etag()
    response.make_conditional(request, accept_ranges=True, complete_length=len(data))


def make_after_request(state: SecurityState, csp: dict[str, Any]) -> Callable[[Response], Response]:
    """The ``after_request`` hook; ``csp`` holds the policy text once computed (lazily)."""

    def after_request(response: Response) -> Response:
        strip = getattr(g, "strip", None)
        if strip and request.path == "/_dash-update-component" and response.status_code == 200:
            _strip_outputs(response, strip)
        _mark_exports(response, state.privacy.marking)
        if not state.config.disabled_for_tests:
            _audit(state, response)
        if any(action in ("briefing", "report") for action, _ in getattr(g, "audit", None) or ()):
            _mark_printable(response, state.privacy.marking)
        h = response.headers
        h.setdefault("Content-Security-Policy", csp.get("value") or csp["build"]())
        h["X-Frame-Options"] = "DENY"
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "same-origin"
        h["X-Protective-Marking"] = state.privacy.marking
        mimetype = response.mimetype or ""
        if mimetype in (*_JSON_TYPES, "text/csv", "text/html") and "Cache-Control" not in h:
            h["Cache-Control"] = "private, no-cache"
        if mimetype == "text/csv" and not response.is_streamed:
            response.set_data(neutralise_csv_text(response.get_data(as_text=True)).encode("utf-8"))
        _conditional(response)
        if not state.config.disabled_for_tests and mimetype == "text/html" and getattr(g, "user", None):
            response.set_cookie(
                CSRF_COOKIE, generate_csrf(), samesite="Strict", secure=request.is_secure, httponly=False
            )
        return response

    return after_request
