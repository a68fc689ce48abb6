"""Dash Pages: one module per page (see dashboard/app.py for how to add one)."""
