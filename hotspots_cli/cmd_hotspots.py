"""Hotspot verbs: ``hotspots`` (find), ``plan van`` / ``plan patrol`` and ``evaluate``.

Examples::

    hotspots hotspots --method kde --crime "Violence and sexual offences" --out hot.geojson
    hotspots hotspots --method emerging --from 01/02/2017 --to 30/09/2017
    hotspots plan van --k 5 --radius 100 --out vans.gpkg
    hotspots plan patrol --cell 150 --n 8 --hours 20-04 --out patrols.csv
    hotspots plan van --centroids          # site on incidents placed at a postcode centroid too
    hotspots evaluate --method kde --area-share 0.01
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from hotspots_cli.options import (
    add_selection_args,
    add_store_args,
    params_from_args,
    source_from_args,
    write_frame,
)
from service.backtest import BacktestOptions, run_backtest
from service.briefing import run_briefing
from service.errors import HotspotsError
from service.hotspots import METHOD_CHOICES, HotspotsOptions, run_hotspots
from service.plan import PlanOptions, PlanRun, run_plan

_METHOD_FLAGS = ("method", "cell_size", "bandwidth", "local_weight", "top_share", "eps", "min_samples",
                 "min_cluster_size", "period", "max_hotspots", "min_count", "seed", "centroids")  # fmt: skip


def _add_method_args(p: argparse.ArgumentParser) -> None:
    from geo.hotspots import DEFAULT_METHOD

    g = p.add_argument_group("method (omitted values are chosen from the data and reported)")
    g.add_argument("--method", default=DEFAULT_METHOD, choices=METHOD_CHOICES, help=f"default {DEFAULT_METHOD}")
    g.add_argument("--cell-size", metavar="M", help="grid cell in metres (kde, gistar, counts, emerging)")
    g.add_argument("--bandwidth", metavar="M", help="kde bandwidth in metres, or 'scott'")
    g.add_argument("--local-weight", metavar="W", help="kde: weight of the cell's own density (0 = plain)")
    g.add_argument("--top-share", metavar="SHARE", help="share of the selection's area to mark (default 0.01)")
    g.add_argument("--max-hotspots", metavar="N", help="at most N hotspots (where the method supports it)")
    g.add_argument("--min-count", metavar="N", help="fewest incidents in a hotspot (where the method supports it)")
    g.add_argument("--eps", metavar="M", help="dbscan neighbourhood radius in metres")
    g.add_argument("--min-samples", metavar="N", help="dbscan/hdbscan core-point incidents")
    g.add_argument("--min-cluster-size", metavar="N", help="hdbscan smallest cluster")
    g.add_argument("--period", metavar="P", help="emerging: M (months), Q, W or Y (default M)")
    g.add_argument("--seed", default=None, help="random seed (default 0)")
    _add_centroids_arg(g, "dbscan/hdbscan: cluster incidents placed at a postcode centroid too (left out by default)")


def _add_centroids_arg(
    p: argparse.ArgumentParser | argparse._ArgumentGroup,
    text: str = "also site on incidents placed at a postcode centroid (left out by default: no exact point)",
) -> None:
    # dest "centroids": the options' own parameter name (HotspotsOptions / PlanOptions.from_params)
    p.add_argument("--centroids", action="store_true", help=text)


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's verbs to the ``hotspots`` parser."""
    p = sub.add_parser("hotspots", help="find ranked hotspot polygons in a selection")
    add_store_args(p)
    add_selection_args(p)
    _add_method_args(p)
    p.add_argument("--top", type=int, default=10, metavar="N", help="rows to print (default 10; all are written)")
    p.add_argument("--out", metavar="FILE", help="write .geojson, .gpkg or .csv (WGS84 for GIS formats)")
    p.set_defaults(handler=_hotspots)

    p = sub.add_parser("plan", help="deployment plans: CCTV van sites or patrol cells")
    plan = p.add_subparsers(dest="plan_kind", metavar="KIND")
    plan.required = True
    v = plan.add_parser("van", help="CCTV van sites maximising incidents covered")
    add_store_args(v)
    add_selection_args(v)
    v.add_argument("--k", help="number of van sites (default 5, 1-20)")
    v.add_argument("--radius", help="camera radius in metres (default 100, 10-1000)")
    v.add_argument("--solver", choices=["auto", "exact", "greedy"])
    v.add_argument("--candidates", choices=["cells", "incidents"])
    v.add_argument("--no-fixed-cctv", action="store_true", help="ignore the district's fixed cameras")
    _add_centroids_arg(v)
    v.add_argument("--out", metavar="FILE", help="write .geojson, .gpkg or .csv")
    v.add_argument("--briefing", metavar="FILE", help="also write a printable one-page HTML briefing")
    v.set_defaults(handler=_plan_van, verb="plan van")
    t = plan.add_parser("patrol", help="top patrol cells with time windows and 15-minute visits")
    add_store_args(t)
    add_selection_args(t)
    t.add_argument("--cell", help="cell size in metres (default 150, 25-1000)")
    t.add_argument("--n", help="number of cells (default 8, 1-30)")
    t.add_argument("--window", help="time window width in hours (default 3)")
    t.add_argument("--visit", help="suggested visit in minutes (default 15)")
    _add_centroids_arg(t)
    t.add_argument("--out", metavar="FILE", help="write .geojson, .gpkg or .csv")
    t.add_argument("--briefing", metavar="FILE", help="also write a printable one-page HTML briefing")
    t.set_defaults(handler=_plan_patrol, verb="plan patrol")

    p = sub.add_parser("evaluate", help="backtest a hotspot method: hit rate and PAI beside two baselines")
    add_store_args(p)
    add_selection_args(p)
    _add_method_args(p)
    p.add_argument("--area-share", help="hotspot area cap, share of the district (0.01)")
    p.add_argument("--train-months", help="training window in months (default 3)")
    p.add_argument("--test-months", help="test window in months (default 1)")
    p.add_argument("--all-types", action="store_true", help="only all crime types together (faster)")
    p.add_argument(
        "--max-folds",
        dest="folds",
        help="use the latest N monthly folds with data (default 6, the same as the map; 0 for all)",
    )
    p.add_argument("--out", metavar="FILE", help="write the table as .csv")
    p.set_defaults(handler=_evaluate)


