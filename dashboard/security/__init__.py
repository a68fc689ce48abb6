"""Access control and data protection for the dashboard and its API, installed in one call.

``install_security(app, config, store_path=..., district_folder=...)`` adds, on the Flask server of a
Dash app: login with a session cookie (or a trusted proxy header), API tokens for ``/api/*``, CSRF
protection, the role policy of :mod:`dashboard.security.policy` enforced on every route and Dash
callback, the audit log, security headers, the Host allow-list, the upload size limit, CSV formula
neutralisation and ETag/Range support for GeoJSON answers.  See ``docs/security.md``.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from dashboard.security.auth import SecurityState
from dashboard.security.config import Privacy, SecurityConfig, load_privacy
from dashboard.security.hooks import csrf_error, make_before_request
from dashboard.security.responses import content_security_policy, make_after_request

if TYPE_CHECKING:
    from dash import Dash
    from flask import Flask

__all__ = ["SecurityConfig", "Privacy", "install_security", "load_privacy"]
log = logging.getLogger(__name__)
SECRETS_TABLE = "app_secrets"


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, with ``Secure`` set whenever the request came over HTTPS."""

    def __init__(self, force_secure: bool | None) -> None:
        self.force_secure = force_secure

    def get_cookie_secure(self, app: Flask) -> bool:
        """Whether the session cookie gets the ``Secure`` flag (forced, or the request is HTTPS)."""
        from flask import request

        return bool(self.force_secure) or request.is_secure


def _secret_key(state: SecurityState) -> str:
    """``$HOTSPOTS_SECRET_KEY``, else one kept in the store (shared by every worker process)."""
    if state.config.secret_key:
        return state.config.secret_key
    if state.store_missing():  # nobody can log in before the store exists: a key for this process only
        log.warning("no store at %s yet: session key for this process only", state.store_path)
        return secrets.token_hex(32)
    from geo import records

    store = state.store()
    records.ensure_table(store, SECRETS_TABLE, {"name": "text", "value": "text"}, primary_key="name")
    rows = records.select(store, SECRETS_TABLE, where={"name": "session"})
    if rows:
        return rows[0]["value"]
    try:
        records.insert(store, SECRETS_TABLE, {"name": "session", "value": secrets.token_hex(32)})
    except Exception:  # another worker wrote it first
        log.info("session key written by another process")
    return records.select(store, SECRETS_TABLE, where={"name": "session"})[0]["value"]


def install_security(
    app: Dash,
    config: SecurityConfig | None = None,
    *,
    store_path: str | Path,
    district_folder: str | Path | None = None,
    tile_url: str | None = None,
) -> SecurityState:
    """Install the security layer on a Dash app's Flask server.

    Parameters
    ----------
    app : dash.Dash
        The dashboard (its ``server`` gets the hooks and the login routes).
    config : SecurityConfig, optional
        ``None`` means the defaults: login required.  Tests of other features pass
        ``SecurityConfig(disabled_for_tests=True)``.
    store_path : str or pathlib.Path
        The store holding accounts, tokens and the audit log.
    district_folder : str or pathlib.Path, optional
        The district whose ``[privacy]`` table applies.
    tile_url : str, optional
        The map tile URL template (its host is allowed for images).

    Returns
    -------
    SecurityState
        Also at ``app.server.extensions["hotspots_security"]``.
    """
    config = config or SecurityConfig()
    server = app.server
    state = SecurityState(
        config, str(store_path), str(district_folder) if district_folder else None, load_privacy(district_folder)
    )
    server.extensions["hotspots_security"] = state
    server.config["MAX_CONTENT_LENGTH"] = config.max_upload_bytes * 4 // 3 + 1024 * 1024
    csp: dict[str, Any] = {}

    def build_csp() -> str:
        # Dash's inline scripts are known only once every callback is registered: hash them at first use.
        csp["value"] = content_security_policy(tile_url, app.csp_hashes())
        return csp["value"]

    csp["build"] = build_csp
    csrf = None
    if not config.disabled_for_tests:
        server.secret_key = _secret_key(state)
        server.session_interface = _SessionInterface(config.secure_cookies)
        server.config.update(
            SESSION_COOKIE_NAME="hotspots_session",
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
            WTF_CSRF_CHECK_DEFAULT=False,
            WTF_CSRF_TIME_LIMIT=None,
            WTF_CSRF_HEADERS=["X-CSRFToken", "X-CSRF-Token"],
        )
        csrf = CSRFProtect(server)
        server.register_error_handler(CSRFError, csrf_error)
        from dashboard.security import public
        from dashboard.security.views import blueprint

        server.register_blueprint(blueprint)
        public.register(server)
        app.config.external_scripts.append("/_security/csrf.js")
    server.before_request(make_before_request(state, csrf))
    server.after_request(make_after_request(state, csp))
    return state
