"""Plain Flask pages of the security layer: login, logout, refusals and the audit log for analysts.

Every text from data or from the request is escaped with :func:`render.safe.escape_html`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, g, redirect, request, session
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response as WerkzeugResponse

from dashboard.security.auth import SecurityState, log_in, login_lock
from geo import accounts, audit
from render.safe import escape_html

blueprint = Blueprint("security", __name__)
LONDON = ZoneInfo("Europe/London")
ASSET_DIR = __file__.rsplit("/", 1)[0] + "/assets"


def state() -> SecurityState:
    """The security layer's shared state on the current Flask app."""
    return current_app.extensions["hotspots_security"]


def page(title: str, body: str, status: int = 200) -> Response:
    """A page in the dashboard's style (the vendored Bootstrap and the app's CSS)."""
    marking = escape_html(state().privacy.marking)
    html = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape_html(title)}</title>"
        '<link rel="stylesheet" href="/assets/00-bootstrap.min.css"><link rel="stylesheet" href="/assets/app.css">'
        '</head><body><header class="app-header py-2 mb-3"><div class="container-fluid d-flex '
        'justify-content-between align-items-center"><a class="h5 mb-0 text-white text-decoration-none" href="/">'
        f'Hotspots</a><span class="small text-white-50">{marking}</span></div></header>'
        f'<main class="container" id="main">{body}</main></body></html>'
    )
    return Response(html, status=status, mimetype="text/html")


def forbidden_page(what: str) -> Response:
    """The clear refusal shown instead of a page the role may not open."""
    user = getattr(g, "user", None)
    who = f"{escape_html(user.username)} ({escape_html(user.role)})" if user else "you"
    body = (
        '<div class="alert alert-warning mt-3" role="alert"><h1 class="h4">Not available to your role</h1>'
        f"<p>{escape_html(what)} is not available to {who}. Ask an analyst if you need it.</p>"
        '<p class="mb-0"><a href="/">Back to the map</a> · <a href="/logout">Log out</a></p></div>'
    )
    return page("Not available", body, 403)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: no scheme, no host, no protocol-relative "//host".
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_form(message: str = "", username: str = "", status: int = 200) -> Response:
    alert = f'<div class="alert alert-danger" role="alert">{escape_html(message)}</div>' if message else ""
    nxt = escape_html(_safe_next(request.values.get("next")))
    body = (
        '<div class="row justify-content-center"><div class="col-12 col-sm-8 col-md-5 col-lg-4">'
        '<h1 class="h4 mb-3">Log in</h1>'
        f'{alert}<form method="post" action="/login" class="filters-panel">'
        f'<input type="hidden" name="csrf_token" value="{escape_html(generate_csrf())}">'
        f'<input type="hidden" name="next" value="{nxt}">'
        '<div class="mb-2"><label class="form-label" for="username">User name</label>'
        f'<input class="form-control" id="username" name="username" autocomplete="username" required '
        f'value="{escape_html(username)}"></div>'
        '<div class="mb-3"><label class="form-label" for="password">Password</label>'
        '<input class="form-control" id="password" name="password" type="password" '
        'autocomplete="current-password" required></div>'
        '<button class="btn btn-primary" type="submit">Log in</button></form>'
        '<p class="small text-muted mt-3">Access is logged. Police data shared with the partnership is held '
        "under its information-sharing agreement.</p>"
        + ('<p class="small"><a href="/public">Public view without a login</a></p>' if state().public_enabled else "")
        + "</div></div>"
    )
    return page("Log in", body, status)


@blueprint.get("/login")
def login_get() -> Response:
    """``GET /login``: the login form."""
    return _login_form()


@blueprint.post("/login")
def login_post() -> WerkzeugResponse:
    """``POST /login``: check the password (throttled), start a session and go to ``next``."""
    st = state()
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    wait = login_lock(st, username)
    if wait > 0:
        st.audit("login_failed", None, username=username, route="/login", detail="locked", status=429)
        msg = f"Too many failed logins: try again in {int(wait) + 1} seconds."
        return _login_form(msg, username, 429)
    user = st.call(accounts.verify_password, username, password)
    if user is None or user.role == "public":
        st.audit("login_failed", None, username=username, route="/login", status=401)
        return _login_form("Wrong user name or password.", username, 401)
    if user.demo and not st.call(accounts.demo_data_only):
        st.audit("login_failed", None, username=username, route="/login", detail="demo account", status=403)
        msg = "Demo accounts are disabled: the store holds data other than the bundled demo."
        return _login_form(msg, username, 403)
    log_in(user)
    st.audit("login", user, route="/login", status=302)
    return redirect(_safe_next(request.form.get("next")))


