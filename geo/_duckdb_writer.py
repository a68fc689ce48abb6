"""The DuckDB side of an ingest: stage batches in one transaction, insert the new ones at the end.

Batches are appended to a staging table created inside the ingest's transaction, so DuckDB
writes them to the database file as they come (memory stays bounded) while nothing is visible
to readers.  ``finish`` inserts each staged incident whose id is not stored yet (the first staged
copy of an id wins), logs the ingest and commits; ``abort`` rolls back.  A process killed half
way leaves only an uncommitted transaction, which DuckDB discards when the file is next opened.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from geo.schema import CANONICAL_COLUMNS, COLUMNS, PRECISION_POINT

_STAGING = "ingest_staging"
_BASE_TABLES = {"incidents", "ingests", "meta"}
#: DuckDB's own working memory during an ingest (the staged rows themselves go to disk).
MEMORY_LIMIT = "600MB"


def _sql_type(dtype: str) -> str:
    if dtype.startswith("datetime"):
        return "TIMESTAMP"
    return {"bool": "BOOLEAN", "float64": "DOUBLE"}.get(dtype, "VARCHAR")


def to_sql_frame(frame: pd.DataFrame, zone_cols: list[str]) -> pd.DataFrame:
    """Canonical + zone columns with times as naive UTC, in store order."""
    out = pd.DataFrame({c: frame[c] for c in [*COLUMNS, *zone_cols] if c in frame})
    for col in ("occurred_from", "occurred_to"):
        out[col] = out[col].dt.tz_convert("UTC").dt.tz_localize(None)
    for col in [*COLUMNS, *zone_cols]:
        if col not in out:
            out[col] = PRECISION_POINT if col == "location_precision" else None
    return out[[*COLUMNS, *zone_cols]]


class DuckDBWriter:
    """One ingest into a DuckDB store (see the module docstring).  Use through ``Store.writer()``."""

    def __init__(self, store) -> None:
        self.store = store
        self.zone_cols = [z.column for z in store.district.zones]
        self.con = None
        self._cm = None
        self._ord = 0
        self._was_empty = False

    def __enter__(self) -> DuckDBWriter:
        if not Path(self.store.path).exists():
            self.store._init_schema()
        self._cm = self.store._connect(write=True)
        self.con = self._cm.__enter__()
        con = self.con
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute("SET preserve_insertion_order = false")
        self._migrate()
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        ingests = con.execute("SELECT count(*) FROM ingests").fetchall()[0][0]
        self._was_empty = tables <= _BASE_TABLES and ingests == 0
        con.begin()
        cols = ", ".join(f"{c} {_sql_type(d)}" for c, (d, _) in CANONICAL_COLUMNS.items())
        cols += "".join(f", {c} BOOLEAN" for c in self.zone_cols)
        con.execute(f"CREATE TABLE {_STAGING} ({cols}, _ord BIGINT)")
        return self

    def _migrate(self) -> None:
        """Add canonical columns a store made by an earlier version lacks (existing rows: points)."""
        have = {
            r[0]
            for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'incidents'"
            ).fetchall()
        }
        if "location_precision" not in have:
            self.con.execute(f"ALTER TABLE incidents ADD COLUMN location_precision VARCHAR DEFAULT '{PRECISION_POINT}'")

    def stage(self, frame: pd.DataFrame) -> None:
        """Append one batch to the staging table."""
        staged = to_sql_frame(frame, self.zone_cols)
        staged["_ord"] = range(self._ord, self._ord + len(staged))
        self._ord += len(staged)
        self.con.register("ingest_batch", pa.Table.from_pandas(staged, preserve_index=False))
        try:
            self.con.execute(f"INSERT INTO {_STAGING} SELECT * FROM ingest_batch")
        finally:
            self.con.unregister("ingest_batch")

    def finish(self, report) -> None:
        """Insert the new incidents, log the ingest, commit."""
        con = self.con
        ingest_id = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchall()[0][0]
        cols = ", ".join([*COLUMNS, *self.zone_cols])
        # The first staged copy of each id (a hash aggregate: cheaper than a window's sort) that
        # is not stored yet (anti join against the store).
        con.execute(
            f"INSERT INTO incidents ({cols}, ingest_id) "
            f"SELECT {cols}, {int(ingest_id)} FROM {_STAGING} s "
            f"SEMI JOIN (SELECT min(_ord) AS _ord FROM {_STAGING} GROUP BY incident_id) f ON f._ord = s._ord "
            "ANTI JOIN incidents i ON i.incident_id = s.incident_id"
        )
        stored = con.execute("SELECT count(*) FROM incidents WHERE ingest_id = ?", [ingest_id]).fetchall()[0][0]
        report.stored = int(stored)
        report.duplicates = int(self._ord) - report.stored
        con.execute(f"DROP TABLE {_STAGING}")
        con.execute(
            "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ingest_id,
                datetime.now(UTC).replace(tzinfo=None),
                "; ".join(report.files),
                report.read,
                report.stored,
                report.duplicates,
                report.rejected,
                str(report.rejects_path or ""),
            ],
        )
        con.commit()

    def abort(self) -> None:
        """Roll back; a store file this failed ingest would leave empty is removed."""
        with contextlib.suppress(Exception):
            self.con.rollback()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        empty_after_failure = exc_type is not None and self._was_empty
        self._cm.__exit__(None, None, None)
        self.con = None
        if empty_after_failure:
            for path in (Path(self.store.path), Path(f"{self.store.path}.wal")):
                with contextlib.suppress(OSError):
                    path.unlink()
