"""Shared fixtures: the bundled district, its real data.police.uk incidents and a demo store.

Everything is built from the repository's data/ folder, never from ../shared.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from flask.testing import FlaskClient

from dashboard.local_server import CHROMIUM_ARGS, CHROMIUM_PATH
from geo.config import DEFAULT_DISTRICT, District, load_district
from geo.demo_store import build_demo_store
from geo.store import Store

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "winchester"
POLICE_UK = DATA / "police-uk"
PG_SCRIPT = ROOT / "scripts" / "pg_test_cluster.sh"

_unbuffered_open = FlaskClient.open


def _buffered_open(self, *args, buffered: bool = True, **kwargs):  # noqa: ANN001, ANN202 - Flask's own signature
    return _unbuffered_open(self, *args, buffered=buffered, **kwargs)


# Test clients read each answer whole and close it, as a WSGI server does after the last byte: what
# the app runs on close (the audit row, written once the answer has gone) has run when a call returns.
FlaskClient.open = _buffered_open  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright on the system's Chromium (never a downloaded build), headless-safe flags."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM_PATH, "args": list(CHROMIUM_ARGS)}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A UK desktop: 1366x768, en-GB, Europe/London, downloads allowed."""
    return {
        **browser_context_args,
        "viewport": {"width": 1366, "height": 768},
        "locale": "en-GB",
        "timezone_id": "Europe/London",
        "accept_downloads": True,
    }


@pytest.fixture
def duckdb_opens(monkeypatch) -> list[int]:
    """The thread of every real DuckDB connection the store opens during the test, in order."""
    import threading

    import geo.backends.duckdb_file as duckdb_file

    opened: list[int] = []
    real = duckdb_file._connect_retrying

    def counting(*args, **kwargs):
        opened.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(duckdb_file, "_connect_retrying", counting)
    return opened


@pytest.fixture(scope="session")
def district() -> District:
    """The bundled Winchester district."""
    return load_district(DEFAULT_DISTRICT)


@pytest.fixture(scope="session")
def police_uk_store(tmp_path_factory, district) -> Store:
    """A store holding only the real data.police.uk files (read-only handle)."""
    path = tmp_path_factory.mktemp("police_uk") / "police_uk.duckdb"
    Store.open(path, district=district, read_only=False).ingest([POLICE_UK])
    return Store.open(path, district=district)


@pytest.fixture(scope="session")
def police_uk_incidents(police_uk_store) -> pd.DataFrame:
    """Canonical incidents of the real data.police.uk files (Feb-Sep 2017 and Feb 2022)."""
    return police_uk_store.all()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory, district) -> Store:
    """The demo store `make run` serves: real data.police.uk files plus the synthetic extract."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_store(path, district)
    return Store.open(path, district=district)


@pytest.fixture(scope="session")
def demo_incidents(demo_store) -> pd.DataFrame:
    """Every incident of the demo store (canonical columns)."""
    return demo_store.all()


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory) -> str:
    """A PostgreSQL database with PostGIS for the tests (started here when none is given)."""
    given = os.environ.get("HOTSPOTS_TEST_PG")
    if given:
        yield given
        return
    state = tmp_path_factory.mktemp("pg") / "cluster.state"
    run = subprocess.run([str(PG_SCRIPT), "start", str(state)], capture_output=True, text=True)
    if run.returncode != 0:
        pytest.fail(f"could not start the test PostgreSQL cluster:\n{run.stderr.strip()}", pytrace=False)
    url = run.stdout.strip().rsplit("=", 1)[-1]
    try:
        yield url
    finally:
        subprocess.run([str(PG_SCRIPT), "stop", str(state)], capture_output=True, text=True)


@pytest.fixture(scope="session")
def pg_schemas(pg_url):
    """Creates a fresh schema per call; drops them all at the end of the session."""
    import psycopg  # only tests that use PostgreSQL need the driver

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
