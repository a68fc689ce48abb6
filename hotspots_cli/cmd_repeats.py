"""Repeat-location and near-repeat verbs: ``repeats`` and ``nearrepeat``.

Both take the shared selection options and print readable tables; ``--out`` writes the main table
as CSV and ``nearrepeat --zones-out`` the prospective risk zones as GeoJSON (WGS84).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pandas as pd

from hotspots_cli.main import CliError
from hotspots_cli.options import add_selection_args, add_store_args, marking_of, selection_from_args, write_frame
from render.repeats import SIGNIFICANT_MARK, gini_text, knox_cells, repeat_rows, shares_rows, zone_rows
from service.errors import HotspotsError
from service.nearrepeat import NearRepeatOptions, run_nearrepeat
from service.repeats import RepeatsOptions, run_repeats
from service.source import Source


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``repeats`` and ``nearrepeat``."""
    p = sub.add_parser("repeats", help="repeat locations: concentration (Lorenz, Gini) and the repeat-locations table")
    add_store_args(p)
    add_selection_args(p)
    p.add_argument("--grid", metavar="M", help="round precise coordinates to this grid in metres (default 1)")
    p.add_argument("--top", type=int, default=20, metavar="N", help="repeat locations to print (default 20)")
    p.add_argument("--out", metavar="FILE", help="write every repeat location (.csv)")
    p.set_defaults(handler=_repeats)

    p = sub.add_parser("nearrepeat", help="near repeats: Knox test over distance x time bands, and risk zones")
    add_store_args(p)
    add_selection_args(p)
    p.add_argument(
        "--distance-bands", metavar="M,M,...", help="upper ends of the distance bands in metres (default 100,...,500)"
    )
    p.add_argument(
        "--time-bands",
        metavar="N,N,...",
        help="upper ends of the time bands (default 7,14,21,28 days or 0,1,2,3 months)",
    )
    p.add_argument("--unit", choices=["auto", "days", "months"], default="auto", help="time unit (default auto)")
    p.add_argument("--permutations", metavar="N", help="Monte Carlo permutations (default 999)")
    p.add_argument("--seed", metavar="S", help="seed of the permutations (default 0)")
    p.add_argument("--last-days", metavar="N", help="risk zones around the incidents of the last N days (default 28)")
    p.add_argument("--grid", metavar="M", help="round precise coordinates to this grid in metres (default 1)")
    p.add_argument("--out", metavar="FILE", help="write every Knox cell (.csv)")
    p.add_argument("--zones-out", metavar="FILE", help="write the risk zones (.geojson)")
    p.set_defaults(handler=_nearrepeat)


def _params(args: argparse.Namespace, names: tuple[str, ...]) -> dict:
    return {n: getattr(args, n) for n in names if getattr(args, n, None) not in (None, "")}


def _check_suffix(path: str | None, suffixes: tuple[str, ...], flag: str) -> None:
    if path and Path(path).suffix.lower() not in suffixes:
        raise CliError(f"{flag} {path}: write it as {' or '.join(suffixes)}")


def _print_table(title: str, df: pd.DataFrame, index: bool = False) -> None:
    print(f"\n{title}")
    print(df.to_string(index=index) if not df.empty else "(none)")


def _repeats(args: argparse.Namespace) -> int:
    _check_suffix(args.out, (".csv",), "--out")
    try:
        options = replace(RepeatsOptions.from_params(_params(args, ("grid",))), selection=selection_from_args(args))
        result = run_repeats(Source.build(args.store, args.district), options)
    except HotspotsError as exc:
        raise CliError(str(exc)) from None
    rep = result.report
    print(f"selection: {options.selection.describe()}")
    if result.synthetic:
        print("Contains synthetic demo data")
    print(f"rule: {rep.rule}")
    for note in result.notes:
        print(f"note: {note}")
    _print_table("concentration", shares_rows(rep))
    print(f"\n{gini_text(rep)}")
    print(
        f"\n{rep.n_repeat_locations:,} repeat locations (two or more incidents) hold "
        f"{rep.incidents_at_repeats:,} of {rep.n_incidents:,} incidents"
    )
    top = max(1, args.top)
    _print_table(f"repeat locations (top {min(top, rep.n_repeat_locations)})", repeat_rows(rep, top))
    if args.out:
        print(f"\nwrote {write_frame(repeat_rows(rep), args.out, marking_of(args))}")
    return 0


def _nearrepeat(args: argparse.Namespace) -> int:
    _check_suffix(args.out, (".csv",), "--out")
    _check_suffix(args.zones_out, (".geojson", ".json", ".gpkg"), "--zones-out")
    names = ("distance_bands", "time_bands", "unit", "permutations", "seed", "last_days", "grid")
    try:
        options = replace(NearRepeatOptions.from_params(_params(args, names)), selection=selection_from_args(args))
        result = run_nearrepeat(Source.build(args.store, args.district), options)
    except HotspotsError as exc:
        raise CliError(str(exc)) from None
    k = result.knox
    print(f"selection: {result.selection.describe()}")
    if result.synthetic:
        print("Contains synthetic demo data")
    for note in result.notes:
        print(f"note: {note}")
    print(f"test: {k.method}")
    print(f"time unit: {k.unit}; distances between locations rounded to {k.grid_m:g} m")
    _print_table("observed pairs (rows: distance apart; columns: time apart)", k.observed, index=True)
    _print_table("expected pairs", k.expected.round(1), index=True)
    _print_table(
        f"observed / expected (p-value); {SIGNIFICANT_MARK} = significant (p < {k.alpha:g}, above expected)",
        knox_cells(k),
        index=True,
    )
    ext = k.extent()
    if ext is None:
        print("\nno risk zones: no near band is significant in the first time band")
    else:
        row, col, _ = ext
        print(
            f"\nrisk raised within {k.observed.index[row]} and {k.observed.columns[col]} of an incident: "
            f"{len(result.zones):,} risk zones around the incidents of the last {options.last_days} days"
        )
        _print_table("risk zones", zone_rows(result.zones).head(20))
    if args.out:
        print(f"\nwrote {write_frame(k.long(), args.out, marking_of(args))}")
    if args.zones_out:
        zones = result.zones.assign(
            occurred=result.zones["occurred"].dt.strftime("%Y-%m-%d"),
            zone_from=result.zones["zone_from"].dt.strftime("%Y-%m-%d"),
            zone_to=result.zones["zone_to"].dt.strftime("%Y-%m-%d"),
        )
        print(f"wrote {write_frame(zones, args.zones_out, marking_of(args))} ({len(zones):,} zones)")
    return 0
