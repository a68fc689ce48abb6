"""Deployment plans for the Deployment page, ``/api/plan`` and the printable ``/briefing``.

Thin and cached: every number comes from :mod:`geo.deploy` and the briefing from
:mod:`geo.briefing`; this module parses the plan options, runs the plan for the shared
selection (cached per store version) and turns it into GeoJSON, CSV or HTML.

Parameters (the same names in the page URL, ``/api/plan`` and ``/briefing``, beside the shared
selection ones; they follow the ``hotspots plan van|patrol`` flags):

* ``mode``: ``van`` (CCTV van sites, default) or ``patrol`` (patrol cells);
* ``k``: number of van sites (default 5, 1-20);
* ``radius``: van camera radius in metres (default 100, 10-1000);
* ``cell``: patrol cell side in metres (default 150, 25-1000);
* ``n``: number of patrol cells (default 8, 1-30).
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import asdict, dataclass
from functools import lru_cache

import geopandas as gpd
import pandas as pd
from flask import Response, request

from dashboard import data_access
from geo.briefing import briefing_html, plan_summary
from geo.deploy import PlanResult, plan_patrols, plan_van_sites
from geo.schema import BNG, PRECISION_TIME, WGS84
from geo.selection import Selection, filter_frame

PLAN_PARAMS = ("mode", "k", "radius", "cell", "n")
MODES = {"van": "CCTV van sites", "patrol": "Patrol plan"}
#: (default, lowest, highest) of each numeric option.
LIMITS = {"k": (5, 1, 20), "radius": (100.0, 10.0, 1000.0), "cell": (150.0, 25.0, 1000.0), "n": (8, 1, 30)}
_LABELS = {"k": "number of van sites", "radius": "camera radius", "cell": "patrol cell size", "n": "number of patrols"}


class PlanParamError(ValueError):
    """A plan option that cannot be used (the API answers 400, the page shows the message)."""


@dataclass(frozen=True)
class PlanOptions:
    """The planner's options (hashable, so results can be cached per selection and options)."""

    mode: str = "van"
    k: int = 5
    radius: float = 100.0
    cell: float = 150.0
    n: int = 8

    @classmethod
    def from_mapping(cls, params: dict) -> PlanOptions:
        """Options from URL/API parameters (strings or numbers); missing ones take the defaults.

        Raises
        ------
        PlanParamError
            Unknown mode, a value that is not a number, or one outside :data:`LIMITS`.
        """
        mode = _single(params, "mode") or "van"
        if mode not in MODES:
            raise PlanParamError(f"mode must be 'van' or 'patrol', got '{mode}'")
        values = {}
        for key, (default, lo, hi) in LIMITS.items():
            raw = _single(params, key)
            if raw is None or raw == "":
                values[key] = default
                continue
            try:
                v = float(raw)
            except (TypeError, ValueError):
                raise PlanParamError(f"the {_LABELS[key]} ('{key}') must be a number, got '{raw}'") from None
            if not math.isfinite(v) or not lo <= v <= hi:
                unit = " m" if key in ("radius", "cell") else ""
                raise PlanParamError(f"the {_LABELS[key]} ('{key}') must be between {lo:g} and {hi:g}{unit}, got {v:g}")
            if isinstance(default, int):
                if v != int(v):
                    raise PlanParamError(f"the {_LABELS[key]} ('{key}') must be a whole number, got {v:g}")
                v = int(v)
            values[key] = v
        return cls(mode=mode, **values)

    def to_mapping(self) -> dict[str, str]:
        """URL parameters of the options that differ from the defaults (``mode`` too)."""
        out = {}
        for key, value in asdict(self).items():
            default = "van" if key == "mode" else LIMITS[key][0]
            if value != default:
                out[key] = f"{value:g}" if isinstance(value, float) else str(value)
        return out


def _single(params: dict, key: str):
    value = params.get(key)
    if isinstance(value, list):
        if len(value) > 1:
            raise PlanParamError(f"parameter '{key}' given more than once")
        value = value[0] if value else None
    return value


