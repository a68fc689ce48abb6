"""The store suite runs on both backends: the embedded DuckDB file and PostgreSQL + PostGIS.

PostgreSQL comes from the ``pg_url`` / ``pg_schemas`` fixtures of ``tests/conftest.py``
(``$HOTSPOTS_TEST_PG`` or a throwaway cluster started on first use). Each test gets a fresh schema.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]
POLICE_UK = ROOT / "data" / "winchester" / "police-uk"
BACKENDS = ["duckdb", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def new_store(backend, tmp_path, district, request):
    """Factory: a new, empty, writable store on the test's backend."""
    counter = iter(range(1000))

    def make() -> Store:
        if backend == "duckdb":
            return Store.open(tmp_path / f"s{next(counter)}.duckdb", district=district, read_only=False)
        return Store.open(request.getfixturevalue("pg_schemas")(), district=district, read_only=False)

    return make
