"""The dashboard and its API over a PostgreSQL store answer as over the DuckDB file; broken stores are 503."""

from __future__ import annotations

import shutil

import pytest

from dashboard.app import create_app
from dashboard.security import SecurityConfig
from geo.store import Store
from service import cache
from tests.conftest import POLICE_UK

#: The security layer has its own tests; these compare the backends' answers.
OPEN = SecurityConfig(disabled_for_tests=True)

YEAR = "from=2017-02-01&to=2017-09-30"


@pytest.fixture(scope="module")
def pg_police_uk(pg_schemas, district) -> str:
    url = pg_schemas()
    Store.open(url, district=district, read_only=False).ingest([POLICE_UK])
    return url


def _counts(app) -> list[int]:
    resp = app.server.test_client().get(f"/api/hotspots?{YEAR}")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return [f["properties"]["count"] for f in resp.get_json(force=True)["features"]]


def test_hotspots_agree_on_both_backends(pg_police_uk, police_uk_store, district):
    duck = _counts(create_app(police_uk_store.path, district.folder, security=OPEN))
    pg = _counts(create_app(pg_police_uk, district.folder, security=OPEN))
    assert duck and pg == duck


def test_a_replaced_store_is_never_served_stale(tmp_path, police_uk_store, district):
    """Another store put in place with as many ingests (one) gets a new state key: no stale result."""
    path, other = tmp_path / "swap.duckdb", tmp_path / "other.duckdb"
    shutil.copy(police_uk_store.path, path)
    june = POLICE_UK / "2017-06-hampshire-street-winchester.csv"
    Store.open(other, district=district, read_only=False).ingest([june])
    app = create_app(path, district.folder, security=OPEN)
    before = _counts(app)
    shutil.copy(other, path)
    cache.forget_version(str(path.resolve()))  # as the version memo's time-to-live would; results stay cached
    after = _counts(app)
    assert sum(after) < sum(before)


def test_a_corrupted_store_is_a_503_json(tmp_path, police_uk_store, district):
    path = tmp_path / "bad.duckdb"
    shutil.copy(police_uk_store.path, path)
    app = create_app(path, district.folder, security=OPEN)
    path.write_bytes(b"not a store" * 100)
    cache.clear()
    resp = app.server.test_client().get(f"/api/hotspots?{YEAR}")
    assert resp.status_code == 503 and resp.is_json
    assert resp.get_json()["error"]