def _print_notes(res: object, params: dict | None = None) -> None:
    for note in getattr(res, "notes", []):
        print(f"note: {note}")
    for w in getattr(res, "warnings", []):
        print(f"warning: {w}")
    if params:
        print("parameters: " + "; ".join(f"{k}={v}" for k, v in params.items()))


def _show(table: pd.DataFrame, cols: list[str], top: int | None = None) -> None:
    frame = pd.DataFrame(table)[[c for c in cols if c in table.columns]]
    if top is not None:
        frame = frame.head(top)
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        print(frame.to_string(index=False))


def _no_incidents(n: int, notes: tuple[str, ...] | list[str], what: str) -> None:
    if n == 0:
        detail = "; ".join(notes)
        raise HotspotsError(f"no incidents match the selection ({what})" + (f": {detail}" if detail else ""))


def _hotspots(args: argparse.Namespace) -> int:
    options = HotspotsOptions.from_params(params_from_args(args, _METHOD_FLAGS))
    found = run_hotspots.__wrapped__(source_from_args(args), options)  # the CLI runs once: no cache
    res = found.result
    _no_incidents(found.n_incidents, res.notes, options.selection.describe())
    print(f"{res.message} - {options.selection.describe()}")
    _print_notes(res, res.params)
    if res.empty:
        print("no hotspots found")
    else:
        extra = {"gistar": ["gi_class"], "emerging": ["category"]}.get(options.method, [])
        cols = ["rank", *extra, "count", "share", "area_m2", "density_per_km2", "top_crime_types"]
        _show(res.polygons, cols, int(args.top))
    if args.out:
        print(f"wrote {write_frame(res.polygons, args.out)}")
    return 0


def _plan(args: argparse.Namespace, mode: str, names: tuple[str, ...]) -> PlanRun:
    params = params_from_args(args, names)
    params["mode"] = mode
    if getattr(args, "no_fixed_cctv", False):
        params["fixed_cctv"] = "false"
    options = PlanOptions.from_params(params, cli=True)
    run = run_plan.__wrapped__(source_from_args(args), options)
    _no_incidents(run.n_selected, run.result.notes, options.selection.describe())
    print(f"{options.label} - {options.selection.describe()}")
    for note in run.notes:  # what the plan left out or includes (postcode centroids, synthetic rows)
        print(f"note: {note}")
    _print_notes(run.result, run.result.params)
    return run


def _finish_plan(args: argparse.Namespace, run: PlanRun, cols: list[str]) -> int:
    _show(run.result.table, cols)
    if args.out:
        print(f"wrote {write_frame(run.result.table, args.out)}")
    if args.briefing:
        page = run_briefing(source_from_args(args), run.options)
        Path(args.briefing).write_text(page.html, encoding="utf-8")
        print(f"wrote {args.briefing}")
    return 0


def _plan_van(args: argparse.Namespace) -> int:
    run = _plan(args, "van", ("k", "radius", "solver", "candidates", "centroids"))
    cols = [
        "rank",
        "incidents_covered",
        "cumulative_share",
        "reliability",
        "peak_hours",
        "peak_days",
        "street",
        "easting",
        "northing",
    ]
    return _finish_plan(args, run, cols)


def _plan_patrol(args: argparse.Namespace) -> int:
    run = _plan(args, "patrol", ("cell", "n", "window", "visit", "centroids"))
    cols = ["rank", "count", "share", "reliability", "best_window", "suggested_visit", "street"]
    return _finish_plan(args, run, cols)


def _evaluate(args: argparse.Namespace) -> int:
    params = params_from_args(args, (*_METHOD_FLAGS, "area_share", "train_months", "test_months", "folds"))
    params["by_crime_type"] = "false" if args.all_types else "true"
    options = BacktestOptions.from_params(params)
    hot = options.hotspots
    bt = run_backtest.__wrapped__(source_from_args(args), options)
    if bt.table is None:
        raise HotspotsError(bt.reason)
    print(f"backtest of {hot.method} - {hot.selection.describe()}")
    if bt.fold_names:
        cell = f"; cell {bt.cell_size_m:g} m" if bt.cell_size_m else ""
        print(f"{len(bt.fold_names)} fold(s): " + "; ".join(bt.fold_names) + cell)
    if bt.headline:  # all crime types: the figure the map shows beside these hotspots
        print(bt.headline)
        if bt.sentence:
            print(bt.sentence)
        if bt.recommendation:
            print(f"recommendation: {bt.recommendation}")
    for note in bt.notes:
        print(f"note: {note}")
    cols = ["crime_type", "model", "test_incidents", "hit_rate", "area_share", "pai", "pai_at_cap", "pei_star"]
    _show(bt.table, [c for c in cols if c in bt.table.columns])
    if args.out:
        print(f"wrote {write_frame(bt.table, args.out)}")
    return 0
