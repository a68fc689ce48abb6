"""Output formats: HTML, SVG, PDF, GeoJSON and CSV, with no Dash."""
