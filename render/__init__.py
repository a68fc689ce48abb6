"""Rendering: HTML/SVG/PDF pages, GeoJSON/CSV/geobuf serialisation and the palette. Never imports Dash."""
