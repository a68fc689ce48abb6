"""What the store holds (the summary the header and the Data page show) and adding files to it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geo.ingest import IngestLimits
from service import cache
from service.source import Source


@dataclass(frozen=True)
class StoreSummary:
    """``store.summary()`` with the dates the filters count back from."""

    raw: dict[str, Any]

    @property
    def total(self) -> int:
        """Incidents in the store."""
        return int(self.raw.get("total") or 0)

    def _date(self, key: str) -> pd.Timestamp | None:
        value = self.raw.get(key)
        return pd.Timestamp(value) if value is not None else None

    @property
    def date_from(self) -> pd.Timestamp | None:
        """First date of the data."""
        return self._date("date_from")

    @property
    def date_to(self) -> pd.Timestamp | None:
        """Last date of the data."""
        return self._date("date_to")

    @property
    def dated_to(self) -> pd.Timestamp | None:
        """The latest incident with a day (not only a month): where weekend and 28-day picks start."""
        return self._date("dated_to")


@cache.cached
def run_summary(source: Source) -> StoreSummary:
    """The store's summary (cached per store version)."""
    return StoreSummary(source.open_store().summary())


def upload_limits() -> IngestLimits:
    """Server-side bounds on one upload through the dashboard (the browser's limit is not trusted).

    ``HOTSPOTS_UPLOAD_MAX_ROWS`` (default 2,000,000 rows read), ``HOTSPOTS_UPLOAD_MAX_BYTES``
    (default 1 GB of uncompressed input, so a small zip cannot expand without bound) and
    ``HOTSPOTS_UPLOAD_MAX_MEMBERS`` (default 200 files in one zip).  The request size itself is
    bounded by the security layer (``MAX_CONTENT_LENGTH``).
    """

    def _env(name: str, default: int) -> int:
        raw = os.environ.get(name, "")
        return int(raw) if raw.strip().isdigit() else default

    return IngestLimits(
        max_rows=_env("HOTSPOTS_UPLOAD_MAX_ROWS", 2_000_000),
        max_bytes=_env("HOTSPOTS_UPLOAD_MAX_BYTES", 1 << 30),
        max_members=_env("HOTSPOTS_UPLOAD_MAX_MEMBERS", 200),
    )


def ingest(source: Source, paths: list[str | Path], limits: IngestLimits | None = None) -> Any:  # noqa: ANN401
    """Ingest files with a short read-write connection; returns the store's ``IngestReport``.

    ``limits`` default: none beyond the command line's (the dashboard passes :func:`upload_limits`).
    """
    store = source.open_store(read_only=False)
    try:
        return store.ingest([str(p) for p in paths], limits=limits)
    finally:
        close = getattr(store, "close", None)
        if close:
            close()
        cache.forget_version(source.store)
