"""Serve the dashboard in a background thread on a free local port (screenshots, browser tests, benches)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dash
from werkzeug.serving import make_server

#: The operating system's Chromium (Debian's ``chromium`` package); never a downloaded browser build.
CHROMIUM_PATH = "/usr/bin/chromium"
#: Headless Chromium flags for root in a container, offline: no sandbox, GPU, updates or sync.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@contextmanager
def serve_in_thread(app: dash.Dash, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` with werkzeug's threaded server on a free port of ``host``; yield its base URL.

    Parameters
    ----------
    app : dash.Dash
        The app :func:`dashboard.app.create_app` built.
    host : str, default "127.0.0.1"
        The address to bind: local only unless told otherwise.

    Yields
    ------
    str
        ``http://host:port``; the server stops when the block ends.
    """
    with socket.socket() as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    server = make_server(host, port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
