"""Hotspot verbs: ``hotspots`` (find), ``plan van`` / ``plan patrol`` and ``evaluate``.

Examples::

    hotspots hotspots --method kde --crime "Violence and sexual offences" --out hot.geojson
    hotspots hotspots --method emerging --from 01/02/2017 --to 30/09/2017
    hotspots plan van --k 5 --radius 100 --out vans.gpkg
    hotspots plan patrol --cell 150 --n 8 --hours 20-04 --out patrols.csv
    hotspots evaluate --method kde --area-share 0.01
"""

from __future__ import annotations

import argparse

import pandas as pd

from hotspots_cli.main import CliError
from hotspots_cli.options import add_selection_args, add_store_args, open_store, selection_from_args, write_frame

_METHOD_CHOICES = ("kde", "gistar", "dbscan", "hdbscan", "emerging")


def _add_method_args(p: argparse.ArgumentParser) -> None:
    from geo.hotspots import DEFAULT_METHOD

    g = p.add_argument_group("method (omitted values are chosen from the data and reported)")
    g.add_argument("--method", default=DEFAULT_METHOD, choices=_METHOD_CHOICES, help=f"default {DEFAULT_METHOD}")
    g.add_argument("--cell-size", type=float, metavar="M", help="grid cell in metres (kde, gistar, emerging)")
    g.add_argument("--bandwidth", metavar="M", help="kde bandwidth in metres, or 'scott'")
    g.add_argument("--local-weight", type=float, metavar="W", help="kde: weight of the cell's own density (0 = plain)")
    g.add_argument("--top-share", type=float, metavar="SHARE", help="kde: share of the area marked (default 0.01)")
    g.add_argument("--eps", type=float, metavar="M", help="dbscan neighbourhood radius in metres")
    g.add_argument("--min-samples", type=int, metavar="N", help="dbscan/hdbscan core-point incidents")
    g.add_argument("--min-cluster-size", type=int, metavar="N", help="hdbscan smallest cluster")
    g.add_argument("--period", metavar="P", help="emerging: M (months), Q, W or Y (default M)")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def _method_params(args: argparse.Namespace) -> dict:
    bw = args.bandwidth
    if bw is not None and bw != "scott":
        try:
            bw = float(bw)
        except ValueError as exc:
            raise CliError(f"--bandwidth must be metres or 'scott', got '{bw}'") from exc
    by_method = {
        "kde": {
            "cell_size": args.cell_size,
            "bandwidth": bw,
            "local_weight": args.local_weight,
            "top_share": args.top_share,
        },
        "gistar": {"cell_size": args.cell_size},
        "dbscan": {"eps": args.eps, "min_samples": args.min_samples},
        "hdbscan": {"min_cluster_size": args.min_cluster_size, "min_samples": args.min_samples},
        "emerging": {"cell_size": args.cell_size, "period": args.period},
    }
    params = {k: v for k, v in by_method[args.method].items() if v is not None}
    given = {
        "cell_size": args.cell_size,
        "bandwidth": args.bandwidth,
        "local_weight": args.local_weight,
        "top_share": args.top_share,
        "eps": args.eps,
        "min_samples": args.min_samples,
        "min_cluster_size": args.min_cluster_size,
        "period": args.period,
    }
    unused = [k for k, v in given.items() if v is not None and k not in params]
    if unused:
        flags = ", ".join("--" + k.replace("_", "-") for k in unused)
        raise CliError(f"{flags} does not apply to method '{args.method}'")
    return params


def register(sub: argparse._SubParsersAction) -> None:
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
    v.add_argument("--k", type=int, default=5, help="number of van sites (default 5)")
    v.add_argument("--radius", type=float, default=100.0, help="camera radius in metres (default 100)")
    v.add_argument("--solver", default="auto", choices=["auto", "exact", "greedy"])
    v.add_argument("--candidates", default="cells", choices=["cells", "incidents"])
    v.add_argument("--no-fixed-cctv", action="store_true", help="ignore the district's fixed cameras")
    v.add_argument("--out", metavar="FILE", help="write .geojson, .gpkg or .csv")
    v.add_argument("--briefing", metavar="FILE", help="also write a printable one-page HTML briefing")
    v.set_defaults(handler=_plan_van, verb="plan van")
    t = plan.add_parser("patrol", help="top patrol cells with time windows and 15-minute visits")
    add_store_args(t)
    add_selection_args(t)
    t.add_argument("--cell", type=float, default=150.0, help="cell size in metres (default 150)")
    t.add_argument("--n", type=int, default=8, help="number of cells (default 8)")
    t.add_argument("--window", type=int, default=3, help="time window width in hours (default 3)")
    t.add_argument("--visit", type=int, default=15, help="suggested visit in minutes (default 15)")
    t.add_argument("--out", metavar="FILE", help="write .geojson, .gpkg or .csv")
    t.add_argument("--briefing", metavar="FILE", help="also write a printable one-page HTML briefing")
    t.set_defaults(handler=_plan_patrol, verb="plan patrol")

    p = sub.add_parser("evaluate", help="backtest a hotspot method: hit rate and PAI beside two baselines")
    add_store_args(p)
    add_selection_args(p)
    _add_method_args(p)
    p.add_argument("--area-share", type=float, default=0.01, help="hotspot area cap, share of the district (0.01)")
    p.add_argument("--train-months", type=int, default=3, help="training window in months (default 3)")
    p.add_argument("--test-months", type=int, default=1, help="test window in months (default 1)")
    p.add_argument("--all-types", action="store_true", help="only all crime types together (faster)")
    p.add_argument(
        "--max-folds",
        type=int,
        default=12,
        help="use the latest N monthly folds with data (default 12; 0 for all, slow on years of data)",
    )
    p.add_argument("--out", metavar="FILE", help="write the table as .csv")
    p.set_defaults(handler=_evaluate)


