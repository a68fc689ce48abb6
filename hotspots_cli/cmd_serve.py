"""``hotspots serve``: run the dashboard (and its /api) behind gunicorn."""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geo.config import District
from geo.store import is_database_url
from hotspots_cli.main import CliError
from hotspots_cli.options import add_store_args
from service.source import Source

#: Worker processes: one per core of a small server.
DEFAULT_WORKERS = 2
#: Threads per worker (gunicorn's gthread worker when above 1).  With more threads a page load or
#: a cached answer is served while the worker computes (at most ``$HOTSPOTS_COMPUTE_SLOTS`` results
#: at once), but on two cores the slow callbacks' tail grew: sync workers stay the default
#: (docs/scale.md, "The real server under load").
DEFAULT_THREADS = 1
#: MB the workers' shared results may take on disc (0: each worker keeps its own).
DEFAULT_SHARED_MB = 256
SHARED_ENV = "HOTSPOTS_SHARED_CACHE"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the ``hotspots`` parser."""
    p = subparsers.add_parser(
        "serve",
        help="run the dashboard web app",
        description="Serve the dashboard and its JSON API with gunicorn. Builds the demo store first "
        "when the store file does not exist.",
    )
    add_store_args(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    p.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help=f"gunicorn worker processes (default {DEFAULT_WORKERS})"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"threads per worker (default {DEFAULT_THREADS}); above 1 a worker answers cheap requests while "
        "another thread computes",
    )
    p.add_argument(
        "--shared-cache-mb",
        type=float,
        default=DEFAULT_SHARED_MB,
        help=f"MB of results the workers share on disc, so one computes what the others then read "
        f"(default {DEFAULT_SHARED_MB}; 0 turns sharing off)",
    )
    p.add_argument("--timeout", type=int, default=120, help="worker timeout in seconds (default 120)")
    p.add_argument(
        "--tile-url",
        help="map tile URL template (default $HOTSPOTS_TILE_URL or OpenStreetMap)",
    )
    p.add_argument("--no-demo", action="store_true", help="fail instead of building the demo store")
    p.set_defaults(handler=serve)


def _ensure_store(location: str | Path, district: District, build_demo: bool) -> None:
    if is_database_url(location):  # a database is never built here: `hotspots demo --store URL` does that
        return
    path = Path(location)
    if path.exists():
        return
    if not build_demo:
        raise CliError(f"no store at {path}: create it with `hotspots demo --store {path}` or `hotspots ingest`")
    try:
        from geo.demo_store import ensure_demo_store
    except ImportError:
        raise CliError(
            f"no store at {path}, and this checkout cannot build the demo store: "
            f"run `hotspots ingest FILES --store {path}` first"
        ) from None
    print(f"hotspots serve: building the demo store at {path} (first run only)...", flush=True)
    ensure_demo_store(path, district)


def data_source_location(store: str | Path) -> str:
    """The store for messages: a file path, or a database URL without its password."""
    if not is_database_url(str(store)):
        return str(store)
    from geo.store_pg import redact

    return redact(str(store))


def warm(source: Source) -> int | None:
    """Warm a worker with the first map's incident layer, asked of the store as aggregates.

    The count, the points or grid counts and the extent of everything: the district, the store's
    version and the first layer are then ready, and no row is held (a worker's memory does not
    grow with the store).  Returns the count, or None (with a warning printed) when the store
    cannot be read yet.
    """
    from service.errors import HotspotsError
    from service.incidents import IncidentsOptions, run_incidents

    try:
        return run_incidents(source, IncidentsOptions()).count
    except HotspotsError as exc:
        print(f"hotspots serve: warning: could not read the store yet ({exc})", flush=True)
    except Exception:
        logging.exception("hotspots serve: could not read the store")
    return None


@contextmanager
def shared_results(megabytes: float) -> Iterator[str | None]:
    """A private folder (mode 0700) the workers share results through, removed when the server stops.

    Sets ``$HOTSPOTS_SHARED_CACHE`` (and its budget) for the workers gunicorn forks.  A folder already
    named there is kept (it is the operator's; it must be private to this user, or the workers refuse
    it).  Yields the folder, or None when sharing is off.
    """
    if megabytes <= 0:
        os.environ.pop(SHARED_ENV, None)
        yield None
        return
    os.environ["HOTSPOTS_SHARED_CACHE_MB"] = str(megabytes)
    if os.environ.get(SHARED_ENV):
        yield os.environ[SHARED_ENV]
        return
    with tempfile.TemporaryDirectory(prefix="hotspots-serve-") as folder:  # mkdtemp: mode 0700
        os.environ[SHARED_ENV] = folder
        try:
            yield folder
        finally:
            os.environ.pop(SHARED_ENV, None)


def serve(args: argparse.Namespace) -> int:
    """Serve the dashboard under gunicorn; returns the exit code."""
    from gunicorn.app.base import BaseApplication

    from geo.config import DEFAULT_DISTRICT, load_district
    from geo.store import default_store_location

    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    if args.threads < 1:
        raise CliError("--threads must be at least 1")
    if not 0 < args.port < 65536:
        raise CliError("--port must be between 1 and 65535")
    district_folder = Path(args.district) if args.district else DEFAULT_DISTRICT
    district = load_district(district_folder)
    raw = args.store or default_store_location()
    store: str | Path = str(raw) if is_database_url(str(raw)) else Path(raw)
    _ensure_store(store, district, not args.no_demo)
    if args.tile_url:
        os.environ["HOTSPOTS_TILE_URL"] = args.tile_url

    class _App(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", args.threads)
            self.cfg.set("worker_class", "gthread" if args.threads > 1 else "sync")
            self.cfg.set("timeout", args.timeout)
            self.cfg.set("accesslog", None)
            self.cfg.set("proc_name", "hotspots-serve")

        def load(self) -> object:
            # Each worker builds its own app: per-process caches, short read-only DuckDB connections.
            from dashboard import data_access
            from dashboard.app import create_app

            app = create_app(str(store), str(district_folder))
            with app.server.app_context():
                warm(data_access.source())
            return app.server

    where = data_source_location(store)
    threads = f" x {args.threads} threads" if args.threads > 1 else ""
    print(
        f"hotspots serve: {district.name} dashboard on http://{args.host}:{args.port}/ "
        f"(store {where}, {args.workers} workers{threads}; Ctrl+C stops)",
        flush=True,
    )
    with shared_results(args.shared_cache_mb):
        _App().run()
    return 0
