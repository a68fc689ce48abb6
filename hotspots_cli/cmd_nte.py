"""Night-time economy verbs: ``nte``, ``premises``, ``trends`` and ``targets``.

Each takes the shared selection options, prints a readable table with the conventions in force
and writes the table as CSV with ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from geo.targets import fy_label
from geo.timing import convention_text
from hotspots_cli.main import CliError
from hotspots_cli.options import (
    add_selection_args,
    add_store_args,
    marking_of,
    params_from_args,
    source_from_args,
    write_frame,
)
from service.errors import HotspotsError
from service.nte import NteOptions, run_comparison, run_hour_weekday, run_nte
from service.nte_types import window_text
from service.premises import PremisesOptions, run_premises
from service.report import run_report
from service.targets import TargetsOptions, run_targets
from service.trends import TrendsOptions, run_trends


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's verbs to the ``hotspots`` parser."""
    p = sub.add_parser("nte", help="night-time economy: violence by night and hour, inside each zone and elsewhere")
    _common(p)
    _nte_types(p)
    p.add_argument("--aoristic", action="store_true", help="spread incidents over their from/to window")
    p.add_argument("--matrix", action="store_true", help="print the 7x24 hour x weekday matrix of the selection")
    p.add_argument(
        "--midnight",
        choices=["exclude", "include"],
        default="exclude",
        help="records stamped exactly 00:00 with no window (default: exclude and count them)",
    )
    p.add_argument(
        "--compare-year",
        action="store_true",
        help="compare the --from/--to period (default the last 12 months) with a year earlier "
        "(--out gets the comparison)",
    )
    p.set_defaults(handler=_nte)

    p = sub.add_parser("premises", help="night-time violence linked to the nearest licensed premises")
    _common(p)
    _nte_types(p)
    p.add_argument("--radius", metavar="M", help="link radius in metres (default 50)")
    p.add_argument("--top", type=int, default=20, metavar="N", help="rows to print (default 20; --out gets all)")
    p.set_defaults(handler=_premises)

    p = sub.add_parser("trends", help="counts per month/week/weekend with unusual-count flags")
    _common(p)
    p.add_argument("--by", help="group columns, comma-separated (default crime_type)")
    p.add_argument("--freq", choices=["month", "week", "weekend"], help="period (default month)")
    p.add_argument("--at", metavar="DATE", help="a date inside the period to examine (default the latest)")
    p.add_argument("--baseline", help="previous periods averaged (default 12)")
    p.add_argument("--alpha", help="two-sided tail of the expected range (default 0.01)")
    p.add_argument("--flagged-only", action="store_true", help="print only flagged groups")
    p.set_defaults(handler=_trends)

    p = sub.add_parser("targets", help="Home Office target tracker and the quarterly report")
    _common(p)
    p.add_argument("--as-of", metavar="DATE", help="last day counted (default: latest data up to the target year)")
    p.add_argument("--quarter", metavar="Q", help="financial quarter to report, e.g. '2007/08 Q3' (Q1 = Apr-Jun)")
    p.add_argument("--report", metavar="HTML", help="write the one-page quarterly report (self-contained HTML)")
    p.set_defaults(handler=_targets)


def _common(p: argparse.ArgumentParser) -> None:
    add_store_args(p)
    add_selection_args(p)
    p.add_argument("--out", metavar="FILE", help="write the table (.csv)")


def _nte_types(p: argparse.ArgumentParser) -> None:
    # One rule for every face: --crime (the selection's crime filter) replaces the night-time
    # types; without it, violence.  (There is no separate --include.)
    p.add_argument("--window", metavar="HH-HH", help="night-time hours (default 18-06)")


def _print_table(title: str, df: pd.DataFrame, floats: int = 0) -> None:
    print(f"\n{title}")
    print(df.to_string(float_format=lambda v: f"{v:,.{floats}f}"))


def _write(df: pd.DataFrame, args: argparse.Namespace) -> None:
    out = args.out
    if out:
        if Path(out).suffix.lower() != ".csv":
            raise CliError(f"--out {out}: tables are written as .csv")
        print(f"\nwrote {write_frame(df, out, marking_of(args))}")


