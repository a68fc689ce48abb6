"""Side tables: declare once, rows in and out as dicts, on a real store file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geo import records
from geo.store import Store


def test_rows_round_trip_and_filter(tmp_path, district):
    store = Store.open(tmp_path / "s.duckdb", district=district, read_only=False)
    assert records.select(store, "notes") == []
    records.ensure_table(store, "notes", {"id": "int", "who": "text", "at": "timestamp", "ok": "bool"}, "id")
    t1 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    t2 = datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
    records.insert(store, "notes", {"id": 1, "who": "ann", "at": t1, "ok": True})
    records.insert(store, "notes", {"id": 2, "who": "bob", "at": t2, "ok": False})
    assert [r["who"] for r in records.select(store, "notes", order_by=["id"])] == ["ann", "bob"]
    assert [r["id"] for r in records.select(store, "notes", since=("at", t2))] == [2]
    assert records.update(store, "notes", {"who": "bob"}, {"ok": True}) == 1
    assert all(r["ok"] for r in records.select(store, "notes"))
    assert records.delete(store, "notes", {"id": 1}) == 1
    assert [r["id"] for r in records.select(store, "notes")] == [2]
    # adding a column later keeps the rows
    records.ensure_table(store, "notes", {"id": "int", "who": "text", "at": "timestamp", "ok": "bool", "n": "float"})
    assert records.select(store, "notes")[0]["n"] is None


def test_names_are_checked(tmp_path, district):
    store = Store.open(tmp_path / "s.duckdb", district=district, read_only=False)
    with pytest.raises(records.RecordError):
        records.ensure_table(store, "x; DROP TABLE incidents", {"a": "text"})
    with pytest.raises(records.RecordError):
        records.ensure_table(store, "x", {"a": "blob"})
    with pytest.raises(records.RecordError):
        records.delete(store, "x", {})
