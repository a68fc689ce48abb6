"""The DuckDB side of an ingest: all or nothing, in bounded memory.

The writer has two modes, chosen from the input's size:

* **direct** (inputs up to :data:`DIRECT_BYTES`): batches are appended to ``incidents`` inside
  the ingest's one transaction, tagged with the new ingest id; ``finish`` removes this ingest's
  rows whose id was stored already or appeared earlier in the ingest (the first copy wins), logs
  the ingest and commits.  Each row is written once.
* **staged** (larger inputs, beyond any measured so far): batches are committed to a side table,
  ``ingest_staging``, that no query reads; ``finish`` copies the new rows over in one transaction
  (the first staged copy of an id that is not stored yet), logs the ingest, commits and drops the
  side table.

Inside the one transaction DuckDB writes full row groups to the file as they fill and keeps its
own memory within :data:`MEMORY_LIMIT`, so direct mode's memory does not grow with the input (a
3M-row ingest peaked at about 0.9 GB, as a 1M-row one does).  Staged mode writes every row twice
(the side table, then ``incidents``): a 3M-row ingest spent 11 of its 47 CPU seconds on the copy.

Either way batches are gathered into inserts of at least :data:`INSERT_ROWS` rows (whole row
groups, few checkpoints), readers see nothing until the one commit, and a failure rolls back.  A
process killed half way leaves at most an uncommitted transaction (discarded when the file is
next opened) and, in staged mode, the side table, which the next ingest drops before it starts.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from geo.backends.duckdb_file import add_missing_columns
from geo.backends.frames import to_sql_frame
from geo.ingest import record_ingest
from geo.schema import COLUMNS
from geo.sql_selection import LOCAL_COLUMNS

if TYPE_CHECKING:
    from types import TracebackType

    from geo.ingest import IngestReport
    from geo.store import Store

_STAGING = "ingest_staging"
_BASE_TABLES = {"incidents", "ingests", "meta"}
#: Inputs up to this size (uncompressed bytes, about 36 million data.police.uk rows) are written in
#: direct mode; larger ones are staged.
DIRECT_BYTES = 8 << 30
#: DuckDB's own working memory during an ingest (the written rows themselves go to disk).
MEMORY_LIMIT = "600MB"
#: DuckDB threads while an ingest writes.  With more than one, appends inside a transaction are
#: written to the file in parallel and rewritten at the commit's checkpoint (a 1M-row ingest wrote a
#: 100 MB file instead of 50 MB, and spent twice the CPU); one thread writes each row group once.
#: The rest of the ingest is single-threaded Python, so the writes overlap nothing.
WRITE_THREADS = 1
#: Batches are gathered into inserts of at least this many rows (two of DuckDB's row groups, about
#: 80 MB of Arrow): each insert then fills whole row groups, and a staged ingest checkpoints once per
#: insert rather than once per batch (per-batch checkpoints rewrote the growing side table's last
#: row group every time, which made large ingests superlinear).
INSERT_ROWS = 2 * 122_880
#: The wall-clock columns, as the extra (names, values) of an insert's column and SELECT lists:
#: computed from the row's times as it is written (no second pass over the table).
_LOCAL_INSERT = (
    "".join(f", {c}" for c in LOCAL_COLUMNS),
    "".join(f", {sql}" for sql in LOCAL_COLUMNS.values()),
)


def with_local_times(con: duckdb.DuckDBPyConnection, table: pa.Table) -> pa.Table:
    """``table`` with the wall-clock columns of :data:`LOCAL_COLUMNS`, by their SQL on distinct times only.

    A batch holds few distinct (``occurred_from``, ``occurred_to``) pairs when its records are
    months (a file's handful); the time-zone conversion, most of an insert's cost, then runs once
    per pair and is spread to the rows, so every value is the one the SQL gives for that row.
    """
    if not table.num_rows:
        return table
    pair = [pd.factorize(table[c].to_pandas(), use_na_sentinel=False)[0] for c in ("occurred_from", "occurred_to")]
    codes, distinct = pd.factorize(pair[0].astype(np.int64) * (int(pair[1].max()) + 1) + pair[1])
    one = np.empty(len(distinct), dtype=np.int64)
    one[codes] = np.arange(len(codes), dtype=np.int64)  # a row of each pair (any: they hold the same times)
    ingest_times = table.select(["occurred_from", "occurred_to"]).take(pa.array(one))  # noqa: F841 - read by name
    exprs = ", ".join(f"{sql} AS {c}" for c, sql in LOCAL_COLUMNS.items())
    local = con.sql(f"SELECT {exprs} FROM ingest_times").to_arrow_table()  # in row order (a projection)
    spread = pa.array(codes)
    for c in LOCAL_COLUMNS:
        table = table.append_column(c, local[c].take(spread))
    return table


class DuckDBWriter:
    """One ingest into a DuckDB store (see the module docstring).  Use through ``Store.writer()``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.zone_cols = [z.column for z in store.district.zones]
        self._con: duckdb.DuckDBPyConnection | None = None
        self._cm: AbstractContextManager[duckdb.DuckDBPyConnection] | None = None
        self.ingest_id = 0
        self._ord = 0
        self._was_empty = False
        self.staged_mode = False
        self._in_transaction = False
        self._pending: list[pa.Table] = []
        self._pending_rows = 0

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The write connection, open between ``__enter__`` and ``__exit__``."""
        if self._con is None:
            raise RuntimeError("the DuckDB writer is used outside its with block")
        return self._con

    def expect(self, input_bytes: int) -> None:
        """Told the input's size before the first batch: large inputs are staged (bounded memory)."""
        if self._ord == 0 and not self._in_transaction:
            self.staged_mode = input_bytes > DIRECT_BYTES

    def __enter__(self) -> DuckDBWriter:
        if not Path(self.store.path).exists():
            self.store._init_schema()
        self._cm = self.store._connect(write=True)
        self._con = con = self._cm.__enter__()
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET threads = {WRITE_THREADS}")
        con.execute(f"DROP TABLE IF EXISTS {_STAGING}")  # left by an ingest that was killed
        add_missing_columns(con)  # a store made by an earlier version
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        ingests = con.execute("SELECT count(*) FROM ingests").fetchall()[0][0]
        self._was_empty = tables <= _BASE_TABLES and ingests == 0
        self.ingest_id = int(con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchall()[0][0])
        return self

    def _arrow(self, frame: pd.DataFrame, extra: str, values: np.ndarray) -> pa.Table:
        table = pa.Table.from_pandas(to_sql_frame(frame, self.zone_cols), preserve_index=False)
        return table.append_column(extra, pa.array(values))

    def stage(self, frame: pd.DataFrame) -> None:
        """Take one batch (in order: the first copy of an id is the one kept); written in larger inserts."""
        con = self.con
        if self.staged_mode:
            table = self._arrow(frame, "_ord", np.arange(self._ord, self._ord + len(frame), dtype=np.int64))
            if self._ord == 0:
                con.execute(f"CREATE TABLE {_STAGING} AS SELECT * FROM incidents LIMIT 0")
                for col in ("ingest_id", *LOCAL_COLUMNS):  # set when the rows reach ``incidents``
                    con.execute(f"ALTER TABLE {_STAGING} DROP COLUMN {col}")
                con.execute(f"ALTER TABLE {_STAGING} ADD COLUMN _ord BIGINT")
        else:
            table = self._arrow(frame, "ingest_id", np.full(len(frame), self.ingest_id, dtype=np.int32))
        self._ord += len(frame)
        self._pending.append(table)
        self._pending_rows += len(frame)
        if self._pending_rows >= INSERT_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Insert the gathered batches in one statement (staged mode: committed and checkpointed)."""
        if not self._pending:
            return
        con = self.con
        table = pa.concat_tables(self._pending, promote_options="permissive")
        self._pending, self._pending_rows = [], 0
        if not self.staged_mode and not self._in_transaction:
            con.begin()
            self._in_transaction = True
        target = _STAGING if self.staged_mode else "incidents"
        cols = ", ".join(table.column_names)
        # Read through DuckDB's replacement scan of this local name, not ``con.register``: a
        # registered Arrow table stays referenced until the transaction ends, so a direct ingest
        # held every batch in memory (about 500 bytes a row) until its commit.
        if not self.staged_mode:  # staged rows get them when copied in
            table = with_local_times(con, table)
            cols = ", ".join(table.column_names)
        ingest_batch = table  # noqa: F841 - read by name in the SQL below
        con.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM ingest_batch")
        del ingest_batch, table
        if self.staged_mode:  # into the file now: a kill leaves no write-ahead log behind
            con.execute("CHECKPOINT")

    def _drop_direct_duplicates(self) -> None:
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

    def _copy_staged(self) -> None:
        cols = ", ".join([*COLUMNS, *self.zone_cols])
        self.con.execute(
            f"INSERT INTO incidents ({cols}, ingest_id{_LOCAL_INSERT[0]}) "
            f"SELECT {cols}, {int(self.ingest_id)}{_LOCAL_INSERT[1]} FROM {_STAGING} s "
            f"SEMI JOIN (SELECT min(_ord) AS _ord FROM {_STAGING} GROUP BY incident_id) f ON f._ord = s._ord "
            "ANTI JOIN incidents i ON i.incident_id = s.incident_id"
        )

    def finish(self, report: IngestReport) -> None:
        """Insert the new incidents, log the ingest, commit (one transaction)."""
        self._flush()
        con, new = self.con, self.ingest_id
        if not self._in_transaction:
            con.begin()
            self._in_transaction = True
        if self.staged_mode and self._ord:
            self._copy_staged()
        elif self._ord:
            self._drop_direct_duplicates()
        stored = con.execute("SELECT count(*) FROM incidents WHERE ingest_id = ?", [new]).fetchall()[0][0]
        record_ingest(con, report, new, staged=self._ord, stored=stored)
        con.commit()
        self._in_transaction = False
        if self.staged_mode:
            con.execute(f"DROP TABLE IF EXISTS {_STAGING}")
            con.execute("CHECKPOINT")

    def abort(self) -> None:
        """Roll back (and drop the side table): the store is as before."""
        self._pending, self._pending_rows = [], 0
        with contextlib.suppress(Exception):
            if self._in_transaction:
                self.con.rollback()
            self._in_transaction = False
        with contextlib.suppress(Exception):
            self.con.execute(f"DROP TABLE IF EXISTS {_STAGING}")
            self.con.execute("CHECKPOINT")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.abort()
        empty_after_failure = exc_type is not None and self._was_empty
        if self._con is not None:
            with contextlib.suppress(duckdb.Error):  # the instance may be shared by this process's other connections
                self._con.execute("RESET threads")
        if self._cm is not None:
            self._cm.__exit__(None, None, None)
        self._cm = self._con = None
        if empty_after_failure:
            # a failed first ingest leaves nothing: no empty store, log or lock file
            for path in (Path(self.store.path), Path(f"{self.store.path}.wal"), Path(f"{self.store.path}.lock")):
                with contextlib.suppress(OSError):
                    path.unlink()
