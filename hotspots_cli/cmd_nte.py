"""Night-time economy verbs: ``nte``, ``premises``, ``trends`` and ``targets``.

Each takes the shared selection options, prints a readable table with the conventions in force
and writes the table as CSV with ``--out``.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pandas as pd

from geo.schema import NTE_VIOLENCE
from geo.selection import Selection
from geo.timing import convention_text, hour_weekday, in_hour_window, nte_by_zone
from hotspots_cli.main import CliError
from hotspots_cli.options import add_selection_args, add_store_args, open_store, selection_from_args, write_frame

_INCLUDE = {
    "public-order": "Public order",
    "criminal-damage": "Criminal damage and arson",
    "asb": "Anti-social behaviour",
}


def register(sub: argparse._SubParsersAction) -> None:
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
    p.add_argument("--radius", type=float, default=50.0, metavar="M", help="link radius in metres (default 50)")
    p.add_argument("--top", type=int, default=20, metavar="N", help="rows to print (default 20; --out gets all)")
    p.set_defaults(handler=_premises)

    p = sub.add_parser("trends", help="counts per month/week/weekend with unusual-count flags")
    _common(p)
    p.add_argument("--by", default="crime_type", help="group columns, comma-separated (default crime_type)")
    p.add_argument("--freq", choices=["month", "week", "weekend"], default="month", help="period (default month)")
    p.add_argument("--at", metavar="DATE", help="a date inside the period to examine (default the latest)")
    p.add_argument("--baseline", type=int, default=12, help="previous periods averaged (default 12)")
    p.add_argument("--alpha", type=float, default=0.01, help="two-sided tail of the expected range (default 0.01)")
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
    p.add_argument(
        "--include",
        action="append",
        choices=sorted(_INCLUDE),
        default=[],
        help="add a crime type to violence (repeat); --crime replaces the set instead",
    )
    p.add_argument("--window", default="18-06", metavar="HH-HH", help="night-time hours (default 18-06)")


def _window(text: str) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in text.split("-"))
    except ValueError:
        raise CliError(f"--window '{text}' must be HH-HH, e.g. 18-06") from None
    if not (0 <= a <= 23 and 0 <= b <= 24) or a == b % 24:
        raise CliError(f"--window '{text}': two different hours in 0-24")
    return a, b


def _types(args: argparse.Namespace, sel: Selection) -> tuple[str, ...]:
    if sel.crime_types:
        return sel.crime_types
    return (*NTE_VIOLENCE, *(_INCLUDE[k] for k in args.include))


def _query(args: argparse.Namespace, sel: Selection):
    store = open_store(args)
    result = store.query(sel)
    for note in result.notes:
        print(f"note: {note}")
    return store, result.incidents


def _print_table(title: str, df: pd.DataFrame, floats: int = 0) -> None:
    print(f"\n{title}")
    print(df.to_string(float_format=lambda v: f"{v:,.{floats}f}"))


def _write(df: pd.DataFrame, out: str | None) -> None:
    if out:
        if Path(out).suffix.lower() != ".csv":
            raise CliError(f"--out {out}: tables are written as .csv")
        print(f"\nwrote {write_frame(df, out)}")


def _nte(args: argparse.Namespace) -> int:
    sel = selection_from_args(args)
    window = _window(args.window)
    if args.compare_year:
        return _compare(args, sel, window)
    store, incidents = _query(args, sel)
    print(f"selection: {sel.describe()}")
    if args.matrix:
        hw = hour_weekday(incidents, aoristic=args.aoristic, night_cutoff=sel.night_cutoff, midnight=args.midnight)
        print(f"convention: {hw.convention}")
        for note in hw.notes:
            print(f"note: {note}")
        _print_table(
            "hour x weekday" + (" (rows are nights)" if sel.night_cutoff else ""),
            hw.night_ordered(),
            1 if args.aoristic else 0,
        )
        if hw.midnight_flagged and not hw.midnight_included:
            _print_table("stamped 00:00, shown separately", hw.midnight_by_day.to_frame().T)
        _write(hw.long(), args.out)
        return 0
    types = _types(args, sel)
    view = nte_by_zone(
        incidents,
        store.district,
        crime_types=types,
        window=window,
        night_cutoff=sel.night_cutoff,
        aoristic=args.aoristic,
    )
    print(f"crime types: {', '.join(types)}")
    print(f"convention: {view.convention}")
    for note in view.notes:
        print(f"note: {note}")
    digits = 1 if args.aoristic else 0
    _print_table("by night of week", view.by_night, digits)
    _print_table("by hour", view.by_hour, digits)
    _write(view.table, args.out)
    return 0


def _compare(args: argparse.Namespace, sel: Selection, window: tuple[int, int]) -> int:
    from geo.trends import compare_year_on_year

    store, incidents = _query(args, sel.replace(date_from=None, date_to=None))
    types = _types(args, sel)
    yoy = compare_year_on_year(
        incidents,
        store.district,
        crime_types=types,
        window=window,
        date_from=sel.date_from,
        date_to=sel.date_to,
        night_cutoff=sel.night_cutoff,
    )
    if yoy is None:
        raise CliError("no timed night-time incidents in this selection to compare")
    cmp, (start, end), (p0, p1) = yoy.comparison, yoy.current, yoy.previous
    print(f"crime types: {', '.join(types)}; window {window[0]:02d}:00-{window[1] % 24:02d}:00")
    print(f"convention: {convention_text(sel.night_cutoff)}")
    print(f"current {start:%d/%m/%Y}-{end:%d/%m/%Y} against previous {p0:%d/%m/%Y}-{p1:%d/%m/%Y}")
    print(f"zone bands: {yoy.band_rule}")
    print(f"test: {cmp.method}")
    for note in cmp.notes:
        print(f"note: {note}")
    _print_table("comparison", cmp.table.set_index("band"), 3)
    _write(cmp.table, args.out)
    return 0


def _premises(args: argparse.Namespace) -> int:
    from geo.premises import link_premises, premises_zones

    sel = selection_from_args(args)
    window = _window(args.window)
    store, incidents = _query(args, sel)
    types = _types(args, sel)
    sub = incidents[incidents["crime_type"].isin(types).to_numpy() & in_hour_window(incidents, window)]
    district = store.district
    res = link_premises(
        sub,
        district.premises,
        radius_m=args.radius,
        zones=premises_zones(district.premises, district),
        night_cutoff=sel.night_cutoff,
    )
    print(f"selection: {sel.describe()}; crime types: {', '.join(types)}")
    print(f"window {window[0]:02d}:00-{window[1] % 24:02d}:00; {convention_text(sel.night_cutoff)}")
    print(f"rule: {res.rule}")
    for note in res.notes:
        print(f"note: {note}")
    cols = ["rank", "name", "incidents", "share_of_linked", "shared", "tied", "peak_night", "peak_hour", "zone"]
    _print_table(f"top {min(args.top, len(res.table))} premises", res.table[cols].head(args.top).set_index("rank"), 3)
    _write(res.table, args.out)
    return 0


def _trends(args: argparse.Namespace) -> int:
    from geo.trends import period_trends

    sel = selection_from_args(args)
    _, incidents = _query(args, sel)
    by = tuple(c.strip() for c in args.by.split(",") if c.strip())
    rep = period_trends(
        incidents,
        freq=args.freq,
        by=by,
        at=args.at,
        baseline=args.baseline,
        alpha=args.alpha,
        night_cutoff=sel.night_cutoff,
    )
    print(f"selection: {sel.describe()}")
    print(f"{args.freq}: {rep.period}; {rep.method}")
    for note in rep.notes:
        print(f"note: {note}")
    table = rep.flagged if args.flagged_only else rep.table
    _print_table(f"{len(rep.flagged)} flagged of {len(rep.table)} groups", table, 1)
    _write(rep.table, args.out)
    return 0


def _targets(args: argparse.Namespace) -> int:
    from geo.targets import fy_label, parse_quarter, quarter_end, target_table
    from render.report import render_quarterly_report

    sel = selection_from_args(args)
    store, incidents = _query(args, sel)
    district = store.district
    as_of: date | str | None = args.as_of
    quarter = None
    if args.quarter:
        year, q = parse_quarter(args.quarter)
        as_of, quarter = quarter_end(year, q), f"{fy_label(year)} Q{q}"
    rep = target_table(incidents, district.targets, as_of=as_of)
    if sel.describe() != "all incidents":
        rep.notes.append(f"counted for part of the district only ({sel.describe()}): the targets are district-wide")
    print(
        f"{district.partnership or district.name}: targets {fy_label(district.targets.baseline_year)} to "
        f"{fy_label(district.targets.target_year)}; evaluated {rep.evaluated_year} to {rep.as_of:%d/%m/%Y}"
    )
    if rep.synthetic:
        print("Contains synthetic demo data")
    cols = [
        "category",
        "baseline",
        *[c for c in rep.table.columns if c.startswith("max at")],
        "to_date",
        "projected",
        "trajectory",
        "change_pct",
        "status",
    ]
    _print_table("targets", rep.table[cols].set_index("category"), 1)
    print(f"\nrounding: {rep.rounding_rule}")
    print(f"status: {rep.status_rule}")
    for note in rep.notes:
        print(f"note: {note}")
    if args.report:
        path = Path(args.report)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            render_quarterly_report(rep, partnership=district.partnership, district=district.name, quarter=quarter),
            encoding="utf-8",
        )
        print(f"\nwrote {path}")
    _write(rep.table, args.out)
    return 0
