"""The DuckDB side of an ingest: batches written in one transaction, duplicates dropped at the end.

Each batch is appended to ``incidents`` inside the ingest's transaction, tagged with the new
ingest id: DuckDB writes it to the database file as it comes (memory stays bounded) while
nothing is visible to readers.  ``finish`` then removes the rows of this ingest whose id was
stored already, or staged earlier in the same ingest (the first copy wins), logs the ingest and
commits; ``abort`` rolls back.  Writing each row once and deleting the rare duplicates costs half
of staging every row in a side table and copying it over.  A process killed half way leaves only
an uncommitted transaction, which DuckDB discards when the file is next opened.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from geo.schema import COLUMNS, PRECISION_POINT

_BASE_TABLES = {"incidents", "ingests", "meta"}
#: DuckDB's own working memory during an ingest (the written rows themselves go to disk).
MEMORY_LIMIT = "600MB"


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
        self._migrate()
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        ingests = con.execute("SELECT count(*) FROM ingests").fetchall()[0][0]
        self._was_empty = tables <= _BASE_TABLES and ingests == 0
        con.begin()
        self.ingest_id = int(con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchall()[0][0])
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
        """Append one batch (rowids keep the order: the first copy of an id is the one kept)."""
        table = pa.Table.from_pandas(to_sql_frame(frame, self.zone_cols), preserve_index=False)
        table = table.append_column("ingest_id", pa.array(np.full(len(frame), self.ingest_id, dtype=np.int32)))
        self._ord += len(frame)
        self.con.register("ingest_batch", table)
        try:
            cols = ", ".join(table.column_names)
            self.con.execute(f"INSERT INTO incidents ({cols}) SELECT {cols} FROM ingest_batch")
        finally:
            self.con.unregister("ingest_batch")

    def finish(self, report) -> None:
        """Drop this ingest's duplicates, log the ingest, commit."""
        con, new = self.con, self.ingest_id
        # Ids this ingest holds twice, or that were stored before: hash aggregates, no sort.
        con.execute(
            "CREATE TEMP TABLE ingest_dup_ids AS "
            "SELECT incident_id FROM incidents WHERE ingest_id = $new GROUP BY incident_id HAVING count(*) > 1 "
            "UNION SELECT n.incident_id FROM incidents n SEMI JOIN "
            "(SELECT incident_id FROM incidents WHERE coalesce(ingest_id, -1) <> $new) o "
            "ON o.incident_id = n.incident_id WHERE n.ingest_id = $new",
            {"new": new},
        )
        if con.execute("SELECT count(*) FROM ingest_dup_ids").fetchall()[0][0]:
            # Keep a stored row over a new one, and the first new one over later ones.
            con.execute(
                "DELETE FROM incidents WHERE rowid IN (SELECT rid FROM ("
                "  SELECT rowid AS rid, ingest_id, row_number() OVER (PARTITION BY incident_id "
                "    ORDER BY CASE WHEN ingest_id = $new THEN 1 ELSE 0 END, rowid) AS rn "
                "  FROM incidents SEMI JOIN ingest_dup_ids USING (incident_id)"
                ") WHERE rn > 1 AND ingest_id = $new)",
                {"new": new},
            )
        con.execute("DROP TABLE ingest_dup_ids")
        stored = con.execute("SELECT count(*) FROM incidents WHERE ingest_id = ?", [new]).fetchall()[0][0]
        report.stored = int(stored)
        report.duplicates = int(self._ord) - report.stored
        con.execute(
            "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                new,
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
