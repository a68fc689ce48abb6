"""Small side tables kept in the store beside the incidents (accounts, tokens, audit, deployments).

One portable, dict-based interface so that the features that keep records never write SQL for a
particular backend: a table is declared once with :func:`ensure_table` (column name -> one of
:data:`COLUMN_TYPES`), then rows go in and out as plain dicts.  Every call is one short
transaction on the store's own connection, so it follows the store's locking rules.

Timestamps are stored as naive UTC; pass tz-aware datetimes (they are converted) or naive UTC.
The same calls work on both backends (the DuckDB file and PostgreSQL): SQL is written with ``?``
placeholders and handed to the store's dialect, and table checks go through ``information_schema``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from geo.errors import HotspotsError

if TYPE_CHECKING:
    from geo.store import Store

#: Portable column types -> SQL types (the same names on DuckDB and PostgreSQL, but for float).
COLUMN_TYPES = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMP",
}
_PG_TYPES = COLUMN_TYPES | {"text": "TEXT", "float": "DOUBLE PRECISION"}
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class _Cursor(Protocol):
    """What a DuckDB or psycopg cursor offers here."""

    @property
    def description(self) -> Sequence[Sequence[Any]]:
        """One entry per result column, its name first."""
        ...

    def fetchall(self) -> list[Any]:
        """Every remaining result row."""
        ...


class _Connection(Protocol):
    """A DuckDB connection or a psycopg connection."""

    def execute(self, query: str, parameters: list[Any], /) -> _Cursor:
        """Run one statement with positional parameters."""
        ...


class RecordError(HotspotsError, ValueError):
    """A side-table call names an unknown table/column or an impossible type."""


class RecordConflict(RecordError):
    """A row would repeat a primary-key value that is already stored."""


def _sql_type(store: Store, kind: str) -> str:
    return (_PG_TYPES if getattr(store, "backend", "duckdb") == "postgres" else COLUMN_TYPES)[kind]


def _run(store: Store, con: _Connection, sql: str, args: Sequence[Any] = ()) -> _Cursor:
    """Execute on the store's connection with its placeholder style; a key clash is a RecordConflict."""
    dialect = getattr(store, "dialect", None)
    text = dialect.sql(sql) if dialect is not None else sql
    try:
        return con.execute(text, list(args))
    except Exception as exc:
        if _is_conflict(exc):
            raise RecordConflict(f"a row with this key is already stored ({str(exc).splitlines()[0]})") from None
        raise


def _is_conflict(exc: Exception) -> bool:
    try:
        import duckdb

        if isinstance(exc, duckdb.ConstraintException):
            return True
    except ImportError:  # pragma: no cover
        pass
    try:
        from psycopg import errors

        return isinstance(exc, errors.UniqueViolation)
    except ImportError:  # pragma: no cover
        return False


def _columns(store: Store, con: _Connection, table: str) -> set[str]:
    rows = _run(
        store,
        con,
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema() "
        "AND table_catalog = current_database()",  # DuckDB: one process's reads share attached files
        [table],
    ).fetchall()
    return {r[0] for r in rows}


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise RecordError(f"'{value}' is not a valid table or column name")
    return f'"{value}"'


def _value(v: Any) -> Any:
    if isinstance(v, datetime) and v.tzinfo is not None:
        return v.astimezone(UTC).replace(tzinfo=None)
    return v


def _where(where: Mapping[str, Any] | None) -> tuple[str, list]:
    if not where:
        return "", []
    parts, args = [], []
    for col, value in where.items():
        if value is None:
            parts.append(f"{_name(col)} IS NULL")
        else:
            parts.append(f"{_name(col)} = ?")
            args.append(_value(value))
    return " WHERE " + " AND ".join(parts), args


def ensure_table(store: Store, table: str, columns: Mapping[str, str], primary_key: str | None = None) -> None:
    """Create ``table`` if it does not exist, and add any column it lacks.

    Parameters
    ----------
    store : Store
        A writable store.
    table : str
        Lower-case name.
    columns : mapping of str to str
        Column name -> a key of :data:`COLUMN_TYPES`.
    primary_key : str, optional
        A column whose values must be unique.
    """
    cols = []
    for col, kind in columns.items():
        if kind not in COLUMN_TYPES:
            raise RecordError(f"column type '{kind}' is not one of {sorted(COLUMN_TYPES)}")
        pk = " PRIMARY KEY" if col == primary_key else ""
        cols.append(f"{_name(col)} {_sql_type(store, kind)}{pk}")
    with store._connect(write=True) as con:
        _run(store, con, f"CREATE TABLE IF NOT EXISTS {_name(table)} ({', '.join(cols)})")
        have = _columns(store, con, table)
        for col, kind in columns.items():
            if col not in have:
                _run(store, con, f"ALTER TABLE {_name(table)} ADD COLUMN {_name(col)} {_sql_type(store, kind)}")


def insert(store: Store, table: str, row: Mapping[str, Any]) -> None:
    """Append one row (missing columns are NULL)."""
    cols = [_name(c) for c in row]
    sql = f"INSERT INTO {_name(table)} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    with store._connect(write=True) as con:
        _run(store, con, sql, [_value(v) for v in row.values()])


def select(
    store: Store,
    table: str,
    where: Mapping[str, Any] | None = None,
    order_by: Sequence[str] = (),
    since: tuple[str, datetime] | None = None,
    until: tuple[str, datetime] | None = None,
) -> list[dict[str, Any]]:
    """Rows matching every ``where`` equality (and ``since <= column < until``), as dicts.

    A table that does not exist yet reads as empty.
    """
    clause, args = _where(where)
    for bound, op in ((since, ">="), (until, "<")):
        if bound is not None:
            clause += (" AND " if clause else " WHERE ") + f"{_name(bound[0])} {op} ?"
            args.append(_value(bound[1]))
    order = (" ORDER BY " + ", ".join(_name(c) for c in order_by)) if order_by else ""
    with store._connect() as con:
        if not _columns(store, con, table):
            return []
        cur = _run(store, con, f"SELECT * FROM {_name(table)}{clause}{order}", args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def update(store: Store, table: str, where: Mapping[str, Any], values: Mapping[str, Any]) -> int:
    """Set ``values`` on the rows matching ``where``; returns how many rows matched."""
    clause, args = _where(where)
    sets = ", ".join(f"{_name(c)} = ?" for c in values)
    with store._connect(write=True) as con:
        n = _run(store, con, f"SELECT count(*) FROM {_name(table)}{clause}", args).fetchall()[0][0]
        _run(store, con, f"UPDATE {_name(table)} SET {sets}{clause}", [_value(v) for v in values.values()] + args)
    return int(n)


def delete(store: Store, table: str, where: Mapping[str, Any]) -> int:
    """Delete the rows matching ``where`` (which must not be empty); returns how many."""
    if not where:
        raise RecordError("delete needs a condition")
    clause, args = _where(where)
    with store._connect(write=True) as con:
        n = _run(store, con, f"SELECT count(*) FROM {_name(table)}{clause}", args).fetchall()[0][0]
        _run(store, con, f"DELETE FROM {_name(table)}{clause}", args)
    return int(n)
