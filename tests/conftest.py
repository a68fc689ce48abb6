"""Shared fixtures: the bundled district, its real data.police.uk incidents and a demo store.

Everything is built from the repository's data/ folder, never from ../shared.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.config import DEFAULT_DISTRICT, District, load_district
from geo.demo_store import build_demo_store
from geo.store import Store

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "winchester"
POLICE_UK = DATA / "police-uk"


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
