"""The store suite runs on both backends: the embedded DuckDB file and PostgreSQL + PostGIS.

PostgreSQL comes from ``$HOTSPOTS_TEST_PG`` when set (CI starts a throwaway cluster with
``scripts/pg_test_cluster.sh``); otherwise this suite starts one itself and stops it at the end.
Each test gets a fresh schema, dropped afterwards.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]
POLICE_UK = ROOT / "data" / "winchester" / "police-uk"
SCRIPT = ROOT / "scripts" / "pg_test_cluster.sh"
BACKENDS = ["duckdb", "postgres"]


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory) -> str:
    """A PostgreSQL database with PostGIS for the tests (started here when none is given)."""
    given = os.environ.get("HOTSPOTS_TEST_PG")
    if given:
        yield given
        return
    state = tmp_path_factory.mktemp("pg") / "cluster.state"
    run = subprocess.run([str(SCRIPT), "start", str(state)], capture_output=True, text=True)
    if run.returncode != 0:
        pytest.fail(f"could not start the test PostgreSQL cluster:\n{run.stderr.strip()}", pytrace=False)
    url = run.stdout.strip().rsplit("=", 1)[-1]
    try:
        yield url
    finally:
        subprocess.run([str(SCRIPT), "stop", str(state)], capture_output=True, text=True)


@pytest.fixture(scope="session")
def pg_schemas(pg_url):
    """Creates a fresh schema per call; drops them all at the end of the session."""
    made: list[str] = []

    def make() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg_url, autocommit=True) as con:
            con.execute(f"CREATE SCHEMA {name}")
        made.append(name)
        sep = "&" if "?" in pg_url else "?"
        return f"{pg_url}{sep}options={quote(f'-csearch_path={name},public')}"

    yield make
    with psycopg.connect(pg_url, autocommit=True) as con:
        for name in made:
            con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


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
