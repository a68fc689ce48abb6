"""The request hooks that enforce the policy on the server, for every route and Dash callback.

``before_request``: Host allow-list, upload size, who is asking, CSRF, then the policy table
(:mod:`dashboard.security.policy`): a Flask route by its path, a Dash page by its path, a Dash
callback by the output ids in its JSON body.  ``after_request``: strip point outputs a role may not
have, security headers, the protective marking, CSV formula neutralisation, ETag/Range on JSON
answers, and the audit row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Response, g, jsonify, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.wrappers import Response as WerkzeugResponse

from dashboard.security import policy
from dashboard.security.auth import (
    ANONYMOUS_PUBLIC,
    SecurityState,
    bearer_token,
    proxy_user_name,
    session_account,
)
from dashboard.security.policy import Rule
from dashboard.security.views import forbidden_page, page
from geo import accounts
from render.safe import escape_html

if TYPE_CHECKING:
    from dash import html

DASH_UPDATE = "/_dash-update-component"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _wants_json(path: str) -> bool:
    return path.startswith("/api/") or path == "/api" or path.startswith("/_dash-") or path.startswith("/_security/")


def _error(path: str, status: int, message: str) -> Response:
    if _wants_json(path):
        resp = jsonify(error=message)
        resp.status_code = status
        return resp
    return Response(message, status=status, mimetype="text/plain")


def _host_allowed(state: SecurityState) -> bool:
    host = (request.host or "").lower()
    name = host[1 : host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
    return name in state.config.allowed_hosts


def _strip_token_param() -> None:
    """Drop ``token`` from the query string so views, logs and the audit never see it."""
    if "token" not in request.args:
        return
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
    query = urlencode(kept)
    request.environ["QUERY_STRING"] = query
    request.query_string = query.encode("latin-1")
    request.__dict__.pop("args", None)


def _dash_response(outputs: dict) -> Response:
    from plotly.utils import PlotlyJSONEncoder

    body = json.dumps({"multi": True, "response": outputs}, cls=PlotlyJSONEncoder)
    return Response(body, mimetype="application/json")


def _notice(text: str) -> html.Div:
    from dash import html

    return html.Div(
        [html.H1("Not available to your role", className="h4"), html.P(text)],
        className="alert alert-warning mt-3",
        role="alert",
    )


def _flat_outputs(body: dict) -> list[dict]:
    outs = body.get("outputs")
    items = outs if isinstance(outs, list) else [outs]
    flat = []
    for item in items:
        flat.extend(item if isinstance(item, list) else [item])
    return [o for o in flat if isinstance(o, dict)]


def _input_value(body: dict, component: str, prop: str) -> Any:
    for item in (body.get("inputs") or []) + (body.get("state") or []):
        for one in item if isinstance(item, list) else [item]:
            if isinstance(one, dict) and one.get("id") == component and one.get("property") == prop:
                return one.get("value")
    return None


def _check_callback(state: SecurityState, role: str) -> Response | None:
    """Refuse, answer (a page refusal) or allow a Dash callback; remember outputs to strip."""
    body = request.get_json(silent=True) or {}
    outputs = _flat_outputs(body)
    ids = [o.get("id") for o in outputs]
    if policy.PAGES_CONTENT in ids:
        path = _input_value(body, policy.PAGES_LOCATION, "pathname") or "/"
        rule = policy.page_rule(path) or Rule(policy.DEFAULT_CAPABILITY)
        if not policy.allowed(role, rule):
            text = f"The page {path} is not available to the {role} role. Ask an analyst if you need it."
            if g.user is ANONYMOUS_PUBLIC:
                text = f"The page {path} needs a login: log in at /login, or stay on the Public view (/public)."
            return _dash_response({policy.PAGES_CONTENT: {"children": _notice(text)}})
        g.audit = [(rule.audit, f"page {path}")] if rule.audit and rule.audit != "upload" else []
        return None
    denied, audits = [], []
    for comp in ids:
        rule = policy.output_rule(comp)
        if policy.allowed(role, rule):
            if rule.audit and rule.audit not in {a for a, _ in audits}:  # one row per action and callback
                audits.append((rule.audit, policy.output_key(comp)))
        elif rule.strip:
            g.strip = {*getattr(g, "strip", set()), policy.output_key(comp)}
        else:
            denied.append(policy.output_key(comp))
    if denied:
        return _error(DASH_UPDATE, 403, f"not available to the {role} role: {', '.join(sorted(set(denied)))}")
    g.audit = audits
    g.callback_body = body
    return None


def _authorise(state: SecurityState, path: str) -> WerkzeugResponse | None:
    role = g.user.role
    if path == DASH_UPDATE and request.method == "POST":
        return _check_callback(state, role)
    rule = policy.route_rule(path)
    is_page = rule is None and request.method in _SAFE_METHODS and policy.page_rule(path) is not None
    if rule is None:
        rule = policy.page_rule(path) if is_page else Rule(policy.DEFAULT_CAPABILITY)
    if not policy.allowed(role, rule):
        if g.user is ANONYMOUS_PUBLIC:
            return _login_needed(path)
        if _wants_json(path):
            return _error(path, 403, f"{path} is not available to the {role} role")
        return forbidden_page(f"The page {path}" if is_page else path)
    if rule.audit and not is_page:
        g.audit = [(rule.audit, "")]
    elif rule.audit and is_page and rule.audit != "upload":
        g.audit = [(rule.audit, f"page {path}")]
    return None


def _login_needed(path: str) -> WerkzeugResponse:
    from flask import redirect
    from werkzeug.urls import quote

    if _wants_json(path):
        return _error(path, 401, "log in first, or send an API token (Authorization: Bearer TOKEN or ?token=TOKEN)")
    return redirect(f"/login?next={quote(request.full_path.rstrip('?'), safe='/?=&')}")


def _no_account(path: str, named: str) -> Response:
    """The refusal of a user named by the trusted proxy who has no account here (403)."""
    message = f"the user '{named}' named by the proxy has no account here (ask an analyst)"
    if _wants_json(path):
        return _error(path, 403, message)
    alert = '<div class="alert alert-warning mt-3" role="alert"><h1 class="h4">No account</h1>'
    return page("No account", f"{alert}<p>{escape_html(message)}.</p></div>", 403)


def _identify(state: SecurityState, path: str) -> Response | None:
    """Set ``g.user``; answer 401 for a wrong token."""
    g.via_token = False
    token = bearer_token() if path.startswith("/api") else None
    _strip_token_param()
    if token:
        user = state.call(accounts.account_for_token, token)
        if user is None:
            return _error(path, 401, "the API token is not valid (ask an analyst for a new one)")
        g.user, g.via_token = user, True
        return None
    named = proxy_user_name(state)
    if named:
        user = state.account(named)
        if user is None or user.role == "public":
            return _no_account(path, named)
        g.user = user
        return None
    g.user = session_account(state)
    return None


def make_before_request(state: SecurityState, csrf: CSRFProtect | None) -> Callable[[], WerkzeugResponse | None]:
    """The ``before_request`` hook (returns a response to refuse, ``None`` to go on)."""

    def before_request() -> WerkzeugResponse | None:
        path = request.path
        g.audit, g.strip = [], set()
        if not _host_allowed(state):
            return _error(path, 400, f"host '{request.host}' is not allowed (see HOTSPOTS_ALLOWED_HOSTS)")
        limit = state.config.max_upload_bytes
        # The Data page sends the file base64-encoded inside the callback's JSON: allow for that.
        if (request.content_length or 0) > limit * 4 // 3 + 1024 * 1024:
            return _too_large(path, state.config.max_upload_mb)
        if state.config.disabled_for_tests:
            return None
        if state.store_missing():
            # No store: no data and no accounts. Pages may show their "cannot read the store" message;
            # everything else (the API, callbacks, uploads) waits for the store to exist.
            if (
                request.method in _SAFE_METHODS
                and not _wants_json(path)
                or path in ("/_dash-layout", "/_dash-dependencies")
            ):
                return None
            return _error(
                path,
                503,
                f"no store at {state.store_path}: create it with `hotspots demo` or `hotspots ingest`, then log in",
            )
        early = _identify(state, path)
        if early is not None:
            return early
        if policy.is_open(path):
            _csrf(csrf, path)
            return None
        if g.user is None:
            if not state.public_enabled:
                return _login_needed(path)
            g.user = ANONYMOUS_PUBLIC
        if not g.via_token:
            _csrf(csrf, path)
        return _authorise(state, path)

    return before_request


def _csrf(csrf: CSRFProtect | None, path: str) -> None:
    if csrf is not None and request.method not in _SAFE_METHODS:
        csrf.protect()  # raises CSRFError, answered by the error handler


def _too_large(path: str, limit_mb: float) -> Response:
    message = (
        f"The upload is larger than the {limit_mb:g} MB limit. Add bigger files with "
        "`hotspots ingest FILE` on the server, or split the file."
    )
    if path == DASH_UPDATE:
        from dash import html

        return _dash_response({"data-report": {"children": html.Div(message, className="alert alert-danger")}})
    return _error(path, 413, message)


def csrf_error(exc: CSRFError) -> Response:
    """The answer to a request refused by the CSRF check (400, JSON or plain text by route)."""
    return _error(request.path, 400, f"the request was refused: {exc.description} (reload the page)")
