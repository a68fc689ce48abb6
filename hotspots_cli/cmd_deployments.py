"""``hotspots deployments add|list|remove``, ``hotspots assess`` and ``hotspots report`` (the one-page PDF).

Every verb goes through :mod:`service.deployments` / :mod:`service.assess`; errors a user can fix
print one line and exit 2.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from geo.errors import HotspotsError
from hotspots_cli.main import CliError
from hotspots_cli.options import add_store_args

if TYPE_CHECKING:
    from service.source import Source


def _source(args: argparse.Namespace) -> Source:
    from service.source import Source

    return Source.build(args.store, args.district)


def _user_errors(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the service's user errors into the CLI's one-line error (exit 2)."""

    @functools.wraps(fn)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except HotspotsError as exc:
            raise CliError(str(exc)) from None

    return wrapper


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``deployments``, ``assess`` and ``report``."""
    p = subparsers.add_parser("deployments", help="the deployment log: record, list or remove deployments")
    verbs = p.add_subparsers(dest="deployments_verb", metavar="ACTION")
    verbs.required = True

    add = verbs.add_parser("add", help="record a van deployment or a patrol")
    add_store_args(add)
    add.add_argument("--kind", choices=["van", "patrol"], required=True)
    where = add.add_mutually_exclusive_group(required=True)
    where.add_argument("--site", metavar="E,N", help="a site in British National Grid metres (with --radius)")
    where.add_argument("--cell", metavar="E,N,SIZE", help="a square cell: centre and side in metres")
    where.add_argument("--area", metavar="FILE.geojson", help="a drawn polygon (GeoJSON, WGS84)")
    add.add_argument("--radius", default="100", metavar="M", help="site radius in metres (default 100)")
    add.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="first day, dd/mm/yyyy")
    add.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="last day, dd/mm/yyyy")
    add.add_argument("--days", metavar="DAYS", help="nights of the week, e.g. fri,sat")
    add.add_argument("--hours", metavar="HH-HH", help="hours, may cross midnight, e.g. 20-04")
    add.add_argument("--who", required=True, metavar="NAME", help="who is recording it")
    add.add_argument("--notes", default="", metavar="TEXT")
    add.set_defaults(handler=_add)

    ls = verbs.add_parser("list", help="list recorded deployments")
    add_store_args(ls)
    ls.set_defaults(handler=_list)

    rm = verbs.add_parser("remove", help="remove a recorded deployment")
    add_store_args(rm)
    rm.add_argument("id", metavar="ID")
    rm.set_defaults(handler=_remove)

    a = subparsers.add_parser("assess", help="before/during/after assessment of a recorded deployment")
    add_store_args(a)
    a.add_argument("id", metavar="ID", help="deployment id (see `hotspots deployments list`)")
    a.add_argument("--buffer", metavar="M", help="buffer ring width in metres (default 200)")
    a.add_argument("--compare", choices=["during", "after"], default="during", help="period set against before")
    a.add_argument("--control", metavar="AREA", help="auto (default), ward:NAME or sector:NAME")
    a.add_argument("--control-area", metavar="FILE.geojson", help="a drawn control area (GeoJSON, WGS84)")
    a.add_argument("--crime", action="append", metavar="TYPE", help="crime type (repeat); default all")
    a.set_defaults(handler=_assess)

    r = subparsers.add_parser("report", help="the quarterly report on one A4 page (PDF and/or HTML)")
    add_store_args(r)
    r.add_argument("--quarter", metavar="Q", help="financial quarter, e.g. '2007/08 Q3' (default: the latest data)")
    r.add_argument("--pdf", metavar="FILE", help="write the PDF here")
    r.add_argument("--html", metavar="FILE", help="write the same page as HTML here")
    r.set_defaults(handler=_report)


def _read_geojson(path: str | None) -> str | None:
    if not path:
        return None
    p = Path(path)
    if not p.is_file():
        raise CliError(f"{p}: no such GeoJSON file")
    if p.stat().st_size > 5_000_000:
        raise CliError(f"{p}: larger than 5 MB; a drawn area is a few kilobytes")
    return p.read_text(encoding="utf-8", errors="replace")


@_user_errors
def _add(args: argparse.Namespace) -> int:
    from service.deployments import DeploymentInput, add_deployment

    params = {
        "kind": args.kind,
        "site": args.site,
        "radius": args.radius if args.site else None,
        "cell": args.cell,
        "area": _read_geojson(args.area),
        "from": args.date_from,
        "to": args.date_to,
        "days": args.days,
        "hours": args.hours,
        "who": args.who,
        "notes": args.notes,
    }
    d = add_deployment(_source(args), DeploymentInput.from_params(params))
    print(f"recorded deployment {d.id}: {d.kind}, {d.where_text()}; {d.when_text()}; by {d.who}")
    return 0


@_user_errors
def _list(args: argparse.Namespace) -> int:
    from service.deployments import list_deployments

    rows = list_deployments(_source(args))
    if not rows:
        print("no deployments recorded")
        return 0
    for d in rows:
        print(f"{d.id:>4}  {d.kind:<6}  {d.when_text()}  {d.where_text()}  by {d.who}")
        if d.notes:
            print(f"      notes: {d.notes}")
    return 0


@_user_errors
def _remove(args: argparse.Namespace) -> int:
    from service.deployments import remove_deployment

    d = remove_deployment(_source(args), args.id)
    print(f"removed deployment {d.id} ({d.kind}, {d.when_text()})")
    return 0


@_user_errors
def _assess(args: argparse.Namespace) -> int:
    from service.assess import AssessOptions, run_assess

    params = {
        "deployment": args.id,
        "buffer": args.buffer,
        "compare": args.compare,
        "control": args.control,
        "control_area": _read_geojson(args.control_area),
        "crime": args.crime,
    }
    res = run_assess(_source(args), AssessOptions.from_params(params))
    a = res.assessment
    d = a.deployment
    print(f"deployment {d.id}: {d.kind}, {d.where_text()}; {d.when_text()}")
    print(f"control: {a.control.label if a.control else 'none'} ({a.control.method if a.control else '-'})")
    table = a.counts.set_index("label")[["before", "during", "after"]]
    print(table.to_string())
    for name, (lo, hi) in a.spans.items():
        print(f"{name}: {lo:%d/%m/%Y} to {hi:%d/%m/%Y}")
    m = a.measures
    wdq = "n/a" if m.wdq is None else f"{m.wdq:+.2f}"
    tne = "n/a" if m.total_net_effect is None else f"{m.total_net_effect:+.1f}"
    print(f"WDQ: {wdq} ({m.reading}); total net effect: {tne} crimes")
    t = a.target_test
    p = "n/a" if t.p_value is None else f"{t.p_value:.4f}"
    print(f"test: {t.method}: p = {p}")
    print(res.sentence)
    for note in a.notes:
        print(f"note: {note}")
    return 0


@_user_errors
def _report(args: argparse.Namespace) -> int:
    from service.assess import quarterly_report

    if not args.pdf and not args.html:
        raise CliError("give --pdf FILE and/or --html FILE")
    rep = quarterly_report(_source(args), args.quarter, pdf=bool(args.pdf))
    for path, content in ((args.pdf, rep.pdf), (args.html, rep.html)):
        if path:
            out = Path(path)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
            print(f"wrote {out}")
    print(f"{rep.quarter}: {len(rep.assessments)} deployment assessment(s); marking {rep.marking}")
    return 0
