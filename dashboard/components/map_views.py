"""What the map page's callbacks show, as plain functions over the service (tests call them directly).

Each returns display values (geobuf strings, texts, rows); the callbacks in ``dashboard/pages/map.py``
only place them in their outputs.  Nothing here computes: the numbers come from :mod:`service`.
"""

from __future__ import annotations

import dash
from dash import html

from dashboard import data_access, state
from dashboard.components.hotspot_panel import short_method
from dashboard.components.hotspot_table import table_rows
from dashboard.components.map_overlays import EMPTY_GEOJSON
from dashboard.errors import explain
from geo.config import District
from geo.hotspots import DEFAULT_METHOD
from geo.selection import Selection
from render.geobuf import geojson_to_geobuf_b64, grid_geobuf_b64, points_to_geobuf_b64
from render.geojson import hotspot_labels_geojson, hotspots_geojson
from service.backtest import map_backtest
from service.errors import HotspotsError
from service.hotspots import HotspotsOptions, HotspotsResult, run_hotspot_table, run_hotspots, top_polygons
from service.incidents import IncidentsOptions, run_incidents
from service.params import SHARED_PARAMS, selection_of

#: The map view follows the selection only when these change (not on every day or hour tweak).
DISTRICT_FIT = "district"


def fit_key(sel: Selection) -> str:
    """What the map view follows: the sectors and an inside-zone choice (else the district)."""
    if not sel.sectors and not (sel.zone and sel.zone_inside):
        return DISTRICT_FIT
    return "|".join(sorted(sel.sectors)) + "#" + (sel.zone if sel.zone and sel.zone_inside else "")


def url_view(lat: str | None, lon: str | None, zoom: str | None) -> tuple[list[float], float] | None:
    """The map centre and zoom of the URL's ``lat``, ``lon`` and ``zoom``, or None when absent or out of range."""
    try:
        la, lo, z = float(lat), float(lon), float(zoom)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (-90 <= la <= 90 and -180 <= lo <= 180 and 0 <= z <= 22):
        return None
    return [la, lo], z


def initial_view(district: District, view: tuple[list[float], float] | None, query: dict) -> tuple[str, dict]:
    """The ``map-fit`` store's first value and the map's view properties.

    With a view in the URL the map opens there, and the URL's selection counts as fitted so the first
    incident update keeps that view; without one the map fits the district once it knows its size.
    """
    if view:
        try:
            fitted = fit_key(selection_of({k: v for k, v in query.items() if k in SHARED_PARAMS}))
        except HotspotsError:
            fitted = DISTRICT_FIT
        return fitted, {"center": view[0], "zoom": view[1]}
    bounds = data_access.district_bounds(data_access.settings().district_folder)
    return DISTRICT_FIT, {
        "center": list(district.centre),
        "zoom": district.zoom,
        "viewport": {"bounds": bounds, "transition": "fitBounds"},
    }


def hotspot_options(selection: dict | None, method: str | None) -> HotspotsOptions:
    """The hotspot options of the selection store and the method dropdown."""
    return HotspotsOptions(state.selection_from_store(selection), method or DEFAULT_METHOD)


def _hotspot_text(found: HotspotsResult, top_n: int | None) -> tuple[str, int]:
    """The stat bar's hotspot line and how many polygons are drawn."""
    n_all = len(found.polygons)
    n = len(top_polygons(found.polygons, top_n))
    name = short_method(found.result.method)
    if found.n_incidents == 0:
        text = found.message
    elif n < n_all:
        text = f"Top {n} of {n_all:,} hotspots ({name})"
    else:
        text = f"{n_all:,} hotspot{'s' if n_all != 1 else ''} ({name})"
    # auto's choice and the hotspots left out are said once, in the size note under the controls
    said = (str(found.result.params.get("choice_reason") or ""), found.result.dropped_note or "")
    others = [w for w in found.result.warnings if not w.startswith("Auto ") and w not in said]
    if others and found.n_incidents:
        text += " · " + "; ".join(others[:2])
    return text, n


def incidents_view(sel: Selection, fitted: str | None) -> dict:
    """What the incident callback shows for ``sel`` (a plain function, so tests can call it)."""
    layer = run_incidents(data_access.source(), IncidentsOptions(sel))
    notes = list(layer.notes)
    if layer.without_location:
        notes.append(f"{layer.without_location:,} selected incidents have no location and are not drawn")
    if layer.capped:
        notes.append(layer.message)
    key = fit_key(sel)
    viewport, fit = dash.no_update, dash.no_update
    # Follow the selection's extent when it is confined to sectors or a zone; back to the district
    # when it no longer is.  Other filter changes leave the user's view alone.
    if key != fitted:
        district_fit = key == DISTRICT_FIT or layer.bounds is None
        bounds = data_access.district_bounds(data_access.settings().district_folder) if district_fit else layer.bounds
        viewport, fit = {"bounds": bounds, "transition": "flyToBounds"}, key
    g = layer.grid
    grid = (
        geojson_to_geobuf_b64(EMPTY_GEOJSON)
        if g is None
        else grid_geobuf_b64(g.easting, g.northing, g.counts, g.cell_m)
    )
    return {
        # points at a postcode centroid carry ``postcode``: their tooltip says so (assets/hotspots-map.js)
        "points": points_to_geobuf_b64(layer.longitude, layer.latitude, flags=layer.at_postcode),
        "grid": grid,
        "count": layer.count,
        "text": f"{layer.count:,} incident{'s' if layer.count != 1 else ''} selected",
        "notes": [html.Div("Selection: " + sel.describe())] + [html.Div("Note: " + n) for n in notes],
        "viewport": viewport,
        "fit": fit,
    }


def hotspots_view(options: HotspotsOptions, top_n: int | None) -> dict:
    """What the hotspot callback shows (a plain function, so tests can call it)."""
    found = run_hotspots(data_access.source(), options)
    drawn = top_polygons(found.polygons, top_n)
    text, n = _hotspot_text(found, top_n)
    return {
        "polygons": geojson_to_geobuf_b64(hotspots_geojson(drawn.copy(), simplify_m=1.0)),
        "labels": geojson_to_geobuf_b64(hotspot_labels_geojson(drawn)),
        "n": n,
        "text": text,
        "ranks": found.ranks,
    }


def table_view(options: HotspotsOptions, top_n: int | None) -> dict:
    """The ranked table below the map, with streets (looked up only here)."""
    found = run_hotspots(data_access.source(), options)
    table = top_polygons(run_hotspot_table(data_access.source(), options), top_n)
    text, _ = _hotspot_text(found, top_n)
    title = f"Ranked hotspots: {text.split(' · ')[0]}" if len(found.polygons) else "Ranked hotspots"
    return {"rows": table_rows(table), "empty": "" if len(table) else "No hotspots for this selection.", "title": title}


def backtest_view(options: HotspotsOptions) -> dict:
    """The backtest headline the stat bar and details panel show (plain values)."""
    try:
        return map_backtest(data_access.source(), options).summary()
    except Exception as exc:  # a failing backtest must not take the map's summary down
        return {"method": options.method, "pai": None, "text": "no backtest: " + explain(exc, "backtest failed")}
