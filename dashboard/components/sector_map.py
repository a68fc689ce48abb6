"""The sectors page's choropleth: sector polygons coloured by count (or rate) and their counts table.

Colour: viridis quantile classes (colour-blind safe, light = fewer, dark = more); every sector
also shows its count in the tooltip and the table, so colour is never the only cue.
"""

from __future__ import annotations

import math

import dash_leaflet as dl
import numpy as np
import pandas as pd
from dash import html

from dashboard.components.tables import fmt_int, fmt_pct, html_table
from render.safe import escape_html

#: Sequential, colour-blind-safe classes for the choropleth (viridis, light = fewer, dark = more).
CHORO = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
_SWATCH = {
    "display": "inline-block",
    "width": "14px",
    "height": "11px",
    "marginRight": "6px",
    "verticalAlign": "middle",
    "border": "1px solid #333",
}


def fit_zoom(bounds: list, height_px: int, width_px: int) -> float:
    """Largest quarter zoom level showing ``bounds`` in a box (the map's own fitBounds needs a sized box)."""
    (south, west), (north, east) = bounds
    lon_z = math.log2(width_px * 360 / (256 * max(east - west, 1e-6)))

    def merc(lat: float) -> float:
        return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))

    lat_z = math.log2(height_px * 360 / (256 * max(merc(north) - merc(south), 1e-6)))
    return math.floor(4 * min(lon_z, lat_z) - 0.5) / 4


def _classes(values: np.ndarray, k: int = len(CHORO)) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Quantile classes (with five sectors, one colour each); equal values share a class."""
    if not len(values) or float(values.max()) <= 0:
        return np.zeros(len(values), dtype=int), [(0.0, 0.0)]
    k = min(k, len(np.unique(values)))
    edges = np.quantile(values, np.linspace(0, 1, k + 1))
    idx = np.clip(np.searchsorted(edges[1:-1], values, side="left"), 0, k - 1)
    # spread the used classes over the whole palette so few classes still span light to dark
    idx = np.rint(idx * (len(CHORO) - 1) / max(k - 1, 1)).astype(int)
    return idx, [(edges[i], edges[i + 1]) for i in range(k)]


def choropleth(counts: pd.Series, layer: dict, rate: pd.Series | None = None) -> tuple[list, list[str]]:
    """One dl.GeoJSON per sector, styled by its class, and each sector's colour."""
    values = (rate if rate is not None else counts).reindex(counts.index).fillna(0).to_numpy(float)
    idx, bins = _classes(values)
    total = max(int(counts.sum()), 1)
    layers = []
    for i, sector in enumerate(counts.index):
        feats = [f for f in layer["features"] if f["properties"].get("sector") == sector]
        n = int(counts[sector])
        tip = f"<b>{escape_html(sector)}</b><br>{n:,} incidents ({n / total:.1%} of the selection)"
        if rate is not None:
            tip += f"<br>{values[i]:.1f} per 1,000 residents"
        tip += "<br><i>illustrative sector outline</i>"
        fc = {
            "type": "FeatureCollection",
            "features": [{**f, "properties": {**f["properties"], "tooltip": tip, "count": n}} for f in feats],
        }
        colour = CHORO[int(idx[i])]
        layers.append(
            dl.GeoJSON(
                data=fc,
                id=f"sec-poly-{i}",
                style={"color": "#222222", "weight": 1.5, "fillColor": colour, "fillOpacity": 0.75},
                hoverStyle={"weight": 4, "color": "#000000"},
            )
        )
    return layers, [CHORO[int(i)] for i in idx]


def counts_table(counts: pd.Series, colours: list[str], outside: int) -> list:
    """Counts and shares per sector (with its map colour), then the incidents in no sector, and a note."""
    total = int(counts.sum()) + outside
    rows = [
        [html.Span([html.Span(style={**_SWATCH, "background": c}), s]), fmt_int(n), fmt_pct(n / max(total, 1))]
        for (s, n), c in zip(counts.items(), colours, strict=True)
    ]
    if outside:
        rows.append(["No sector (outside the outlines or no location)", fmt_int(outside), fmt_pct(outside / total)])
    return [
        html_table(rows, ["Police sector", "Incidents", "Share"], table_id="sec-counts", numeric=(1, 2)),
        html.Div(
            "Map colours: viridis classes by count, light = fewer, dark = more (colour-blind safe). Hover a "
            "sector for its count.",
            className="notes",
        ),
    ]
