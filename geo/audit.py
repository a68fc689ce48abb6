"""The audit log: who logged in, who read point-level data, exported, printed or uploaded what.

Append-only by design: this module offers :func:`record` and :func:`read` and nothing that updates or
deletes a row, and no other part of the product writes to the table.  Rows are kept in the store
through :mod:`geo.records` (timestamps in UTC; shown in Europe/London).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from geo import records

if TYPE_CHECKING:
    from geo.store import Store

AUDIT = "audit_log"
COLUMNS = {
    "at": "timestamp",
    "username": "text",
    "role": "text",
    "action": "text",
    "route": "text",
    "detail": "text",
    "rows": "int",
    "status": "int",
    "address": "text",
}
#: What is audited.
ACTIONS = (
    "login",
    "login_failed",
    "logout",
    "read_points",
    "export",
    "briefing",
    "report",
    "upload",
    "user_admin",
    "audit_read",
)
_ensured: set[str] = set()


def _ensure(store: Store) -> None:
    key = str(store.path)
    if key not in _ensured:
        records.ensure_table(store, AUDIT, COLUMNS)
        _ensured.add(key)


def record(
    store: Store,
    action: str,
    *,
    username: str | None = None,
    role: str | None = None,
    route: str = "",
    detail: str = "",
    rows: int | None = None,
    status: int | None = None,
    address: str | None = None,
    at: datetime | None = None,
) -> None:
    """Append one audit row.

    Parameters
    ----------
    store : Store
        A writable store.
    action : str
        One of :data:`ACTIONS`.
    username, role : str, optional
        Who (``None`` for an anonymous request).
    route : str
        The path and query string asked for (the selection is in the query).
    detail : str
        What else identifies the read (a callback's outputs, a file name).
    rows : int, optional
        How many rows the answer carried, when known.
    status : int, optional
        HTTP status of the answer.
    address : str, optional
        Client address.
    at : datetime, optional
        Default now (UTC).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action '{action}'; use one of {', '.join(ACTIONS)}")
    _ensure(store)
    row = {
        "at": at or datetime.now(UTC),
        "username": username,
        "role": role,
        "action": action,
        "route": route[:2000],
        "detail": detail[:2000],
        "rows": rows,
        "status": status,
        "address": address,
    }
    records.insert(store, AUDIT, row)


def read(
    store: Store,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    *,
    username: str | None = None,
    action: str | None = None,
    address: str | None = None,
) -> list[dict[str, Any]]:
    """Audit rows with ``date_from <= at < date_to`` (either bound optional), oldest first."""
    where = {k: v for k, v in (("username", username), ("action", action), ("address", address)) if v is not None}
    return records.select(
        store,
        AUDIT,
        where=where or None,
        order_by=["at"],
        since=("at", date_from) if date_from else None,
        until=("at", date_to) if date_to else None,
    )
