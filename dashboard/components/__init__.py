"""Reusable layout pieces: header, shared filters, map layers and legend."""
