"""Single sign-on behind a reverse proxy: the identity header is trusted only from the proxy's address."""

from __future__ import annotations

import pytest

from dashboard.app import create_app
from dashboard.security import SecurityConfig
from tests.security.conftest import MONTH

HEADER = "X-Forwarded-Email"
PROXY = "10.0.0.5"


@pytest.fixture(scope="module")
def proxied_app(secure_store_path, demo_store):
    """The dashboard behind a proxy at 10.0.0.5 (a network entry and a single address in the list)."""
    config = SecurityConfig(trusted_user_header=HEADER, trusted_proxies=("10.0.0.0/29", "192.0.2.7"))
    return create_app(secure_store_path, demo_store.district.folder, security=config)


def _get(app, path: str, user: str | None, address: str = PROXY):
    headers = {HEADER: user} if user else {}
    return app.server.test_client().get(path, headers=headers, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize(
    ("user", "role", "incidents", "data_page"),
    [("officer1", "officer", 200, 403), ("partnership1", "partnership", 403, 403), ("analyst1", "analyst", 200, 200)],
)
def test_the_header_from_the_proxy_is_that_user_with_its_role(proxied_app, user, role, incidents, data_page):
    assert _get(proxied_app, "/_security/whoami", user).get_json() == {"user": user, "role": role}
    assert _get(proxied_app, f"/api/incidents?{MONTH}", user).status_code == incidents
    assert _get(proxied_app, "/data", user).status_code == data_page
    assert _get(proxied_app, "/sectors", user).status_code == 200  # no login page in between


def test_a_single_listed_address_is_trusted_too(proxied_app):
    assert _get(proxied_app, "/_security/whoami", "officer1", "192.0.2.7").get_json()["user"] == "officer1"


@pytest.mark.parametrize("address", ["10.0.0.9", "127.0.0.1", "192.0.2.8", "2001:db8::1"])
def test_the_header_from_another_address_is_ignored(proxied_app, address):
    assert _get(proxied_app, "/_security/whoami", "analyst1", address).get_json() == {"user": None, "role": None}
    assert _get(proxied_app, f"/api/incidents?{MONTH}", "analyst1", address).status_code == 401
    resp = _get(proxied_app, "/data", "analyst1", address)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def test_the_header_is_ignored_when_not_configured(secure_app):
    # secure_app has no trusted header; the request comes from the default trusted address
    assert _get(secure_app, "/_security/whoami", "analyst1", "127.0.0.1").get_json()["user"] is None
    assert _get(secure_app, f"/api/incidents?{MONTH}", "analyst1", "127.0.0.1").status_code == 401
    assert _get(secure_app, "/", "analyst1", "127.0.0.1").status_code == 302


def test_an_unknown_user_is_refused(proxied_app):
    for path in ("/", f"/api/incidents?{MONTH}", "/_security/whoami"):
        resp = _get(proxied_app, path, "nobody@example.invalid")
        assert resp.status_code == 403, path
        assert "has no account" in resp.get_data(as_text=True)
        assert b"coordinates" not in resp.data


def test_default_trusted_proxies_are_this_machine():
    config = SecurityConfig()
    assert config.is_trusted_proxy("127.0.0.1") and config.is_trusted_proxy("::1")
    assert not config.is_trusted_proxy("10.0.0.5") and not config.is_trusted_proxy("not an address")