def _nte(args: argparse.Namespace) -> int:
    params = params_from_args(args, ("window", "midnight"))
    if args.aoristic:
        params["aoristic"] = "true"
    options = NteOptions.from_params(params)
    src = source_from_args(args)
    if args.compare_year:
        return _compare(args, options)
    sel = options.selection
    if args.matrix:
        hw = run_hour_weekday.__wrapped__(src, options)
        print(f"selection: {sel.describe()}")
        print(f"convention: {hw.convention}")
        for note in hw.notes:
            print(f"note: {note}")
        title = "hour x weekday" + (" (rows are nights)" if sel.night_cutoff else "")
        _print_table(title, hw.night_ordered(), 1 if options.aoristic else 0)
        if hw.midnight_flagged and not hw.midnight_included:
            _print_table("stamped 00:00, shown separately", hw.midnight_by_day.to_frame().T)
        _write(hw.long(), args)
        return 0
    a = run_nte.__wrapped__(src, options)
    for note in a.selection_notes:
        print(f"note: {note}")
    print(f"selection: {sel.describe()}")
    view = a.view
    print(f"crime types: {', '.join(a.crime_types)}")
    print(f"convention: {view.convention}")
    for note in view.notes:
        print(f"note: {note}")
    digits = 1 if options.aoristic else 0
    _print_table("by night of week", view.by_night, digits)
    _print_table("by hour", view.by_hour, digits)
    _write(view.table, args)
    return 0


def _compare(args: argparse.Namespace, options: NteOptions) -> int:
    result = run_comparison.__wrapped__(source_from_args(args), options)
    if result.comparison is None:
        raise HotspotsError(result.note)
    cmp = result.comparison
    (start, end), (p0, p1) = cmp.current, cmp.previous
    print(f"crime types: {', '.join(options.crime_types)}; window {window_text(options.window)}")
    print(f"convention: {convention_text(options.selection.night_cutoff)}")
    print(f"current {start:%d/%m/%Y}-{end:%d/%m/%Y} against previous {p0:%d/%m/%Y}-{p1:%d/%m/%Y}")
    print(f"zone bands: {result.band_rule}")
    print(f"test: {cmp.method}")
    for note in cmp.notes:
        print(f"note: {note}")
    _print_table("comparison", cmp.table.set_index("band"), 3)
    _write(cmp.table, args)
    return 0


def _premises(args: argparse.Namespace) -> int:
    options = PremisesOptions.from_params(params_from_args(args, ("radius", "window")))
    res = run_premises.__wrapped__(source_from_args(args), options)
    if res is None:
        raise HotspotsError("no timed night-time incidents of these crime types match the selection")
    sel = options.selection
    print(f"selection: {sel.describe()}; crime types: {', '.join(options.crime_types)}")
    print(f"window {window_text(options.window)}; {convention_text(sel.night_cutoff)}")
    print(f"rule: {res.rule}")
    for note in res.notes:
        print(f"note: {note}")
    cols = ["rank", "name", "incidents", "share_of_linked", "shared", "tied", "peak_night", "peak_hour", "zone"]
    _print_table(f"top {min(args.top, len(res.table))} premises", res.table[cols].head(args.top).set_index("rank"), 3)
    _write(res.table, args)
    return 0


def _trends(args: argparse.Namespace) -> int:
    options = TrendsOptions.from_params(params_from_args(args, ("freq", "by", "at", "baseline", "alpha")))
    rep = run_trends.__wrapped__(source_from_args(args), options).report
    print(f"selection: {options.selection.describe()}")
    print(f"{options.freq}: {rep.period}; {rep.method}")
    for note in rep.notes:
        print(f"note: {note}")
    table = rep.flagged if args.flagged_only else rep.table
    _print_table(f"{len(rep.flagged)} flagged of {len(rep.table)} groups", table, 1)
    _write(rep.table, args)
    return 0


def _targets(args: argparse.Namespace) -> int:
    options = TargetsOptions.from_params(params_from_args(args, ("quarter", "as_of")))
    src = source_from_args(args)
    result = run_targets.__wrapped__(src, options)
    rep, district = result.report, src.district()
    print(
        f"{district.partnership or district.name}: targets {fy_label(district.targets.baseline_year)} to "
        f"{fy_label(district.targets.target_year)}; evaluated {rep.evaluated_year} to {rep.as_of:%d/%m/%Y}"
    )
    if rep.synthetic:
        print("Contains synthetic demo data")
    maxima = [c for c in rep.table.columns if c.startswith("max at")]
    cols = ["category", "baseline", *maxima, "to_date", "projected", "trajectory", "change_pct", "status"]
    _print_table("targets", rep.table[cols].set_index("category"), 1)
    print(f"\nrounding: {rep.rounding_rule}")
    print(f"status: {rep.status_rule}")
    for note in result.notes:
        print(f"note: {note}")
    if args.report:
        path = Path(args.report)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(run_report(src, options).html, encoding="utf-8")
        print(f"\nwrote {path}")
    _write(rep.table, args)
    return 0
