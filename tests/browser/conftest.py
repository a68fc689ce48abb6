"""Real-browser fixtures: Debian's Chromium (never `playwright install`) and a live dashboard.

The server is the real app (``create_app``) on a copy of the session demo store, served by a
werkzeug server in a thread on a free port; uploads in the tests change only the copy.
"""

from __future__ import annotations

import shutil

import pytest

from dashboard.app import create_app
from dashboard.local_server import serve_in_thread
from dashboard.security import SecurityConfig

#: Tiles cannot load offline: point the map at a host that never resolves and filter its errors.
TILE_HOST = "tiles.invalid"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_store(demo_store, tmp_path_factory):
    """A private copy of the demo store (the upload test writes to it)."""
    path = tmp_path_factory.mktemp("live") / "live.duckdb"
    shutil.copy(demo_store.path, path)
    return path


@pytest.fixture(scope="session")
def live_server(live_store, demo_store):
    """Base URL of the dashboard served over ``live_store``."""
    app = create_app(
        live_store,
        demo_store.district.folder,
        tile_url=f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png",
        security=SecurityConfig(disabled_for_tests=True),
    )
    with serve_in_thread(app) as url:
        yield url


#: Console message types a page must not produce: errors, warnings, and debug output left in a library.
CONSOLE_TYPES = ("error", "warning", "log", "debug", "info", "trace", "assert")


@pytest.fixture()
def console_errors(page):
    """Console errors, warnings and debug output, and uncaught page errors; the offline tile host excluded."""
    errors: list[str] = []
    page.route(f"**/{TILE_HOST}/**", lambda route: route.abort())

    def on_console(msg):
        url = (msg.location or {}).get("url", "")
        if msg.type in CONSOLE_TYPES and TILE_HOST not in url and TILE_HOST not in msg.text:
            errors.append(f"{msg.type}: {msg.text} @ {url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    return errors
