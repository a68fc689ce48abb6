"""Data verbs: ``ingest``, ``info``, ``demo`` and ``schema``."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from geo.store import IngestReport
from hotspots_cli.main import CliError
from hotspots_cli.options import add_store_args, open_store


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's verbs to the ``hotspots`` parser."""
    p = sub.add_parser("ingest", help="validate and store incident files (CSV, zip, folder, GeoJSON/GPKG/SHP)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or data.police.uk zips")
    p.add_argument(
        "--format",
        default="auto",
        choices=["auto", "police_uk", "force_csv", "vector"],
        help="override format detection",
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="force extract column mapping, e.g. --map date=Date --map time=Time --map easting=X "
        "(fields: id, crime_code, crime_type, date, time, datetime, date_to, time_to, datetime_to, "
        "easting, northing, longitude, latitude, location, lsoa_code, outcome, date_format)",
    )
    p.add_argument("--synthetic", action="store_true", help="mark the rows synthetic")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_store_args(p)
    p.set_defaults(handler=_ingest)

    p = sub.add_parser("info", help="what the store holds: sources, date range, counts")
    add_store_args(p)
    p.set_defaults(handler=_info)

    p = sub.add_parser("demo", help="build the demo store from the bundled Winchester data")
    add_store_args(p)
    p.set_defaults(handler=_demo)

    p = sub.add_parser("schema", help="print the canonical incident schema")
    p.set_defaults(handler=lambda args: print(__import__("geo.schema").schema.schema_markdown()) or 0)


def _parse_map(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise CliError(f"--map '{item}' must be FIELD=COLUMN")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def print_report(report: IngestReport, out: TextIO | None = None) -> None:
    """Print an ingest report: counts, reasons, where the rejects are (to ``out``, default stdout)."""
    out = out or sys.stdout  # looked up now, not at import: tests and callers may redirect stdout
    print(f"files    {len(report.files)}", file=out)
    print(f"read     {report.read:>9,}", file=out)
    print(f"stored   {report.stored:>9,}", file=out)
    print(f"duplicates{report.duplicates:>8,}", file=out)
    print(f"rejected {report.rejected:>9,}", file=out)
    for reason, n in sorted(report.reasons.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {n:>7,}  {reason}", file=out)
    if report.rejects_path:
        print(f"rejects written to {report.rejects_path}", file=out)
    for note in report.notes:
        print(f"note: {note}", file=out)


def _ingest(args: argparse.Namespace) -> int:
    store = open_store(args, read_only=False)
    report = store.ingest(
        args.paths,
        fmt=args.format,
        mapping=_parse_map(args.map),
        synthetic=args.synthetic,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    print_report(report)
    return 0


def _info(args: argparse.Namespace) -> int:
    store = open_store(args)
    s = store.summary()
    print(f"store    {store.location}")
    print(f"total    {s['total']:,} incidents ({s['synthetic']:,} synthetic)")
    if s["date_from"] is not None:
        print(f"dates    {s['date_from']:%d/%m/%Y} to {s['date_to']:%d/%m/%Y}")
    print("\nsources")
    for r in s["sources"].itertuples():
        label = " (synthetic)" if r.synthetic else ""
        print(f"  {r.source:<55} {r.incidents:>8,}  {r.first:%d/%m/%Y}-{r.last:%d/%m/%Y}{label}")
    print("\nby crime type")
    for k, v in s["by_crime_type"].items():
        print(f"  {k:<32} {v:>8,}")
    print("\nby sector")
    for k, v in s["by_sector"].items():
        print(f"  {str(k):<32} {v:>8,}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from geo.config import DEFAULT_DISTRICT, load_district
    from geo.demo_store import build_demo_store
    from geo.store import default_store_location

    district = load_district(args.district or DEFAULT_DISTRICT)
    path = args.store or default_store_location()
    for report in build_demo_store(path, district, progress=sys.stderr.isatty()):
        print(f"{', '.join(report.files)[:70]}: {report.summary_line()}")
    print(f"demo store ready at {path}")
    return 0
