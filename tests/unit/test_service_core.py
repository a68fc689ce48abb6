"""The service layer's core: limits, the one cache keyed on the store version, the source."""

from __future__ import annotations

import shutil

import pytest

from geo.selection import Selection
from service import cache
from service.errors import HotspotsError, OptionsError
from service.limits import parse_number
from service.source import Source


def test_limits_parse_and_refuse():
    assert parse_number("k", None) == 5
    assert parse_number("k", ["7"]) == 7
    assert parse_number("radius", "150") == 150.0
    assert parse_number("cell_size", "auto") is None
    for bad in ("0", "21", "2.5", "x", "nan"):
        with pytest.raises(OptionsError, match="'k'"):
            parse_number("k", bad)
    assert issubclass(OptionsError, HotspotsError)


def test_cache_follows_the_store_version(tmp_path, demo_store, district):
    from tests.conftest import POLICE_UK

    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_store.path, path)
    source = Source.build(path, district.folder)
    cache.clear()
    sel = Selection(crime_types=("Burglary",))
    first = source.query(sel)
    assert source.query(sel) is first  # cached
    source.open_store(read_only=False).ingest([POLICE_UK / "2017-02-hampshire-street-winchester.csv"])
    cache.forget_version(source.store)
    again = source.query(sel)
    assert again is not first  # the ingest bumped the version, so the result is recomputed
    assert len(again) == len(first)  # ... all duplicates, so the same incidents
