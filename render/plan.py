"""Deployment plans as map layers, GeoJSON and CSV (WGS84 at the edges, BNG columns kept)."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.briefing import plan_summary
from geo.deploy import PlanResult
from geo.schema import BNG, WGS84
from render.geojson import empty_collection
from render.safe import escape_html, neutralise_csv
from service.plan import PlanRun


def tooltips(result: PlanResult) -> list[str]:
    """One hover line per site or cell (HTML: every text from the data is escaped)."""
    t = result.table
    if result.kind == "van":
        return [
            f"Van site {int(r['rank'])}: {int(r['incidents_covered']):,} new incidents within "
            f"{r['radius_m']:g} m; near {escape_html(r['street'] or 'unknown street')}"
            + (
                f"; peak {escape_html(r['peak_hours']).replace('-', '–')} {escape_html(r['peak_days'])}"
                if r["peak_hours"]
                else ""
            )
            for _, r in t.iterrows()
        ]
    return [
        f"Patrol cell {int(r['rank'])}: {int(r['count']):,} incidents; "
        f"near {escape_html(r['street'] or 'unknown street')}"
        + (f"; best {escape_html(r['best_window']).replace(':00-', ':00–')}" if r["best_window"] else "")
        for _, r in t.iterrows()
    ]


def with_lonlat(result: PlanResult) -> gpd.GeoDataFrame:
    """The plan table in WGS84 with ``longitude``/``latitude`` of each site or cell centre."""
    t = result.table
    centres = gpd.GeoSeries(gpd.points_from_xy(t["easting"], t["northing"]), crs=BNG).to_crs(WGS84)
    out = result.to_wgs84()
    out.insert(out.columns.get_loc("northing") + 1, "longitude", centres.x.round(6).to_numpy())
    out.insert(out.columns.get_loc("longitude") + 1, "latitude", centres.y.round(6).to_numpy())
    return out


def map_layers(result: PlanResult) -> tuple[dict[str, Any], dict[str, Any]]:
    """(areas, points) GeoJSON for the map: van circles or patrol squares, and ranked markers."""
    if result.empty:
        return empty_collection(), empty_collection()
    t = result.table.to_crs(BNG)
    tips = tooltips(result)
    geoms = t.geometry.buffer(t["radius_m"].astype(float), quad_segs=16) if result.kind == "van" else t.geometry
    props = {"rank": t["rank"].astype(int), "kind": result.kind, "tooltip": tips}
    areas = gpd.GeoDataFrame(props, geometry=geoms.values, crs=BNG)
    pts = gpd.GeoDataFrame(props, geometry=gpd.points_from_xy(t["easting"], t["northing"]), crs=BNG)
    return (json.loads(areas.to_crs(WGS84).to_json(drop_id=True)), json.loads(pts.to_crs(WGS84).to_json(drop_id=True)))


def plan_geojson(run: PlanRun) -> dict[str, Any]:
    """The plan as a WGS84 FeatureCollection (van sites as points, patrol cells as squares).

    Each feature carries the plan table's columns plus ``longitude``/``latitude`` of the site or
    cell centre; the collection's ``properties`` hold the mode, options, parameters actually
    used, warnings, notes, selection and the number of incidents selected.
    """
    result = run.result
    gj = empty_collection() if result.empty else json.loads(with_lonlat(result).to_json(drop_id=True, na="null"))
    options = {k: v for k, v in asdict(run.options).items() if k in ("mode", "k", "radius", "cell", "n")}
    gj["properties"] = {
        "mode": run.options.mode,
        "options": options,
        "params": json.loads(json.dumps(result.params, default=str)),
        "n_incidents": int(result.n_incidents),
        "summary": plan_summary(result),
        "warnings": list(result.warnings),
        "notes": [*result.notes, *run.notes],
        "selection": run.selection.describe(),
        "synthetic_incidents": run.synthetic,
    }
    return gj


def plan_csv(result: PlanResult) -> str:
    """The plan table as CSV (BNG easting/northing and WGS84 longitude/latitude, no geometry)."""
    source = result.table if result.empty else with_lonlat(result)
    buf = io.StringIO()
    neutralise_csv(pd.DataFrame(source.drop(columns="geometry"))).to_csv(buf, index=False)
    return buf.getvalue()
