"""The app's context: its settings (on the Flask app), the :class:`service.Source` they name, the district.

Nothing here computes: every number comes from :mod:`service`, which caches per store version.
The app's settings live on the Flask app (``server.config["HOTSPOTS"]``), so several apps (tests)
can run in one process.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask
import pandas as pd

from geo.bounds import Bounds, frame_bounds
from geo.config import District
from render.geojson import district_layers
from service import cache
from service.data import ingest as service_ingest
from service.data import run_summary, upload_limits
from service.source import Source

OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


@dataclass(frozen=True)
class AppSettings:
    """What one app instance serves: a store and a district folder (absolute paths), and map tiles."""

    store_path: str
    district_folder: str
    tile_url: str
    tile_attribution: str

    @classmethod
    def build(
        cls,
        store_path: str | Path | None = None,
        district: str | Path | District | None = None,
        tile_url: str | None = None,
        tile_attribution: str | None = None,
    ) -> AppSettings:
        """Settings from optional paths (defaults as :meth:`service.source.Source.build`) and tile options."""
        src = Source.build(store_path, district)
        return cls(
            store_path=src.store,
            district_folder=src.district_folder,
            tile_url=tile_url or os.environ.get("HOTSPOTS_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            tile_attribution=tile_attribution or os.environ.get("HOTSPOTS_TILE_ATTRIBUTION", OSM_ATTRIBUTION),
        )

    @property
    def source(self) -> Source:
        """The service layer's source for these settings."""
        return Source(self.store_path, self.district_folder)


def settings() -> AppSettings:
    """The settings of the app serving the current request."""
    return flask.current_app.config["HOTSPOTS"]


def source(cfg: AppSettings | None = None) -> Source:
    """The current app's :class:`service.Source`."""
    return (cfg or settings()).source


def district(cfg: AppSettings | None = None) -> District:
    """The current app's district."""
    return source(cfg).district()


def summary(cfg: AppSettings | None = None) -> dict[str, Any]:
    """``store.summary()`` (cached per store version)."""
    return run_summary(source(cfg)).raw


def date_bounds(cfg: AppSettings | None = None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last date of the data."""
    s = run_summary(source(cfg))
    return s.date_from, s.date_to


def latest_dated(cfg: AppSettings | None = None) -> pd.Timestamp | None:
    """The latest incident with a day (not only a month): where weekend and 28-day picks start."""
    return run_summary(source(cfg)).dated_to


def ingest(paths: list[str | Path], cfg: AppSettings | None = None) -> Any:  # noqa: ANN401 - IngestReport
    """Ingest files with a short read-write connection; returns the store's IngestReport."""
    return service_ingest(source(cfg), paths, limits=upload_limits())


def static_layers(district_folder: str) -> dict[str, dict[str, Any]]:
    """GeoJSON (WGS84) of the district's fixed layers (built once per district and process)."""
    src = Source("", district_folder)
    return cache.memo(("district_layers", district_folder), lambda: district_layers(src.district()))


def district_bounds(district_folder: str) -> Bounds:
    """[[south, west], [north, east]] of the district boundary in WGS84 (for fitting the map)."""
    return frame_bounds(Source("", district_folder).district().boundary)


def share_reads_per_request(server: flask.Flask, cfg: AppSettings) -> None:
    """Let each request's reads of the store share one connection (:meth:`service.Source.reading`).

    A filter change asks the store a dozen questions; each would otherwise attach the file anew.
    The connection opens at the request's first read, so a page or asset request opens nothing.
    """

    def open_reads() -> None:
        stack = contextlib.ExitStack()
        stack.enter_context(cfg.source.reading())
        flask.g.hotspots_reads = stack

    def close_reads(_exc: BaseException | None) -> None:
        stack = flask.g.pop("hotspots_reads", None)
        if stack is not None:
            stack.close()

    server.before_request(open_reads)
    server.teardown_request(close_reads)
