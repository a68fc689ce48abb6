"""Settings of the security layer (:class:`SecurityConfig`) and the district's ``[privacy]`` table."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from geo.config import Sensitivity, sensitivity_from_table

DEFAULT_HOSTS = ("127.0.0.1", "localhost")
#: Addresses a trusted proxy header is accepted from when ``$HOTSPOTS_TRUSTED_PROXIES`` is unset.
DEFAULT_TRUSTED_PROXIES = ("127.0.0.1", "::1")
DEFAULT_MAX_UPLOAD_MB = 200.0


@dataclass(frozen=True)
class Privacy:
    """The district's ``[privacy]`` table (``data/<district>/district.toml``).

    Attributes
    ----------
    marking : str
        Protective marking printed on briefings, reports and exports and sent as a header.
    sensitivity : geo.config.Sensitivity
        Which incidents are sensitive (force codes, Home Office categories, flag columns of a force
        extract): parsed by :func:`geo.config.sensitivity_from_table`, the same rule the ingest
        applies when it sets each incident's ``sensitive`` column.
    public : bool
        Whether anonymous visitors may read the public aggregates.
    public_min_count : int
        Counts below this are suppressed in public answers.
    """

    marking: str = "OFFICIAL-SENSITIVE"
    sensitivity: Sensitivity = field(default_factory=Sensitivity)
    public: bool = False
    public_min_count: int = 5


def load_privacy(district_folder: str | Path | None) -> Privacy:
    """The ``[privacy]`` table of ``district_folder/district.toml`` (defaults for missing keys).

    Raises
    ------
    geo.config.ConfigError
        When the table names the sensitive incidents wrongly (not lists of names).
    """
    if district_folder is None:
        return Privacy()
    path = Path(district_folder) / "district.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("privacy", {})
    except (OSError, tomllib.TOMLDecodeError):
        return Privacy()
    base = Privacy()
    return Privacy(
        marking=str(table.get("marking", base.marking)),
        sensitivity=sensitivity_from_table(table, str(path)),
        public=bool(table.get("public", base.public)),
        public_min_count=int(table.get("public_min_count", base.public_min_count)),
    )


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(h.strip().lower() for h in os.environ.get(name, "").split(",") if h.strip())


@dataclass(frozen=True)
class SecurityConfig:
    """How the security layer behaves; every field has a safe default.

    Attributes
    ----------
    disabled_for_tests : bool
        Skip login, roles, CSRF and the audit (tests of other features only).  Headers, the Host
        allow-list, CSV neutralisation and the upload limit stay on.
    allowed_hosts : tuple of str
        Host names accepted in the ``Host`` header (default ``127.0.0.1``, ``localhost`` and
        ``$HOTSPOTS_ALLOWED_HOSTS``, comma-separated).
    trusted_user_header : str or None
        A header set by a reverse proxy naming the logged-in user (``$HOTSPOTS_TRUSTED_USER_HEADER``);
        the user must have an account, whose role applies.  Only set it when the proxy strips the
        header from clients' requests.
    trusted_proxies : tuple of str
        Addresses or networks (``10.0.0.0/8``) the header is accepted from; from any other client it is
        ignored (``$HOTSPOTS_TRUSTED_PROXIES``, comma-separated; default ``127.0.0.1`` and ``::1``).
    max_upload_mb : float
        Largest upload accepted (``$HOTSPOTS_MAX_UPLOAD_MB``, default 200).
    secret_key : str or None
        Session signing key (``$HOTSPOTS_SECRET_KEY``; default: one generated and kept in the store).
    secure_cookies : bool or None
        Force the ``Secure`` cookie flag (``$HOTSPOTS_SECURE_COOKIES=1``); by default set when the
        request came over HTTPS.
    lock_after, lock_seconds : int
        Failed logins (per user and per client address) before a lock, and its first length; each
        further ``lock_after`` failures double it.
    public : bool or None
        Override the district's ``[privacy] public``.
    """

    disabled_for_tests: bool = False
    allowed_hosts: tuple[str, ...] = field(default_factory=lambda: DEFAULT_HOSTS + _env_list("HOTSPOTS_ALLOWED_HOSTS"))
    trusted_user_header: str | None = field(
        default_factory=lambda: os.environ.get("HOTSPOTS_TRUSTED_USER_HEADER") or None
    )
    trusted_proxies: tuple[str, ...] = field(
        default_factory=lambda: _env_list("HOTSPOTS_TRUSTED_PROXIES") or DEFAULT_TRUSTED_PROXIES
    )
    max_upload_mb: float = field(
        default_factory=lambda: float(os.environ.get("HOTSPOTS_MAX_UPLOAD_MB") or DEFAULT_MAX_UPLOAD_MB)
    )
    secret_key: str | None = field(default_factory=lambda: os.environ.get("HOTSPOTS_SECRET_KEY") or None)
    secure_cookies: bool | None = field(
        default_factory=lambda: True if os.environ.get("HOTSPOTS_SECURE_COOKIES") == "1" else None
    )
    lock_after: int = 5
    lock_seconds: int = 60
    public: bool | None = None

    def is_trusted_proxy(self, address: str | None) -> bool:
        """Whether ``address`` (the client of a request) is one of :attr:`trusted_proxies`."""
        import ipaddress

        try:
            ip = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        for entry in self.trusted_proxies:
            try:
                if ip in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        return False

    @property
    def max_upload_bytes(self) -> int:
        """The upload limit in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)