@blueprint.get("/logout")
def logout_get() -> WerkzeugResponse:
    """``GET /logout``: ask to confirm (a form that posts with the CSRF token)."""
    if not session.get("user"):
        return redirect("/login")
    body = (
        '<div class="row justify-content-center"><div class="col-12 col-sm-8 col-md-5 col-lg-4">'
        f'<h1 class="h4 mb-3">Log out {escape_html(session.get("user"))}?</h1>'
        f'<form method="post" action="/logout"><input type="hidden" name="csrf_token" '
        f'value="{escape_html(generate_csrf())}"><button class="btn btn-primary" type="submit">Log out</button>'
        ' <a class="btn btn-link" href="/">Back</a></form></div></div>'
    )
    return page("Log out", body)


@blueprint.post("/logout")
def logout_post() -> WerkzeugResponse:
    """``POST /logout``: end the session and go to the login page."""
    user = getattr(g, "user", None)
    if user is not None and session.get("user"):
        state().audit("logout", user, route="/logout")
    session.clear()
    return redirect("/login")


@blueprint.get("/_security/whoami")
def whoami() -> dict[str, str | None]:
    """``GET /_security/whoami``: the current user name and role (``None`` when not logged in)."""
    user = getattr(g, "user", None)
    return {"user": user.username if user else None, "role": user.role if user else None}


@blueprint.get("/_security/csrf.js")
def csrf_js() -> Response:
    """``GET /_security/csrf.js``: the script that sends the CSRF token with Dash's requests."""
    with open(f"{ASSET_DIR}/csrf.js", encoding="utf-8") as fh:
        return Response(fh.read(), mimetype="text/javascript")


def _parse_day(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=LONDON)
        except ValueError:
            continue
    raise ValueError(f"'{name}' must be a date such as 31/12/2026, got '{text}'")


def _local(at: datetime | None) -> str:
    if at is None:
        return ""
    return at.replace(tzinfo=UTC).astimezone(LONDON).strftime("%d/%m/%Y %H:%M:%S")


@blueprint.get("/admin/audit")
def audit_page() -> Response:
    """``GET /admin/audit?from=&to=``: the audit log for analysts (default: the last seven days)."""
    st = state()
    try:
        lo = _parse_day(request.args.get("from"), "from") or datetime.now(LONDON) - timedelta(days=7)
        hi = _parse_day(request.args.get("to"), "to")
    except ValueError as exc:
        return page("Audit log", f'<div class="alert alert-danger">{escape_html(exc)}</div>', 400)
    rows = st.call(audit.read, lo, hi + timedelta(days=1) if hi else None)
    st.audit("audit_read", g.user, route=request.full_path, rows=len(rows))
    cols = ("at", "username", "role", "action", "route", "detail", "rows", "status", "address")
    head = "".join(f'<th scope="col">{c}</th>' for c in cols)
    body_rows = "".join(
        "<tr>" + "".join(f"<td>{escape_html(_local(r[c]) if c == 'at' else r[c])}</td>" for c in cols) + "</tr>"
        for r in reversed(rows[-2000:])
    )
    body = (
        f'<h1 class="h4">Audit log</h1><form class="row g-2 mb-2" method="get">'
        f'<div class="col-auto"><label class="form-label small" for="from">From</label><input class="form-control '
        f'form-control-sm" id="from" name="from" type="date" value="{lo.strftime("%Y-%m-%d")}"></div>'
        '<div class="col-auto"><label class="form-label small" for="to">To</label><input class="form-control '
        f'form-control-sm" id="to" name="to" type="date" value="{hi.strftime("%Y-%m-%d") if hi else ""}"></div>'
        '<div class="col-auto align-self-end"><button class="btn btn-sm btn-primary">Show</button></div></form>'
        f'<p class="small">{len(rows):,} rows (newest first; times Europe/London). The log is append-only.</p>'
        f'<div class="table-responsive"><table class="table table-sm table-striped small" id="audit-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{body_rows}</tbody></table></div>"
    )
    return page("Audit log", body)
