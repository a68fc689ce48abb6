"""WSGI entry point: ``gunicorn dashboard.wsgi:server`` (store and district from the environment).

``$HOTSPOTS_STORE`` names the store and ``$HOTSPOTS_DISTRICT`` the district folder.
"""

from __future__ import annotations

import os

from dashboard.app import create_app

app = create_app(os.environ.get("HOTSPOTS_STORE") or None, os.environ.get("HOTSPOTS_DISTRICT") or None)
server = app.server
