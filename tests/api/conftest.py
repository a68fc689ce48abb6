"""An app over the session demo store, for Flask test-client API tests."""

from __future__ import annotations

import pytest

from dashboard.app import create_app


@pytest.fixture(scope="session")
def app(demo_store):
    return create_app(demo_store.path, demo_store.district.folder)


@pytest.fixture()
def client(app):
    return app.server.test_client()
