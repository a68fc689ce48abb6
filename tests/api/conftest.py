"""An app over the session demo store, for Flask test-client API tests."""

from __future__ import annotations

import pytest

from dashboard.app import create_app
from dashboard.security import SecurityConfig


@pytest.fixture(scope="session")
def app(demo_store):
    return create_app(demo_store.path, demo_store.district.folder, security=SecurityConfig(disabled_for_tests=True))


@pytest.fixture()
def client(app):
    return app.server.test_client()
