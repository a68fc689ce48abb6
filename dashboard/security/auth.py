"""Who is asking: the session, an API token, or a trusted proxy header; login throttling.

The store is opened writable lazily, once per process, for the accounts, tokens and audit rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from flask import request, session

from dashboard.security.config import Privacy, SecurityConfig
from geo import accounts, audit
from geo.accounts import Account

if TYPE_CHECKING:
    from geo.store import Store

T = TypeVar("T")

#: An anonymous visitor when the district enables public aggregates.
ANONYMOUS_PUBLIC = Account("anonymous", "public")
#: How long a user's account row is trusted before it is read again (a removed user is out within this).
ACCOUNT_TTL_S = 5.0
#: How far back failed logins count towards a lock.
THROTTLE_WINDOW = timedelta(hours=1)


@dataclass
class SecurityState:
    """What the hooks share: settings, the district's privacy table and the writable store."""

    config: SecurityConfig
    store_path: str
    district_folder: str | None
    privacy: Privacy
    _store: object | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _write_lock: threading.RLock = field(default_factory=threading.RLock)
    _accounts: dict = field(default_factory=dict)

    @property
    def public_enabled(self) -> bool:
        """Whether anonymous visitors may read the public aggregates (the setting, else the district's)."""
        return self.privacy.public if self.config.public is None else self.config.public

    def store_missing(self) -> bool:
        """Whether the store is a file path with no file there (the layer never creates one)."""
        path = self.store_path
        return "://" not in path and "=" not in path and not Path(path).exists()

    def store(self) -> Store:
        """The store opened for writing (accounts, tokens and the audit log)."""
        with self._lock:
            if self._store is None:
                from geo.config import load_district
                from geo.store import Store, StoreError

                if self.store_missing():
                    raise StoreError(f"no store at {self.store_path}")

                district = load_district(Path(self.district_folder)) if self.district_folder else None
                self._store = Store.open(self.store_path, district=district, read_only=False)
            return self._store

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(store, *args, **kwargs)`` on the writable store, retried for up to 10 seconds.

        Another connection of this process may hold the file with other settings (DuckDB refuses a
        writer beside an open reader in one process); the call is retried until it is released.

        Parameters
        ----------
        fn : callable
            Called as ``fn(store, *args, **kwargs)``.
        *args, **kwargs
            Passed on to ``fn``.

        Returns
        -------
        object
            What ``fn`` returns.
        """
        import duckdb

        deadline = time.monotonic() + 10
        while True:
            try:
                with self._write_lock:
                    return fn(self.store(), *args, **kwargs)
            except duckdb.ConnectionException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def account(self, username: str) -> Account | None:
        """``username``'s account, re-read at most every :data:`ACCOUNT_TTL_S` seconds."""
        now = time.monotonic()
        hit = self._accounts.get(username)
        if hit and now - hit[0] < ACCOUNT_TTL_S:
            return hit[1]
        acc = self.call(accounts.get_user, username)
        self._accounts[username] = (now, acc)
        return acc

    def forget(self, username: str) -> None:
        """Drop ``username``'s cached account row, so the next request reads it again."""
        self._accounts.pop(username, None)

    def audit(self, action: str, user: Account | None, address: str | None = None, **fields: Any) -> None:
        """Append an audit row for ``user`` from ``address`` (default: the current request's client address)."""
        self.call(
            audit.record,
            action,
            username=user.username if user else fields.pop("username", None),
            role=user.role if user else None,
            address=address or client_address(),
            **fields,
        )


def client_address() -> str:
    """The client's address (the proxy's, unless the deployment adds werkzeug's ProxyFix)."""
    return request.remote_addr or "unknown"


def bearer_token() -> str | None:
    """The API token from ``Authorization: Bearer ...`` or the ``token`` query parameter."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.args.get("token") or None


def session_account(state: SecurityState) -> Account | None:
    """The logged-in user of the session cookie, if the account still exists with that role."""
    name = session.get("user")
    if not name:
        return None
    acc = state.account(name)
    if acc is None or acc.role != session.get("role"):
        session.clear()
        return None
    return acc


def proxy_user_name(state: SecurityState) -> str | None:
    """The user name in the trusted proxy header, when configured and sent by a trusted proxy address.

    From any other client address the header is ignored (a client talking to the dashboard directly
    could otherwise name any user).
    """
    header = state.config.trusted_user_header
    if not header or not state.config.is_trusted_proxy(request.remote_addr):
        return None
    return (request.headers.get(header) or "").strip()[:254] or None


def proxy_account(state: SecurityState) -> Account | None:
    """The account of the user named by the trusted proxy header (``None`` without one or no account)."""
    name = proxy_user_name(state)
    return state.account(name) if name else None


def lock_remaining(rows: list[dict], now: datetime, lock_after: int, lock_seconds: int) -> float:
    """Seconds a login stays locked, from audit rows (oldest first) of one user or one address.

    Failed logins since the last success count; ``lock_after`` of them lock for ``lock_seconds``
    after the latest, and every further ``lock_after`` failures double the lock.
    """
    fails: list[datetime] = []
    for row in rows:
        if row["action"] == "login":
            fails = []
        elif row["action"] == "login_failed":
            fails.append(row["at"])
    if len(fails) < lock_after:
        return 0.0
    length = lock_seconds * 2 ** ((len(fails) - lock_after) // lock_after)
    until = fails[-1] + timedelta(seconds=length)
    return max(0.0, (until - now).total_seconds())


def login_lock(state: SecurityState, username: str) -> float:
    """Seconds before ``username`` may try again from this address (the longer of the two locks)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    since = now - THROTTLE_WINDOW
    cfg = state.config
    waits = []
    for key in ({"username": username}, {"address": client_address()}):
        rows = [r for r in state.call(audit.read, since, None, **key) if r["action"] in ("login", "login_failed")]
        waits.append(lock_remaining(rows, now, cfg.lock_after, cfg.lock_seconds))
    return max(waits)


def log_in(user: Account) -> None:
    """Start a fresh session for ``user`` (a new session, so a planted one is not reused)."""
    session.clear()
    session.permanent = True
    session["user"] = user.username
    session["role"] = user.role