@dataclass(frozen=True)
class PlanRun:
    """A plan with what the page and briefing need to label it."""

    result: PlanResult
    options: PlanOptions
    selection: Selection
    synthetic: int
    notes: tuple[str, ...]


def _extra_notes(df: pd.DataFrame) -> tuple[int, tuple[str, ...]]:
    notes = []
    n = len(df)
    synthetic = int(df["synthetic"].fillna(False).astype(bool).sum()) if "synthetic" in df and n else 0
    if synthetic:
        share = "all" if synthetic == n else f"{synthetic:,} of {n:,}"
        notes.append(f"{share} selected incidents are synthetic demo records (illustrative, not real)")
    if "time_precision" in df and n:
        untimed = int((df["time_precision"] != PRECISION_TIME).sum())
        if 0 < untimed < n:
            notes.append(
                f"{untimed:,} of {n:,} selected incidents have no time of day (month or date only): they "
                "count for coverage but not for peak hours and days"
            )
    return synthetic, tuple(notes)


@lru_cache(maxsize=32)
def _run(store_path: str, district_folder: str, version: int, sel: Selection, opts: PlanOptions) -> PlanRun:
    district = data_access.district_for(district_folder)
    chosen = filter_frame(data_access._frame(store_path, district_folder, version), sel)
    cutoff = sel.night_cutoff
    if opts.mode == "van":
        result = plan_van_sites(chosen, opts.k, opts.radius, district=district, night_cutoff=cutoff)
    else:
        result = plan_patrols(chosen, opts.cell, opts.n, night_cutoff=cutoff)
    synthetic, notes = _extra_notes(chosen.incidents)
    return PlanRun(result, opts, sel, synthetic, notes)


def run_plan(sel: Selection, opts: PlanOptions, cfg=None) -> PlanRun:
    """The plan for ``sel`` (cached per store version).  Raises ``PlanError`` when impossible."""
    cfg = cfg or data_access.settings()
    return _run(cfg.store_path, cfg.district_folder, data_access.store_version(cfg), sel, opts)


# ---- output formats -------------------------------------------------------------------------


def _tooltips(result: PlanResult) -> list[str]:
    t = result.table
    if result.kind == "van":
        return [
            f"Van site {int(r['rank'])}: {int(r['incidents_covered']):,} new incidents within "
            f"{r['radius_m']:g} m; near {r['street'] or 'unknown street'}"
            + (f"; peak {r['peak_hours'].replace('-', '–')} {r['peak_days']}" if r["peak_hours"] else "")
            for _, r in t.iterrows()
        ]
    return [
        f"Patrol cell {int(r['rank'])}: {int(r['count']):,} incidents; near {r['street'] or 'unknown street'}"
        + (f"; best {r['best_window'].replace(':00-', ':00–')}" if r["best_window"] else "")
        for _, r in t.iterrows()
    ]


def _with_lonlat(result: PlanResult) -> gpd.GeoDataFrame:
    """The plan table in WGS84 with ``longitude``/``latitude`` of each site or cell centre."""
    t = result.table
    centres = gpd.GeoSeries(gpd.points_from_xy(t["easting"], t["northing"]), crs=BNG).to_crs(WGS84)
    out = result.to_wgs84()
    out.insert(out.columns.get_loc("northing") + 1, "longitude", centres.x.round(6).to_numpy())
    out.insert(out.columns.get_loc("longitude") + 1, "latitude", centres.y.round(6).to_numpy())
    return out


def map_layers(result: PlanResult) -> tuple[dict, dict]:
    """(areas, points) GeoJSON for the map: van circles or patrol squares, and ranked markers."""
    empty = {"type": "FeatureCollection", "features": []}
    if result.empty:
        return empty, empty
    t = result.table.to_crs(BNG)
    tips = _tooltips(result)
    if result.kind == "van":
        geoms = t.geometry.buffer(t["radius_m"].astype(float), quad_segs=16)
    else:
        geoms = t.geometry
    areas = gpd.GeoDataFrame(
        {"rank": t["rank"].astype(int), "kind": result.kind, "tooltip": tips}, geometry=geoms.values, crs=BNG
    )
    pts = gpd.GeoDataFrame(
        {"rank": t["rank"].astype(int), "kind": result.kind, "tooltip": tips},
        geometry=gpd.points_from_xy(t["easting"], t["northing"]),
        crs=BNG,
    )
    return (json.loads(areas.to_crs(WGS84).to_json(drop_id=True)), json.loads(pts.to_crs(WGS84).to_json(drop_id=True)))


