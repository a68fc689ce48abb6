"""The csp-hotspots Dash dashboard: a thin face over :mod:`geo` (see :func:`dashboard.app.create_app`)."""
