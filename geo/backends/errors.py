"""The store's errors (re-exported by :mod:`geo.store`): the faces map StoreUnavailable to HTTP 503."""

from __future__ import annotations

from geo.errors import UnavailableError


class StoreError(UnavailableError, ValueError):
    """The store file is missing, locked for too long, or not a csp-hotspots store."""


class StoreUnavailable(StoreError):
    """The store cannot answer now: replaced, removed, corrupted or unreachable (HTTP 503)."""


class StoreBusy(StoreUnavailable):
    """Another process is writing and did not finish within the wait (HTTP 503, try again)."""