def plan_geojson(run: PlanRun) -> dict:
    """The plan as a WGS84 FeatureCollection (van sites as points, patrol cells as squares).

    Each feature carries the plan table's columns plus ``longitude``/``latitude`` of the site or
    cell centre; the collection's ``properties`` hold the mode, options, parameters actually
    used, warnings, notes, selection and the number of incidents selected.
    """
    result = run.result
    if result.empty:
        gj = {"type": "FeatureCollection", "features": []}
    else:
        gj = json.loads(_with_lonlat(result).to_json(drop_id=True, na="null"))
    gj["properties"] = {
        "mode": run.options.mode,
        "options": asdict(run.options),
        "params": json.loads(json.dumps(result.params, default=str)),
        "n_incidents": int(result.n_incidents),
        "summary": plan_summary(result),
        "warnings": list(result.warnings),
        "notes": [*result.notes, *run.notes],
        "selection": run.selection.describe(),
        "synthetic_incidents": run.synthetic,
    }
    return gj


def plan_csv(run: PlanResult | PlanRun) -> str:
    """The plan table as CSV (BNG easting/northing and WGS84 longitude/latitude, no geometry)."""
    result = run.result if isinstance(run, PlanRun) else run
    if result.empty:
        frame = pd.DataFrame(result.table.drop(columns="geometry"))
    else:
        frame = pd.DataFrame(_with_lonlat(result).drop(columns="geometry"))
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue()


def briefing(run: PlanRun, generated=None) -> str:
    """The one-page printable briefing (HTML) of a plan run."""
    district = data_access.district()
    return briefing_html(
        run.result,
        district,
        selection_text=run.selection.describe(),
        generated=generated,
        synthetic=run.synthetic > 0,
        notes=run.notes,
    )


def file_stem(run: PlanRun) -> str:
    return "van-sites" if run.options.mode == "van" else "patrol-plan"


# ---- Flask views ------------------------------------------------------------------------------


def plan_response(params: dict) -> Response:
    """``/api/plan``: the shared selection plus :data:`PLAN_PARAMS` -> GeoJSON (400 on bad input)."""
    from dashboard.api import _selection  # the blueprint's own selection parsing and errors

    opts = PlanOptions.from_mapping({k: v for k, v in params.items() if k in PLAN_PARAMS})
    run = run_plan(_selection(params), opts)
    body = json.dumps(plan_geojson(run), separators=(",", ":"))
    return Response(body, mimetype="application/geo+json")


def _error_page(message: str, status: int) -> Response:
    import html

    body = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Briefing not available</title></head>'
        f"<body><h1>Briefing not available</h1><p>{html.escape(message)}</p>"
        '<p><a href="/deployment">Back to the Deployment page</a></p></body></html>'
    )
    return Response(body, status=status, mimetype="text/html")


def briefing_view() -> Response:
    """``/briefing?...``: the printable one-page briefing for the selection and plan options."""
    from dashboard.state import SHARED_PARAMS
    from geo.params import flatten_multi, selection_from_mapping

    params = flatten_multi(request.args.items(multi=True))
    try:
        sel = selection_from_mapping({k: v for k, v in params.items() if k in SHARED_PARAMS})
        opts = PlanOptions.from_mapping({k: v for k, v in params.items() if k in PLAN_PARAMS})
        run = run_plan(sel, opts)
    except ValueError as exc:
        return _error_page(str(exc), 400)
    return Response(briefing(run), mimetype="text/html")


def register_routes(server) -> None:
    """Add ``/briefing`` to the Flask server (once per app)."""
    if "deployment_briefing" not in server.view_functions:
        server.add_url_rule("/briefing", "deployment_briefing", briefing_view)