def _load(args):
    sel = selection_from_args(args)
    store = open_store(args)
    res = store.query(sel)
    if res.empty:
        detail = "; ".join(res.notes)
        raise CliError(f"no incidents match the selection ({sel.describe()})" + (f": {detail}" if detail else ""))
    return store, res


def _print_notes(res, params: dict | None = None) -> None:
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


def _hotspots(args) -> int:
    store, sel = _load(args)
    params = _method_params(args)
    if args.method == "emerging":
        from geo.hotspots.emerging import classify_emerging

        res = classify_emerging(sel, district=store.district, seed=args.seed, **params)
    else:
        from geo.hotspots import find_hotspots

        res = find_hotspots(sel, args.method, district=store.district, seed=args.seed, **params)
    print(f"{res.message} - {sel.selection.describe()}")
    _print_notes(res, res.params)
    if res.empty:
        print("no hotspots found")
    else:
        extra = {"gistar": ["gi_class"], "emerging": ["category"]}.get(args.method, [])
        _show(
            res.polygons, ["rank", *extra, "count", "share", "area_m2", "density_per_km2", "top_crime_types"], args.top
        )
    if args.out:
        print(f"wrote {write_frame(res.polygons, args.out)}")
    return 0


def _plan_van(args) -> int:
    from geo.deploy import plan_van_sites

    store, sel = _load(args)
    cctv = store.district.cctv.iloc[0:0] if args.no_fixed_cctv else None
    res = plan_van_sites(
        sel, args.k, args.radius, district=store.district, cctv=cctv, solver=args.solver, candidates=args.candidates
    )
    print(f"{args.k} van site(s), radius {args.radius:g} m - {sel.selection.describe()}")
    _print_notes(res, res.params)
    _show(
        res.table,
        ["rank", "incidents_covered", "cumulative_share", "peak_hours", "peak_days", "street", "easting", "northing"],
    )
    if args.out:
        print(f"wrote {write_frame(res.table, args.out)}")
    _briefing(args, res, sel, store.district)
    return 0


def _briefing(args, res, sel, district) -> None:
    if not args.briefing:
        return
    from pathlib import Path

    from geo.briefing import briefing_html

    synthetic = "synthetic" in sel.incidents and bool(sel.incidents["synthetic"].fillna(False).any())
    page = briefing_html(res, district, selection_text=sel.selection.describe(), synthetic=synthetic)
    Path(args.briefing).write_text(page, encoding="utf-8")
    print(f"wrote {args.briefing}")


def _plan_patrol(args) -> int:
    from geo.deploy import plan_patrols

    store, sel = _load(args)
    res = plan_patrols(sel, args.cell, args.n, window_hours=args.window, visit_minutes=args.visit)
    print(f"top {args.n} patrol cells of {args.cell:g} m - {sel.selection.describe()}")
    _print_notes(res, res.params)
    _show(res.table, ["rank", "count", "share", "best_window", "suggested_visit", "street"])
    if args.out:
        print(f"wrote {write_frame(res.table, args.out)}")
    _briefing(args, res, sel, store.district)
    return 0


def _evaluate(args) -> int:
    from geo.evaluate import backtest

    if args.method == "emerging":
        raise CliError("emerging classes are not a forecast; evaluate kde, gistar, dbscan or hdbscan")
    store, sel = _load(args)
    params = _method_params(args)
    cell = params.pop("cell_size", None)
    table = backtest(
        sel,
        args.method,
        district=store.district,
        area_share=args.area_share,
        train_months=args.train_months,
        test_months=args.test_months,
        by_crime_type=not args.all_types,
        cell_size=cell,
        max_folds=args.max_folds or None,
        seed=args.seed,
        **params,
    )
    p = table.attrs["params"]
    print(f"backtest of {args.method} at {args.area_share:.1%} of the area - {sel.selection.describe()}")
    print(f"{len(p['folds'])} fold(s): " + "; ".join(p["folds"]) + f"; cell {p['cell_size_m']:g} m")
    for note in table.attrs.get("notes", []):
        print(f"note: {note}")
    _show(table, ["crime_type", "model", "test_incidents", "hit_rate", "area_share", "pai", "pai_at_cap"])
    if args.out:
        print(f"wrote {write_frame(table, args.out)}")
    return 0
