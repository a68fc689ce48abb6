"""Accounts and API tokens kept in the store (side tables through :mod:`geo.records`).

Passwords are hashed with argon2id (``argon2-cffi``, its default parameters); an API token is a random
string shown once and stored only as its SHA-256 digest, so a copy of the store does not give access.

Roles, from most to least trusted: ``analyst`` (everything, uploads, user administration),
``officer`` (point-level data, plans, briefings, exports), ``partnership`` (aggregates only) and
``public`` (anonymous aggregates with small counts suppressed; off unless the district enables it).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo import records
from geo.errors import HotspotsError

if TYPE_CHECKING:
    from geo.store import Store

ROLES = ("analyst", "officer", "partnership", "public")
ACCOUNTS = "accounts"
TOKENS = "api_tokens"
ACCOUNT_COLUMNS = {
    "username": "text",
    "role": "text",
    "password_hash": "text",
    "demo": "bool",
    "created_at": "timestamp",
    "password_changed_at": "timestamp",
}
TOKEN_COLUMNS = {"token_hash": "text", "username": "text", "label": "text", "created_at": "timestamp"}
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_HASHER = PasswordHasher()
# Verified when the user does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-password-of-anyone")


class AccountError(HotspotsError, ValueError):
    """An account or token request that cannot be done (unknown user, bad role, weak password)."""


@dataclass(frozen=True)
class Account:
    """A user as the rest of the product sees it (never the hash)."""

    username: str
    role: str
    demo: bool = False
    created_at: datetime | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def ensure_tables(store: Store) -> None:
    """Create the accounts and token tables if the store lacks them (needs a writable store)."""
    records.ensure_table(store, ACCOUNTS, ACCOUNT_COLUMNS, primary_key="username")
    records.ensure_table(store, TOKENS, TOKEN_COLUMNS, primary_key="token_hash")


def check_username(username: str) -> str:
    """``username`` if valid (letters, digits, ``. _ @ -``; 1-64 characters), else :class:`AccountError`."""
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise AccountError(
            f"user name '{username}' is not valid: use 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return username


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else :class:`AccountError`."""
    if role not in ROLES:
        raise AccountError(f"role '{role}' is not one of {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


def generate_password() -> str:
    """A random one-time password (16 URL-safe characters, about 96 bits)."""
    return secrets.token_urlsafe(12)


def _account(row: dict) -> Account:
    return Account(row["username"], row["role"], bool(row.get("demo")), row.get("created_at"))


def get_user(store: Store, username: str) -> Account | None:
    """The account called ``username``, or ``None``."""
    rows = records.select(store, ACCOUNTS, where={"username": username})
    return _account(rows[0]) if rows else None


def list_users(store: Store) -> list[Account]:
    """Every account, by name."""
    return [_account(r) for r in records.select(store, ACCOUNTS, order_by=["username"])]


def add_user(store: Store, username: str, role: str, password: str | None = None, *, demo: bool = False) -> str:
    """Create an account; returns its password (generated when ``password`` is ``None``).

    Raises
    ------
    AccountError
        Invalid name, role or password, or a user of that name exists.
    """
    check_username(username)
    check_role(role)
    password = generate_password() if password is None else _check_password(password)
    ensure_tables(store)
    if get_user(store, username) is not None:
        raise AccountError(f"user '{username}' already exists (use `hotspots user passwd {username}`)")
    now = _now()
    row = {
        "username": username,
        "role": role,
        "password_hash": _HASHER.hash(password),
        "demo": demo,
        "created_at": now,
        "password_changed_at": now,
    }
    records.insert(store, ACCOUNTS, row)
    return password


def set_password(store: Store, username: str, password: str | None = None) -> str:
    """Replace a user's password; returns it (generated when ``password`` is ``None``)."""
    if get_user(store, username) is None:
        raise AccountError(f"no user '{username}'")
    password = generate_password() if password is None else _check_password(password)
    values = {"password_hash": _HASHER.hash(password), "password_changed_at": _now()}
    records.update(store, ACCOUNTS, {"username": username}, values)
    return password


def remove_user(store: Store, username: str) -> None:
    """Delete an account and its API tokens (its audit rows stay)."""
    if get_user(store, username) is None:
        raise AccountError(f"no user '{username}'")
    records.delete(store, TOKENS, {"username": username})
    records.delete(store, ACCOUNTS, {"username": username})


def verify_password(store: Store, username: str, password: str) -> Account | None:
    """The account when ``password`` is right, else ``None`` (same work whether or not the user exists)."""
    rows = records.select(store, ACCOUNTS, where={"username": username}) if _USERNAME.match(username or "") else []
    stored = rows[0]["password_hash"] if rows else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return _account(rows[0]) if rows else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(store: Store, username: str, label: str = "") -> str:
    """A new API token for ``username`` (returned once; only its SHA-256 digest is stored)."""
    if get_user(store, username) is None:
        raise AccountError(f"no user '{username}'")
    ensure_tables(store)
    token = "hst_" + secrets.token_urlsafe(32)
    records.insert(
        store, TOKENS, {"token_hash": _digest(token), "username": username, "label": label, "created_at": _now()}
    )
    return token


def account_for_token(store: Store, token: str) -> Account | None:
    """The account that owns ``token``, or ``None`` for an unknown or revoked token."""
    if not token or len(token) > 200:
        return None
    rows = records.select(store, TOKENS, where={"token_hash": _digest(token)})
    return get_user(store, rows[0]["username"]) if rows else None


def revoke_tokens(store: Store, username: str) -> int:
    """Delete every API token of ``username``; returns how many there were."""
    return records.delete(store, TOKENS, {"username": username})


#: The demo accounts ``make run`` creates (user name = password; documented, marked demo).
DEMO_ACCOUNTS = (("demo-analyst", "analyst"), ("demo-officer", "officer"), ("demo-partnership", "partnership"))


def demo_data_only(store: Store) -> bool:
    """Whether every source in the store is one of the district's bundled demo files.

    A source is named ``reader:file-stem``; it is demo when its stem is that of a bundled file
    (the data.police.uk extracts and the synthetic force extract of ``[data]`` in district.toml).
    """
    from geo.demo_store import bundled_inputs

    stems = set()
    for path, _ in bundled_inputs(store.district):
        files = path.rglob("*") if path.is_dir() else [path]
        stems |= {f.stem for f in files if f.is_file()}
    sources = store.summary()["sources"]["source"].astype(str)
    return all(s.split(":", 1)[-1] in stems for s in sources)


def ensure_demo_accounts(store: Store) -> list[tuple[str, str]]:
    """Create the missing :data:`DEMO_ACCOUNTS`; returns the (name, role) pairs created.

    Raises
    ------
    AccountError
        When the store holds data other than the bundled demo files (demo passwords are public).
    """
    if not demo_data_only(store):
        raise AccountError(
            "the store holds data other than the bundled demo files: demo accounts (whose passwords are "
            "published) are not created; add real accounts with `hotspots user add NAME --role ROLE`"
        )
    made = []
    for name, role in DEMO_ACCOUNTS:
        if get_user(store, name) is None:
            add_user(store, name, role, name, demo=True)
            made.append((name, role))
    return made
