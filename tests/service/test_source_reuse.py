"""A worker opens its store once per file and a request's reads share one connection.

``Source.open_store`` keeps the read-only store object while the file at the path is the same one
(a replaced file is opened afresh, so a swap is still seen); the dashboard wraps each request in
``Source.reading``, so the store's questions of one request open the DuckDB file once.
"""

from __future__ import annotations

import os
import shutil

import pytest

from geo.selection import Selection
from service import cache
from service.source import Source


@pytest.fixture
def copied(demo_store, tmp_path) -> Source:
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_store.path, path)
    return Source.build(path, demo_store.district.folder)


def test_the_same_file_gives_the_same_store_object_and_a_replaced_one_a_fresh_one(copied, tmp_path):
    first = copied.open_store()
    assert copied.open_store() is first
    total = first.count()
    # Replace the file with a smaller store: one sector only.
    smaller = tmp_path / "smaller.duckdb"
    shutil.copy(copied.store, smaller)
    import duckdb

    con = duckdb.connect(str(smaller))
    kept = con.execute("SELECT count(*) FROM incidents WHERE sector = 'Winchester Town'").fetchone()[0]
    con.execute("DELETE FROM incidents WHERE sector <> 'Winchester Town'")
    con.close()
    os.replace(smaller, copied.store)
    fresh = copied.open_store()
    assert fresh is not first
    assert fresh.count() == kept < total
    assert copied.open_store() is fresh
    # A writable open is never shared.
    assert copied.open_store(read_only=False) is not copied.open_store(read_only=False)


def test_reads_in_a_source_reading_block_open_the_file_once(copied, duckdb_opens):
    store = copied.open_store()
    duckdb_opens.clear()  # count from here
    opened = duckdb_opens
    sel = Selection(days=(5, 6))
    with copied.reading():
        assert opened == []
        counts = (store.count(sel), store.count(None), len(copied.query(sel).incidents))
    assert len(opened) == 1
    assert counts[0] == len(copied.query(sel).incidents) and counts[1] >= counts[0]


def test_a_dashboard_request_opens_the_store_once_and_one_that_reads_nothing_not_at_all(copied, duckdb_opens):
    from dashboard.app import create_app
    from dashboard.security import SecurityConfig

    app = create_app(copied.store, copied.district_folder, security=SecurityConfig(disabled_for_tests=True))
    client = app.server.test_client()
    assert client.get("/api/hotspots?from=2099-01-01").status_code == 200  # warm: the app's own first reads
    cache.clear()
    duckdb_opens.clear()  # count from here
    opened = duckdb_opens
    assert client.get("/_dash-dependencies").status_code == 200  # reads nothing: opens nothing
    assert opened == []
    response = client.get("/api/hotspots?days=fri,sat&method=counts")
    assert response.status_code == 200, response.data[:200]
    assert response.get_json()["features"]  # it did read and find hotspots
    assert len(opened) == 1
